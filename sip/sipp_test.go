package sip_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// directUA is a phone that sends everything to server (a SIPp UAS) and
// does not register.
func directUA(t *testing.T, user, server string) sip.Config {
	s, err := sip.ParseServer(server)
	if err != nil {
		t.Fatal(err)
	}
	return sip.Config{User: user, Password: sip.Secret("pass" + user), Domain: "127.0.0.1", Proxy: s, Registrar: s}
}

func sippScenario(name string) string { return "testdata/sipp/" + name }

// behaviour: SIP-1
func TestPRACKToSIPpDemanding100rel(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-100rel.xml")})
	p := startUA(t, directUA(t, "1001", s.Addr()))
	call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pr := siptest.Wait[sip.CallProgressEvent](p.ev)
	if pr.Code != 180 {
		t.Fatalf("progress %+v", pr)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// ringAndAnswerSIPp lets SIPp call a phone with scenario, rings (reliably:
// SIPp requires 100rel), answers, and waits for SIPp's BYE and its end.
func ringAndAnswerSIPp(t *testing.T, scenario string, within time.Duration) *testpeer.SIPp {
	t.Helper()
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(scenario), Remote: p.LocalAddr().String(), Service: "1001"})
	in := siptest.Wait[sip.IncomingCallEvent](p.ev)
	if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
		t.Fatal(err)
	}
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	siptest.Wait[sip.CallConfirmedEvent](p.ev)
	if end := siptest.Wait[sip.CallEndedEvent](p.ev); end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
	if err := s.Wait(t, within); err != nil {
		t.Fatal(err)
	}
	return s
}

// behaviour: SIP-1
func TestReliableProvisionalToSIPp(t *testing.T) {
	s := ringAndAnswerSIPp(t, "uac-100rel.xml", 10*time.Second)
	// The 180 was sent reliably.
	var ringing string
	for _, m := range s.Received() {
		if strings.HasPrefix(m, "SIP/2.0 180") {
			ringing = m
		}
	}
	if !strings.Contains(ringing, "Require: 100rel") || !strings.Contains(ringing, "RSeq: 1") {
		t.Fatalf("180 not reliable:\n%s", ringing)
	}
}

// Over UDP the phone repeats its reliable 180 until the PRACK comes and its
// 200 until the ACK comes (RFC 3262 §3, RFC 3261 §13.3.1.4), and stops
// once they have: SIPp acknowledges each after a second, between the
// first repeat (0.5 s) and the second (1.5 s).
//
// behaviour: SIP-1
func TestRetransmissionsUntilPRACKAndACKFromSIPp(t *testing.T) {
	s := ringAndAnswerSIPp(t, "uac-slow-ack.xml", 20*time.Second)
	// What SIPp received, in order: 180s until the 200 to its PRACK, 200s
	// to the INVITE until the 200 to its BYE, nothing of either after.
	var ringing, ok200 int
	var afterPRACK, afterBYE bool
	for _, m := range s.Received() {
		first, _, _ := strings.Cut(m, "\n")
		cseq := ""
		for _, l := range strings.Split(m, "\n") {
			if strings.HasPrefix(strings.ToLower(l), "cseq:") {
				cseq = l
			}
		}
		switch {
		case strings.HasPrefix(first, "SIP/2.0 180"):
			if afterPRACK {
				t.Errorf("180 repeated after its PRACK was answered")
			}
			ringing++
		case strings.HasPrefix(first, "SIP/2.0 200") && strings.Contains(cseq, "PRACK"):
			afterPRACK = true
		case strings.HasPrefix(first, "SIP/2.0 200") && strings.Contains(cseq, "INVITE"):
			if afterBYE {
				t.Errorf("200 to the INVITE repeated after the call ended")
			}
			ok200++
		case strings.HasPrefix(first, "SIP/2.0 200") && strings.Contains(cseq, "BYE"):
			afterBYE = true
		}
	}
	if ringing < 2 || ok200 < 2 {
		t.Fatalf("SIPp received %d 180s and %d 200s to its INVITE, want each repeated before its acknowledgement", ringing, ok200)
	}
	t.Logf("%d 180s, %d 200s", ringing, ok200)
}

// sippOnFakeClock starts SIPp with scenario and a phone that sends it
// everything, on a fake clock (with, when not nil, changes the phone's
// configuration).
func sippOnFakeClock(t *testing.T, scenario string, with func(*sip.Config)) (*testpeer.SIPp, *clocktest.Fake, *phone) {
	t.Helper()
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(scenario)})
	clk := clocktest.New(time.Now())
	cfg := directUA(t, "1001", s.Addr())
	cfg.Clock = clk
	if with != nil {
		with(&cfg)
	}
	return s, clk, startUA(t, cfg)
}

