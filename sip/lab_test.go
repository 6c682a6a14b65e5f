package sip_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media/vqreport"
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
	register(t, a, b)
	call, in := invite(t, a, b, "1002", "1001")
	if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
		t.Fatal(err)
	}
	pr := siptest.Wait[sip.CallProgressEvent](a.ev)
	if pr.Code != 180 || pr.Call != call {
		t.Fatalf("progress %+v", pr)
	}
	answerCall(t, in, a, b)
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	end := siptest.Wait[sip.CallEndedEvent](b.ev)
	if end.Cause != "bye" {
		t.Fatalf("ended %+v", end)
	}
}

// registeredAt starts a UA for user at the lab and registers it.
func registeredAt(t *testing.T, lab *sipproxy.Server, user string) *phone {
	t.Helper()
	p := startUA(t, labUA(lab, user, sip.UDP))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return p
}

// The refresh reuses the registrar's nonce with the next nonce count: the
// lab refuses a repeated count and would challenge a foreign nonce, so one
// challenge for two registrations proves it.
func TestRefreshReusesNonce(t *testing.T) {
	for _, alg := range []string{"MD5", "SHA-256"} {
		t.Run(alg, func(t *testing.T) {
			lab := startLab(t, sipproxy.Config{Algorithm: alg})
			start := time.Now()
			clk := clocktest.New(start)
			cfg := labUA(lab, "1001", sip.UDP)
			cfg.Clock = clk
			cfg.RegisterExpires = 600 * time.Second
			p := startUA(t, cfg)
			if err := p.Register(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
			waitDeadline(t, clk, start)
			clk.Advance(301 * time.Second) // refresh at half the granted 600 s
			ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
			if ev.Expires != 600*time.Second {
				t.Fatalf("refreshed %+v", ev)
			}
			if st := lab.Stats(); st.Challenges != 1 || st.Registers != 3 {
				t.Fatalf("lab saw %+v, want 1 challenge in 3 REGISTERs", st)
			}
		})
	}
}

// behaviour: CALL-1
func TestRejectAndCancelThroughLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{AuthCalls: true})
	a := registeredAt(t, lab, "1001")
	bcfg := labUA(lab, "1002", sip.UDP)
	bcfg.RejectCode = 603 // voip/services/reject_code=CODE_603
	b := startUA(t, bcfg)
	if err := b.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	c := registeredAt(t, lab, "1003")
	cases := []struct {
		name   string
		callee *phone
		code   int // 0: the callee's reject_code
		want   int
	}{
		{"busy here (Busy on Busy)", c, 486, 486},
		{"reject_code 603", b, 0, 603},
		{"reject_code default 486", c, 0, 486},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			call, err := a.Invite(ctxT(t), tc.callee.AOR(), sip.SDP(testOffer), sip.InviteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := siptest.Wait[sip.IncomingCallEvent](tc.callee.ev)
			if err := in.Call.Reject(ctxT(t), tc.code, ""); err != nil {
				t.Fatal(err)
			}
			end := siptest.WaitMatch(a.ev, func(e sip.CallEndedEvent) bool { return e.Call == call })
			if end.Code != tc.want || end.Cause != "rejected" {
				t.Fatalf("caller saw %+v, want %d", end, tc.want)
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		call, err := a.Invite(ctxT(t), "1003", sip.SDP(testOffer), sip.InviteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := siptest.Wait[sip.IncomingCallEvent](c.ev)
		in.Call.Ring(ctxT(t), sip.Body{})
		siptest.WaitMatch(a.ev, func(e sip.CallProgressEvent) bool { return e.Call == call && e.Code == 180 })
		if err := call.Cancel(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if end := siptest.WaitMatch(c.ev, func(e sip.CallEndedEvent) bool { return e.Call == in.Call }); end.Cause != "cancel" {
			t.Fatalf("callee saw %+v", end)
		}
		if end := siptest.WaitMatch(a.ev, func(e sip.CallEndedEvent) bool { return e.Call == call }); end.Code != 487 || end.Cause != "cancel" {
			t.Fatalf("caller saw %+v", end)
		}
	})
}

func TestHoldResumeThroughLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	a := registeredAt(t, lab, "1001")
	b := registeredAt(t, lab, "1002")
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := answer(t, b)
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	for _, dir := range []string{"sendonly", "sendrecv"} {
		offer := bytes.Replace(testOffer, []byte("a=sendrecv"), []byte("a="+dir), 1)
		answerSDP := bytes.Replace(testAnswer, []byte("a=sendrecv"), []byte("a="+map[string]string{"sendonly": "recvonly", "sendrecv": "sendrecv"}[dir]), 1)
		done := make(chan error, 1)
		var got sip.Body
		go func() {
			var err error
			got, err = call.Reinvite(ctxT(t), sip.SDP(offer))
			done <- err
		}()
		o := siptest.Wait[sip.OfferEvent](b.ev)
		if o.Call != in.Call || !bytes.Equal(o.Offer.Data, offer) {
			t.Fatalf("offer %+v", o)
		}
		if err := o.Call.AcceptOffer(ctxT(t), sip.SDP(answerSDP)); err != nil {
			t.Fatal(err)
		}
		// An offer has one answer; the next re-INVITE, sent as soon as the
		// ACK, must find none pending (it got 500 on a loaded machine).
		if err := o.Call.AcceptOffer(ctxT(t), sip.SDP(answerSDP)); !errors.Is(err, sip.ErrCallState) {
			t.Fatalf("%s: second answer to one offer: %v", dir, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, answerSDP) {
			t.Fatalf("%s: answer %q", dir, got.Data)
		}
	}
	call.Hangup(ctxT(t))
}

// (The key that chooses blind transfer, XFER-1, is the integrator's; this
// proves the REFER signalling it relies on.)
func TestBlindTransferThroughLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	a := registeredAt(t, lab, "1001")
	b := registeredAt(t, lab, "1002")
	c := registeredAt(t, lab, "1003")
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	answer(t, b)
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.Refer(ctxT(t), "1003"); err != nil {
		t.Fatal(err)
	}
	ref := siptest.Wait[sip.ReferEvent](b.ev)
	if ref.Refer.Replaces != nil || !strings.HasPrefix(ref.Refer.Target, "sip:1003@") || !strings.Contains(ref.Refer.ReferredBy, "1001") {
		t.Fatalf("refer %+v", ref.Refer)
	}
	nc, err := b.Invite(ctxT(t), ref.Refer.Target, sip.SDP(testOffer), sip.InviteOptions{ReferredBy: ref.Refer.ReferredBy})
	if err != nil {
		t.Fatal(err)
	}
	in := answer(t, c)
	if !strings.Contains(in.ReferredBy, "1001") {
		t.Errorf("Referred-By %q", in.ReferredBy)
	}
	siptest.WaitMatch(b.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == nc })
	if err := ref.Refer.Notify(ctxT(t), 200, ""); err != nil {
		t.Fatal(err)
	}
	prog := siptest.WaitMatch(a.ev, func(e sip.ReferProgressEvent) bool { return e.Final })
	if prog.Code != 200 {
		t.Fatalf("progress %+v", prog)
	}
}

