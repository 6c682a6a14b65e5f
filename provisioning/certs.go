package provisioning

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// CertificateURIs are the certificate files a configuration names (§3.5.3,
// PROV-11).
type CertificateURIs struct {
	// CA are security/ca_certificate/{0..4}/uri: trusted roots for HTTPS,
	// SIP TLS and 802.1X ("" where unset).
	CA [5]string
	// SIP is security/sip_certificate_uri + sip_private_key_uri: the client
	// certificate for SIP over TLS.
	SIP KeyPairURIs
	// Dot1X is security/ieee802_1x_certificate_uri + ..._private_key_uri.
	Dot1X KeyPairURIs
	// AutoUpdate is security/autoupdate_certificate_uri + ..._private_key_uri:
	// presented to the provisioning server (fetch.TLSConfig.ClientCert/Key).
	AutoUpdate KeyPairURIs
}

// KeyPairURIs name a certificate and its private key.
type KeyPairURIs struct{ Cert, Key string }

func (k KeyPairURIs) set() bool { return k.Cert != "" || k.Key != "" }

// CertificateURIsFrom reads the certificate keys of c.
func CertificateURIsFrom(c *config.Config) CertificateURIs {
	// Literal keys, not built ones: every booting phone reads them, and
	// config finds a literal again by its address.
	get := func(k string) string { return strings.TrimSpace(c.Get(k)) }
	return CertificateURIs{
		CA: [5]string{get("security/ca_certificate/0/uri"), get("security/ca_certificate/1/uri"),
			get("security/ca_certificate/2/uri"), get("security/ca_certificate/3/uri"), get("security/ca_certificate/4/uri")},
		SIP:        KeyPairURIs{get("security/sip_certificate_uri"), get("security/sip_private_key_uri")},
		Dot1X:      KeyPairURIs{get("security/ieee802_1x_certificate_uri"), get("security/ieee802_1x_private_key_uri")},
		AutoUpdate: KeyPairURIs{get("security/autoupdate_certificate_uri"), get("security/autoupdate_private_key_uri")},
	}
}

// Certificates are downloaded, checked certificate files (PEM).
type Certificates struct {
	// CA holds the root certificates by index (nil where unset or bad).
	CA         [5][]byte
	SIP        KeyPair
	Dot1X      KeyPair
	AutoUpdate KeyPair
}

// KeyPair is a PEM certificate (chain) and its private key.
type KeyPair struct{ Cert, Key []byte }

// CAs returns the non-empty CA files, for fetch.TLSConfig.CAs.
func (c Certificates) CAs() [][]byte {
	var out [][]byte
	for _, b := range c.CA {
		if b != nil {
			out = append(out, b)
		}
	}
	return out
}

// maxCertSize bounds a certificate or key file.
const maxCertSize = 256 << 10

// FetchCertificates downloads every certificate file the URIs name (bare
// names resolve against base, the configuration URL) and checks it: a CA must
// hold at least one certificate, a pair's certificate and key must match. A
// file that fails is left out and reported in the joined error; the others
// are returned.
func (p *Provisioner) FetchCertificates(ctx context.Context, uris CertificateURIs, base string) (Certificates, error) {
	var out Certificates
	var errs []error
	get := func(what, ref string) []byte {
		url, err := ResolveRef(base, p.cfg.Identity.Substitute(ref))
		if err == nil {
			var b []byte
			if b, err = fetch.ReadAll(ctx, p.cfg.Fetcher, url, maxCertSize); err == nil {
				return b
			}
		}
		errs = append(errs, fmt.Errorf("%s %s: %w", what, ref, err))
		return nil
	}
	for i, ref := range uris.CA {
		if ref == "" {
			continue
		}
		b := get("CA certificate "+strconv.Itoa(i), ref)
		if b == nil {
			continue
		}
		if _, err := fetch.ParseCertificates(b); err != nil {
			errs = append(errs, fmt.Errorf("%w: CA certificate %d (%s): %w", ErrBadCertificate, i, ref, err))
			continue
		}
		out.CA[i] = b
	}
	pair := func(what string, u KeyPairURIs) KeyPair {
		if !u.set() {
			return KeyPair{}
		}
		if u.Cert == "" || u.Key == "" {
			errs = append(errs, fmt.Errorf("%w: %s needs both a certificate and a key URI", ErrBadCertificate, what))
			return KeyPair{}
		}
		cert, key := get(what+" certificate", u.Cert), get(what+" key", u.Key)
		if cert == nil || key == nil {
			return KeyPair{}
		}
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrBadCertificate, what, err))
			return KeyPair{}
		}
		return KeyPair{Cert: cert, Key: key}
	}
	out.SIP = pair("SIP TLS", uris.SIP)
	out.Dot1X = pair("802.1X", uris.Dot1X)
	out.AutoUpdate = pair("provisioning client", uris.AutoUpdate)
	return out, errors.Join(errs...)
}
