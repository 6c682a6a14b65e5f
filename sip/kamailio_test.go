package sip_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// kamUA is the config of user at Kamailio over tr.
func kamUA(t *testing.T, k *testpeer.Kamailio, user string, tr sip.Transport) sip.Config {
	port := k.Port
	if tr == sip.TLS {
		port = k.TLSPort
	}
	cfg := sip.Config{
		User:      user,
		Password:  sip.Secret("pass" + user),
		Domain:    k.Domain,
		Registrar: sip.Server{Host: k.Host, Port: port},
		Proxy:     sip.Server{Host: k.Host, Port: port},
		Transport: tr,
	}
	if tr == sip.TLS {
		cfg.TLS.RootCAs = k.CAPool(t)
		cfg.TLS.Certificates = []tls.Certificate{k.ClientCert}
	}
	return cfg
}

// behaviour: SIP-9
func TestRegisterAtKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	for _, tr := range []sip.Transport{sip.UDP, sip.TCP, sip.TLS} {
		t.Run(string(tr), func(t *testing.T) {
			p := startUA(t, kamUA(t, k, "1001", tr))
			if err := p.Register(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
			if ev.Code != 200 {
				t.Fatalf("registered %+v", ev)
			}
			cs := k.Contacts(t, "1001")
			want := p.LocalAddr().String()
			found := false
			for _, c := range cs {
				if strings.Contains(c, want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("kamailio contacts %v lack %s", cs, want)
			}
			if err := p.Unregister(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			for _, c := range k.Contacts(t, "1001") {
				if strings.Contains(c, want) {
					t.Fatalf("contact %s still registered after unregister", c)
				}
			}
		})
	}
}

func TestRegisterWrongPasswordAtKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	cfg := kamUA(t, k, "1002", sip.UDP)
	cfg.Password = "nope"
	p := startUA(t, cfg)
	err := p.Register(ctxT(t))
	if !errors.Is(err, sip.ErrAuth) {
		t.Fatalf("Register = %v, want an auth failure", err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegFailed })
	if ev.Code != 401 && ev.Code != 403 {
		t.Fatalf("failure %+v", ev)
	}
}

func TestCallsThroughKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	for _, tr := range []sip.Transport{sip.UDP, sip.TCP, sip.TLS} {
		t.Run(string(tr), func(t *testing.T) {
			a := startUA(t, kamUA(t, k, "1003", tr))
			b := startUA(t, kamUA(t, k, "1004", tr))
			register(t, a, b)
			call, err := a.Invite(ctxT(t), "1004", sip.SDP(testOffer), sip.InviteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := siptest.Wait[sip.IncomingCallEvent](b.ev)
			if !bytes.Equal(in.Offer.Data, testOffer) {
				t.Fatalf("offer %q", in.Offer.Data)
			}
			in.Call.Ring(ctxT(t), sip.Body{})
			siptest.WaitMatch(a.ev, func(e sip.CallProgressEvent) bool { return e.Code == 180 })
			answerCall(t, in, a, b)
			if err := in.Call.Hangup(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if end := siptest.Wait[sip.CallEndedEvent](a.ev); end.Call != call || end.Cause != "bye" {
				t.Fatalf("ended %+v", end)
			}
		})
	}
}

// A user registered on two phones: Kamailio forks the call to both. One
// rings; the other rings and answers. The caller's call is the answering
// phone's dialog (its ACK and BYE reach that phone, through Kamailio), and
// Kamailio cancels the one still ringing.
//
// behaviour: SIP-1
func TestForkedCallThroughKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	a := startUA(t, kamUA(t, k, "1005", sip.UDP))
	ringing := startUA(t, kamUA(t, k, "1006", sip.UDP))
	answering := startUA(t, kamUA(t, k, "1006", sip.UDP))
	register(t, a, ringing, answering)
	call, err := a.Invite(ctxT(t), "1006", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inRinging := siptest.Wait[sip.IncomingCallEvent](ringing.ev)
	inRinging.Call.Ring(ctxT(t), sip.Body{})
	inAnswering := siptest.Wait[sip.IncomingCallEvent](answering.ev)
	inAnswering.Call.Ring(ctxT(t), sip.Body{})
	siptest.WaitMatch(a.ev, func(e sip.CallProgressEvent) bool { return e.Call == call && e.Code == 180 })
	answerCall(t, inAnswering, a, answering)
	if end := siptest.Wait[sip.CallEndedEvent](ringing.ev); end.Call != inRinging.Call || end.Cause != "cancel" {
		t.Fatalf("the phone still ringing: ended %+v, want cancel", end)
	}
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if end := siptest.Wait[sip.CallEndedEvent](answering.ev); end.Call != inAnswering.Call || end.Cause != "bye" {
		t.Fatalf("the answering phone: ended %+v, want bye", end)
	}
}

// A user registered on two phones that both answer (before Kamailio's
// CANCEL reaches the slower): Kamailio passes both 2xx on, and the caller
// keeps one call and ends the other with an ACK and a BYE (RFC 3261
// §13.2.2.4); at hang-up the kept one gets its BYE. Kamailio's processes
// may pass the other branch's ACK and BYE on in either order, so that phone
// is only required to see its call ended by the BYE. When Kamailio's
// CANCEL wins the race, the attempt is made again with two other phones.
//
// behaviour: SIP-1
func TestForkedCallBothAnswerThroughKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{UserRange: struct{ First, Last int }{1100, 1109}})
	for attempt := range 5 {
		caller := fmt.Sprint(1100 + 2*attempt)
		callee := fmt.Sprint(1101 + 2*attempt)
		if bothAnswer(t, k, caller, callee) {
			return
		}
		t.Logf("attempt %d: Kamailio's CANCEL came before the second answer", attempt+1)
	}
	t.Fatal("Kamailio's CANCEL came before the second answer in every attempt")
}

