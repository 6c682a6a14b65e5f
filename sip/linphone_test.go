package sip_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

func startLinphone(t *testing.T, k *testpeer.Kamailio, user string) *testpeer.Linphone {
	return testpeer.StartLinphone(t, testpeer.LinphoneConfig{User: user, Domain: k.Domain, Registrar: k.Addr()})
}

func TestCallsWithLinphone(t *testing.T) {

	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	l := startLinphone(t, k, "1006")
	a := registered(t, k, "1001", sip.UDP)

	call := answered(t, a, "1006")
	if !bytes.Contains(call.RemoteBody().Data, []byte("m=audio")) {
		t.Fatalf("linphone answer %q", call.RemoteBody().Data)
	}
	mark := len(l.Output())
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	l.WaitOutputAfter(t, mark, "ended", 5*time.Second)

	l.Command(t, "call sip:1001@"+k.Domain)
	in := answer(t, a)
	if in.From.User != "1006" {
		t.Fatalf("incoming from %+v", in.From)
	}
	l.Command(t, "terminate")
	if end := siptest.Wait[sip.CallEndedEvent](a.ev); end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
}

// Attended transfer, linphonec as the transferee: it honours the Replaces
// of the Refer-To, so the target phone sees its consultation replaced.
//
// behaviour: XFER-4
func TestAttendedTransferOfLinphone(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	startLinphone(t, k, "1006")
	a := registered(t, k, "1001", sip.UDP)
	c := registered(t, k, "1003", sip.UDP)
	a.acceptOffers(t)
	call := answered(t, a, "1006")
	consult, consultAtC, in := consultAndReferReplaces(t, a, c, "1003", call)
	if in.Replaces != consultAtC.Call {
		t.Fatalf("transferred INVITE replaces %v, want the consultation %v", in.Replaces, consultAtC.Call)
	}
	if in.From.User != "1006" {
		t.Errorf("transferred call from %+v", in.From)
	}
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	// The target ends the replaced consultation with a BYE to the transferor.
	if end := siptest.WaitMatch(a.ev, func(e sip.CallEndedEvent) bool { return e.Call == consult }); end.Cause != "bye" {
		t.Fatalf("consultation ended %+v", end)
	}
	prog := siptest.WaitMatch(a.ev, func(e sip.ReferProgressEvent) bool { return e.Final })
	if prog.Code != 200 || prog.Call != call {
		t.Fatalf("final progress %+v", prog)
	}
}

// Attended transfer, linphonec as the transferor: the phone is the
// transferee (it places the INVITE with Replaces and reports progress) and
// another phone is the target.
//
// behaviour: XFER-4
func TestAttendedTransferByLinphone(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	l := startLinphone(t, k, "1006")
	a := registered(t, k, "1001", sip.UDP)
	c := registered(t, k, "1003", sip.UDP)
	a.acceptOffers(t)
	c.acceptOffers(t)
	l.Command(t, "call sip:1001@"+k.Domain)
	inA := answer(t, a)
	// linphonec places a second call only with the first on hold (a
	// re-INVITE the phone answers).
	l.Command(t, "pause 1")
	hold := siptest.Wait[sip.OfferEvent](a.ev)
	if !bytes.Contains(hold.Offer.Data, []byte("a=sendonly")) {
		t.Errorf("hold offer without a=sendonly:\n%s", hold.Offer.Data)
	}
	if err := hold.Call.AcceptOffer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	l.Command(t, "call sip:1003@"+k.Domain)
	inC := answer(t, c)
	l.Command(t, "transfer 1 --to-call 2")
	ref := siptest.Wait[sip.ReferEvent](a.ev)
	if ref.Call != inA.Call || ref.Refer.Replaces == nil {
		t.Fatalf("REFER %+v replaces %v", ref, ref.Refer.Replaces)
	}
	nc, err := a.Invite(ctxT(t), ref.Refer.Target, sip.SDP(testOffer), sip.InviteOptions{Replaces: ref.Refer.Replaces, ReferredBy: ref.Refer.ReferredBy})
	if err != nil {
		t.Fatal(err)
	}
	in := siptest.Wait[sip.IncomingCallEvent](c.ev)
	if in.Replaces != inC.Call {
		t.Fatalf("INVITE at target replaces %v, want %v", in.Replaces, inC.Call)
	}
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == nc })
	if err := ref.Refer.Notify(ctxT(t), 200, "OK"); err != nil {
		t.Fatal(err)
	}
	// The replaced call between linphonec and the target is gone.
	if end := siptest.WaitMatch(c.ev, func(e sip.CallEndedEvent) bool { return e.Call == inC.Call }); end.Cause != "replaced" {
		t.Fatalf("replaced call ended %+v", end)
	}
	// linphonec hangs up on the transferee once told the transfer worked.
	siptest.WaitMatch(a.ev, func(e sip.CallEndedEvent) bool { return e.Call == inA.Call })
}
