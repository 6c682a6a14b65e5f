package dhcpserver_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

func start(t testing.TB, cfg dhcpserver.Config) *dhcpserver.Server {
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

// peer is a hand-driven client: it sends exactly the message a test
// builds, so the server's answer to each state of RFC 2131 can be checked.
type peer struct {
	t    *testing.T
	conn *net.UDPConn
	srv  *net.UDPAddr
}

func newPeer(t *testing.T, local string, srv *dhcpserver.Server) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(local)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{t: t, conn: c, srv: net.UDPAddrFromAddrPort(srv.Addr())}
}

// ask sends m and returns the reply, or nil when none comes within 10 s (a
// generous time: a loaded machine can be slow to answer).
func (p *peer) ask(mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	p.t.Helper()
	return p.exchange(10*time.Second, mods...)
}

// askNoReply sends m when the server must not answer, and returns what it
// answered within 300 ms all the same (nil: nothing).
func (p *peer) askNoReply(mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	p.t.Helper()
	return p.exchange(300*time.Millisecond, mods...)
}

// exchange sends m and returns the reply, or nil when none comes in wait.
func (p *peer) exchange(wait time.Duration, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	p.t.Helper()
	m, err := dhcpv4.New(mods...)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.conn.WriteTo(m.ToBytes(), p.srv); err != nil {
		p.t.Fatal(err)
	}
	p.conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 1500)
	for {
		n, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			return nil
		}
		r, err := dhcpv4.FromBytes(buf[:n])
		if err != nil {
			p.t.Fatalf("server sent a malformed reply: %v", err)
		}
		if r.TransactionID == m.TransactionID {
			return r
		}
	}
}

var (
	macA = net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, 0x0a}
	macB = net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, 0x0b}
	sid  = net.IPv4(127, 0, 0, 1).To4()
)

func msg(mac net.HardwareAddr, t dhcpv4.MessageType, mods ...dhcpv4.Modifier) []dhcpv4.Modifier {
	return append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(mac), dhcpv4.WithMessageType(t)}, mods...)
}

func requested(ip string) dhcpv4.Modifier {
	return dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP(ip)))
}

func server() dhcpv4.Modifier { return dhcpv4.WithOption(dhcpv4.OptServerIdentifier(sid)) }

