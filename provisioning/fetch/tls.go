package fetch

import (
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/hdphone/hdphone/clock"
)

// audioCodesRootPEM is the AudioCodes root CA of the manual's §2.7.5 with its
// broken last line repaired (parameters_notes item 35): O=ACL, CN=RootCA,
// serial 01, valid 2000-01-01 to 2030-01-01.
//
//go:embed audiocodes_root.pem
var audioCodesRootPEM []byte

// AudioCodesRoot returns the AudioCodes root CA certificate.
func AudioCodesRoot() *x509.Certificate {
	block, _ := pem.Decode(audioCodesRootPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		// The file is part of the binary; a parse failure is a build bug.
		panic("fetch: embedded AudioCodes root does not parse: " + err.Error())
	}
	return cert
}

var trustStore = sync.OnceValue(func() *x509.CertPool {
	p := x509.NewCertPool()
	for r := range bundle.Roots() {
		cert, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			continue
		}
		if r.Constraint != nil {
			p.AddCertWithConstraint(cert, r.Constraint)
		} else {
			p.AddCert(cert)
		}
	}
	p.AddCert(AudioCodesRoot())
	return p
})

// TrustStore returns the built-in trusted roots: the NSS root programme
// bundle and the AudioCodes root (see the package documentation). The pool
// is shared; callers must Clone it before adding to it.
func TrustStore() *x509.CertPool { return trustStore() }

// TLSConfig is the HTTPS policy of a Client. The zero value validates
// against the built-in store and presents no client certificate.
type TLSConfig struct {
	// IgnoreErrors accepts any server certificate
	// (security/SSLCertificateErrorsMode=Ignore).
	IgnoreErrors bool
	// Roots replaces the built-in store when non-nil.
	Roots *x509.CertPool
	// CAs are extra trusted roots in PEM (the files of
	// security/ca_certificate/{n}/uri); each may hold several certificates.
	CAs [][]byte
	// ClientCert and ClientKey are the PEM certificate (chain) and private
	// key presented to servers that ask (security/autoupdate_certificate_uri
	// and autoupdate_private_key_uri). Both or neither.
	ClientCert, ClientKey []byte
	// Identity, when ClientCert is not set, gives the certificate presented
	// to servers that ask for one: the phone's factory certificate (manual
	// §3.5.3). It is called only when a server asks, so that a certificate
	// made on first use costs nothing to phones that never meet mutual
	// TLS. Nil: no certificate is presented.
	Identity func() (*tls.Certificate, error)
}

func (t TLSConfig) build(clk clock.Clock) (*tls.Config, error) {
	roots := t.Roots
	if roots == nil {
		roots = TrustStore()
	}
	if len(t.CAs) > 0 {
		roots = roots.Clone()
		for i, ca := range t.CAs {
			certs, err := ParseCertificates(ca)
			if err != nil {
				return nil, fmt.Errorf("CA %d: %w", i, err)
			}
			for _, c := range certs {
				roots.AddCert(c)
			}
		}
	}
	conf := &tls.Config{
		RootCAs:            roots,
		InsecureSkipVerify: t.IgnoreErrors,
		// The phone's TLS library (OpenSSL 1.0.1, manual §3.5.8) speaks
		// TLS 1.2 and nothing newer: a server sees a 1.2 handshake, and
		// one that insists on TLS 1.3 cannot serve the phone.
		MinVersion: tls.VersionTLS12,
		MaxVersion: tls.VersionTLS12,
		Time:       clk.Now,
	}
	if len(t.ClientCert) > 0 || len(t.ClientKey) > 0 {
		pair, err := tls.X509KeyPair(t.ClientCert, t.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("%w: client certificate: %w", ErrBadCertificate, err)
		}
		conf.Certificates = []tls.Certificate{pair}
	} else if t.Identity != nil {
		identity := t.Identity
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c, err := identity()
			if err != nil {
				return nil, fmt.Errorf("%w: factory certificate: %w", ErrBadCertificate, err)
			}
			return c, nil
		}
	}
	return conf, nil
}

// ParseCertificates decodes every CERTIFICATE block of a PEM file. A file
// with none, or with one that does not parse, is an error wrapping
// ErrBadCertificate.
func ParseCertificates(pemBytes []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadCertificate, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no PEM certificate", ErrBadCertificate)
	}
	return out, nil
}

// certError classifies a TLS verification failure, or returns nil when err
// is not one.
func certError(host string, err error) *CertificateError {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return &CertificateError{Host: host, Reason: CertUntrusted, Err: unknown}
	case errors.As(err, &hostname):
		return &CertificateError{Host: host, Reason: CertWrongName, Err: hostname}
	case errors.As(err, &invalid):
		r := CertOther
		if invalid.Reason == x509.Expired {
			r = CertExpired
		}
		return &CertificateError{Host: host, Reason: r, Err: invalid}
	case errors.As(err, &verify):
		return &CertificateError{Host: host, Reason: CertOther, Err: verify.Err}
	case strings.Contains(err.Error(), "x509: "):
		return &CertificateError{Host: host, Reason: CertOther, Err: err}
	}
	return nil
}
