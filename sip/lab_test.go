package sip_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

func TestRegisterAndUnregisterAtLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	p := startUA(t, labUA(lab, "1001", sip.UDP))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if ev.Code != 200 || ev.Expires <= 0 {
		t.Fatalf("registered event %+v", ev)
	}
	bs := lab.Bindings("1001")
	if len(bs) != 1 || bs[0].UserAgent != sip.DefaultUserAgent {
		t.Fatalf("bindings %+v", bs)
	}
	if err := p.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegUnregistered })
	if bs := lab.Bindings("1001"); len(bs) != 0 {
		t.Fatalf("still bound after unregister: %+v", bs)
	}
}

func TestRegisterWrongPasswordAtLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	cfg := labUA(lab, "1001", sip.UDP)
	cfg.Password = "wrong"
	p := startUA(t, cfg)
	err := p.Register(ctxT(t))
	var re *sip.ResponseError
	if !errors.As(err, &re) || re.Code != 403 || !errors.Is(err, sip.ErrAuth) {
		t.Fatalf("Register = %v, want 403", err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegFailed })
	if ev.Code != 403 || ev.Retry <= 0 {
		t.Fatalf("failure event %+v", ev)
	}
}

func TestCallThroughLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	a := startUA(t, labUA(lab, "1001", sip.UDP))
	b := startUA(t, labUA(lab, "1002", sip.UDP))
	for _, p := range []*phone{a, b} {
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := siptest.Wait[sip.IncomingCallEvent](b.ev)
	if !bytes.Equal(in.Offer.Data, testOffer) || in.From.User != "1001" {
		t.Fatalf("incoming %+v", in)
	}
	if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
		t.Fatal(err)
	}
	pr := siptest.Wait[sip.CallProgressEvent](a.ev)
	if pr.Code != 180 || pr.Call != call {
		t.Fatalf("progress %+v", pr)
	}
	if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	ans := siptest.Wait[sip.CallAnsweredEvent](a.ev)
	if !bytes.Equal(ans.Answer.Data, testAnswer) {
		t.Fatalf("answer %q", ans.Answer.Data)
	}
	siptest.Wait[sip.CallConfirmedEvent](b.ev)
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	end := siptest.Wait[sip.CallEndedEvent](b.ev)
	if end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
}
