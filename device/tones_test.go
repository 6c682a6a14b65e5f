package device_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/tone"
)

// playing waits until the phone's own tone has played at least d, and
// returns what it played first (the start of a cadence).
func playing(t *testing.T, p *labPhone, d time.Duration) []int16 {
	t.Helper()
	want := int(d.Seconds() * device.AudioRate)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if pcm := p.heard(device.ToneCallID); len(pcm) >= want {
			return pcm[:want]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %v of its own tone (%d samples)", p.user, d, len(p.heard(device.ToneCallID)))
		}
	}
}

// both checks that pcm is the two frequencies of a dual tone, each about
// half of it.
func both(t *testing.T, what string, pcm []int16, f1, f2 float64) {
	t.Helper()
	s1, s2 := mediatest.ToneShare(pcm, device.AudioRate, f1), mediatest.ToneShare(pcm, device.AudioRate, f2)
	if s1 < 0.3 || s2 < 0.3 || s1+s2 < 0.8 {
		t.Errorf("%s: %.0f Hz %.2f and %.0f Hz %.2f of the sound, want a dual tone of both", what, f1, s1, f2, s2)
	}
}

// ringSamples is the first n samples of the built-in ring tone name, as
// the tone library plays it.
func ringSamples(t *testing.T, name string, n int) []int16 {
	t.Helper()
	ring, err := tone.Ring(name)
	if err != nil {
		t.Fatal(err)
	}
	g, err := tone.NewGenerator(ring, device.AudioRate)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, n)
	g.ReadPCM(pcm)
	return pcm
}

// stopped checks that the phone's own tone plays no more.
func stopped(t *testing.T, p *labPhone, what string) {
	t.Helper()
	n := len(p.heard(device.ToneCallID))
	time.Sleep(150 * time.Millisecond)
	if got := len(p.heard(device.ToneCallID)); got != n {
		t.Errorf("%s: the tone went on (%d more samples)", what, got-n)
	}
}

// The phone's own call-progress tones (Config.LocalTones), in the selected
// country's tones (USA by default: dial 350+440 Hz, ringback 440+480 Hz):
// dial tone off-hook until the first digit, again after the outside-line
// prefix with secondary_dial_tone, ringback while the far end rings (the
// call's own frames giving way to it) and nothing once it answers, busy
// tone (480+620 Hz) while a call refused as busy stays on the screen.
// Without LocalTones a phone makes no sound of its own.
//
// behaviour: MEDIA-11
func TestLocalTones(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhoneWith(t, srv, model.M450HD, "1001", 1000, func(c *device.Config) { c.LocalTones = true },
		"voip/dialing/secondary_dial_tone/enabled=1", "voip/dialing/secondary_dial_tone/key_sequence=9")
	b := newLabPhone(t, srv, "1002", 600)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}

	// Dial tone (350+440 Hz) after start, gone after the next digit.
	dialTone := func(what string, start func() error, next byte) {
		t.Helper()
		if err := start(); err != nil {
			t.Fatal(err)
		}
		both(t, what, playing(t, a, 500*time.Millisecond), 350, 440)
		if err := a.Key(bg, next); err != nil {
			t.Fatal(err)
		}
		stopped(t, a, what+", then a digit")
		if err := a.Hook(bg, false); err != nil {
			t.Fatal(err)
		}
	}
	dialTone("off-hook", func() error { return a.Hook(bg, true) }, '1')
	// On-hook dialing of the outside-line prefix.
	dialTone("after the prefix 9", func() error { return a.Key(bg, '9') }, '5')

	id, err := a.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, "1001")
	before := len(a.heard(id))
	both(t, "ringback", playing(t, a, 1500*time.Millisecond), 440, 480)
	if got := len(a.heard(id)); got != before {
		t.Errorf("the call wrote %d samples to the speaker during ringback: the tone and the call would share the device", got-before)
	}
	if err := b.Answer(bg, in); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "answered", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	stopped(t, a, "once answered")
	phoneHears(t, a, id, 600)

	if err := a.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	ended(t, a, id)

	// Busy: the far end refuses with 486 while A's handset is still
	// lifted (on the speaker the phone goes on-hook when the call ends).
	if err := a.Hook(bg, true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []byte("1002#") {
		if err := a.Key(bg, k); err != nil {
			t.Fatal(err)
		}
	}
	in = ringing(t, b, "1001")
	sa := waitState(t, a.Phone, "A hears it ring", func(s device.State) bool { return callIn(s, device.CallRinging) != nil })
	busy := callIn(sa, device.CallRinging).ID
	if err := b.Reject(bg, in); err != nil {
		t.Fatal(err)
	}
	if c := ended(t, a, busy); !strings.HasPrefix(c.EndReason, "486") {
		t.Fatalf("A's call ended with %q, want 486", c.EndReason)
	}
	both(t, "busy", playing(t, a, 400*time.Millisecond), 480, 620)
	waitState(t, a.Phone, "the refused call gone from the screen", func(s device.State) bool { return len(s.Calls) == 0 })
	stopped(t, a, "once the refused call left the screen")

	// The ringer, on hook: the line's ring tone (Ring05 here), sample
	// for sample what the tone library plays, until the call is answered.
	c := newLabPhoneWith(t, srv, model.M450HD, "1003", 800, func(c *device.Config) { c.LocalTones = true },
		"personal_settings/lines/0/ring_tone=Ring05")
	waitState(t, c.Phone, "C registered", registered)
	toC, err := b.Dial(bg, "1003")
	if err != nil {
		t.Fatal(err)
	}
	inC := ringing(t, c, "1002")
	if got := playing(t, c, time.Second); !slices.Equal(got, ringSamples(t, "Ring05", len(got))) {
		t.Error("C's ringer did not play its line's ring tone Ring05")
	}
	if s := c.Snapshot(); s.OffHook {
		t.Error("the ringer took an audio device")
	}
	if err := c.Answer(bg, inC); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "C answered", func(s device.State) bool { return callState(s, toC) == device.CallConnected })
	stopped(t, c, "once answered")
	phoneHears(t, c, inC, 600)

	if len(b.heard(device.ToneCallID)) != 0 {
		t.Error("a phone without LocalTones played sounds of its own")
	}
}

