package sip_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// rawRegistrar is a registrar written for a test, on a UDP socket: each
// REGISTER it receives goes to answer, which returns the datagrams to send
// back (none: silence); reply sends one later.
type rawRegistrar struct {
	conn     net.PacketConn
	received chan received
}

// received is a REGISTER and when it came.
type received struct {
	req *sipgosip.Request
	at  time.Time
}

func startRawRegistrar(t *testing.T, answer func(n int, req *sipgosip.Request, reply func(string)) []string) *rawRegistrar {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawRegistrar{conn: c, received: make(chan received, 16)}
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for n := 1; ; {
			size, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := sipgosip.NewParser().ParseSIP(append([]byte(nil), buf[:size]...))
			req, ok := msg.(*sipgosip.Request)
			if err != nil || !ok || req.Method != sipgosip.REGISTER {
				continue
			}
			select {
			case r.received <- received{req, time.Now()}:
			default:
			}
			reply := func(d string) { c.WriteTo([]byte(d), from) }
			for _, d := range answer(n, req, reply) {
				c.WriteTo([]byte(d), from)
			}
			n++
		}
	}()
	return r
}

func (r *rawRegistrar) server() sip.Server {
	a := r.conn.LocalAddr().(*net.UDPAddr)
	return sip.Server{Host: a.IP.String(), Port: a.Port}
}

// next is the next REGISTER the registrar received.
func (r *rawRegistrar) next(t *testing.T) received {
	t.Helper()
	select {
	case rc := <-r.received:
		return rc
	case <-time.After(10 * time.Second):
		t.Fatal("no REGISTER")
		return received{}
	}
}

// registrarResponse answers req with code, granting its contact an hour.
func registrarResponse(req *sipgosip.Request, code int, reason string) string {
	res := sipgosip.NewResponseFromRequest(req, code, reason, nil)
	if code >= 200 {
		if c := req.Contact(); c != nil {
			cc := c.Clone()
			cc.Params = sipgosip.HeaderParams{{K: "expires", V: "3600"}}
			res.AppendHeader(cc)
		}
	}
	return res.String()
}

func rawRegistrarUA(r *rawRegistrar, noResponse time.Duration) sip.Config {
	return sip.Config{
		User: "1001", Domain: "127.0.0.1", Registrar: r.server(), Transport: sip.UDP,
		LocalAddr: netip.MustParseAddr("127.0.0.1"), NoResponseTimeout: noResponse,
	}
}

// A REGISTER lost on its way is sent again after T1, the same request
// (branch, CSeq and all): the phone registers with the retransmission.
func TestRegisterRetransmittedOverUDP(t *testing.T) {
	r := startRawRegistrar(t, func(n int, req *sipgosip.Request, _ func(string)) []string {
		if n == 1 {
			return nil // lost
		}
		return []string{registrarResponse(req, 200, "OK")}
	})
	p := startUA(t, rawRegistrarUA(r, 4*time.Second))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	first, again := r.next(t), r.next(t)
	if gap := again.at.Sub(first.at); gap < sipgosip.T1*8/10 {
		t.Errorf("sent again after %s, before T1 (%s)", gap, sipgosip.T1)
	}
	if again.req.String() != first.req.String() {
		t.Errorf("the retransmission differs:\n%s\nthen\n%s", first.req, again.req)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
}

// A provisional response is an answer: the phone stops sending the request
// again every T1, and NoResponseTimeout no longer applies; the final
// response, sent after both, ends the transaction.
func TestRegisterAnsweredProvisionally(t *testing.T) {
	wait := sipgosip.T1 + 300*time.Millisecond // past T1, short of T2
	r := startRawRegistrar(t, func(n int, req *sipgosip.Request, reply func(string)) []string {
		if n > 1 {
			return nil
		}
		time.AfterFunc(wait, func() { reply(registrarResponse(req, 200, "OK")) })
		return []string{registrarResponse(req, 100, "Trying")}
	})
	p := startUA(t, rawRegistrarUA(r, 300*time.Millisecond))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	r.next(t)
	select {
	case again := <-r.received:
		t.Fatalf("sent again after a provisional response, within T2:\n%s", again.req)
	default:
	}
}

// A final response right behind a burst of provisional ones reaches its
// transaction: the phone registers at once, without sending the REGISTER
// again (27 of 30 such registrations waited T2 for it when the final
// response was dropped from the full inbox).
func TestRegisterAnsweredAfterAProvisionalBurst(t *testing.T) {
	for range 3 {
		r := startRawRegistrar(t, func(n int, req *sipgosip.Request, _ func(string)) []string {
			if n > 1 {
				return []string{registrarResponse(req, 200, "OK")}
			}
			trying := registrarResponse(req, 100, "Trying")
			return []string{trying, trying, trying, registrarResponse(req, 200, "OK")}
		})
		p := startUA(t, rawRegistrarUA(r, 10*time.Second))
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		r.next(t)
		select {
		case again := <-r.received:
			t.Fatalf("sent again after its final response came:\n%s", again.req)
		default:
		}
	}
}

// A response whose top Via is folded over two lines still reaches its
// transaction.
func TestRegisterResponseWithFoldedVia(t *testing.T) {
	r := startRawRegistrar(t, func(_ int, req *sipgosip.Request, _ func(string)) []string {
		res := registrarResponse(req, 200, "OK")
		// sipgo's parser joins this fold (not every other).
		res = strings.Replace(res, "Via: SIP/2.0/UDP ", "Via: SIP/2.0/UDP\r\n ", 1)
		return []string{res}
	})
	p := startUA(t, rawRegistrarUA(r, 2*time.Second))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	r.next(t)
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
}

// A transaction in flight when the UA stops ends with it, as sipgo's did
// when its layers closed: it does not wait out NoResponseTimeout.
func TestTransactionEndsWhenUAStops(t *testing.T) {
	silent := sip.Server{Host: "127.0.0.1", Port: silentPort(t)}
	ua, err := sip.New(sip.Config{
		User: "1001", Domain: "127.0.0.1", Proxy: silent, Transport: sip.UDP,
		LocalAddr: netip.MustParseAddr("127.0.0.1"), NoResponseTimeout: time.Minute,
		Logger: siptest.Logger(t, logLevel()),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { ua.Run(ctx); close(ran) }()
	published := make(chan error, 1)
	go func() {
		published <- ua.Publish(ctxT(t), sip.PublishOptions{Event: "presence", Target: "sip:1001@127.0.0.1"})
	}()
	time.Sleep(300 * time.Millisecond) // the PUBLISH is on its way, unanswered
	stop()
	<-ran
	select {
	case err := <-published:
		// Not the closed socket's error at its next retransmission.
		if !errors.Is(err, sip.ErrNotRunning) {
			t.Fatalf("PUBLISH: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PUBLISH still waits after the UA stopped")
	}
}
