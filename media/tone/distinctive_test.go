package tone_test

import (
	"math"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/tone"
)

func TestSelectRing(t *testing.T) {
	rules := tone.ReadDistinctiveRules(settings(map[string]string{
		"voip/distinctive_ringing/0/type": "external", "voip/distinctive_ringing/0/ringtone": "Ring02",
		"voip/distinctive_ringing/1/type": "Bellcore-dr3", "voip/distinctive_ringing/1/ringtone": "Ring03",
		"voip/distinctive_ringing/2/type": "vip", "voip/distinctive_ringing/2/ringtone": "Ring04",
		"voip/distinctive_ringing/3/ringtone": "Ring01", // no type: skipped
	}))
	if len(rules) != 3 {
		t.Fatalf("rules %v", rules)
	}
	tests := []struct {
		name string
		line string
		call tone.IncomingCall
		want string
	}{
		{"internal call, no Alert-Info: the line's tone", "Ring07", tone.IncomingCall{}, "Ring07"},
		{"external caller", "Ring07", tone.IncomingCall{External: true}, "Ring02"},
		{"Alert-Info URI's last segment", "Ring07", tone.IncomingCall{AlertInfo: "<http://127.0.0.1/Bellcore-dr3>"}, "Ring03"},
		{"Alert-Info info= parameter", "", tone.IncomingCall{AlertInfo: "<urn:alert:service:normal>;info=VIP"}, "Ring04"},
		{"unmatched Alert-Info, no line tone: factory default", "", tone.IncomingCall{AlertInfo: "<http://x/Bellcore-dr5>"}, "Ring01"},
		{"boss ring wins", "Ring07", tone.IncomingCall{External: true, BossRing: "Ring11"}, "Ring11"},
	}
	for _, tc := range tests {
		if got := tone.SelectRing(tc.line, rules, tc.call); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// An admin's phone rings with each boss's own ring tone, at the boss's
// ring level (-32 silent … 6 loudest).
// behaviour: BOSS-3
func TestBossRing(t *testing.T) {
	ring := tone.SelectRing("Ring01", nil, tone.IncomingCall{BossRing: "Ring05"})
	r, err := tone.Ring(ring)
	if err != nil || ring != "Ring05" {
		t.Fatalf("ring %q, %v", ring, err)
	}
	first := r.Steps[0].Freq[0] // Ring05 opens on G5, 784 Hz
	normal, _ := tone.Render(r, 8000, 150*time.Millisecond)
	for _, c := range []struct {
		level int
		delta float64
	}{{0, 0}, {-10, -10}, {6, 6}, {9, 6}} {
		g, silent := tone.RingGain(c.level)
		if silent {
			t.Fatalf("level %d is silent", c.level)
		}
		pcm, _ := tone.Render(tone.Scaled(r, g), 8000, 150*time.Millisecond)
		got := tone.Level(pcm, 8000, first) - tone.Level(normal, 8000, first)
		if math.Abs(got-c.delta) > 0.1 {
			t.Errorf("level %d: %+.1f dB, want %+.0f", c.level, got, c.delta)
		}
	}
	if _, silent := tone.RingGain(-32); !silent {
		t.Error("-32 is not silent")
	}
}