// waitDeadline waits until the fake clock's next timer is due after t0+d
// (a component re-armed its timer).
func waitDeadline(t *testing.T, clk *clocktest.Fake, after time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if next, ok := clk.NextDeadline(); ok && next.After(after) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no timer armed after %s", after)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSessionTimerRefreshWithSIPp(t *testing.T) {
	s, clk, p := sippOnFakeClock(t, "uas-session-refresh.xml", func(c *sip.Config) { c.SessionExpires = 90 * time.Second })
	start := clk.Now()
	call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	// The phone is the refresher: half the interval later it re-INVITEs.
	clk.Advance(46 * time.Second)
	waitDeadline(t, clk, start.Add(60*time.Second)) // re-armed from the refresh's 2xx
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSessionTimerExpiryWithSIPp(t *testing.T) {
	s, clk, p := sippOnFakeClock(t, "uas-session-expiry.xml", nil)
	call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	// The far end refreshes and never does: the phone sends BYE at
	// 90 - min(32, 90/3) = 60 s.
	clk.Advance(59 * time.Second)
	if call.State() != sip.CallConfirmed {
		t.Fatalf("call %s before the session expired", call.State())
	}
	clk.Advance(2 * time.Second)
	end := siptest.WaitMatch(p.ev, func(e sip.CallEndedEvent) bool { return e.Call == call })
	if end.Cause != "session-expired" {
		t.Fatalf("ended %+v", end)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestMWIWithSIPpVoicemail(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-mwi.xml")})
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	vm, _ := sip.ParseServer(s.Addr())
	sub, err := p.Subscribe(ctxT(t), sip.SubscribeOptions{Event: "message-summary", Target: "1001", Server: vm})
	if err != nil {
		t.Fatal(err)
	}
	n := siptest.Wait[sip.NotifyEvent](p.ev)
	if n.Sub != sub || n.Err != nil || n.MessageSummary == nil {
		t.Fatalf("notify %+v", n)
	}
	ms := n.MessageSummary
	want := sip.MessageCounts{New: 2, Old: 8, NewUrgent: 0, OldUrgent: 2}
	if !ms.Waiting || ms.Voice != want || !strings.HasPrefix(ms.Account, "sip:vm@") {
		t.Fatalf("summary %+v", ms)
	}
	if err := sub.Unsubscribe(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	end := siptest.WaitMatch(p.ev, func(e sip.SubscriptionEvent) bool { return e.State == "terminated" })
	if end.Sub != sub {
		t.Fatalf("ended %+v", end)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// behaviour: SIP-2
// behaviour: SIP-3
// behaviour: SIP-4
func TestOptionsAndSendOnlyMethodsWithSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-options.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterIntervalTooBriefWithSIPp(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-registrar-423.xml")})
	p := startUA(t, directUA(t, "1001", s.Addr()))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if ev.Expires != 7200*time.Second {
		t.Fatalf("registered for %s, want the registrar's Min-Expires", ev.Expires)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestRegistrarFailureAndRecoveryWithSIPp(t *testing.T) {
	s, clk, p := sippOnFakeClock(t, "uas-registrar-503.xml", nil)
	err := p.Register(ctxT(t))
	var re *sip.ResponseError
	if !errors.As(err, &re) || re.Code != 503 {
		t.Fatalf("first registration = %v, want 503", err)
	}
	fail := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegFailed })
	if fail.Retry != 30*time.Second {
		t.Fatalf("retry in %s", fail.Retry)
	}
	waitDeadline(t, clk, clk.Now()) // the retry timer is armed after the event
	clk.Advance(31 * time.Second)
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestInfoDTMFWithSIPp(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-info-dtmf.xml")})
	p := startUA(t, directUA(t, "1001", s.Addr()))
	call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.SendDTMF(ctxT(t), '5', 160*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	d := siptest.Wait[sip.DTMFEvent](p.ev)
	if d.Digit != '#' || d.Duration != 250*time.Millisecond || d.Call != call {
		t.Fatalf("dtmf %+v", d)
	}
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A registrar slower than T1 gets the REGISTER again, the very same
// request, until it answers; the phone registers with its answer.
func TestRegisterRetransmittedToSlowSIPp(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-registrar-slow.xml")})
	p := startUA(t, directUA(t, "1001", s.Addr()))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got := s.Received()
	if len(got) < 2 {
		t.Fatalf("SIPp received %d messages, want the REGISTER and its retransmission:\n%s", len(got), s.Messages())
	}
	for _, m := range got[1:] {
		if m != got[0] {
			t.Fatalf("the retransmission differs from the request:\n%s\nthen\n%s", got[0], m)
		}
	}
}

// A 180 sent right before the 200 is not lost to it: the phone shows the
// call ringing, then answered, call after call. Over TCP SIPp writes the two
// in one segment (before the phone took responses in the order it read them,
// most such calls lost their 180); over UDP its two sends are most often far
// enough apart for the phone to have handled the first before the second
// comes (TestRingingArrivingWithTheAnswer has them arrive together).
//
// behaviour: SIP-1
func TestRingingRightBeforeTheAnswerFromSIPp(t *testing.T) {
	const calls = 100
	for _, tr := range []struct {
		sipp, scenario string
		ua             sip.Transport
	}{{"u1", "uas-ring-answer.xml", sip.UDP}, {"t1", "uas-ring-answer-tcp.xml", sip.TCP}} {
		t.Run(string(tr.ua), func(t *testing.T) {
			s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(tr.scenario), Transport: tr.sipp, Calls: calls})
			cfg := directUA(t, "1001", s.Addr())
			cfg.Transport = tr.ua
			p := startUA(t, cfg)
			ringsThenAnswered(t, p, "sip:sipp@"+s.Addr(), calls)
			if err := s.Wait(t, 20*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// callProgress is the provisional codes call reported until it was answered.
func callProgress(t *testing.T, p *phone, call *sip.Call) []int {
	t.Helper()
	var codes []int
	for {
		switch e := siptest.Wait[sip.Event](p.ev).(type) {
		case sip.CallProgressEvent:
			if e.Call == call {
				codes = append(codes, e.Code)
			}
		case sip.CallAnsweredEvent:
			if e.Call == call {
				return codes
			}
		case sip.CallEndedEvent:
			if e.Call == call {
				t.Fatalf("call ended: %+v", e)
			}
		}
	}
}

// Two INFO digits SIPp writes at once over TCP (one segment) come out in
// order, each answered 200, call after call (see TestRequestsArrivingTogether
// for UDP: SIPp sends no two messages without a pause between them).
//
// behaviour: SIP-1
func TestInfoDigitsInOneSegmentFromSIPp(t *testing.T) {
	const calls = 50
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-info-pair-tcp.xml"), Transport: "t1", Calls: calls})
	cfg := directUA(t, "1001", s.Addr())
	cfg.Transport = sip.TCP
	p := startUA(t, cfg)
	p.ev.Timeout = 5 * time.Second
	for i := range calls {
		call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		twoDigits(t, p, call, i+1)
		if err := call.Hangup(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Wait(t, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A cancelled call whose callee answers the CANCEL but never sends the
// INVITE's final response ends 64·T1 after the CANCEL, as cancelled (RFC
// 3261 §9.1). Before, the INVITE waited for a proxy's Timer C (Kamailio's
// two minutes) or, with the callee reached directly, for ever.
func TestCancelledCallEndsWithoutItsFinalResponse(t *testing.T) {
	s, clk, p, call, start := cancelWhileRinging(t, "uas-ring-ignore-cancel.xml")
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err) // SIPp had the CANCEL and answered it
	}
	if next, ok := clk.NextDeadline(); !ok || next.Sub(start) != 64*sipgosip.T1 {
		t.Fatalf("next timer at %v (armed %v), want 64·T1 after the CANCEL", next.Sub(start), ok)
	}
	select {
	case <-call.Done():
		t.Fatal("the call ended before 64·T1")
	default:
	}
	clk.Advance(64 * sipgosip.T1)
	end := siptest.WaitMatch(p.ev, func(e sip.CallEndedEvent) bool { return e.Call == call })
	if end.Code != 487 || end.Cause != "cancel" || !errors.Is(end.Err, sip.ErrNoResponse) {
		t.Fatalf("call ended %+v", end)
	}
}

// A callee's 200 that comes after the phone gave its cancelled INVITE up
// is acknowledged, with the INVITE's CSeq, and its call ended with a BYE
// (RFC 3261 §15): SIPp fails the scenario without the ACK and the BYE.
// Before, such an answer found no call and was dropped, and the callee
// retransmitted it until it gave up on the ACK and hung up itself. The
// phone's call ends once, as given up.
func TestLateAnswerToAGivenUpCallIsEnded(t *testing.T) {
	s, clk, p, call, start := cancelWhileRinging(t, "uas-ring-answer-late.xml")
	waitDeadline(t, clk, start)
	clk.Advance(64 * sipgosip.T1)
	// Given up before SIPp's answer (sent 1.5 s after the CANCEL's 200).
	end := siptest.WaitMatch(p.ev, func(e sip.CallEndedEvent) bool { return e.Call == call })
	if end.Cause != "cancel" || !errors.Is(end.Err, sip.ErrNoResponse) {
		t.Fatalf("call ended %+v", end)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err) // no ACK, a wrong one, or no BYE
	}
	for _, e := range p.ev.Drain(200 * time.Millisecond) {
		if c, ok := e.(sip.CallEndedEvent); ok && c.Call == call {
			t.Errorf("the call ended again: %+v", c)
		}
	}
}

// cancelWhileRinging calls SIPp running scenario, on a fake clock, and
// cancels the call once it rings; the CANCEL has had its 200 at start.
func cancelWhileRinging(t *testing.T, scenario string) (s *testpeer.SIPp, clk *clocktest.Fake, p *phone, call *sip.Call, start time.Time) {
	t.Helper()
	s, clk, p = sippOnFakeClock(t, scenario, nil)
	call, err := p.Invite(ctxT(t), "sip:sipp@"+s.Addr(), sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pr := siptest.Wait[sip.CallProgressEvent](p.ev); pr.Code != 180 {
		t.Fatalf("progress %+v", pr)
	}
	start = clk.Now()
	if err := call.Cancel(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return s, clk, p, call, start
}
