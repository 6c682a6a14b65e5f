package device_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

var bg = context.Background()

// connect has a call b (from a) answered and returns both sides' call IDs.
func connect(t *testing.T, a, b *labPhone) (string, string) {
	t.Helper()
	id, err := a.Dial(bg, b.user)
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, a.user)
	if err := b.Answer(bg, in); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, a.user+" connected", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	return id, in
}

// ringing waits until p rings with a call from caller and returns its ID.
func ringing(t *testing.T, p *labPhone, caller string) string {
	t.Helper()
	s := waitState(t, p.Phone, p.user+" rings from "+caller, func(s device.State) bool {
		for _, c := range s.Calls {
			if c.State == device.CallIncoming && c.Number == caller {
				return true
			}
		}
		return false
	})
	for _, c := range s.Calls {
		if c.State == device.CallIncoming && c.Number == caller {
			return c.ID
		}
	}
	return ""
}

func callState(s device.State, id string) device.CallState {
	for _, c := range s.Calls {
		if c.ID == id {
			return c.State
		}
	}
	return ""
}

func callOf(s device.State, id string) device.Call {
	for _, c := range s.Calls {
		if c.ID == id {
			return c
		}
	}
	return device.Call{}
}

// talkingTo waits until p has a connected call with number and returns it.
func talkingTo(t *testing.T, p *labPhone, number string) device.Call {
	t.Helper()
	var got device.Call
	waitState(t, p.Phone, p.user+" talking to "+number, func(s device.State) bool {
		for _, c := range s.Calls {
			if c.State == device.CallConnected && c.Number == number {
				got = c
				return true
			}
		}
		return false
	})
	return got
}

func ended(t *testing.T, p *labPhone, id string) device.Call {
	t.Helper()
	s := waitState(t, p.Phone, p.user+" call "+id+" ended", func(s device.State) bool { return callState(s, id) == device.CallEnded })
	return callOf(s, id)
}

// listen waits a moment and reports how much of what p heard in call id
// (last half second) is the tone freq.
func listen(p *labPhone, id string, freq float64) float64 {
	time.Sleep(800 * time.Millisecond)
	return hears(p.heard(id), freq)
}

// behaviour: CALL-1
// behaviour: CALL-2
func TestCallWaitingHoldsTheFirstCall(t *testing.T) {
	srv := startProxy(t)
	a, b, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1002", 600), newLabPhone(t, srv, "1003", 1400)
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	_, bFromA := connect(t, a, b)
	if _, err := c.Dial(bg, "1002"); err != nil {
		t.Fatal(err)
	}
	waiting := ringing(t, b, "1003")
	if !callOf(b.Snapshot(), waiting).Waiting {
		t.Fatalf("the second call is not shown as waiting: %+v", callOf(b.Snapshot(), waiting))
	}
	if err := b.Answer(bg, waiting); err != nil {
		t.Fatal(err)
	}
	s := waitState(t, b.Phone, "first call held", func(s device.State) bool {
		return callState(s, bFromA) == device.CallHeld && callState(s, waiting) == device.CallConnected
	})
	if got := listen(b, waiting, 1400); got < 0.5 {
		t.Errorf("B hears C's tone at %.2f after answering the waiting call (%+v)", got, s.Calls)
	}
}

// behaviour: SIP-5
// behaviour: CALL-1
func TestBusyOnBusyRejects(t *testing.T) {
	srv := startProxy(t)
	a, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1003", 1400)
	b := newLabPhone(t, srv, "1002", 600, "voip/services/call_waiting/mode=BUSY_ON_BUSY")
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	connect(t, a, b)
	id, _ := c.Dial(bg, "1002")
	if got := ended(t, c, id); got.EndReason != "486 Busy Here" {
		t.Errorf("C's call ended with %q, want 486 Busy Here", got.EndReason)
	}
	if n := len(b.Snapshot().Calls); n != 1 {
		t.Errorf("B shows %d calls; a busy-on-busy reject must not ring", n)
	}
}

