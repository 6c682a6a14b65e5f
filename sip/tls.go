package sip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// The TLS versions a tls_method or tls_disable token names. SSL 2 and 3 have
// no Go implementation: forcing them is an error, disabling them is a no-op.
var tlsTokens = map[string]uint16{
	"tls_1":   tls.VersionTLS10,
	"tls_1_1": tls.VersionTLS11,
	"tls_1_2": tls.VersionTLS12,
}

// negotiable is what ssl_2_3 may agree on: the phone aligns with TLS 1.2
// (manual §3.4.1), so TLS 1.3 is not offered.
var negotiable = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12}

// tlsVersions maps voip/signalling/sip/tls_method and tls_disable to a
// crypto/tls version range.
func tlsVersions(method string, disable []string) (minV, maxV uint16, err error) {
	m := strings.ToLower(strings.TrimSpace(method))
	switch m {
	case "", "ssl_2_3":
	case "ssl_2", "ssl_3":
		return 0, 0, fmt.Errorf("%w: %s", ErrTLSVersion, m)
	default:
		v, ok := tlsTokens[m]
		if !ok {
			return 0, 0, fmt.Errorf("%w: unknown tls_method %q", ErrConfig, method)
		}
		return v, v, nil
	}
	off := map[uint16]bool{}
	for _, d := range disable {
		d = strings.ToLower(strings.TrimSpace(d))
		switch d {
		case "", "ssl_2", "ssl_3", "ssl_2_3":
			continue
		}
		v, ok := tlsTokens[d]
		if !ok {
			return 0, 0, fmt.Errorf("%w: unknown tls_disable entry %q", ErrConfig, d)
		}
		off[v] = true
	}
	// crypto/tls takes a range, not a set: keep the highest contiguous run of
	// allowed versions (disabling TLS 1.1 alone therefore leaves only 1.2).
	for i := len(negotiable) - 1; i >= 0; i-- {
		if off[negotiable[i]] {
			if maxV != 0 {
				break
			}
			continue
		}
		if maxV == 0 {
			maxV = negotiable[i]
		}
		minV = negotiable[i]
	}
	if maxV == 0 {
		return 0, 0, fmt.Errorf("%w: tls_disable leaves no version", ErrTLSVersion)
	}
	return minV, maxV, nil
}

// serverTLS is the tls.Config of the phone's own TLS listener.
func serverTLS(c TLSConfig, ip net.IP) (*tls.Config, error) {
	minV, maxV, err := tlsVersions(c.Method, c.Disable)
	if err != nil {
		return nil, err
	}
	certs := c.Certificates
	if len(certs) == 0 {
		cert, err := selfSigned(ip)
		if err != nil {
			return nil, err
		}
		certs = []tls.Certificate{cert}
	}
	return &tls.Config{MinVersion: minV, MaxVersion: maxV, Certificates: certs}, nil
}

// selfSigned makes a throw-away certificate for the phone's TLS listener
// when it was given no device certificate.
func selfSigned(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sip: listener key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: ip.String(), Organization: []string{"hdphone"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{ip},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sip: listener certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
