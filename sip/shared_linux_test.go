package sip_test

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/internal/datagram/datagramtest"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// onMux is a lab user's UA on addr, on the shared socket m.
func onMux(lab *sipproxy.Server, m *datagram.Mux, user, addr string) sip.Config {
	c := labUA(lab, user, sip.UDP)
	c.LocalAddr = netip.MustParseAddr(addr)
	c.LocalPort = m.Port()
	c.SharedUDP = m
	return c
}

// On a shared socket a UA registers without sipgo's stack (a fleet's
// phone that only registers never makes it) and makes it when a request
// arrives or an intent sends through it: the call below works both ways
// as on a socket of its own.
func TestSharedSocketMakesTheStackWhenNeeded(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	m, _ := datagramtest.StartMux(t)
	a := startUA(t, onMux(lab, m, "1001", "127.78.0.1"))
	b := startUA(t, onMux(lab, m, "1002", "127.78.0.2"))
	for user, p := range map[string]*phone{"1001": a, "1002": b} {
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		// From its own address and port, as from a socket of its own.
		if bs := lab.Bindings(user); len(bs) != 1 || bs[0].Source != p.LocalAddr().String() || !strings.Contains(bs[0].Contact, p.LocalAddr().String()) {
			t.Fatalf("bindings of %s %+v, want one from and at %s", user, bs, p.LocalAddr())
		}
		if sip.StackMade(p.UA) {
			t.Fatalf("%s made sipgo's stack to register", p.AOR())
		}
	}
	call, in := invite(t, a, b, "1002", "1001")
	answerCall(t, in, a, b)
	for _, p := range []*phone{a, b} {
		if !sip.StackMade(p.UA) {
			t.Fatalf("%s called without sipgo's stack", p.AOR())
		}
	}
	if err := in.Call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if end := siptest.Wait[sip.CallEndedEvent](a.ev); end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
	if st := call.State(); st != sip.CallEnded {
		t.Fatalf("the caller's call in state %v after the callee's BYE", st)
	}
	if err := a.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// A UA on a shared socket that never needed sipgo still unregisters, and
// stops when its context ends.
func TestSharedSocketUnregistersWithoutTheStack(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	m, _ := datagramtest.StartMux(t)
	p := startUA(t, onMux(lab, m, "1003", "127.78.0.3"))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if bs := lab.Bindings("1003"); len(bs) != 1 || bs[0].Source != p.LocalAddr().String() {
		t.Fatalf("bindings %+v, want one from %s", bs, p.LocalAddr())
	}
	if err := p.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if bs := lab.Bindings("1003"); len(bs) != 0 {
		t.Fatalf("bindings %+v after Unregister", bs)
	}
	if sip.StackMade(p.UA) {
		t.Fatal("sipgo's stack made to register and unregister")
	}
}

// A response no transaction of the UA's waits for (a REGISTER's, resent
// after its transaction ended) is dropped on a shared socket without
// making sipgo's stack for it, as sipgo would drop it.
func TestSharedSocketDropsStrayResponsesWithoutTheStack(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	m, _ := datagramtest.StartMux(t)
	p := startUA(t, onMux(lab, m, "1004", "127.78.0.4"))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	stray := "SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP 127.78.0.4:" + strconv.Itoa(m.Port()) + ";branch=z9hG4bK-gone;rport\r\n" +
		"From: <sip:1004@" + lab.Domain() + ">;tag=1\r\n" +
		"To: <sip:1004@" + lab.Domain() + ">;tag=2\r\n" +
		"Call-ID: gone\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"Content-Length: 0\r\n\r\n"
	if _, err := peer.WriteToUDPAddrPort([]byte(stray), p.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	// The shared socket reads in order: once the REGISTER below is
	// answered, the stray response was handed over before it.
	if err := p.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if sip.StackMade(p.UA) {
			t.Fatal("sipgo's stack made for a stray response")
		}
	}
}
