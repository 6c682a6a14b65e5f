package device_test

import (
	"errors"
	"testing"

	"github.com/hdphone/hdphone/device"
)

// A DHSG headset on the AUX port answers and hangs up with its own button
// when voip/services/electronic_hook_switch/enabled=1: off-hook answers the
// ringing call on the headset, on-hook ends it; off-hook when idle gives
// the headset dial tone. With the switch off (the factory value) the
// headset's button does nothing and the call keeps ringing.
//
// behaviour: FEAT-6
func TestElectronicHookSwitch(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1031", 1000, "voip/services/electronic_hook_switch/enabled=1")
	b := newLabPhone(t, srv, "1032", 600)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}

	// B calls A; A's headset answers, then hangs up.
	bID, err := b.Dial(bg, a.user)
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, a, b.user)
	if err := a.EHS(bg, true); err != nil {
		t.Fatal(err)
	}
	s := waitState(t, a.Phone, "answered on the headset", func(s device.State) bool { return callState(s, in) == device.CallConnected })
	if s.Audio != device.AudioHeadset {
		t.Errorf("answered on %v, want the headset", s.Audio)
	}
	phoneHears(t, a, in, 600)
	if err := a.EHS(bg, false); err != nil {
		t.Fatal(err)
	}
	if c := ended(t, b, bID); c.EndReason != "remote hangup" {
		t.Errorf("B's call ended with %q, want remote hangup", c.EndReason)
	}
	waitState(t, a.Phone, "A on-hook", func(s device.State) bool { return s.Audio == device.AudioNone })

	// Idle: off-hook on the headset is dial tone (a dialing call).
	if err := a.EHS(bg, true); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "headset dial tone", func(s device.State) bool {
		return s.Audio == device.AudioHeadset && len(s.Calls) == 1 && s.Calls[0].State == device.CallDialing
	})
	if err := a.EHS(bg, false); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "back on-hook", func(s device.State) bool { return s.Audio == device.AudioNone })

	// A calls B, whose switch is off: its headset does not answer.
	if _, err := a.Dial(bg, b.user); err != nil {
		t.Fatal(err)
	}
	in = ringing(t, b, a.user)
	if err := b.EHS(bg, true); !errors.Is(err, device.ErrBadIntent) {
		t.Errorf("EHS with the switch off: %v, want ErrBadIntent", err)
	}
	if s := b.Snapshot(); callState(s, in) != device.CallIncoming || s.Audio != device.AudioNone {
		t.Errorf("B's call %v on %v after the headset's button, want still ringing", callState(s, in), s.Audio)
	}
}
