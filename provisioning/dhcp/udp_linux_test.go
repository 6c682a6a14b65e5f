//go:build linux

package dhcp_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

// These tests run the client in UDP mode against the lab server on
// loopback; the raw-mode tests against dnsmasq and ISC dhcpd are in
// peers_linux_test.go.

var (
	mac1  = net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, 0x01}
	srvIP = netip.MustParseAddr("127.0.0.1")
)

// seen records what the server received.
type seen struct {
	mu   sync.Mutex
	msgs []*dhcpv4.DHCPv4
}

func (s *seen) add(_ net.Addr, m *dhcpv4.DHCPv4) {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
}

func (s *seen) all() []*dhcpv4.DHCPv4 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

func (s *seen) of(t dhcpv4.MessageType) []*dhcpv4.DHCPv4 {
	var out []*dhcpv4.DHCPv4
	for _, m := range s.all() {
		if m.MessageType() == t {
			out = append(out, m)
		}
	}
	return out
}

// muteConn lets a test silence the server without closing its socket.
type muteConn struct {
	net.PacketConn
	mute atomic.Bool
}

func (m *muteConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if m.mute.Load() {
		return len(b), nil
	}
	return m.PacketConn.WriteTo(b, a)
}

func startServer(t *testing.T, cfg dhcpserver.Config) *dhcpserver.Server {
	t.Helper()
	srv, err := dhcpserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return srv
}

func ptr[T any](v T) *T { return &v }

