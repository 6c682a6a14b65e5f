package tone_test

import (
	"testing"

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
