package device_test

import (
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/media/mediatest"
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
// prefix with secondary_dial_tone, ringback while the far end rings and
// nothing once it answers. Without LocalTones a phone makes no sound of
// its own.
func TestLocalTones(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhoneWith(t, srv, model.M450HD, "1001", 1000, func(c *device.Config) { c.LocalTones = true },
		"voip/dialing/secondary_dial_tone/enabled=1", "voip/dialing/secondary_dial_tone/key_sequence=9")
	b := newLabPhone(t, srv, "1002", 600)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}

	if err := a.Hook(bg, true); err != nil {
		t.Fatal(err)
	}
	both(t, "off-hook", playing(t, a, 500*time.Millisecond), 350, 440)
	if err := a.Key(bg, '1'); err != nil {
		t.Fatal(err)
	}
	stopped(t, a, "after the first digit")
	if err := a.Hook(bg, false); err != nil {
		t.Fatal(err)
	}

	// On-hook dialing of the outside-line prefix.
	if err := a.Key(bg, '9'); err != nil {
		t.Fatal(err)
	}
	both(t, "after the prefix 9", playing(t, a, 500*time.Millisecond), 350, 440)
	if err := a.Key(bg, '5'); err != nil {
		t.Fatal(err)
	}
	stopped(t, a, "after the digit after the prefix")
	if err := a.Hook(bg, false); err != nil {
		t.Fatal(err)
	}

	id, err := a.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, "1001")
	both(t, "ringback", playing(t, a, 1500*time.Millisecond), 440, 480)
	if err := b.Answer(bg, in); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "answered", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	stopped(t, a, "once answered")
	phoneHears(t, a, id, 600)

	if len(b.heard(device.ToneCallID)) != 0 {
		t.Error("a phone without LocalTones played tones of its own")
	}
}