// phoneOptions are what the lab tells 400HD phones, per model.
func phoneOptions() ([]dhcpserver.Class, dhcpserver.Options) {
	base := dhcpserver.Options{
		ProvisioningURL: "http://127.0.0.1/firmware.img;<MAC>.cfg",
		TFTPServer:      "127.0.0.1",
		BootFile:        "firmware.img",
		NTPServers:      []netip.Addr{netip.MustParseAddr("10.59.0.20"), netip.MustParseAddr("10.59.0.21")},
		TimeServers:     []netip.Addr{netip.MustParseAddr("10.59.0.30")},
		TimeOffset:      ptr(2 * time.Hour),
		SIPServerNames:  []string{"sip.lab.test", "proxy2.lab.test"},
		VendorInfo:      dhcpserver.MSUCVendorInfo("lab.example.test", 200),
	}
	classes := []dhcpserver.Class{
		{Name: "450HD", Match: "450HD", Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1/450HD.img;450HD_<MAC>.cfg"}},
		{Name: "445HD", Match: "445HD", Options: dhcpserver.Options{ProvisioningURL: "tftp://127.0.0.1/445HD.img;445HD_<MAC>.cfg"}},
	}
	return classes, base
}

func newUDPClient(t *testing.T, cfg dhcp.Config, local string, srv *dhcpserver.Server) *dhcp.Client {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 200 * time.Millisecond
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	c, err := dhcp.NewUDP(cfg, netip.MustParseAddrPort(local), srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// behaviour: BOOT-1
// behaviour: BOOT-2
// behaviour: BOOT-3
// behaviour: BOOT-4
// behaviour: BOOT-8
// behaviour: BOOT-9
// behaviour: BOOT-10
// behaviour: BOOT-11
func TestUDPDORAAgainstLabServer(t *testing.T) {
	classes, base := phoneOptions()
	var rec seen
	srv := startServer(t, dhcpserver.Config{
		ServerID: srvIP, ClientSourceAddress: true, PrefixLen: 8,
		Routers: []netip.Addr{srvIP}, DNS: []netip.Addr{srvIP}, DomainName: "lab.test",
		Options: base, Classes: classes, OnRequest: rec.add,
	})
	for _, tt := range []struct {
		model, local, url string
	}{
		{"450HD", "127.0.7.1:0", "http://127.0.0.1/450HD.img;450HD_<MAC>.cfg"},
		{"445HD", "127.0.7.2:0", "tftp://127.0.0.1/445HD.img;445HD_<MAC>.cfg"},
		{"RX50", "127.0.7.3:0", "http://127.0.0.1/firmware.img;<MAC>.cfg"},
	} {
		t.Run(tt.model, func(t *testing.T) {
			mac := net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x07, tt.local[8] - '0'}
			c := newUDPClient(t, dhcp.Config{Model: tt.model, MAC: mac}, tt.local, srv)
			l, err := c.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := netip.MustParsePrefix(tt.local[:len(tt.local)-2] + "/8")
			if l.Address != want || l.Server != srvIP || l.DomainName != "lab.test" || !slices.Equal(l.Routers, []netip.Addr{srvIP}) {
				t.Errorf("lease address %v server %v domain %q routers %v", l.Address, l.Server, l.DomainName, l.Routers)
			}
			if l.ProvisioningURL != tt.url {
				t.Errorf("option 160 = %q, want %q", l.ProvisioningURL, tt.url)
			}
			if l.TFTPServer != "127.0.0.1" || l.BootFile != "firmware.img" {
				t.Errorf("66/67 = %q %q", l.TFTPServer, l.BootFile)
			}
			if got := l.TimeServersPreferred(); !slices.Equal(got, base.NTPServers) {
				t.Errorf("time servers = %v, want option 42 %v over option 4", got, base.NTPServers)
			}
			if l.TimeOffset == nil || *l.TimeOffset != 2*time.Hour {
				t.Errorf("option 2 = %v", l.TimeOffset)
			}
			if !slices.Equal(l.SIPServers, []string{"sip.lab.test", "proxy2.lab.test"}) {
				t.Errorf("option 120 = %q", l.SIPServers)
			}
			if u := l.VendorInfo.CertProvisioningURL(); u != "https://lab.example.test:443/CertProv/CertProvisioningService.svc" || l.VendorInfo.VoiceVLAN != 200 || l.VendorInfo.UCIdentifier != "MS-UC-Client" {
				t.Errorf("option 43 = %+v (%s)", l.VendorInfo, u)
			}
			if l.Duration != time.Hour || l.T1 != 30*time.Minute || l.T2 != 52*time.Minute+30*time.Second {
				t.Errorf("times %v %v %v", l.Duration, l.T1, l.T2)
			}
			if len(l.BadOptions) != 0 {
				t.Errorf("bad options %v", l.BadOptions)
			}
		})
	}
	// What the phones sent: the bare model in 60 and 77, the 400HD request list.
	disc := rec.of(dhcpv4.MessageTypeDiscover)
	if len(disc) != 3 {
		t.Fatalf("%d DISCOVERs", len(disc))
	}
	for _, m := range disc {
		vc, uc := m.ClassIdentifier(), string(m.Options.Get(dhcpv4.OptionUserClassInformation))
		if vc != uc || !slices.Contains([]string{"450HD", "445HD", "RX50"}, vc) {
			t.Errorf("option 60 %q, option 77 %q; want the bare model in both", vc, uc)
		}
		if prl := codes(m); !slices.Equal(prl, []uint8{1, 2, 3, 4, 6, 15, 42, 43, 66, 67, 120, 160}) {
			t.Errorf("option 55 = %v, want the 400HD list", prl)
		}
	}
	for _, m := range rec.of(dhcpv4.MessageTypeRequest) {
		if m.ServerIdentifier() == nil || m.RequestedIPAddress() == nil || !m.ClientIPAddr.IsUnspecified() {
			t.Errorf("selecting REQUEST without server id / requested IP: %v", m.Summary())
		}
	}
}

// behaviour: BOOT-4
func TestURLOptionValue(t *testing.T) {
	var rec seen
	srv := startServer(t, dhcpserver.Config{
		ServerID: srvIP, ClientSourceAddress: true, OnRequest: rec.add,
		Options: dhcpserver.Options{
			ProvisioningURL: "http://127.0.0.1/custom/;<MAC>.cfg", URLOption: 224,
			Raw: map[uint8][]byte{160: []byte("http://127.0.0.1/ignored/")},
		},
	})
	c := newUDPClient(t, dhcp.Config{Model: "450HD", MAC: mac1, URLOption: 224}, "127.0.7.10:0", srv)
	l, err := c.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.ProvisioningURL != "http://127.0.0.1/custom/;<MAC>.cfg" || l.URLOption != 224 {
		t.Fatalf("provisioning URL %q from option %d; want option 224's", l.ProvisioningURL, l.URLOption)
	}
	prl := codes(rec.of(dhcpv4.MessageTypeDiscover)[0])
	if !slices.Contains(prl, 224) || !slices.Contains(prl, 160) {
		t.Fatalf("option 55 %v lacks 224 or 160", prl)
	}
}

// behaviour: FW-3
// behaviour: FW-4
func TestRecoveryDiscover(t *testing.T) {
	var rec seen
	srv := startServer(t, dhcpserver.Config{
		ServerID: srvIP, PoolStart: netip.MustParseAddr("127.0.8.2"), PoolEnd: netip.MustParseAddr("127.0.8.6"),
		LeaseTime: 3 * time.Second, OnRequest: rec.add,
		Options: dhcpserver.Options{TFTPServer: "127.0.0.1"},
		Classes: []dhcpserver.Class{{Match: "450HD", Options: dhcpserver.Options{BootFile: "450HD_2.0.9.img"}}},
	})
	c := newUDPClient(t, dhcp.Config{Model: "450HD", MAC: mac1, Recovery: true}, "127.0.8.1:0", srv)
	l, err := c.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.TFTPServer != "127.0.0.1" || l.BootFile != "450HD_2.0.9.img" {
		t.Fatalf("recovery lease 66/67 = %q %q", l.TFTPServer, l.BootFile)
	}
	if l.Address.Addr() != netip.MustParseAddr("127.0.8.2") {
		t.Fatalf("address %v, want the pool's first", l.Address)
	}
	d := rec.of(dhcpv4.MessageTypeDiscover)[0]
	prl := codes(d)
	if !slices.Contains(prl, 66) || !slices.Contains(prl, 67) {
		t.Fatalf("recovery DISCOVER asks for %v, want 66 and 67", prl)
	}
	if uc := string(d.Options.Get(dhcpv4.OptionUserClassInformation)); uc != "450HD" {
		t.Fatalf("recovery DISCOVER option 77 = %q", uc)
	}
	if !slices.Equal(d.ClientHWAddr, mac1) {
		t.Fatalf("chaddr %v, want the label MAC %v", d.ClientHWAddr, mac1)
	}
}

func TestReleaseAndNak(t *testing.T) {
	srv := startServer(t, dhcpserver.Config{ServerID: srvIP, ClientSourceAddress: true})
	c := newUDPClient(t, dhcp.Config{Model: "450HD", MAC: mac1}, "127.0.7.20:0", srv)
	if _, err := c.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Leases()); n != 1 {
		t.Fatalf("server has %d leases", n)
	}
	if err := c.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(srv.Leases()) == 0 }, "server to drop the released lease")
	if c.Lease() != nil {
		t.Fatal("client kept a released lease")
	}
	if _, err := c.Renew(context.Background()); !errors.Is(err, dhcp.ErrConfig) {
		t.Fatalf("renew without a lease: %v", err)
	}
}

