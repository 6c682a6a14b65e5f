// Package factorycert keeps a phone's factory identity: the private key and
// per-MAC certificate a 400HD leaves the factory with, which it presents to
// servers that authenticate phones (the AudioCodes redirect server, mutual
// TLS provisioning servers, SIP servers over TLS) when no other client
// certificate is configured for that use (manual §3.5.3).
//
// AudioCodes' factory CA is not public, so the emulator has its own: the
// hdphone Factory CA, whose certificate and key are embedded here on
// purpose. It is a test CA: a server that should accept hdphone phones by
// their factory certificates trusts CACertPEM (hdphone factory-ca prints
// it); nothing else should.
//
// A phone whose factory files are missing, unreadable or not its own makes
// new ones, as the manual says a phone does at its next power-up. The
// emulator makes them when a server first asks for a client certificate:
// a server cannot tell the difference, and a fleet of thousands of phones
// that never meet mutual TLS does not spend a key and a signature each on
// every first boot. Keys are ECDSA P-256 for the same reason (an RSA key
// takes a thousand times longer to make).
package factorycert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/hdphone/hdphone/device/flash"
)

//go:embed factory-ca.pem
var caCertPEM []byte

//go:embed factory-ca-key.pem
var caKeyPEM []byte

// CACertPEM returns the hdphone Factory CA's certificate (PEM): the root a
// server trusts to accept phones by their factory certificates.
func CACertPEM() []byte { return append([]byte(nil), caCertPEM...) }

// ErrBadMAC is returned for a MAC that is not 48 bits.
var ErrBadMAC = errors.New("factorycert: MAC is not 48 bits")

// The factory certificates' validity: long, and fixed, as a factory's are,
// so that neither a phone's unset clock nor a server's judges them.
var (
	notBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)
)

var ca = sync.OnceValues(func() (*x509.Certificate, error) {
	block, _ := pem.Decode(caCertPEM)
	if block == nil {
		return nil, errors.New("factorycert: embedded CA certificate is not PEM")
	}
	return x509.ParseCertificate(block.Bytes)
})

var caKey = sync.OnceValues(func() (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(caKeyPEM)
	if block == nil {
		return nil, errors.New("factorycert: embedded CA key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("factorycert: embedded CA key is %T, not ECDSA", k)
	}
	return ek, nil
})

// CommonName is the subject common name of the factory certificate of the
// phone with this MAC: its 12 hex digits in lower case, as the phone names
// its configuration file.
func CommonName(mac net.HardwareAddr) string { return hex.EncodeToString(mac) }

// Keeper hands out one phone's factory certificate, reading it from flash
// or making it on first use; it is safe for concurrent use (TLS handshakes
// ask for it from their own goroutines).
type Keeper struct {
	certs flash.Certificates
	mac   net.HardwareAddr

	mu   sync.Mutex
	cert *tls.Certificate
}

// NewKeeper returns the keeper of the factory identity of the phone with
// this MAC, kept in certs' factory slot.
func NewKeeper(certs flash.Certificates, mac net.HardwareAddr) *Keeper {
	return &Keeper{certs: certs, mac: mac}
}

// Certificate returns the factory certificate and key, with the CA's
// certificate after the phone's. Factory files that are missing, do not
// parse, do not belong together or name another MAC are replaced by new
// ones, stored in flash before they are returned.
func (k *Keeper) Certificate() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cert != nil {
		return k.cert, nil
	}
	if len(k.mac) != 6 {
		return nil, fmt.Errorf("%w: %v", ErrBadMAC, k.mac)
	}
	if c, err := k.certs.KeyPair(flash.SlotFactory); err == nil && k.mine(c) {
		k.cert = &c
		return k.cert, nil
	}
	certPEM, keyPEM, err := Make(k.mac)
	if err != nil {
		return nil, err
	}
	// The key first: a cut between the two writes leaves a pair that does
	// not match, which the next use replaces.
	if err := k.certs.SetClientKey(flash.SlotFactory, keyPEM); err != nil {
		return nil, fmt.Errorf("factorycert: store key: %w", err)
	}
	if err := k.certs.SetClientCert(flash.SlotFactory, certPEM); err != nil {
		return nil, fmt.Errorf("factorycert: store certificate: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("factorycert: %w", err)
	}
	k.cert = &c
	return k.cert, nil
}

// mine reports whether c is a factory certificate of this phone, issued
// by the factory CA.
func (k *Keeper) mine(c tls.Certificate) bool {
	if len(c.Certificate) == 0 {
		return false
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || leaf.Subject.CommonName != CommonName(k.mac) {
		return false
	}
	root, err := ca()
	return err == nil && leaf.CheckSignatureFrom(root) == nil
}

// Make returns a new factory certificate (PEM, the CA's certificate after
// the phone's) and private key (PEM, PKCS #8) for the phone with this MAC.
func Make(mac net.HardwareAddr) (certPEM, keyPEM []byte, err error) {
	if len(mac) != 6 {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadMAC, mac)
	}
	root, err := ca()
	if err != nil {
		return nil, nil, err
	}
	signer, err := caKey()
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("factorycert: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("factorycert: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   CommonName(mac),
			Organization: []string{"AudioCodes (emulated by hdphone)"},
		},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("factorycert: certificate: %w", err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("factorycert: key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certPEM = append(certPEM, caCertPEM...)
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
}