// behaviour: CALL-3
func TestDNDAndForward(t *testing.T) {
	srv := startProxy(t)
	a, b, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1002", 600), newLabPhone(t, srv, "1003", 1400)
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	if err := b.SetDND(bg, true); err != nil {
		t.Fatal(err)
	}
	if !b.Snapshot().Lines[0].DND {
		t.Fatal("DND not shown on line 0")
	}
	id, _ := a.Dial(bg, "1002")
	if got := ended(t, a, id); got.EndReason != "486 Busy Here" {
		t.Errorf("call to a DND phone ended with %q", got.EndReason)
	}
	b.SetDND(bg, false)
	if err := b.SetForward(bg, "1003"); err != nil {
		t.Fatal(err)
	}
	if got := b.Snapshot().Lines[0].Forward; got != "1003" {
		t.Fatalf("line forward %q", got)
	}
	if _, err := a.Dial(bg, "1002"); err != nil {
		t.Fatal(err)
	}
	in := ringing(t, c, "1001") // the 302 from B is followed to C
	c.Answer(bg, in)
	talkingTo(t, a, "1003")
	if n := len(b.Snapshot().Calls); n != 0 {
		t.Errorf("a forwarded call must not ring B: %+v", b.Snapshot().Calls)
	}
	b.SetForward(bg, "")
	if b.Snapshot().Config.Bool("voip/line/0/call_forward/active") {
		t.Error("forward still active")
	}
}

// behaviour: XFER-1
// behaviour: XFER-4
func TestBlindTransfer(t *testing.T) {
	srv := startProxy(t)
	a, b, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1002", 600), newLabPhone(t, srv, "1003", 1400)
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	aID, bID := connect(t, a, b)
	if err := b.TransferKey(bg, bID, "1003"); err != nil { // blind by default
		t.Fatal(err)
	}
	in := ringing(t, c, "1001")
	c.Answer(bg, in)
	aToC := talkingTo(t, a, "1003")
	ended(t, b, bID)
	ended(t, a, aID)
	if got := listen(a, aToC.ID, 1400); got < 0.5 {
		t.Errorf("A hears C at %.2f after the transfer", got)
	}
}

// behaviour: XFER-1
// behaviour: XFER-3
// behaviour: XFER-4
func TestConsultativeTransfer(t *testing.T) {
	srv := startProxy(t)
	a, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1003", 1400)
	b := newLabPhone(t, srv, "1002", 600, "voip/signalling/sip/hk_blind_transfer/enable=0")
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	_, bID := connect(t, a, b)
	if err := b.TransferKey(bg, bID, "1003"); err != nil { // consultative: hk_blind_transfer=0
		t.Fatal(err)
	}
	waitState(t, b.Phone, "A held during the consultation", func(s device.State) bool { return callState(s, bID) == device.CallHeld })
	in := ringing(t, c, "1002")
	if err := b.CompleteTransfer(bg); err == nil {
		t.Fatal("completed while C rings with semi-attended transfer off")
	}
	c.Answer(bg, in)
	talkingTo(t, b, "1003")
	if err := b.CompleteTransfer(bg); err != nil {
		t.Fatal(err)
	}
	// C's dialog with B is replaced by one with A (INVITE with Replaces).
	aToC := talkingTo(t, a, "1003")
	ended(t, b, bID)
	if got := listen(a, aToC.ID, 1400); got < 0.5 {
		t.Errorf("A hears C at %.2f after the attended transfer", got)
	}
}

// behaviour: XFER-3
func TestSemiAttendedTransfer(t *testing.T) {
	srv := startProxy(t)
	a, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1003", 1400)
	b := newLabPhone(t, srv, "1002", 600, "voip/signalling/sip/hk_blind_transfer/enable=0", "system/semi_attended/enable=1")
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	_, bID := connect(t, a, b)
	b.TransferKey(bg, bID, "1003")
	ringing(t, c, "1002")
	if err := b.CompleteTransfer(bg); err != nil {
		t.Fatalf("semi-attended transfer while C rings: %v", err)
	}
	in := ringing(t, c, "1001")
	c.Answer(bg, in)
	talkingTo(t, a, "1003")
}

// behaviour: CALL-9
func TestLocalConferenceMixesEveryone(t *testing.T) {
	srv := startProxy(t)
	a, b, c := newLabPhone(t, srv, "1001", 1000), newLabPhone(t, srv, "1002", 600), newLabPhone(t, srv, "1003", 1400)
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	aID, bToA := connect(t, a, b)
	if _, err := b.Dial(bg, "1003"); err != nil { // holds A, calls C
		t.Fatal(err)
	}
	cID := ringing(t, c, "1002")
	c.Answer(bg, cID)
	talkingTo(t, b, "1003")
	if err := b.Conference(bg); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "both legs connected", func(s device.State) bool {
		n := 0
		for _, x := range s.Calls {
			if x.State == device.CallConnected && x.Conference {
				n++
			}
		}
		return n == 2
	})
	time.Sleep(500 * time.Millisecond)
	if got := listen(a, aID, 1400); got < 0.15 {
		t.Errorf("A hears C (1400 Hz) at %.2f in the conference", got)
	}
	if got := hears(a.heard(aID), 600); got < 0.15 {
		t.Errorf("A hears B (600 Hz) at %.2f in the conference", got)
	}
	if got := hears(c.heard(cID), 1000); got < 0.15 {
		t.Errorf("C hears A (1000 Hz) at %.2f in the conference", got)
	}
	if got := hears(b.heard(bToA), 1000); got < 0.5 {
		t.Errorf("B hears A at %.2f", got)
	}
	if got := hears(a.heard(aID), 1000); got > 0.05 {
		t.Errorf("A hears itself at %.2f: the mix must leave each party out of its own feed", got)
	}
}