// voip/regional_settings/selected_country picks the tones the phone plays
// itself: Germany's dial tone is 425 Hz alone.
//
// behaviour: MEDIA-11
func TestLocalTonesOfTheSelectedCountry(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhoneWith(t, srv, model.M450HD, "1001", 1000, func(c *device.Config) { c.LocalTones = true },
		"voip/regional_settings/selected_country=Germany")
	waitState(t, a.Phone, "registered", registered)
	if err := a.Hook(bg, true); err != nil {
		t.Fatal(err)
	}
	pcm := playing(t, a, 500*time.Millisecond)
	if share := mediatest.ToneShare(pcm, device.AudioRate, 425); share < 0.9 {
		t.Errorf("dial tone: 425 Hz is %.2f of it, want Germany's single 425 Hz tone", share)
	}
	if share := mediatest.ToneShare(pcm, device.AudioRate, 350); share > 0.05 {
		t.Errorf("dial tone: 350 Hz (the USA's) is %.2f of it", share)
	}
}

// Distinctive ringing: a call whose Alert-Info names a rule's type
// (voip/distinctive_ringing) rings with the rule's ring tone, not the
// line's. The caller is SIPp.
func TestDistinctiveRinger(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhoneWith(t, srv, model.M450HD, "1001", 1000, func(c *device.Config) { c.LocalTones = true },
		"voip/distinctive_ringing/0/type=Bellcore-dr2", "voip/distinctive_ringing/0/ringtone=Ring03")
	waitState(t, a.Phone, "registered", registered)
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-invite-alert-info.xml"),
		Remote: netip.AddrPortFrom(a.addr, 5060).String(), Service: "1001"})
	in := ringing(t, a, "sipp")
	got := playing(t, a, time.Second)
	for _, name := range []string{"Ring03", "Ring01"} {
		if same := slices.Equal(got, ringSamples(t, name, len(got))); same != (name == "Ring03") {
			t.Errorf("the ringer played %s: %v, want only Ring03", name, same)
		}
	}
	if err := a.Reject(bg, in); err != nil {
		t.Fatal(err)
	}
	stopped(t, a, "once rejected")
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A call waiting during a call is announced by the call-waiting tone
// (USA: 440 Hz), mixed into what the user hears of the call in progress
// (voip/services/call_waiting/generate_tone/enabled, on by default); off,
// the waiting call is only shown.
func TestCallWaitingTone(t *testing.T) {
	srv := startProxy(t)
	b := newLabPhone(t, srv, "1002", 600)
	c := newLabPhone(t, srv, "1003", 800)
	waitState(t, b.Phone, "B registered", registered)
	waitState(t, c.Phone, "C registered", registered)
	for _, tc := range []struct {
		user string
		tone bool
	}{{"1001", true}, {"1004", false}} {
		t.Run(fmt.Sprintf("generate_tone=%v", tc.tone), func(t *testing.T) {
			a := newLabPhoneWith(t, srv, model.M450HD, tc.user, 1000, func(c *device.Config) { c.LocalTones = true },
				fmt.Sprintf("voip/services/call_waiting/generate_tone/enabled=%d", map[bool]int{false: 0, true: 1}[tc.tone]))
			waitState(t, a.Phone, "A registered", registered)
			toB, _ := connect(t, a, b)
			phoneHears(t, a, toB, 600)
			fromC, err := c.Dial(bg, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			st := waitState(t, a.Phone, "a waiting call", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
			if w := callIn(st, device.CallIncoming); !w.Waiting {
				t.Fatalf("the second call is not presented as waiting: %+v", w)
			}
			n := len(a.heard(toB))
			for deadline := time.Now().Add(5 * time.Second); len(a.heard(toB)) < n+device.AudioRate/4; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the call in progress stopped playing")
				}
			}
			// The first 250 ms after the call began waiting: the tone's
			// first burst (300 ms) over B's 600 Hz.
			window := a.heard(toB)[n : n+device.AudioRate/4]
			share := mediatest.ToneShare(window, device.AudioRate, 440)
			if tc.tone && share < 0.2 {
				t.Errorf("440 Hz is %.2f of the call's sound while a call waits, want the call-waiting tone in it", share)
			}
			if !tc.tone && share > 0.02 {
				t.Errorf("440 Hz is %.2f of the call's sound with generate_tone off", share)
			}
			if got := mediatest.ToneShare(window, device.AudioRate, 600); got < 0.2 {
				t.Errorf("B's 600 Hz is %.2f of the call's sound: the tone must mix in, not replace it", got)
			}
			if err := c.Hangup(bg, fromC); err != nil {
				t.Fatal(err)
			}
			waitState(t, a.Phone, "the waiting call gone", func(s device.State) bool { return callIn(s, device.CallIncoming) == nil })
			if err := a.Hangup(bg, toB); err != nil {
				t.Fatal(err)
			}
			ended(t, a, toB)
		})
	}
}
