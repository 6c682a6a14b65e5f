package sip_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// A UA that has stopped leaves its address and port free, even when one of
// its calls sends an ACK as it stops: sipgo binds a socket of its own for a
// UDP request whose socket is gone, and that socket stayed bound to the
// phone's port 5060 (a phone powered off and on again could not bind it and
// came up with no line; TestKeyMashingRealPhone failed so in CI).
func TestStoppedUALeavesItsPortFree(t *testing.T) {
	peer, got := startUDPPeer(t, func(*sipgosip.Request, int, func(string)) {})
	ua, addr, stop := runAt5060(t, peer)
	defer stop()
	target := sipgosip.Uri{Scheme: "sip", User: "1002", Host: peer.Host, Port: peer.Port}
	// Running, the ACK goes out from the phone's socket.
	if err := ua.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := sip.SendACK(ua, target); err != nil {
		t.Fatal(err)
	}
	for req := range got {
		if req.Method == sipgosip.ACK {
			if via := req.Via(); via == nil || via.Host != addr.String() || via.Port != 5060 {
				t.Errorf("ACK's Via %v, want %s:5060", via, addr)
			}
			break
		}
	}
	stop()
	// Stopped, it sends nothing, and the port is free for the next agent.
	if err := sip.SendACK(ua, target); !errors.Is(err, sip.ErrNotRunning) {
		t.Errorf("ACK after the UA stopped: %v, want ErrNotRunning", err)
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 5060)))
	if err != nil {
		t.Fatalf("the stopped UA's port: %v", err)
	}
	c.Close()
	select {
	case req := <-got:
		t.Errorf("%s sent after the UA stopped", req.Method)
	case <-time.After(100 * time.Millisecond):
	}
}

// A UA stopping while requests pour in leaves no socket behind: sipgo
// answers a request on a goroutine of its own, and one that ran after the
// UA had closed its stack found no socket for the answer in sipgo's emptied
// pool and bound a new one, which nothing closed (a phone powered off in a
// call did so; TestPowerCyclesLeaveNothingBehind failed in CI with such a
// socket left). Without the mend 3 to 8 of the ten UAs leave one.
func TestStoppingUALeavesNoSocketBehind(t *testing.T) {
	before := siptest.StackSockets()
	for range 10 {
		_, addr, stop := runAt5060(t, sip.Server{Host: "127.0.0.1", Port: 9})
		stopFlood := siptest.Flood(t, netip.AddrPortFrom(addr, 5060))
		time.Sleep(20 * time.Millisecond)
		stop()
		stopFlood()
	}
	siptest.NoStackSocketsLeft(t, before)
}

// A UA stopped by its context's end has let go of its port when Run
// returns, so a new one binds it at once, as a phone powered off and on
// does. The context's end closes the socket on a goroutine of its own; Run
// closing it again returned before that first close had finished, and the
// new agent's bind failed now and then ("address already in use":
// TestStoppedUALeavesItsPortFree and TestPowerCyclesLeaveNothingBehind
// failed so in CI). Before the mend a few of every thousand cycles failed.
func TestRestartedAtOnceOnItsPort(t *testing.T) {
	reg := sip.Server{Host: "127.0.0.1", Port: 9}
	_, addr, stop := runAt5060(t, reg)
	stop()
	for range 1000 {
		_, stop := runAt(t, addr, reg) // fails t when the port is still bound
		stop()
	}
}

// runAt5060 runs a UA at port 5060 of a random loopback address, with
// registrar reg; stop stops it and waits for Run to return.
func runAt5060(t *testing.T, reg sip.Server) (ua *sip.UA, addr netip.Addr, stop func()) {
	t.Helper()
	var b [3]byte
	rand.Read(b[:])
	addr = netip.AddrFrom4([4]byte{127, 10 + b[0]%200, b[1], 1 + b[2]%250})
	ua, stop = runAt(t, addr, reg)
	return ua, addr, stop
}

// runAt runs a UA at port 5060 of addr, with registrar reg; stop stops it
// and waits for Run to return.
func runAt(t *testing.T, addr netip.Addr, reg sip.Server) (ua *sip.UA, stop func()) {
	t.Helper()
	ua, err := sip.New(sip.Config{User: "1001", Domain: "lab.test", Registrar: reg, Transport: sip.UDP,
		LocalAddr: addr, LocalPort: 5060, Logger: siptest.Logger(t, logLevel())})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ua.Run(ctx); close(done) }()
	return ua, func() { cancel(); <-done }
}