// The key calls its speed_dial_number, or its speed_dial_extension when it
// has no number (Table 3-8 names both).
//
// behaviour: FEAT-1
func TestDiscreetCall(t *testing.T) {
	for _, target := range []string{"speed_dial_number", "speed_dial_extension"} {
		t.Run(target, func(t *testing.T) { discreetCall(t, target) })
	}
}

func discreetCall(t *testing.T, target string) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1001", 1000, "personal_settings/discreet_call/enabled=1",
		"personal_settings/functional_key/0/type=Discreet_Call", "personal_settings/functional_key/0/"+target+"=1002")
	b := newLabPhone(t, srv, "1002", 600)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	if err := a.DiscreetCall(bg, 0); err != nil {
		t.Fatal(err)
	}
	bc := talkingTo(t, b, "1001") // answered with no pickup
	ac := talkingTo(t, a, "1002")
	if !bc.Discreet || !ac.Discreet {
		t.Errorf("calls not marked discreet: %+v %+v", ac, bc)
	}
	if got := listen(b, bc.ID, 1000); got < 0.5 {
		t.Errorf("the called side hears the caller's room at %.2f", got)
	}
	if len(a.heard(ac.ID)) > 0 && hears(a.heard(ac.ID), 600) > 0.05 {
		t.Error("the caller of a discreet call must hear nothing")
	}
	if err := a.Hangup(bg, ac.ID); err == nil {
		t.Error("the caller ended a discreet call")
	}
	if err := b.Hangup(bg, bc.ID); err != nil {
		t.Fatal(err)
	}
	ended(t, a, ac.ID)
}

// A discreet call reaches a locked phone as an ordinary call: it rings
// and is not answered by itself (the called party must have Device Lock
// off); unlocked, the next discreet call is answered at once again.
//
// behaviour: LOCK-7
func TestDiscreetCallToALockedPhone(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1051", 1000, "personal_settings/discreet_call/enabled=1",
		"personal_settings/functional_key/0/type=Discreet_Call", "personal_settings/functional_key/0/speed_dial_number=1052")
	b := newLabPhone(t, srv, "1052", 600)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	if err := b.Lock(bg, true); err != nil {
		t.Fatal(err)
	}
	if err := a.DiscreetCall(bg, 0); err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, a.user)
	time.Sleep(300 * time.Millisecond) // time an auto-answer would have taken
	if c := callOf(b.Snapshot(), in); c.State != device.CallIncoming || c.Discreet {
		t.Fatalf("the locked phone's call: %+v, want it ringing, not discreet", c)
	}
	if err := b.Reject(bg, in); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "A's call refused", func(s device.State) bool {
		return len(s.Calls) == 0 || s.Calls[len(s.Calls)-1].State == device.CallEnded
	})
	waitState(t, b.Phone, "B idle", func(s device.State) bool {
		return len(s.Calls) == 0 || s.Calls[len(s.Calls)-1].State == device.CallEnded
	})
	if err := b.Lock(bg, false); err != nil {
		t.Fatal(err)
	}
	if err := a.DiscreetCall(bg, 0); err != nil {
		t.Fatal(err)
	}
	if bc := talkingTo(t, b, a.user); !bc.Discreet {
		t.Errorf("unlocked, the discreet call was answered but not as discreet: %+v", bc)
	}
}

func pagingGroup(t *testing.T) string {
	var b [2]byte
	rand.Read(b[:])
	return fmt.Sprintf("224.0.%d.%d", 10+b[0]%200, 1+b[1]%250)
}

func pagingCfg(group string, port int, bargeIn bool) []string {
	return []string{
		"voip/services/group_paging/enabled=1",
		"personal_settings/functional_key/0/type=PAGING",
		"voip/services/group_paging/group/0/activated=1",
		"voip/services/group_paging/group/0/multicast_addr=" + group,
		fmt.Sprintf("voip/services/group_paging/group/0/port=%d", port),
		"voip/services/group_paging/group/0/name=Sales",
		fmt.Sprintf("voip/services/group_paging/allow_barge_in/enabled=%d", map[bool]int{false: 0, true: 1}[bargeIn]),
	}
}

