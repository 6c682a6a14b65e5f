package flash

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// CASlots is the number of root CA slots, security/ca_certificate/{0-4}/uri.
const CASlots = 5

// ClientSlot names a client certificate and its private key.
type ClientSlot uint8

// The client certificate slots (manual §3.5.3.2) and the factory identity.
const (
	// SlotSIP is security/sip_certificate_uri and sip_private_key_uri (SIP
	// over TLS).
	SlotSIP ClientSlot = iota + 1
	// Slot8021X is security/ieee802_1x_certificate_uri and
	// ieee802_1x_private_key_uri (802.1X EAP-TLS).
	Slot8021X
	// SlotProvisioning is security/autoupdate_certificate_uri and
	// autoupdate_private_key_uri (mutual TLS to the provisioning server).
	SlotProvisioning
	// SlotFactory is the per-MAC certificate the phone leaves the factory
	// with; it is part of the factory identity and survives FactoryReset.
	SlotFactory
)

var slotDirs = [...]string{
	SlotSIP:          DirCerts + "sip/",
	Slot8021X:        DirCerts + "ieee802_1x/",
	SlotProvisioning: DirCerts + "provisioning/",
	SlotFactory:      DirFactory,
}

var slotNames = [...]string{
	SlotSIP: "sip", Slot8021X: "ieee802_1x", SlotProvisioning: "provisioning", SlotFactory: "factory",
}

func (s ClientSlot) String() string {
	if s.valid() {
		return slotNames[s]
	}
	return fmt.Sprintf("ClientSlot(%d)", uint8(s))
}

func (s ClientSlot) valid() bool { return s >= SlotSIP && s <= SlotFactory }

func (s ClientSlot) certRecord() string { return slotDirs[s] + "cert.pem" }
func (s ClientSlot) keyRecord() string  { return slotDirs[s] + "key.pem" }

func caRecord(n int) string {
	if n >= 0 && n < CASlots {
		return caRecords[n]
	}
	return fmt.Sprintf("%sca/%d.pem", DirCerts, n)
}

// caRecords are the slots' record names, made once: every boot reads them.
var caRecords = func() (names [CASlots]string) {
	for n := range names {
		names[n] = fmt.Sprintf("%sca/%d.pem", DirCerts, n)
	}
	return names
}()

// Certificates is the handle on the certificates kept in flash: root CA
// slots 0-4 and client certificate/key pairs, all stored as PEM. Each
// certificate and key is checked before it is stored, so a bad download
// never replaces a good one.
type Certificates struct{ s *Store }

// Certificates returns the store's certificates.
func (s *Store) Certificates() Certificates { return Certificates{s} }

func checkCASlot(n int) error {
	if n < 0 || n >= CASlots {
		return fmt.Errorf("%w: CA slot %d (want 0-%d)", ErrInvalid, n, CASlots-1)
	}
	return nil
}

func checkClientSlot(s ClientSlot) error {
	if !s.valid() {
		return fmt.Errorf("%w: client certificate slot %d", ErrInvalid, uint8(s))
	}
	return nil
}

// SetCA stores the root CA certificate(s) of slot n. data is PEM (one or
// more CERTIFICATE blocks) or a single DER certificate, as a .cer file may
// be; it is stored as PEM.
func (c Certificates) SetCA(n int, data []byte) error {
	if err := checkCASlot(n); err != nil {
		return err
	}
	p, _, err := ParseCertificates(data)
	if err != nil {
		return fmt.Errorf("CA slot %d: %w", n, err)
	}
	return c.s.Write(caRecord(n), p)
}

// CA returns the PEM of CA slot n; ErrNotFound when the slot is empty.
func (c Certificates) CA(n int) ([]byte, error) {
	if err := checkCASlot(n); err != nil {
		return nil, err
	}
	return c.s.Read(caRecord(n))
}

// RemoveCA empties CA slot n.
func (c Certificates) RemoveCA(n int) error {
	if err := checkCASlot(n); err != nil {
		return err
	}
	return c.s.Remove(caRecord(n))
}