func TestPoolAndRequestStates(t *testing.T) {
	clk := clocktest.New(time.Date(2024, 2, 22, 0, 0, 0, 0, time.UTC))
	srv := start(t, dhcpserver.Config{
		PoolStart: netip.MustParseAddr("127.0.20.10"), PoolEnd: netip.MustParseAddr("127.0.20.11"),
		LeaseTime: time.Hour, Clock: clk,
	})
	a, b := newPeer(t, "127.0.0.1:0", srv), newPeer(t, "127.0.0.1:0", srv)

	offer := a.ask(msg(macA, dhcpv4.MessageTypeDiscover)...)
	if offer == nil || offer.MessageType() != dhcpv4.MessageTypeOffer || !offer.YourIPAddr.Equal(net.ParseIP("127.0.20.10")) {
		t.Fatalf("offer %v", offer)
	}
	if offer.IPAddressLeaseTime(0) != time.Hour || offer.IPAddressRenewalTime(0) != 30*time.Minute ||
		offer.IPAddressRebindingTime(0) != 52*time.Minute+30*time.Second || !offer.ServerIdentifier().Equal(sid) {
		t.Fatalf("offer times/server: %v", offer.Summary())
	}
	// Another client is offered the next address, not the reserved one.
	if o := b.ask(msg(macB, dhcpv4.MessageTypeDiscover)...); o == nil || !o.YourIPAddr.Equal(net.ParseIP("127.0.20.11")) {
		t.Fatalf("second offer %v", o)
	}
	// SELECTING: the offered address is granted, another one refused.
	if r := a.ask(msg(macA, dhcpv4.MessageTypeRequest, server(), requested("127.0.20.11"))...); r.MessageType() != dhcpv4.MessageTypeNak {
		t.Fatalf("request for another's address: %v", r.MessageType())
	}
	ack := a.ask(msg(macA, dhcpv4.MessageTypeRequest, server(), requested("127.0.20.10"))...)
	if ack.MessageType() != dhcpv4.MessageTypeAck || !ack.YourIPAddr.Equal(net.ParseIP("127.0.20.10")) {
		t.Fatalf("ack %v", ack.Summary())
	}
	// A REQUEST for another server's offer is ignored (and frees ours).
	if r := b.askNoReply(msg(macB, dhcpv4.MessageTypeRequest, requested("127.0.20.11"),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 9, 9, 9))))...); r != nil {
		t.Fatalf("answered a request meant for another server: %v", r.MessageType())
	}
	// RENEWING: ciaddr, no server id.
	clk.Advance(40 * time.Minute)
	if r := a.ask(msg(macA, dhcpv4.MessageTypeRequest, dhcpv4.WithClientIP(net.ParseIP("127.0.20.10")))...); r.MessageType() != dhcpv4.MessageTypeAck {
		t.Fatalf("renew: %v", r.MessageType())
	}
	// A foreign client renewing an address it does not hold gets a NAK.
	if r := b.ask(msg(macB, dhcpv4.MessageTypeRequest, dhcpv4.WithClientIP(net.ParseIP("127.0.20.10")))...); r.MessageType() != dhcpv4.MessageTypeNak {
		t.Fatalf("foreign renew: %v", r.MessageType())
	}
	// INIT-REBOOT outside the pool.
	if r := b.ask(msg(macB, dhcpv4.MessageTypeRequest, requested("192.0.2.9"))...); r.MessageType() != dhcpv4.MessageTypeNak {
		t.Fatalf("init-reboot for a foreign address: %v", r.MessageType())
	}
	leases := srv.Leases()
	if len(leases) != 1 || leases[0].MAC != macA.String() || !leases[0].Bound ||
		!leases[0].Expires.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("leases %+v", leases)
	}
	// The pool is two addresses: with A bound and B's offer dropped, B gets .11;
	// a third client then finds the pool full.
	if o := b.ask(msg(macB, dhcpv4.MessageTypeDiscover)...); o == nil || !o.YourIPAddr.Equal(net.ParseIP("127.0.20.11")) {
		t.Fatalf("B's second offer %v", o)
	}
	macC := net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, 0x0c}
	if o := b.askNoReply(msg(macC, dhcpv4.MessageTypeDiscover)...); o != nil {
		t.Fatalf("offer from a full pool: %v", o.YourIPAddr)
	}
	// A lease that expires frees its address.
	clk.Advance(2 * time.Hour)
	if o := b.ask(msg(macC, dhcpv4.MessageTypeDiscover)...); o == nil {
		t.Fatal("no offer after every lease expired")
	}
	// DECLINE takes an address out of the pool; RELEASE gives it back.
	if r := a.askNoReply(msg(macA, dhcpv4.MessageTypeDecline, requested("127.0.20.10"), server())...); r != nil {
		t.Fatalf("DECLINE answered with %s", r.MessageType())
	}
	// .11 is on offer to C: with .10 declined the pool has nothing for A.
	if o := a.askNoReply(msg(macA, dhcpv4.MessageTypeDiscover)...); o != nil && o.YourIPAddr.Equal(net.ParseIP("127.0.20.10")) {
		t.Fatal("declined address offered again")
	}
	st := srv.Stats()
	if st.Declines != 1 || st.Naks != 3 || st.Acks != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// behaviour: BOOT-2