// behaviour: PAGE-1
// behaviour: PAGE-2
// behaviour: PAGE-3
// behaviour: PAGE-5
// behaviour: PAGE-7
func TestPaging(t *testing.T) {
	srv := startProxy(t)
	group, other := pagingGroup(t), pagingGroup(t)
	port := 20000 + int(time.Now().UnixNano()%20000)
	pager := newLabPhone(t, srv, "1001", 1000, pagingCfg(group, port, false)...)
	idle := newLabPhone(t, srv, "1002", 600, pagingCfg(group, port, false)...)
	busy := newLabPhone(t, srv, "1003", 1400, pagingCfg(group, port, false)...)
	stranger := newLabPhone(t, srv, "1004", 800, pagingCfg(other, port, false)...)
	hrs := newLabPhoneModel(t, srv, model.MHRS, "1005", 900, pagingCfg(group, port, false)...)
	peer := newLabPhone(t, srv, "1006", 300)
	for _, p := range []*labPhone{pager, idle, busy, stranger, hrs, peer} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	connect(t, peer, busy)
	if err := pager.Page(bg, 0); err != nil {
		t.Fatal(err)
	}
	s := waitState(t, idle.Phone, "idle phone plays the page", func(s device.State) bool {
		return len(s.Pages) == 1 && s.Pages[0].Accepted
	})
	if s.Pages[0].Name != "Sales" {
		t.Errorf("page shows %q, want the group name", s.Pages[0].Name)
	}
	if got := listen(idle, "page0", 1000); got < 0.5 {
		t.Errorf("the idle phone hears the page at %.2f", got)
	}
	waitState(t, busy.Phone, "busy phone asks", func(s device.State) bool { return len(s.Pages) == 1 && s.Pages[0].Pending })
	if got := hears(busy.heard("page0"), 1000); got > 0.05 {
		t.Error("a page played before the busy user accepted it")
	}
	if err := busy.AcceptPage(bg, true); err != nil {
		t.Fatal(err)
	}
	waitState(t, busy.Phone, "call held for the page", func(s device.State) bool { return callIn(s, device.CallHeld) != nil })
	if got := listen(busy, "page0", 1000); got < 0.5 {
		t.Errorf("the accepted page is heard at %.2f", got)
	}
	for _, p := range []*labPhone{stranger, hrs} {
		if len(p.Snapshot().Pages) != 0 || len(p.heard("page0")) > 0 {
			t.Errorf("%s (%s) received a page of another group", p.user, p.Model().Name)
		}
	}
	if err := hrs.Page(bg, 0); err == nil || !strings.Contains(err.Error(), "no paging") {
		t.Errorf("HRS paging: %v", err)
	}
	pager.EndPage(bg)
	waitState(t, idle.Phone, "page ends after the timeout", func(s device.State) bool { return len(s.Pages) == 0 })
}

// behaviour: SIGN-13
// behaviour: SIGN-14
func TestBadCredentialsNotifyAndStopCalls(t *testing.T) {
	srv := startProxy(t)
	p := newLabPhone(t, srv, "1001", 1000, "voip/line/0/auth_password=wrong")
	waitState(t, p.Phone, "the bad-credentials notification", func(s device.State) bool {
		return s.HasNotification(device.NoteBadCredentials)
	})
	id, err := p.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	if got := ended(t, p, id); got.EndReason != device.NoteBadCredentials {
		t.Errorf("a call while %q is shown ended with %q", device.NoteBadCredentials, got.EndReason)
	}
}

// A line configured after boot (the console's set, a provisioning retry)
// registers without a restart, and a changed password takes effect the same
// way.
func TestLineFollowsItsConfiguration(t *testing.T) {
	srv := startProxy(t)
	p := newLabPhone(t, srv, "1001", 1000, "voip/line/0/id=") // no line at boot
	waitState(t, p.Phone, "idle without a line", func(s device.State) bool {
		return s.Stage == device.StageIdle && (len(s.Lines) == 0 || s.Lines[0].State == device.RegDisabled)
	})
	boots := p.Snapshot().BootCount
	if _, _, err := p.ApplyConfig(bg, "console", []byte("voip/line/0/id=1001\n")); err != nil {
		t.Fatal(err)
	}
	waitState(t, p.Phone, "registered after the change", registered)
	if _, _, err := p.ApplyConfig(bg, "console", []byte("voip/line/0/auth_password=wrong\n")); err != nil {
		t.Fatal(err)
	}
	waitState(t, p.Phone, "the new (wrong) password is used", func(s device.State) bool {
		return s.HasNotification(device.NoteBadCredentials)
	})
	if p.Snapshot().BootCount != boots {
		t.Errorf("the phone restarted (boot %d → %d); a line change needs no restart", boots, p.Snapshot().BootCount)
	}
}