// codes returns the Parameter Request List of m in wire order.
func codes(m *dhcpv4.DHCPv4) []uint8 {
	var out []uint8
	for _, c := range m.ParameterRequestList() {
		out = append(out, c.Code())
	}
	return out
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// spyClock reports every sleep of the client (NewTimer) so that a test can
// move the fake clock exactly when the client waits.
type spyClock struct {
	*clocktest.Fake
	sleeps chan time.Time
}

func (s *spyClock) NewTimer(d time.Duration) clock.Timer {
	t := s.Fake.NewTimer(d)
	s.sleeps <- s.Now().Add(d)
	return t
}

type eventLog struct{ ch chan dhcp.Event }

func (e *eventLog) next(t *testing.T, clk *spyClock, want dhcp.EventKind) dhcp.Event {
	t.Helper()
	// Move the clock to each wait of the client until the event arrives.
	// An event already there goes first: the client reports an event
	// before it asks for its next wait, and moving the clock to that wait
	// first would run the client past the step the test expects (a select
	// with both ready picks at random: a second renewal once made this fail).
	for {
		select {
		case ev := <-e.ch:
			if ev.Kind != want {
				t.Fatalf("event %s (%v), want %s", ev.Kind, ev.Err, want)
			}
			return ev
		default:
		}
		select {
		case ev := <-e.ch:
			if ev.Kind != want {
				t.Fatalf("event %s (%v), want %s", ev.Kind, ev.Err, want)
			}
			return ev
		case at := <-clk.sleeps:
			clk.Set(at)
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
}

// TestRunKeepsTheLease drives Run through a whole lease life on a fake
// clock: bound, renewed at T1, the server silent so the renew fails until
// T2, the rebind fails until expiry, DHCP restarts; then a server that no
// longer knows the address answers a renew with a NAK and DHCP restarts.
func TestRunKeepsTheLease(t *testing.T) {
	start := time.Date(2024, 2, 22, 14, 0, 0, 0, time.UTC)
	clk := &spyClock{Fake: clocktest.New(start), sleeps: make(chan time.Time, 16)}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn := &muteConn{PacketConn: pc}
	var rec seen
	srv := startServer(t, dhcpserver.Config{
		Conn: conn, ServerID: srvIP, PoolStart: netip.MustParseAddr("127.0.9.10"), PoolEnd: netip.MustParseAddr("127.0.9.20"),
		LeaseTime: time.Hour, Clock: clk.Fake, OnRequest: rec.add,
	})
	events := &eventLog{ch: make(chan dhcp.Event, 16)}
	c := newUDPClient(t, dhcp.Config{
		Model: "450HD", MAC: mac1, Clock: clk, Timeout: 50 * time.Millisecond, Retries: 1,
		OnEvent: func(e dhcp.Event) { events.ch <- e },
	}, "127.0.9.1:0", srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	}()

	bound := events.next(t, clk, dhcp.EventBound)
	addr := bound.Lease.Address.Addr()
	if addr != netip.MustParseAddr("127.0.9.10") {
		t.Fatalf("bound to %v", addr)
	}
	renewed := events.next(t, clk, dhcp.EventRenewed)
	if !renewed.At.Equal(bound.Lease.RenewAt()) || renewed.Lease.Address.Addr() != addr {
		t.Fatalf("renewed at %v to %v, want at T1 %v", renewed.At, renewed.Lease.Address, bound.Lease.RenewAt())
	}
	reqs := rec.of(dhcpv4.MessageTypeRequest)
	if last := reqs[len(reqs)-1]; !last.ClientIPAddr.Equal(addr.AsSlice()) || last.ServerIdentifier() != nil {
		t.Fatalf("renewing REQUEST: %v", last.Summary())
	}

	conn.mute.Store(true)
	before := len(rec.of(dhcpv4.MessageTypeRequest))
	expired := events.next(t, clk, dhcp.EventExpired)
	if !errors.Is(expired.Err, dhcp.ErrLeaseExpired) || !expired.At.Equal(renewed.Lease.ExpiresAt()) {
		t.Fatalf("expired at %v (%v), want %v", expired.At, expired.Err, renewed.Lease.ExpiresAt())
	}
	// Renew attempts between T1 and T2, then rebind attempts until expiry,
	// at least a minute apart.
	if n := len(rec.of(dhcpv4.MessageTypeRequest)) - before; n < 4 {
		t.Fatalf("%d renew/rebind attempts while the server was silent", n)
	}
	if c.Lease() != nil {
		t.Fatal("client kept an expired lease")
	}
	failed := events.next(t, clk, dhcp.EventFailed)
	if !errors.Is(failed.Err, dhcp.ErrNoAnswer) {
		t.Fatalf("DORA without a server: %v", failed.Err)
	}
	conn.mute.Store(false)
	rebound := events.next(t, clk, dhcp.EventBound)
	if rebound.Lease.Address.Addr() != addr {
		t.Fatalf("new lease %v, want %v again", rebound.Lease.Address, addr)
	}

	// A server that gives this phone a fixed other address refuses the
	// renewal of the old one.
	srv.SetHosts([]dhcpserver.Host{{MAC: mac1, Address: netip.MustParseAddr("127.0.9.15")}})
	nak := events.next(t, clk, dhcp.EventNak)
	var ne *dhcp.NakError
	if !errors.As(nak.Err, &ne) || ne.Server != srvIP {
		t.Fatalf("nak event error %v", nak.Err)
	}
	again := events.next(t, clk, dhcp.EventBound)
	if again.Lease.Address.Addr() != netip.MustParseAddr("127.0.9.15") {
		t.Fatalf("after the NAK bound to %v", again.Lease.Address)
	}
}