// CAPool returns the certificates of every filled CA slot as a pool, and
// how many slots contributed. A slot that no longer parses is an error.
func (c Certificates) CAPool() (*x509.CertPool, int, error) {
	pool := x509.NewCertPool()
	used := 0
	for n := range CASlots {
		b, err := c.CA(n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		_, certs, err := ParseCertificates(b)
		if err != nil {
			return nil, 0, fmt.Errorf("CA slot %d: %w", n, err)
		}
		for _, ct := range certs {
			pool.AddCert(ct)
		}
		used++
	}
	return pool, used, nil
}

// SetClientCert stores the certificate (chain) of slot s: PEM or one DER
// certificate, stored as PEM. The key is loaded separately, as the manual
// has a URI for each.
func (c Certificates) SetClientCert(s ClientSlot, data []byte) error {
	if err := checkClientSlot(s); err != nil {
		return err
	}
	p, _, err := ParseCertificates(data)
	if err != nil {
		return fmt.Errorf("%s certificate: %w", s, err)
	}
	return c.s.Write(s.certRecord(), p)
}

// SetClientKey stores the private key of slot s: PEM (PKCS #8, PKCS #1 or
// SEC 1) or DER, stored as PEM. Encrypted keys are refused.
func (c Certificates) SetClientKey(s ClientSlot, data []byte) error {
	if err := checkClientSlot(s); err != nil {
		return err
	}
	p, _, err := ParsePrivateKey(data)
	if err != nil {
		return fmt.Errorf("%s key: %w", s, err)
	}
	return c.s.Write(s.keyRecord(), p)
}

// ClientCert returns the certificate PEM of slot s.
func (c Certificates) ClientCert(s ClientSlot) ([]byte, error) {
	if err := checkClientSlot(s); err != nil {
		return nil, err
	}
	return c.s.Read(s.certRecord())
}

// ClientKey returns the private key PEM of slot s.
func (c Certificates) ClientKey(s ClientSlot) ([]byte, error) {
	if err := checkClientSlot(s); err != nil {
		return nil, err
	}
	return c.s.Read(s.keyRecord())
}

// KeyPair returns slot s as a TLS certificate; ErrNotFound when the
// certificate or the key is missing, ErrKeyMismatch when they do not belong
// together.
func (c Certificates) KeyPair(s ClientSlot) (tls.Certificate, error) {
	cert, err := c.ClientCert(s)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := c.ClientKey(s)
	if err != nil {
		return tls.Certificate{}, err
	}
	_, certs, err := ParseCertificates(cert)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s certificate: %w", s, err)
	}
	_, signer, err := ParsePrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s key: %w", s, err)
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(certs[0].PublicKey) {
		return tls.Certificate{}, fmt.Errorf("%w: slot %s", ErrKeyMismatch, s)
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%w: %s: %w", ErrBadPEM, s, err)
	}
	return pair, nil
}

// RemoveClient deletes the certificate and key of slot s.
func (c Certificates) RemoveClient(s ClientSlot) error {
	if err := checkClientSlot(s); err != nil {
		return err
	}
	return c.s.removeAll([]string{s.certRecord(), s.keyRecord()})
}

// ParseCertificates checks certificate data and returns it as PEM together
// with the parsed certificates. data is PEM holding only CERTIFICATE blocks
// (text around the blocks is ignored, as openssl writes it), or one DER
// certificate.
func ParseCertificates(data []byte) ([]byte, []*x509.Certificate, error) {
	var certs []*x509.Certificate
	var out bytes.Buffer
	rest := data
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, nil, fmt.Errorf("%w: PEM block %q where a CERTIFICATE was expected", ErrBadPEM, blk.Type)
		}
		ct, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: certificate %d: %w", ErrBadPEM, len(certs)+1, err)
		}
		certs = append(certs, ct)
		pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: blk.Bytes})
	}
	if len(certs) == 0 {
		ct, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: neither a PEM certificate nor a DER one", ErrBadPEM)
		}
		certs = append(certs, ct)
		pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: data})
	}
	return out.Bytes(), certs, nil
}

// ParsePrivateKey checks private key data and returns it as PEM together
// with the parsed key. data is one PEM key block (PRIVATE KEY, RSA PRIVATE
// KEY or EC PRIVATE KEY) or DER in one of those forms.
func ParsePrivateKey(data []byte) ([]byte, crypto.Signer, error) {
	der, typ := data, ""
	rest := data
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if strings.HasSuffix(blk.Type, "PRIVATE KEY") {
			if blk.Type == "ENCRYPTED PRIVATE KEY" || blk.Headers["Proc-Type"] != "" {
				return nil, nil, fmt.Errorf("%w: encrypted private keys are not supported", ErrBadPEM)
			}
			der, typ = blk.Bytes, blk.Type
			break
		}
		// EC PARAMETERS and similar blocks may precede the key.
	}
	key, typ, err := parseKeyDER(der, typ)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), key, nil
}

func parseKeyDER(der []byte, typ string) (crypto.Signer, string, error) {
	try := []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}
	if typ != "" {
		try = []string{typ}
	}
	var firstErr error
	for _, t := range try {
		var k any
		var err error
		switch t {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(der)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(der)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(der)
		default:
			err = fmt.Errorf("unknown key type %q", t)
		}
		if err == nil {
			switch k := k.(type) {
			case *rsa.PrivateKey:
				return k, t, nil
			case *ecdsa.PrivateKey:
				return k, t, nil
			case ed25519.PrivateKey:
				return k, t, nil
			}
			err = fmt.Errorf("unsupported key type %T", k)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, "", fmt.Errorf("%w: private key: %w", ErrBadPEM, firstErr)
}
