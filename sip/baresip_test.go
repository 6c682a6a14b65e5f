package sip_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// registered starts a UA for user at Kamailio and registers it.
func registered(t *testing.T, k *testpeer.Kamailio, user string, tr sip.Transport) *phone {
	t.Helper()
	p := startUA(t, kamUA(t, k, user, tr))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return p
}

func startBaresip(t *testing.T, k *testpeer.Kamailio, user string, manual bool) *testpeer.Baresip {
	return testpeer.StartBaresip(t, testpeer.BaresipConfig{User: user, Domain: k.Domain, Registrar: k.Addr(), ManualAnswer: manual})
}

// behaviour: CALL-1
func TestCallToBaresip(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	b := startBaresip(t, k, "1002", false)
	a := registered(t, k, "1001", sip.UDP)
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ans := siptest.Wait[sip.CallAnsweredEvent](a.ev)
	if ans.Call != call || !bytes.Contains(ans.Answer.Data, []byte("m=audio")) {
		t.Fatalf("answer %+v %q", ans, ans.Answer.Data)
	}
	b.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	b.WaitEvent(t, "CALL_CLOSED", 5*time.Second)
}

func TestCallFromBaresip(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	b := startBaresip(t, k, "1002", false)
	a := registered(t, k, "1001", sip.UDP)
	b.Dial(t, "sip:1001@"+k.Domain)
	in := siptest.Wait[sip.IncomingCallEvent](a.ev)
	if in.From.User != "1002" || !bytes.Contains(in.Offer.Data, []byte("m=audio")) {
		t.Fatalf("incoming %+v", in)
	}
	if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
		t.Fatal(err)
	}
	b.WaitEvent(t, "CALL_RINGING", 5*time.Second)
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	siptest.Wait[sip.CallConfirmedEvent](a.ev)
	b.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
	b.Hangup(t)
	end := siptest.Wait[sip.CallEndedEvent](a.ev)
	if end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
	if !strings.Contains(b.Output(), "AUDC-IPPhone") {
		t.Errorf("baresip never saw the phone's User-Agent")
	}
}

// answered places a call from p to user and waits until it is up.
func answered(t *testing.T, p *phone, user string) *sip.Call {
	t.Helper()
	c, err := p.Invite(ctxT(t), user, sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == c })
	return c
}

// answer waits for an incoming call at p and answers it.
func answer(t *testing.T, p *phone) sip.IncomingCallEvent {
	t.Helper()
	in := siptest.Wait[sip.IncomingCallEvent](p.ev)
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallConfirmedEvent) bool { return e.Call == in.Call })
	return in
}

// consultAndReferReplaces has a consult user at c while call stands (a
// second call, answered at c), then REFERs call's peer to c with Replaces
// naming the consultation. It returns the consultation at a and at c, and
// the transferred INVITE as c receives it.
func consultAndReferReplaces(t *testing.T, a, c *phone, user string, call *sip.Call) (*sip.Call, sip.IncomingCallEvent, sip.IncomingCallEvent) {
	t.Helper()
	consult, err := a.Invite(ctxT(t), user, sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	atC := answer(t, c)
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == consult })
	if err := call.ReferReplaces(ctxT(t), consult); err != nil {
		t.Fatal(err)
	}
	return consult, atC, siptest.Wait[sip.IncomingCallEvent](c.ev)
}

// Blind transfer, baresip as the transferee: the phone REFERs baresip to a
// third phone; baresip reports progress in NOTIFYs with sipfrag bodies.
//
// (The key that chooses blind transfer, XFER-1, is the integrator's; this
// proves the REFER signalling it relies on.)
func TestBlindTransferOfBaresip(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	startBaresip(t, k, "1002", false)
	a := registered(t, k, "1001", sip.UDP)
	c := registered(t, k, "1003", sip.UDP)
	call := answered(t, a, "1002")
	if err := call.Refer(ctxT(t), "1003"); err != nil {
		t.Fatal(err)
	}
	in := answer(t, c)
	if in.From.User != "1002" {
		t.Errorf("transferred call from %+v", in.From)
	}
	// baresip 1.0 sends no Referred-By (RFC 3892 is optional for it).
	t.Logf("transferred call referred by %q", in.ReferredBy)
	prog := siptest.WaitMatch(a.ev, func(e sip.ReferProgressEvent) bool { return e.Final })
	if prog.Code != 200 || prog.Call != call {
		t.Fatalf("final transfer progress %+v", prog)
	}
	call.Hangup(ctxT(t))
	// The transferred call stands without the transferor.
	time.Sleep(200 * time.Millisecond)
	if st := in.Call.State(); st != sip.CallConfirmed {
		t.Fatalf("transferred call is %s", st)
	}
	in.Call.Hangup(ctxT(t))
}

// Attended transfer, baresip as the transferee: the phone consults a third
// phone, then REFERs baresip to it with Replaces naming the consultation.
//
// behaviour: XFER-4
func TestAttendedTransferOfBaresip(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	startBaresip(t, k, "1002", false)
	a := registered(t, k, "1001", sip.UDP)
	c := registered(t, k, "1003", sip.UDP)
	call := answered(t, a, "1002")
	_, consultAtC, in := consultAndReferReplaces(t, a, c, "1003", call)
	// baresip 1.0 has no RFC 3891: it accepts the REFER and reports
	// progress, but calls the target without a Replaces header (it mangles
	// the Refer-To's headers into the Request-URI), so the consultation
	// stays up. The Replaces path is proven with linphonec.
	if in.From.User != "1002" || in.Replaces != nil {
		t.Fatalf("transferred INVITE from %+v replaces %v", in.From, in.Replaces)
	}
	if consultAtC.Call.State() != sip.CallConfirmed {
		t.Fatalf("consultation is %s", consultAtC.Call.State())
	}
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	prog := siptest.WaitMatch(a.ev, func(e sip.ReferProgressEvent) bool { return e.Final })
	if prog.Code != 200 {
		t.Fatalf("final transfer progress %+v", prog)
	}
}
