package datagram_test

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/internal/datagram/datagramtest"
)

func muxListen(t *testing.T, m *datagram.Mux, addr string) *datagram.Conn {
	t.Helper()
	ap := netip.AddrPortFrom(netip.MustParseAddr(addr), uint16(m.Port()))
	c, err := m.Listen(ap, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// listenWithPeer gives a Conn on addr with take, and a peer's socket on
// 127.0.0.1 to talk to it; both close when the test ends.
func listenWithPeer(tb testing.TB, m *datagram.Mux, addr string, take func([]byte, netip.AddrPort) bool) (*datagram.Conn, *net.UDPConn) {
	tb.Helper()
	c, err := m.Listen(netip.AddrPortFrom(netip.MustParseAddr(addr), uint16(m.Port())), take)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { peer.Close() })
	return c, peer
}

// readSIP reads one datagram as sipgo's loop and filter do.
func readSIP(t *testing.T, c *datagram.Conn) (string, net.Addr) {
	t.Helper()
	type got struct {
		data []byte
		from net.Addr
		err  error
	}
	ch := make(chan got, 1)
	go func() {
		buf := make([]byte, 1)
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			ch <- got{err: err}
			return
		}
		data, err := c.Filter(sipgosip.TransportReadProps{Transport: "udp", LocalAddr: c.LocalAddr()}, buf[:n])
		ch <- got{data, from, err}
	}()
	select {
	case g := <-ch:
		if g.err != nil {
			t.Fatal(g.err)
		}
		return string(g.data), g.from
	case <-time.After(5 * time.Second):
		t.Fatal("no datagram")
	}
	return "", nil
}

// Phones on one shared socket each receive what is sent to their own
// address, and what they send leaves from it: a peer sees the same
// datagrams, from the same addresses, as with a socket per phone.
func TestMuxConnsAreTheirOwnAddresses(t *testing.T) {
	m, _ := datagramtest.StartMux(t)
	a := muxListen(t, m, "127.77.0.1")
	b := muxListen(t, m, "127.77.0.2")
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAP := peer.LocalAddr().(*net.UDPAddr).AddrPort()

	// Sent to nobody's address first: dropped, the others unaffected.
	nobody := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.77.0.9"), uint16(m.Port())))
	peer.WriteTo([]byte("OPTIONS sip:nobody SIP/2.0\r\n\r\n"), nobody)
	for _, c := range []*datagram.Conn{b, a} {
		msg := "OPTIONS sip:" + c.LocalAddr().String() + " SIP/2.0\r\n\r\n"
		if _, err := peer.WriteTo([]byte(msg), c.UDPAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*datagram.Conn{a, b} {
		got, from := readSIP(t, c)
		if want := "OPTIONS sip:" + c.LocalAddr().String() + " SIP/2.0\r\n\r\n"; got != want {
			t.Errorf("%s read %q, want %q", c.LocalAddr(), got, want)
		}
		if from.String() != peerAP.String() {
			t.Errorf("%s: from %s, want %s", c.LocalAddr(), from, peerAP)
		}
	}

	buf := make([]byte, 100)
	for _, c := range []*datagram.Conn{a, b} {
		if _, err := c.WriteToUDPAddrPort([]byte("SIP/2.0 200 OK\r\n\r\n"), peerAP); err != nil {
			t.Fatal(err)
		}
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.UDPAddr().AddrPort(); from != want || string(buf[:n]) != "SIP/2.0 200 OK\r\n\r\n" {
			t.Errorf("peer got %q from %s, want the answer from %s", buf[:n], from, want)
		}
	}

	// Phone to phone through the one socket, by way of the kernel.
	if _, err := a.WriteTo([]byte("MESSAGE sip:b SIP/2.0\r\n\r\n"), b.UDPAddr()); err != nil {
		t.Fatal(err)
	}
	if got, from := readSIP(t, b); got != "MESSAGE sip:b SIP/2.0\r\n\r\n" || from.String() != a.LocalAddr().String() {
		t.Errorf("b read %q from %s, want a's MESSAGE from %s", got, from, a.LocalAddr())
	}
}

// An address is held by one Conn at a time and given back by Close; the
// Mux serves loopback IPv4 addresses on its own port only.
func TestMuxAddressesAreHeldOnce(t *testing.T) {
	m, _ := datagramtest.StartMux(t)
	port := uint16(m.Port())
	ap := netip.AddrPortFrom(netip.MustParseAddr("127.77.1.1"), port)
	c, err := m.Listen(ap, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Listen(ap, nil); !errors.Is(err, datagram.ErrInUse) {
		t.Fatalf("second Listen: %v, want ErrInUse", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
	c2, err := m.Listen(ap, nil)
	if err != nil {
		t.Fatalf("Listen after Close: %v", err)
	}
	c2.Close()
	for _, other := range []netip.AddrPort{
		netip.AddrPortFrom(netip.MustParseAddr("127.77.1.1"), port+1),
		netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), port),
		netip.AddrPortFrom(netip.MustParseAddr("::1"), port),
	} {
		if m.Serves(other) {
			t.Errorf("Serves(%s)", other)
		}
		if _, err := m.Listen(other, nil); err == nil {
			t.Errorf("Listen(%s) succeeded", other)
		}
	}
	var none *datagram.Mux
	if none.Serves(ap) {
		t.Error("a nil Mux serves")
	}
}

// While the Mux runs, its port is taken on every address (a socket of
// one's own cannot bind it), and a second Mux cannot take it over.
func TestMuxTakesItsPortEverywhere(t *testing.T) {
	m, _ := datagramtest.StartMux(t)
	if c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 77, 2, 1), Port: m.Port()}); err == nil {
		c.Close()
		t.Error("a socket bound the Mux's port")
	}
	if m2, err := datagram.NewMux(m.Port()); err == nil {
		m2.Close()
		t.Error("a second Mux bound the same port")
	}
}

