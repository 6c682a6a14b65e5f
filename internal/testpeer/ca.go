package testpeer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throw-away certificate authority in a test's temporary directory,
// made with crypto/x509 (no openssl needed). Its files are PEM.
type CA struct {
	Dir      string
	CertPEM  []byte // the CA certificate
	Cert     *x509.Certificate
	CertFile string
	key      *ecdsa.PrivateKey
}

// Leaf is a certificate issued by a CA, with its key, as PEM bytes and files.
type Leaf struct {
	CertPEM, KeyPEM   []byte
	CertFile, KeyFile string
}

// LeafOptions shape a leaf certificate. The zero value is a server
// certificate for localhost and 127.0.0.1, valid from an hour ago for a year.
type LeafOptions struct {
	Name      string   // file name stem; default "server" or "client"
	Client    bool     // a client certificate (clientAuth) instead of a server one
	DNS       []string // default localhost (server only)
	IPs       []net.IP // default 127.0.0.1 and ::1 (server only)
	NotBefore time.Time
	NotAfter  time.Time
}

// NewCA makes a CA named cn in dir.
func NewCA(t testing.TB, dir, cn string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"hdphone tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Dir: dir, Cert: cert, key: key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	ca.CertFile = filepath.Join(dir, "ca.crt")
	writePEM(t, ca.CertFile, ca.CertPEM)
	return ca
}

// Issue makes a leaf certificate signed by the CA and writes NAME.crt and
// NAME.key into the CA's directory.
func (ca *CA) Issue(t testing.TB, o LeafOptions) *Leaf {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := o.Name
	usage := x509.ExtKeyUsageServerAuth
	cn := "hdphone test server"
	if o.Client {
		usage, cn = x509.ExtKeyUsageClientAuth, "hdphone test client"
		if name == "" {
			name = "client"
		}
	} else {
		if name == "" {
			name = "server"
		}
		if o.DNS == nil && o.IPs == nil {
			o.DNS = []string{"localhost"}
			o.IPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    o.NotBefore,
		NotAfter:     o.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     o.DNS,
		IPAddresses:  o.IPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	l := &Leaf{
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
		CertFile: filepath.Join(ca.Dir, name+".crt"),
		KeyFile:  filepath.Join(ca.Dir, name+".key"),
	}
	writePEM(t, l.CertFile, l.CertPEM)
	writePEM(t, l.KeyFile, l.KeyPEM)
	return l
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writePEM(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// Readable by the unprivileged workers of nginx.
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