// behaviour: SIP-10
func TestOutboundProxyCarriesEveryRequest(t *testing.T) {
	lab := startLab(t, sipproxy.Config{Domain: "hosted.example"})
	obp := sip.Server{Host: lab.Addr().Addr().String(), Port: int(lab.Addr().Port())}
	mk := func(user string) sip.Config {
		return sip.Config{
			User: user, Password: sip.Secret("pass" + user),
			Domain: "hosted.example", // not resolvable: only the proxy can route
			// A registrar that does not exist: with the outbound proxy on,
			// REGISTER goes to the proxy anyway.
			Registrar:     sip.Server{Host: "127.0.0.1", Port: 9},
			OutboundProxy: obp,
		}
	}
	a := startUA(t, mk("1001"))
	b := startUA(t, mk("1002"))
	register(t, a, b)
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	answer(t, b)
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(b.ev, func(e sip.CallEndedEvent) bool { return e.Cause == "bye" })
}

func TestCallThroughLabOverTCP(t *testing.T) {
	lab := startLab(t, sipproxy.Config{TCP: true})
	a := startUA(t, labUA(lab, "1001", sip.TCP))
	b := startUA(t, labUA(lab, "1002", sip.TCP))
	register(t, a, b)
	if bs := lab.Bindings("1002"); len(bs) != 1 || bs[0].Transport != "TCP" {
		t.Fatalf("bindings %+v", bs)
	}
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	answer(t, b)
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(b.ev, func(e sip.CallEndedEvent) bool { return e.Cause == "bye" })
}

