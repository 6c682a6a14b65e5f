package sip_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// testOffer is a fixed SDP offer: the media layer is not part of these
// tests, the bytes only have to travel.
var testOffer = []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")

var testAnswer = []byte("v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")

func logLevel() slog.Level {
	if os.Getenv("SIP_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// startLab runs a lab registrar/proxy for the test.
func startLab(t *testing.T, cfg sipproxy.Config) *sipproxy.Server {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = sipproxy.Numbered(1000, 1999, "pass")
	}
	cfg.Logger = siptest.Logger(t, logLevel())
	s, err := sipproxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// phone is a running UA with its event reader.
type phone struct {
	*sip.UA
	ev *siptest.Events
}

// invite has caller call to (a user) and waits for the callee's incoming
// call, with the caller's offer and from user.
func invite(t *testing.T, caller, callee *phone, to, from string) (*sip.Call, sip.IncomingCallEvent) {
	t.Helper()
	call, err := caller.Invite(ctxT(t), to, sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := siptest.Wait[sip.IncomingCallEvent](callee.ev)
	if !bytes.Equal(in.Offer.Data, testOffer) || in.From.User != from {
		t.Fatalf("incoming %+v", in)
	}
	return call, in
}

// answerCall has callee answer in with testAnswer and waits until the caller
// has the answer and the callee the ACK.
func answerCall(t *testing.T, in sip.IncomingCallEvent, caller, callee *phone) {
	t.Helper()
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	ans := siptest.Wait[sip.CallAnsweredEvent](caller.ev)
	if !bytes.Equal(ans.Answer.Data, testAnswer) {
		t.Fatalf("answer %q", ans.Answer.Data)
	}
	siptest.Wait[sip.CallConfirmedEvent](callee.ev)
}

// register registers each phone and fails the test if one cannot.
func register(t *testing.T, phones ...*phone) {
	t.Helper()
	for _, p := range phones {
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// twoDigits waits for the two DTMF digits of call and fails the test
// (naming the call n) unless they are 1, then 2.
func twoDigits(t *testing.T, p *phone, call *sip.Call, n int) {
	t.Helper()
	var digits []rune
	for len(digits) < 2 {
		ev, err := siptest.WaitFor(p.ev, func(e sip.DTMFEvent) bool { return e.Call == call })
		if err != nil {
			t.Fatalf("call %d: digits %q, then none, want \"12\"", n, string(digits))
		}
		digits = append(digits, ev.Digit)
	}
	if string(digits) != "12" {
		t.Fatalf("call %d: digits %q, want \"12\"", n, string(digits))
	}
}

// confirmedThenEnded fails the test (naming the call n) unless p's next
// call events are its call confirmed, then ended by a BYE.
func confirmedThenEnded(t *testing.T, p *phone, n int) {
	t.Helper()
	var got []string
	for len(got) < 2 {
		switch e := siptest.Wait[sip.Event](p.ev).(type) {
		case sip.CallConfirmedEvent:
			got = append(got, "confirmed")
		case sip.CallEndedEvent:
			got = append(got, "ended: "+e.Cause)
		}
	}
	if got[0] != "confirmed" || got[1] != "ended: bye" {
		t.Fatalf("call %d: %v, want confirmed, then ended by the BYE", n, got)
	}
}

// ringsThenAnswered has p make calls to target one after the other, each
// hung up once answered, and fails the test unless each rang (one 180)
// before it was answered.
func ringsThenAnswered(t *testing.T, p *phone, target string, calls int) {
	t.Helper()
	for i := range calls {
		call, err := p.Invite(ctxT(t), target, sip.SDP(testOffer), sip.InviteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := callProgress(t, p, call); len(got) != 1 || got[0] != 180 {
			t.Fatalf("call %d: progress before the answer %v, want [180]", i+1, got)
		}
		if err := call.Hangup(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// startUA runs a UA for the test.
func startUA(t *testing.T, cfg sip.Config) *phone {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = siptest.Logger(t, logLevel()).With("ua", cfg.User)
	}
	if cfg.NoResponseTimeout == 0 {
		cfg.NoResponseTimeout = 2 * time.Second
	}
	ua, err := sip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ua.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("UA %s did not stop", cfg.User)
		}
	})
	return &phone{UA: ua, ev: siptest.NewEvents(t, cfg.User, ua.Events())}
}

// labUA is the config of user at the lab server.
func labUA(lab *sipproxy.Server, user string, tr sip.Transport) sip.Config {
	a := lab.Addr()
	return sip.Config{
		User:      user,
		Password:  sip.Secret("pass" + user),
		Domain:    lab.Domain(),
		Registrar: sip.Server{Host: a.Addr().String(), Port: int(a.Port())},
		Proxy:     sip.Server{Host: a.Addr().String(), Port: int(a.Port())},
		Transport: tr,
		LocalAddr: netip.MustParseAddr("127.0.0.1"),
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// acceptOffers makes p answer every re-INVITE it skips while waiting (peers
// put calls on hold before a transfer) with a fixed answer.
func (p *phone) acceptOffers(t *testing.T) {
	p.ev.Auto = func(ev sip.Event) {
		if o, ok := ev.(sip.OfferEvent); ok {
			if err := o.Call.AcceptOffer(context.Background(), sip.SDP(testAnswer)); err != nil {
				t.Errorf("accept offer: %v", err)
			}
		}
	}
}

// silentPort returns a UDP port of 127.0.0.1 that is held open for the test
// and never answers: a dead server no other test (or parallel package) can
// bring to life by binding the port, as it could a free port's.
func silentPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).Port
}