// Closing a Conn ends its read; stopping the Mux ends every Conn's reads
// and Listen then fails.
func TestMuxStopEndsReads(t *testing.T) {
	m, stop := datagramtest.StartMux(t)
	a := muxListen(t, m, "127.77.3.1")
	b := muxListen(t, m, "127.77.3.2")
	reads := make(chan error, 2)
	for _, c := range []*datagram.Conn{a, b} {
		go func() {
			_, _, err := c.ReadFrom(make([]byte, 1))
			reads <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	a.Close()
	if err := <-reads; !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after Close: %v, want net.ErrClosed", err)
	}
	stop()
	if err := <-reads; !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after the Mux stopped: %v, want net.ErrClosed", err)
	}
	if _, err := m.Listen(netip.AddrPortFrom(netip.MustParseAddr("127.77.3.3"), uint16(m.Port())), nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Listen after stop: %v, want net.ErrClosed", err)
	}
	if _, err := b.WriteToUDPAddrPort([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Error("a send after the Mux stopped succeeded")
	}
}

// What the take function takes (the UA's responses) never reaches the
// reader; the rest, and what cannot be SIP, does, in order.
func TestMuxTakeGoesFirst(t *testing.T) {
	m, _ := datagramtest.StartMux(t)
	taken := make(chan string, 4)
	c, peer := listenWithPeer(t, m, "127.77.4.1", func(data []byte, from netip.AddrPort) bool {
		if !strings.HasPrefix(string(data), "SIP/2.0 ") {
			return false
		}
		taken <- string(data)
		return true
	})
	for _, msg := range []string{"SIP/2.0 401 Unauthorized\r\n\r\n", "NOTIFY sip:a SIP/2.0\r\n\r\n", "\x80\x00rtp"} {
		if _, err := peer.WriteTo([]byte(msg), c.UDPAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := readSIP(t, c); got != "NOTIFY sip:a SIP/2.0\r\n\r\n" {
		t.Errorf("the reader read %q first, want the NOTIFY", got)
	}
	if got, _ := readSIP(t, c); got != "" {
		t.Errorf("the reader read %q, want the RTP packet dropped by the filter", got)
	}
	select {
	case got := <-taken:
		if got != "SIP/2.0 401 Unauthorized\r\n\r\n" {
			t.Errorf("taken %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the response was not taken")
	}
}

// BenchmarkMuxRoundTrip: a phone's request leaves through the shared
// socket and its response comes back to the phone's transaction (the take
// function), as a registration's two exchanges do in a storm: what the
// shared socket costs a datagram each way, allocations included.
func BenchmarkMuxRoundTrip(b *testing.B) {
	m, _ := datagramtest.StartMux(b)
	got := make(chan []byte, 1)
	c, peer := listenWithPeer(b, m, "127.77.5.1", func(data []byte, from netip.AddrPort) bool {
		got <- data
		return true
	})
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	req := []byte("REGISTER sip:sip.test SIP/2.0\r\n\r\n")
	res := []byte("SIP/2.0 200 OK\r\n\r\n")
	buf := make([]byte, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.WriteToUDPAddrPort(req, to); err != nil {
			b.Fatal(err)
		}
		_, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := peer.WriteToUDPAddrPort(res, from); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}

// A Mux whose Run has returned has let go of its port: a fleet started
// again at once binds the same one. Its context's end closes the socket on
// a goroutine of its own, and Run's own close returned before that one had
// finished (a few restarts in a thousand then failed to bind).
func TestMuxRestartedAtOnceOnItsPort(t *testing.T) {
	m, stop := datagramtest.StartMux(t)
	port := m.Port()
	stop()
	for range 1000 {
		_, stop := datagramtest.StartMuxAt(t, port) // fails t when the port is still bound
		stop()
	}
}

// Arrived, which a lazy UA's goroutine waits on alone, receives for each
// thing that should start the Conn's reader: a datagram the take function
// left, Wake (an intent that needs sipgo) and Close. A Wake leaves nothing
// for the reader: its first read is the next datagram.
func TestMuxArrivedForDatagramWakeAndClose(t *testing.T) {
	m, _ := datagramtest.StartMux(t)
	c, peer := listenWithPeer(t, m, "127.77.5.1", nil)
	arrived := func(what string) {
		t.Helper()
		select {
		case <-c.Arrived():
		case <-time.After(5 * time.Second):
			t.Fatalf("Arrived did not receive after %s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-c.Arrived():
			t.Fatalf("Arrived received %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
	quiet("before anything happened")
	c.Wake()
	c.Wake() // one token, not two
	arrived("Wake")
	quiet("twice for two Wakes")
	to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.77.5.1"), uint16(m.Port())))
	if _, err := peer.WriteToUDP([]byte("OPTIONS sip:a SIP/2.0\r\n\r\n"), to); err != nil {
		t.Fatal(err)
	}
	arrived("a datagram")
	if got, _ := readSIP(t, c); !strings.HasPrefix(got, "OPTIONS") {
		t.Errorf("read %q after a Wake and a datagram, want the datagram", got)
	}
	c.Close()
	arrived("Close")
}
