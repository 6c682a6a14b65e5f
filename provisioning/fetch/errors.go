package fetch

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadURL: the URL cannot be parsed or has no host.
	ErrBadURL = errors.New("fetch: bad URL")
	// ErrUnsupportedScheme: not http, https, tftp or ftp.
	ErrUnsupportedScheme = errors.New("fetch: unsupported scheme")
	// ErrNotFound: the server has no such file.
	ErrNotFound = errors.New("fetch: not found")
	// ErrDenied: the server refused access (credentials, permissions).
	ErrDenied = errors.New("fetch: access denied")
	// ErrTimeout: the server did not answer, or the transfer stalled.
	ErrTimeout = errors.New("fetch: timed out")
	// ErrTruncated: the transfer ended before the announced end of file.
	ErrTruncated = errors.New("fetch: transfer truncated")
	// ErrTooLarge: the file is larger than the allowed size.
	ErrTooLarge = errors.New("fetch: file too large")
	// ErrCertificate: an HTTPS server's certificate was refused; the error is a
	// *CertificateError.
	ErrCertificate = errors.New("fetch: server certificate refused")
	// ErrBadCertificate: a configured CA or client certificate/key is not
	// usable PEM.
	ErrBadCertificate = errors.New("fetch: bad certificate or key")
)

// StatusError is an HTTP answer other than success, 404, 401 and 403.
type StatusError struct {
	URL    string
	Code   int
	Status string
}

func (e *StatusError) Error() string { return fmt.Sprintf("fetch: %s: HTTP %s", e.URL, e.Status) }

// CertReason says why a server certificate was refused.
type CertReason int

// The reasons.
const (
	CertUntrusted CertReason = iota + 1 // the chain does not lead to a trusted root
	CertWrongName                       // the certificate is for another host
	CertExpired                         // a certificate in the chain is expired or not yet valid
	CertOther                           // anything else (bad chain, bad usage)
)

func (r CertReason) String() string {
	switch r {
	case CertUntrusted:
		return "untrusted"
	case CertWrongName:
		return "wrong name"
	case CertExpired:
		return "expired"
	}
	return "invalid"
}

// CertificateError is an HTTPS server refused under
// security/SSLCertificateErrorsMode=Disallow.
type CertificateError struct {
	Host   string
	Reason CertReason
	Err    error // the verifier's error
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("fetch: %s: server certificate %s: %v", e.Host, e.Reason, e.Err)
}

// Unwrap exposes both ErrCertificate and the verifier's error.
func (e *CertificateError) Unwrap() []error { return []error{ErrCertificate, e.Err} }
