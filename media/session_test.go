package media

import (
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/sdp"
)

// TestCallBothWays runs two sessions against each other through SDP with
// each codec: each side hears the other's tone.
//
// behaviour: MEDIA-1
func TestCallBothWays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		codec string
		rate  int
	}{{"PCMU", 8000}, {"PCMA", 8000}, {"G722", 16000}} {
		t.Run(tc.codec, func(t *testing.T) {
			t.Parallel()
			e := startEngine(t, Config{})
			a := newParty(t, e, 1000, tc.rate)
			b := newParty(t, e, 600, tc.rate)
			connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, tc.codec), localFor(t, b.s, sdp.SecurityNone, tc.codec))
			waitFor(t, 10*time.Second, "a second of audio both ways", func() bool {
				return a.rec.Len() > tc.rate && b.rec.Len() > tc.rate
			})
			heard(t, "a", a.rec, tc.rate, 600)
			heard(t, "b", b.rec, tc.rate, 1000)
			st := a.s.Stats()
			if st.Codec != tc.codec || st.PacketsSent < 40 || st.PacketsReceived < 40 || st.Lost != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
