package sip_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

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

// behaviour: SIP-1
func TestReliableProvisionalToSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-100rel.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
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
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
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
	_ = strconv.Itoa
}
