package dot1x_test

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/dot1x"
)

// hostapd as the authenticator of a switch port answers the supplicant:
// the right password is accepted, a wrong one rejected, and a port without
// an authenticator is reported as such.
//
// behaviour: BOOT-20
func TestEAPMD5WithHostapd(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	sw, ph := testpeer.Netns(t, "xsw"), testpeer.Netns(t, "xph")
	testpeer.Veth(t, sw, "sw0", "", ph, "eth0", "", "00:90:8f:12:34:57")
	h := testpeer.StartHostapd(t, sw, "sw0", map[string]string{"phone1001": "s3cret"})
	auth := func(password string) error {
		s := openSupplicant(t, ph, dot1x.Config{Interface: "eth0", Identity: "phone1001", Password: password, Timeout: 2 * time.Second})
		defer s.Close() // one supplicant on the port at a time
		return s.Authenticate(context.Background())
	}
	if err := auth("s3cret"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := h.WaitOutput("00:90:8f:12:34:57 IEEE 802.1X: authorizing port", 5*time.Second); err != nil {
		t.Errorf("hostapd did not authorise the phone: %v", err)
	}
	if err := auth("wrong"); !errors.Is(err, dot1x.ErrRejected) {
		t.Fatalf("wrong password: %v, want ErrRejected", err)
	}
}

// A port without 802.1X: nobody answers EAPOL-Start.
func TestNoAuthenticator(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	sw, ph := testpeer.Netns(t, "xsw"), testpeer.Netns(t, "xph")
	testpeer.Veth(t, sw, "sw0", "", ph, "eth0", "", "00:90:8f:12:34:58")
	s := openSupplicant(t, ph, dot1x.Config{Interface: "eth0", Identity: "x", Timeout: 100 * time.Millisecond, Tries: 2})
	if err := s.Authenticate(context.Background()); !errors.Is(err, dot1x.ErrNoAuthenticator) {
		t.Fatalf("%v, want ErrNoAuthenticator", err)
	}
}

// EAP-TLS with hostapd: a client certificate of the CA hostapd trusts is
// accepted; one of another CA is refused with EAP-Failure. Both sides cut
// their flights into 200-byte fragments here, so that reassembly and
// acknowledgements run both ways.
//
// behaviour: BOOT-20
func TestEAPTLSWithHostapd(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	sw, ph := testpeer.Netns(t, "xsw"), testpeer.Netns(t, "xph")
	testpeer.Veth(t, sw, "sw0", "", ph, "eth0", "", "00:90:8f:12:34:59")
	switchCA := testpeer.NewCA(t, t.TempDir(), "switch CA")
	server := switchCA.Issue(t, testpeer.LeafOptions{})
	factory := testpeer.NewCA(t, t.TempDir(), "factory CA")
	other := testpeer.NewCA(t, t.TempDir(), "some other CA")
	h := testpeer.StartHostapd(t, sw, "sw0", nil, testpeer.HostapdOptions{TLS: &testpeer.HostapdTLS{CACert: factory.CertFile, ServerCert: server.CertFile, ServerKey: server.KeyFile, Fragment: 200}})
	auth := func(ca *testpeer.CA) error {
		leaf := ca.Issue(t, testpeer.LeafOptions{Client: true, Name: "phone"})
		pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		s := openSupplicant(t, ph, dot1x.Config{Interface: "eth0", Identity: "00908f123459", Timeout: 2 * time.Second,
			TLS: &tls.Config{Certificates: []tls.Certificate{pair}, InsecureSkipVerify: true}, TLSFragment: 200})
		defer s.Close() // one supplicant on the port at a time
		return s.Authenticate(context.Background())
	}
	if err := auth(factory); err != nil {
		t.Fatalf("certificate of the trusted CA: %v", err)
	}
	if err := h.WaitOutput("00:90:8f:12:34:59 IEEE 802.1X: authorizing port", 5*time.Second); err != nil {
		t.Errorf("hostapd did not authorise the phone: %v", err)
	}
	if err := auth(other); !errors.Is(err, dot1x.ErrRejected) {
		t.Fatalf("certificate of another CA: %v, want ErrRejected", err)
	}
}

// openSupplicant opens a supplicant in the phone's namespace, closed when
// the test ends.
func openSupplicant(t *testing.T, ph *testpeer.NS, cfg dot1x.Config) *dot1x.Supplicant {
	t.Helper()
	var s *dot1x.Supplicant
	if err := ph.Do(func() error {
		var err error
		s, err = dot1x.Open(cfg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
