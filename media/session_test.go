package media

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
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

// TestAudioRateConversion: a phone whose audio device runs at 16 kHz in a
// G.711 call (8 kHz) and one at 8 kHz in a G.722 call (16 kHz) hear the
// other side's tone at their own rate.
func TestAudioRateConversion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		codec           string
		deviceRate      int
		farEndCodecRate int
	}{{"PCMU", 16000, 8000}, {"G722", 8000, 16000}} {
		t.Run(tc.codec, func(t *testing.T) {
			t.Parallel()
			e := startEngine(t, Config{})
			rec := &audio.Recorder{}
			a, err := e.NewSession(SessionConfig{Codecs: registry(), AudioRate: tc.deviceRate,
				Source: mediatest.NewSine(1000, 8000, tc.deviceRate), Sink: rec})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			b := newParty(t, e, 600, tc.farEndCodecRate)
			connect(t, a, b.s, localFor(t, a, sdp.SecurityNone, tc.codec), localFor(t, b.s, sdp.SecurityNone, tc.codec))
			waitFor(t, 10*time.Second, "a second of audio both ways", func() bool {
				return rec.Len() > tc.deviceRate && b.rec.Len() > tc.farEndCodecRate
			})
			heard(t, "device at "+fmt.Sprint(tc.deviceRate), rec, tc.deviceRate, 600)
			heard(t, "far end", b.rec, tc.farEndCodecRate, 1000)
		})
	}
}

// TestSharedPacer: two phones' engines (their own addresses) on one pacer,
// as a fleet runs them, call each other; closing one engine leaves the
// pacer running for the other.
func TestSharedPacer(t *testing.T) {
	t.Parallel()
	p := NewPacer(PacerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("pacer Run: %v", err)
		}
		p.Close()
	})
	var parties [2]party
	for i, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		e, err := NewEngine(Config{Addr: netip.MustParseAddr(ip), PortBase: PortAny, Pacer: p})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		parties[i] = newParty(t, e, []float64{1000, 600}[i], 8000)
	}
	a, b := parties[0], parties[1]
	connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, "PCMU"), localFor(t, b.s, sdp.SecurityNone, "PCMU"))
	waitFor(t, 10*time.Second, "a second of audio both ways", func() bool { return a.rec.Len() > 8000 && b.rec.Len() > 8000 })
	heard(t, "127.0.0.1", a.rec, 8000, 600)
	heard(t, "127.0.0.2", b.rec, 8000, 1000)
	if st := p.Stats(); st.StreamsAtEnd != 2 || st.Packets == 0 {
		t.Errorf("pacer stats %+v", st)
	}
	a.s.e.Close()
	if st := p.Stats(); st.StreamsAtEnd != 1 {
		t.Errorf("after closing one engine the pacer clocks %d streams, want 1", st.StreamsAtEnd)
	}
	n := b.s.Stats().PacketsSent
	waitFor(t, 5*time.Second, "the other engine to go on sending", func() bool { return b.s.Stats().PacketsSent > n+5 })
}