// behaviour: BOOT-4
func TestClassesAndHosts(t *testing.T) {
	tz := 2 * time.Hour
	srv := start(t, dhcpserver.Config{
		ClientSourceAddress: true,
		Options: dhcpserver.Options{ProvisioningURL: "http://h/firmware.img;<MAC>.cfg", TFTPServer: "10.0.0.1",
			BootFile: "firmware.img", NULTerminate: true, TimeOffset: &tz},
		Classes: []dhcpserver.Class{
			{Match: "450HD", Options: dhcpserver.Options{ProvisioningURL: "http://h/450HD.img;450HD_<MAC>.cfg"}},
			{Match: "445HD", Options: dhcpserver.Options{ProvisioningURL: "tftp://h/445HD.img"}},
		},
		Hosts: []dhcpserver.Host{{MAC: macB, Address: netip.MustParseAddr("127.0.21.99"),
			Options: dhcpserver.Options{BootFile: "special.img", SIPServerAddrs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}}}},
	})
	p := newPeer(t, "127.0.21.1:0", srv)
	for _, tt := range []struct {
		name string
		mods []dhcpv4.Modifier
		url  string
	}{
		{"vendor class 450HD", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("450HD"))}, "http://h/450HD.img;450HD_<MAC>.cfg"},
		{"user class 445HD (RFC 3004 form)", []dhcpv4.Modifier{dhcpv4.WithUserClass("445HD", true)}, "tftp://h/445HD.img"},
		{"long vendor class containing the model", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("AUDC-IPPhone-450HD_UC/3.4.4"))}, "http://h/450HD.img;450HD_<MAC>.cfg"},
		{"no class", nil, "http://h/firmware.img;<MAC>.cfg"},
	} {
		o := p.ask(msg(macA, dhcpv4.MessageTypeDiscover, tt.mods...)...)
		if got := string(o.Options.Get(dhcpv4.GenericOptionCode(160))); got != tt.url {
			t.Errorf("%s: option 160 = %q, want %q", tt.name, got, tt.url)
		}
		if !o.YourIPAddr.Equal(net.ParseIP("127.0.21.1")) {
			t.Errorf("%s: offered %v, want the source address", tt.name, o.YourIPAddr)
		}
		if string(o.Options.Get(dhcpv4.OptionTFTPServerName)) != "10.0.0.1\x00" || o.Options.Get(dhcpv4.OptionTimeOffset) == nil {
			t.Errorf("%s: 66 %q, 2 % x", tt.name, o.Options.Get(dhcpv4.OptionTFTPServerName), o.Options.Get(dhcpv4.OptionTimeOffset))
		}
	}
	o := p.ask(msg(macB, dhcpv4.MessageTypeDiscover, dhcpv4.WithOption(dhcpv4.OptClassIdentifier("450HD")))...)
	if !o.YourIPAddr.Equal(net.ParseIP("127.0.21.99")) || string(o.Options.Get(dhcpv4.OptionBootfileName)) != "special.img\x00" ||
		string(o.Options.Get(dhcpv4.GenericOptionCode(160))) != "http://h/450HD.img;450HD_<MAC>.cfg" ||
		!slices.Equal(o.Options.Get(dhcpv4.OptionSIPServers), []byte{1, 10, 0, 0, 5}) {
		t.Fatalf("host entry: %v", o.Summary())
	}
	// INFORM: options without an address.
	inf := p.ask(msg(macA, dhcpv4.MessageTypeInform, dhcpv4.WithClientIP(net.ParseIP("127.0.21.1")))...)
	if inf.MessageType() != dhcpv4.MessageTypeAck || !inf.YourIPAddr.IsUnspecified() || inf.Options.Has(dhcpv4.OptionIPAddressLeaseTime) {
		t.Fatalf("inform answer: %v", inf.Summary())
	}
}

func TestBadConfigAndInput(t *testing.T) {
	for name, cfg := range map[string]dhcpserver.Config{
		"pool end before start":   {PoolStart: netip.MustParseAddr("127.0.0.9"), PoolEnd: netip.MustParseAddr("127.0.0.1")},
		"label too long":          {Options: dhcpserver.Options{SIPServerNames: []string{string(make([]byte, 70)) + ".x"}}},
		"no server id on 0.0.0.0": {Addr: "0.0.0.0:0"},
		"prefix length 33":        {PrefixLen: 33},
	} {
		if _, err := dhcpserver.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	srv := start(t, dhcpserver.Config{ClientSourceAddress: true})
	p := newPeer(t, "127.0.22.1:0", srv)
	for _, junk := range [][]byte{nil, {1, 2, 3}, make([]byte, 300)} {
		p.conn.WriteTo(junk, p.srv)
	}
	// The server survives junk and still answers.
	if o := p.ask(msg(macA, dhcpv4.MessageTypeDiscover)...); o == nil {
		t.Fatal("no answer after junk")
	}
	if srv.Stats().Ignored < 2 {
		t.Fatalf("junk not counted: %+v", srv.Stats())
	}
}