// PUBLISH goes out of dialog to the server named (or the proxy), answers
// the collector's digest challenge with the line's credentials, and
// reports a refusal: the lab takes vq-rtcpxr reports from its users and
// refuses other event packages (489), unreadable reports (400) and
// strangers (403).
func TestPublishToLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{Domain: "lab.test"})
	at := sip.Server{Host: lab.Addr().Addr().String(), Port: int(lab.Addr().Port())}
	p := startUA(t, labUA(lab, "1001", sip.UDP))
	report := vqreport.Report{CallTerm: true, CallID: "c1", LocalID: "<sip:1001@lab.test>", Local: vqreport.Unknown()}
	ok := sip.PublishOptions{Event: vqreport.EventPackage, Target: "sip:collector@lab.test", Server: at,
		Body: sip.Body{Type: vqreport.ContentType, Data: report.Marshal()}}
	if err := p.Publish(ctxT(t), ok); err != nil {
		t.Fatal(err)
	}
	if got := lab.QualityReports(); len(got) != 1 || got[0].User != "1001" || got[0].Report.CallID != "c1" {
		t.Fatalf("the lab holds %+v", got)
	}
	for name, c := range map[string]struct {
		o    sip.PublishOptions
		code int
	}{
		"presence":     {sip.PublishOptions{Event: "presence", Target: ok.Target, Server: at, Body: ok.Body}, 489},
		"not a report": {sip.PublishOptions{Event: ok.Event, Target: ok.Target, Server: at, Body: sip.Body{Type: vqreport.ContentType, Data: []byte("hello")}}, 400},
	} {
		var re *sip.ResponseError
		if err := p.Publish(ctxT(t), c.o); !errors.As(err, &re) || re.Code != c.code {
			t.Errorf("%s: %v, want %d", name, err, c.code)
		}
	}
	stranger := labUA(lab, "1002", sip.UDP)
	stranger.Password = "wrong"
	s := startUA(t, stranger)
	var re *sip.ResponseError
	if err := s.Publish(ctxT(t), ok); !errors.As(err, &re) || re.Code != 403 {
		t.Errorf("wrong password: %v, want 403", err)
	}
	if n := len(lab.QualityReports()); n != 1 {
		t.Errorf("the lab kept %d reports, want the one good one", n)
	}
}

// The lab relays a call's responses and requests in the order it read them:
// the callee rings and answers at once, and the caller still sees the 180
// before the 200; the caller hangs up as soon as it has acknowledged, and
// the callee sees the ACK before the BYE. (The lab's proxy is built on
// sipgo, whose goroutines had relayed most of those 180s after their 200 —
// where the caller drops them — and many BYEs before their ACK.)
//
// behaviour: SIP-1
func TestLabRelaysInReadOrder(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	a := startUA(t, labUA(lab, "1001", sip.UDP))
	b := startUA(t, labUA(lab, "1002", sip.UDP))
	register(t, a, b)
	for i := range 50 {
		call, in := invite(t, a, b, "1002", "1001")
		if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
			t.Fatal(err)
		}
		if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
			t.Fatal(err)
		}
		if got := callProgress(t, a, call); len(got) != 1 || got[0] != 180 {
			t.Fatalf("call %d: progress before the answer %v, want [180]", i+1, got)
		}
		if err := call.Hangup(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		confirmedThenEnded(t, b, i+1)
	}
}

// A callee that rang and then went silent (a phone that lost its power
// while ringing) does not keep its caller ringing for ever: the lab's
// Timer C (RFC 3261 §16.6, here a second) cancels the branch, and when
// no final response follows either, the caller's call ends with 408. The
// same when the caller gives up first: it gets its 487 at once, and the
// lab gives the silent branch up a second later. (The lab held such a
// relay, its transaction and the caller's ringing with no end.)
//
// behaviour: SIP-1
func TestLabTimerCEndsACallWhoseCalleeWentSilent(t *testing.T) {
	lab := startLab(t, sipproxy.Config{TimerC: time.Second})
	a := startUA(t, labUA(lab, "1001", sip.UDP))
	for _, callerGivesUp := range []bool{false, true} {
		b := startUA(t, labUA(lab, "1002", sip.UDP))
		register(t, a, b)
		call, in := invite(t, a, b, "1002", "1001")
		if err := in.Call.Ring(ctxT(t), sip.Body{}); err != nil {
			t.Fatal(err)
		}
		siptest.WaitMatch(a.ev, func(e sip.CallProgressEvent) bool { return e.Call == call && e.Code == 180 })
		b.Close() // the callee's power goes
		start := time.Now()
		want := 408
		if callerGivesUp {
			if err := call.Hangup(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			want = 487
		}
		end := siptest.WaitMatch(a.ev, func(e sip.CallEndedEvent) bool { return e.Call == call })
		if end.Code != want {
			t.Errorf("caller gave up %v: the call ended with %d %s after %s, want %d", callerGivesUp, end.Code, end.Reason,
				time.Since(start).Round(time.Millisecond), want)
		}
		// The lab lets the branch go too.
		for deadline := time.Now().Add(5 * time.Second); lab.Stats().Relaying > 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("caller gave up %v: the lab still relays %d requests", callerGivesUp, lab.Stats().Relaying)
			}
		}
	}
}
