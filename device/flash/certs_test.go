package flash_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// pki is a small certificate hierarchy made by openssl, an implementation
// independent of crypto/x509: a root CA, a client certificate it signed, and
// the client key in the forms phones get them in.
type pki struct {
	dir     string
	openssl string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

func (p pki) read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(p.path(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p pki) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(p.openssl, args...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newPKI(t *testing.T) pki {
	t.Helper()
	p := pki{dir: t.TempDir(), openssl: testpeer.Need(t, "openssl")[0]}
	p.run(t, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
		"-days", "30", "-subj", "/O=Test/CN=Test Root CA")
	p.run(t, "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.cer")
	p.run(t, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client-sec1.key")
	p.run(t, "pkcs8", "-topk8", "-nocrypt", "-in", "client-sec1.key", "-out", "client-pkcs8.key")
	p.run(t, "pkcs8", "-topk8", "-nocrypt", "-in", "client-sec1.key", "-outform", "DER", "-out", "client.der")
	p.run(t, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret", "-in", "client-sec1.key", "-out", "client-enc.key")
	p.run(t, "req", "-new", "-key", "client-sec1.key", "-out", "client.csr", "-subj", "/CN=00908f000001")
	p.run(t, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
		"-days", "30", "-out", "client.pem")
	p.run(t, "genrsa", "-traditional", "-out", "other-pkcs1.key", "2048")
	return p
}

// behaviour: SEC-4
func TestCertificatesFromOpenSSLRoundTrip(t *testing.T) {
	t.Parallel() // waits on other processes (openssl) or interleaves with them
	p := newPKI(t)
	kinds(t, func(t *testing.T, s *flash.Store) {
		c := s.Certificates()
		if err := c.SetCA(0, p.read(t, "ca.pem")); err != nil {
			t.Fatalf("PEM CA: %v", err)
		}
		if err := c.SetCA(4, p.read(t, "ca.cer")); err != nil {
			t.Fatalf("DER CA (.cer): %v", err)
		}
		if err := c.SetClientCert(flash.SlotSIP, p.read(t, "client.pem")); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"client-sec1.key", "client-pkcs8.key", "client.der"} {
			if err := c.SetClientKey(flash.SlotSIP, p.read(t, key)); err != nil {
				t.Fatalf("key %s: %v", key, err)
			}
			pair, err := c.KeyPair(flash.SlotSIP)
			if err != nil {
				t.Fatalf("KeyPair with %s: %v", key, err)
			}
			if pair.Leaf == nil || pair.Leaf.Subject.CommonName != "00908f000001" {
				t.Fatalf("leaf %+v", pair.Leaf)
			}
		}
		pool, used, err := c.CAPool()
		if err != nil || used != 2 {
			t.Fatalf("CAPool: %d slots, %v", used, err)
		}
		pair, _ := c.KeyPair(flash.SlotSIP)
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Fatalf("the openssl-signed client does not verify against the stored CA: %v", err)
		}
		// What the store hands out is read by openssl too.
		ca4, _ := c.CA(4)
		os.WriteFile(p.path("stored-ca4.pem"), ca4, 0o644)
		if out := p.run(t, "x509", "-in", "stored-ca4.pem", "-noout", "-subject"); !strings.Contains(out, "Test Root CA") {
			t.Fatalf("openssl reads the stored DER-converted CA as %q", out)
		}
		key, _ := c.ClientKey(flash.SlotSIP)
		os.WriteFile(p.path("stored.key"), key, 0o600)
		p.run(t, "pkey", "-in", "stored.key", "-noout")
		if out := p.run(t, "verify", "-CAfile", "stored-ca4.pem", "client.pem"); !strings.Contains(out, "OK") {
			t.Fatalf("openssl verify: %s", out)
		}
	})
}

func TestCertificatesRefuseBadDataAndKeepTheOldOne(t *testing.T) {
	t.Parallel() // waits on other processes (openssl) or interleaves with them
	p := newPKI(t)
	s := flash.NewMemory()
	c := s.Certificates()
	good := p.read(t, "ca.pem")
	c.SetCA(1, good)
	c.SetClientCert(flash.Slot8021X, p.read(t, "client.pem"))
	c.SetClientKey(flash.Slot8021X, p.read(t, "client-sec1.key"))
	bad := map[string][]byte{
		"empty":         nil,
		"text":          []byte("hello"),
		"key as CA":     p.read(t, "client-pkcs8.key"),
		"truncated PEM": good[:len(good)/2],
		"CSR":           p.read(t, "client.csr"),
	}
	for name, b := range bad {
		if err := c.SetCA(1, b); !errors.Is(err, flash.ErrBadPEM) {
			t.Errorf("SetCA(%s) = %v, want ErrBadPEM", name, err)
		}
	}
	if got, _ := c.CA(1); !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(good)) {
		t.Fatal("a refused CA replaced the good one")
	}
	for name, b := range map[string][]byte{
		"encrypted": p.read(t, "client-enc.key"),
		"cert":      p.read(t, "client.pem"),
		"garbage":   []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if err := c.SetClientKey(flash.Slot8021X, b); !errors.Is(err, flash.ErrBadPEM) {
			t.Errorf("SetClientKey(%s) = %v, want ErrBadPEM", name, err)
		}
	}
	if _, err := c.KeyPair(flash.Slot8021X); err != nil {
		t.Fatalf("the good pair was damaged by refused keys: %v", err)
	}
	// A key that parses but belongs to another certificate.
	if err := c.SetClientKey(flash.Slot8021X, p.read(t, "other-pkcs1.key")); err != nil {
		t.Fatalf("PKCS #1 RSA key: %v", err)
	}
	if _, err := c.KeyPair(flash.Slot8021X); !errors.Is(err, flash.ErrKeyMismatch) {
		t.Fatalf("KeyPair with a foreign key = %v, want ErrKeyMismatch", err)
	}
}

func TestCertificateSlotsAreChecked(t *testing.T) {
	s := flash.NewMemory()
	c := s.Certificates()
	for _, n := range []int{-1, flash.CASlots} {
		if err := c.SetCA(n, nil); !errors.Is(err, flash.ErrInvalid) {
			t.Errorf("SetCA(%d) = %v", n, err)
		}
		if _, err := c.CA(n); !errors.Is(err, flash.ErrInvalid) {
			t.Errorf("CA(%d) = %v", n, err)
		}
	}
	if err := c.SetClientCert(0, nil); !errors.Is(err, flash.ErrInvalid) {
		t.Errorf("slot 0: %v", err)
	}
	if _, err := c.KeyPair(flash.SlotProvisioning); !errors.Is(err, flash.ErrNotFound) {
		t.Errorf("empty slot KeyPair = %v, want ErrNotFound", err)
	}
	pool, used, err := c.CAPool()
	if err != nil || used != 0 || pool == nil {
		t.Errorf("empty CAPool = %v, %d, %v", pool, used, err)
	}
}

func TestFactoryResetKeepsOnlyTheFactoryCertificate(t *testing.T) {
	t.Parallel() // waits on other processes (openssl) or interleaves with them
	p := newPKI(t)
	kinds(t, func(t *testing.T, s *flash.Store) {
		c := s.Certificates()
		for _, slot := range []flash.ClientSlot{flash.SlotSIP, flash.Slot8021X, flash.SlotProvisioning, flash.SlotFactory} {
			if err := c.SetClientCert(slot, p.read(t, "client.pem")); err != nil {
				t.Fatal(err)
			}
			if err := c.SetClientKey(slot, p.read(t, "client-sec1.key")); err != nil {
				t.Fatal(err)
			}
		}
		c.SetCA(2, p.read(t, "ca.pem"))
		if err := s.FactoryReset(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.KeyPair(flash.SlotFactory); err != nil {
			t.Fatalf("factory identity lost: %v", err)
		}
		for _, slot := range []flash.ClientSlot{flash.SlotSIP, flash.Slot8021X, flash.SlotProvisioning} {
			if _, err := c.ClientCert(slot); !errors.Is(err, flash.ErrNotFound) {
				t.Errorf("%s certificate after reset: %v", slot, err)
			}
		}
		if _, err := c.CA(2); !errors.Is(err, flash.ErrNotFound) {
			t.Errorf("CA after reset: %v", err)
		}
	})
}

func FuzzParseCertificates(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x82, 0x01, 0x0a})
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, certs, err := flash.ParseCertificates(b)
		if err != nil {
			if !errors.Is(err, flash.ErrBadPEM) {
				t.Fatalf("error %v does not wrap ErrBadPEM", err)
			}
		} else {
			again, certs2, err := flash.ParseCertificates(out)
			if err != nil || !bytes.Equal(again, out) || len(certs2) != len(certs) {
				t.Fatalf("stored form does not re-parse: %v", err)
			}
		}
		if _, _, err := flash.ParsePrivateKey(b); err != nil && !errors.Is(err, flash.ErrBadPEM) {
			t.Fatalf("key error %v does not wrap ErrBadPEM", err)
		}
	})
}
