package sip_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// behaviour: SIP-1
func TestBLFSubscriptionWithSIPp(t *testing.T) {
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-blf.xml")})
	p := startUA(t, directUA(t, "1001", s.Addr()))
	// Started names the subscription before its SUBSCRIBE leaves (SIPp
	// has received nothing yet).
	var started *sip.Subscription
	receivedBefore := -1
	sub, err := p.Subscribe(ctxT(t), sip.SubscribeOptions{Event: "dialog", Target: "sip:1002@" + s.Addr(),
		Started: func(sub *sip.Subscription) { started, receivedBefore = sub, len(s.Received()) }})
	if err != nil {
		t.Fatal(err)
	}
	if started != sub || receivedBefore != 0 {
		t.Errorf("Started told %p with %d messages at SIPp, want the subscription (%p) before any", started, receivedBefore, sub)
	}
	n := siptest.Wait[sip.NotifyEvent](p.ev)
	if n.Sub != sub || n.Err != nil || n.DialogInfo == nil || n.DialogInfo.Status() != "busy" {
		t.Fatalf("notify %+v %+v", n, n.DialogInfo)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestUnsolicitedMWIFromSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-mwi-unsolicited.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
	n := siptest.Wait[sip.NotifyEvent](p.ev)
	if n.Sub != nil || n.MessageSummary == nil || !n.MessageSummary.Waiting || n.MessageSummary.Voice.New != 1 {
		t.Fatalf("notify %+v", n)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A check-sync NOTIFY from SIPp is answered 200 and reported when the
// phone takes them (provisioning/check_sync/enabled), 489 Bad Event
// otherwise, and then nothing reaches the phone.
func TestCheckSyncFromSIPp(t *testing.T) {
	t.Run("taken", func(t *testing.T) {
		cfg := directUA(t, "1001", "127.0.0.1:9")
		cfg.CheckSync = true
		p := startUA(t, cfg)
		s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-check-sync.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
		n := siptest.Wait[sip.NotifyEvent](p.ev)
		if n.Sub != nil || n.Event != "check-sync" {
			t.Fatalf("notify %+v", n)
		}
		if err := s.Wait(t, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
		s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-check-sync-refused.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
		if err := s.Wait(t, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		for _, ev := range p.ev.Drain(100 * time.Millisecond) {
			if n, ok := ev.(sip.NotifyEvent); ok {
				t.Fatalf("a refused check-sync was reported: %+v", n)
			}
		}
	})
}

// With voip/services/msg_waiting_ind/subscribe=1 the phone subscribes to
// its voicemail server once registered, and ends the subscription when it
// signs out.
func TestMWISubscriptionFollowsRegistration(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	vm := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-mwi.xml")})
	cfg := labUA(lab, "1001", sip.UDP)
	cfg.MWI.Subscribe = true
	cfg.MWI.Server, _ = sip.ParseServer(vm.Addr())
	p := startUA(t, cfg)
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	n := siptest.Wait[sip.NotifyEvent](p.ev)
	if n.MessageSummary == nil || n.MessageSummary.Voice.New != 2 {
		t.Fatalf("notify %+v", n)
	}
	if err := p.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := vm.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// DHCP option 120 servers are registrars in order: the first one is dead,
// the phone registers with the second.
func TestRegisterWithDHCPServers(t *testing.T) {
	lab := startLab(t, sipproxy.Config{Domain: "127.0.0.1"})
	dead := silentPort(t)
	p := startUA(t, sip.Config{
		User: "1001", Password: "pass1001",
		DHCPServers:       []string{"127.0.0.1:" + itoa(dead), lab.Addr().String()},
		NoResponseTimeout: 300 * time.Millisecond,
	})
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if ev.Server != "udp:"+lab.Addr().String() {
		t.Fatalf("registered via %s", ev.Server)
	}
}

// A network change registers again at once, without waiting for the
// refresh.
func TestNetworkChangeRegistersAgain(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	p := startUA(t, labUA(lab, "1001", sip.UDP))
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	before := lab.Stats().Registers
	p.NetworkChanged()
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if after := lab.Stats().Registers; after <= before {
		t.Fatalf("no new REGISTER (%d then %d)", before, after)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// The registrar goes away: the refresh gets no answer, the phone reports
// the failure and retries; a call meanwhile fails cleanly; when the
// registrar is back the phone registers again.
func TestRegistrarDisappearsAndReturns(t *testing.T) {
	lab, err := sipproxy.New(sipproxy.Config{Users: sipproxy.Numbered(1000, 1999, "pass")})
	if err != nil {
		t.Fatal(err)
	}
	addr := lab.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lab.Run(ctx); close(done) }()

	start := time.Now()
	clk := clocktest.New(start)
	cfg := labUA(lab, "1001", sip.UDP)
	cfg.Clock = clk
	cfg.RegisterExpires = 120 * time.Second
	cfg.NoResponseTimeout = 300 * time.Millisecond
	cfg.FailbackRetry = time.Second
	p := startUA(t, cfg)
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	cancel()
	<-done // the registrar is gone

	waitDeadline(t, clk, start)
	clk.Advance(61 * time.Second) // the refresh at half of 120 s
	fail := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegFailed })
	if !errors.Is(fail.Err, sip.ErrNoResponse) || fail.Retry != 30*time.Second {
		t.Fatalf("failure %+v", fail)
	}
	call, err := p.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if end := siptest.WaitMatch(p.ev, func(e sip.CallEndedEvent) bool { return e.Call == call }); end.Cause != "timeout" {
		t.Fatalf("call ended %+v", end)
	}

	lab2, err := sipproxy.New(sipproxy.Config{Addr: addr.String(), Users: sipproxy.Numbered(1000, 1999, "pass")})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() { lab2.Run(ctx2); close(done2) }()
	defer func() { cancel2(); <-done2 }()
	waitDeadline(t, clk, clk.Now())
	clk.Advance(31 * time.Second)
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	if len(lab2.Bindings("1001")) != 1 {
		t.Fatal("not bound at the returned registrar")
	}
}

// behaviour: SIP-3
func TestReferOutsideDialogFromSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-refer-outside.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
	ref := siptest.Wait[sip.ReferEvent](p.ev)
	if ref.Call != nil || ref.Refer.Target != "sip:1003@example.test" || ref.Refer.ReferredBy == "" {
		t.Fatalf("refer %+v %+v", ref, ref.Refer)
	}
	time.Sleep(100 * time.Millisecond) // the 100 Trying NOTIFY first
	if err := ref.Refer.Notify(ctxT(t), 200, "OK"); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSessionIntervalTooSmallFromSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-session-too-small.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Early media: 183 Session Progress with SDP reaches the caller.
func TestEarlyMediaThroughLab(t *testing.T) {
	lab := startLab(t, sipproxy.Config{})
	a := registeredAt(t, lab, "1001")
	b := registeredAt(t, lab, "1002")
	call, err := a.Invite(ctxT(t), "1002", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := siptest.Wait[sip.IncomingCallEvent](b.ev)
	if err := in.Call.Ring(ctxT(t), sip.SDP(testAnswer)); err != nil {
		t.Fatal(err)
	}
	pr := siptest.WaitMatch(a.ev, func(e sip.CallProgressEvent) bool { return e.Call == call })
	if pr.Code != 183 || string(pr.Early.Data) != string(testAnswer) {
		t.Fatalf("progress %+v", pr)
	}
	in.Call.Reject(ctxT(t), 0, "")
}

func TestRefreshAtKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	start := time.Now()
	clk := clocktest.New(start)
	cfg := kamUA(t, k, "1001", sip.UDP)
	cfg.Clock = clk
	cfg.RegisterExpires = 300 * time.Second
	p := startUA(t, cfg)
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	for range 3 {
		waitDeadline(t, clk, start)
		clk.Advance(151 * time.Second)
		ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
		if ev.Expires != 300*time.Second {
			t.Fatalf("refresh granted %s", ev.Expires)
		}
		start = clk.Now()
	}
	if len(k.Contacts(t, "1001")) != 1 {
		t.Fatalf("contacts %v", k.Contacts(t, "1001"))
	}
}
