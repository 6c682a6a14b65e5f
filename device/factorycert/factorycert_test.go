package factorycert_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
)

var mac = net.HardwareAddr{0x00, 0x90, 0x8f, 0x0a, 0x0b, 0x0c}

// leaf returns the phone's certificate of k after checking that it chains
// to the factory CA as a client certificate.
func leaf(t *testing.T, k *factorycert.Keeper) *x509.Certificate {
	t.Helper()
	c, err := k.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Certificate) != 2 {
		t.Fatalf("chain of %d certificates, want the phone's and the CA's", len(c.Certificate))
	}
	l, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(factorycert.CACertPEM())
	if _, err := l.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("factory certificate does not verify against the factory CA: %v", err)
	}
	return l
}

// A phone's factory certificate names its MAC, chains to the factory CA,
// and stays the same across power cycles (a new Keeper on the same flash).
//
// behaviour: SEC-3
func TestFactoryCertificateIsPerMACAndKept(t *testing.T) {
	fl := flash.NewMemory()
	first := leaf(t, factorycert.NewKeeper(fl.Certificates(), mac))
	if first.Subject.CommonName != "00908f0a0b0c" {
		t.Errorf("CN = %q, want the MAC", first.Subject.CommonName)
	}
	again := leaf(t, factorycert.NewKeeper(fl.Certificates(), mac))
	if !bytes.Equal(again.Raw, first.Raw) {
		t.Error("a second power cycle made a new factory certificate; the stored one should be kept")
	}
	other := leaf(t, factorycert.NewKeeper(flash.NewMemory().Certificates(), net.HardwareAddr{0, 0x90, 0x8f, 1, 2, 3}))
	if other.Subject.CommonName != "00908f010203" || bytes.Equal(other.RawSubjectPublicKeyInfo, first.RawSubjectPublicKeyInfo) {
		t.Error("two phones share a factory key, or the second does not carry its own MAC")
	}
}

// Factory files that are missing, damaged, half-written or another phone's
// are made again, and the new ones are stored.
//
// behaviour: CFG-9
func TestFactoryCertificateRegenerated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, fl *flash.Store)
	}{
		{"deleted", func(t *testing.T, fl *flash.Store) {
			if err := fl.Certificates().RemoveClient(flash.SlotFactory); err != nil {
				t.Fatal(err)
			}
		}},
		{"key garbled", func(t *testing.T, fl *flash.Store) {
			if err := fl.Write("factory/key.pem", []byte("not a key")); err != nil {
				t.Fatal(err)
			}
		}},
		{"key of another pair", func(t *testing.T, fl *flash.Store) {
			_, key, err := factorycert.Make(mac)
			if err != nil {
				t.Fatal(err)
			}
			if err := fl.Certificates().SetClientKey(flash.SlotFactory, key); err != nil {
				t.Fatal(err)
			}
		}},
		{"another phone's", func(t *testing.T, fl *flash.Store) {
			cert, key, err := factorycert.Make(net.HardwareAddr{0, 0x90, 0x8f, 9, 9, 9})
			if err != nil {
				t.Fatal(err)
			}
			c := fl.Certificates()
			if c.SetClientKey(flash.SlotFactory, key) != nil || c.SetClientCert(flash.SlotFactory, cert) != nil {
				t.Fatal("storing another phone's identity failed")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fl := flash.NewMemory()
			before := leaf(t, factorycert.NewKeeper(fl.Certificates(), mac))
			tc.damage(t, fl)
			after := leaf(t, factorycert.NewKeeper(fl.Certificates(), mac))
			if after.Subject.CommonName != "00908f0a0b0c" {
				t.Errorf("regenerated CN = %q", after.Subject.CommonName)
			}
			if bytes.Equal(after.RawSubjectPublicKeyInfo, before.RawSubjectPublicKeyInfo) {
				t.Error("the damaged identity was used again")
			}
			stored, err := fl.Certificates().KeyPair(flash.SlotFactory)
			if err != nil {
				t.Fatalf("regenerated identity not stored: %v", err)
			}
			if !bytes.Equal(stored.Certificate[0], after.Raw) {
				t.Error("flash holds another certificate than the one presented")
			}
		})
	}
}

// Handshakes ask from their own goroutines: all get the one identity.
func TestKeeperConcurrent(t *testing.T) {
	k := factorycert.NewKeeper(flash.NewMemory().Certificates(), mac)
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			if c, err := k.Certificate(); err == nil {
				got[i] = c.Certificate[0]
			}
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] == nil || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("handshake %d got another (or no) certificate", i)
		}
	}
}

func TestBadMAC(t *testing.T) {
	if _, err := factorycert.NewKeeper(flash.NewMemory().Certificates(), net.HardwareAddr{1, 2}).Certificate(); !errors.Is(err, factorycert.ErrBadMAC) {
		t.Errorf("err = %v, want ErrBadMAC", err)
	}
}

func BenchmarkMake(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := factorycert.Make(mac); err != nil {
			b.Fatal(err)
		}
	}
}