// bothAnswer runs TestForkedCallBothAnswerThroughKamailio's call; it
// reports false if the second phone could not answer (cancelled first).
func bothAnswer(t *testing.T, k *testpeer.Kamailio, caller, callee string) bool {
	a := startUA(t, kamUA(t, k, caller, sip.UDP))
	b1 := startUA(t, kamUA(t, k, callee, sip.UDP))
	b2 := startUA(t, kamUA(t, k, callee, sip.UDP))
	register(t, a, b1, b2)
	call, err := a.Invite(ctxT(t), callee, sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in1 := siptest.Wait[sip.IncomingCallEvent](b1.ev)
	in2 := siptest.Wait[sip.IncomingCallEvent](b2.ev)
	for _, in := range []sip.IncomingCallEvent{in1, in2} {
		if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
			if errors.Is(err, sip.ErrCallEnded) {
				call.Hangup(ctxT(t))
				return false
			}
			t.Fatal(err)
		}
	}
	siptest.WaitMatch(a.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	// One of the answered calls is ended at once by the caller's BYE; the
	// other is confirmed and stays up.
	b1.ev.Timeout, b2.ev.Timeout = 2*time.Second, 2*time.Second
	confirmed1, ended1 := settle(b1)
	confirmed2, ended2 := settle(b2)
	if ended1 == ended2 {
		t.Fatalf("answered calls ended by a BYE: first %v, second %v; want one", ended1, ended2)
	}
	kept, confirmed := b1, confirmed1
	if ended1 {
		kept, confirmed = b2, confirmed2
	}
	if !confirmed {
		t.Fatal("the call kept was not confirmed")
	}
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if end := siptest.Wait[sip.CallEndedEvent](kept.ev); end.Cause != "bye" {
		t.Fatalf("the kept call ended %+v", end)
	}
	return true
}

// settle reads p's events until its call is ended by a BYE, or for its
// events' timeout: whether the call was confirmed, and whether it ended.
func settle(p *phone) (confirmed, ended bool) {
	siptest.WaitFor(p.ev, func(e sip.Event) bool {
		switch e := e.(type) {
		case sip.CallConfirmedEvent:
			confirmed = true
		case sip.CallEndedEvent:
			ended = e.Cause == "bye"
			return ended
		}
		return false
	})
	return confirmed, ended
}
