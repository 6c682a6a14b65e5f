package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/hdphone/hdphone/device/flash"
)

// RecordHTTPSCert is the flash record holding the Web server's certificate
// and key (PEM). It is part of the phone's identity: a factory reset keeps it.
const RecordHTTPSCert = flash.DirFactory + "web_https.pem"

// loadOrMakeCert returns the phone's HTTPS certificate, making and storing a
// self-signed one the first time. A damaged record is replaced.
func loadOrMakeCert(fl *flash.Store, mac string, now time.Time) (tls.Certificate, error) {
	if b, err := fl.Read(RecordHTTPSCert); err == nil {
		if c, err := tls.X509KeyPair(b, b); err == nil {
			return c, nil
		}
	} else if !errors.Is(err, flash.ErrNotFound) {
		return tls.Certificate{}, fmt.Errorf("web: read certificate: %w", err)
	}
	pemBytes, err := makeCert(mac, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := fl.Write(RecordHTTPSCert, pemBytes); err != nil {
		return tls.Certificate{}, fmt.Errorf("web: store certificate: %w", err)
	}
	c, err := tls.X509KeyPair(pemBytes, pemBytes)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("web: new certificate: %w", err)
	}
	return c, nil
}

// makeCert makes a self-signed ECDSA P-256 certificate named after the MAC,
// valid for 20 years from now (a phone has no reliable time at first boot,
// so it starts a day early).
func makeCert(mac string, now time.Time) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("web: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("web: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: mac, Organization: []string{"hdphone 400HD"}},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{mac, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("web: certificate: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("web: key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})...)
	return out, nil
}
