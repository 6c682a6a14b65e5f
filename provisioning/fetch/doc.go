// Package fetch downloads provisioning files the way a 400HD does: one small
// interface, Fetcher, and a Client that implements it for four URL schemes —
// http, https, tftp and ftp.
//
// # Whole files and headers
//
// Fetcher.Open(ctx, url, first) starts a download. With first > 0 only the
// first bytes are wanted (a firmware header): HTTP sends a Range request (and,
// when a server ignores Range, stops reading after those bytes and closes the
// connection), TFTP reads the first block and aborts the transfer with an
// ERROR packet, FTP closes the data connection after those bytes. ReadAll and
// ReadHeader are the two common uses.
//
// # Errors
//
// Failures are typed: ErrNotFound (HTTP 404, TFTP error 1, FTP 550),
// ErrDenied (401/403, TFTP error 2, FTP 530), ErrTimeout (no answer or a
// transfer that stalls for Config.IdleTimeout), ErrTruncated (the server
// dropped the connection before the announced end), ErrTooLarge (over
// Config.MaxSize), ErrBadURL, ErrUnsupportedScheme, *StatusError for other
// HTTP answers, and *CertificateError (which wraps ErrCertificate) when an
// HTTPS server is refused. Context cancellation ends every transfer.
//
// # HTTPS and the trust store
//
// With security/SSLCertificateErrorsMode=Disallow (the default) a server is
// accepted only when its chain leads to a trusted root, its name matches and
// nothing in the chain has expired at the injected clock's time; otherwise
// the request fails with a *CertificateError whose Reason says which (behaviour
// SEC-1). With Ignore nothing is checked. Trusted roots are:
//
//   - the built-in store (TrustStore): the Mozilla/NSS root programme bundled
//     in golang.org/x/crypto/x509roots/fallback/bundle — the same list on every
//     platform, like a phone's baked-in store, standing in for the 33 roots of
//     the manual's §2.7.4 list which cannot be downloaded here — plus the
//     AudioCodes root printed in §2.7.5 (O=ACL, CN=RootCA, valid 2000–2030);
//   - the PEM certificates the integrator downloaded from
//     security/ca_certificate/{0..4}/uri (TLSConfig.CAs).
//
// A client certificate and key (security/autoupdate_certificate_uri and
// autoupdate_private_key_uri) are presented when a server asks for one.
//
// # Forward proxy
//
// With http_client/fwd_proxy/ip set (not 0.0.0.0), HTTP and HTTPS go through
// ip:port, with Basic proxy credentials when a user name is set; with
// direct/ip=Local (the default) destinations in RFC 1918 space bypass the
// proxy (behaviour SEC-5). FromSettings reads these keys.
//
// Every HTTP request carries Config.UserAgent.
package fetch
