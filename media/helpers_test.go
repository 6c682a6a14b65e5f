package media

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/logtest"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// startEngine makes an engine on loopback with kernel-chosen ports and runs
// its pacer until the test ends.
func startEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if !cfg.Addr.IsValid() {
		cfg.Addr = loopback
	}
	if cfg.PortBase == 0 {
		cfg.PortBase = PortAny
	}
	if cfg.Logger == nil {
		cfg.Logger = logtest.New(t, slog.LevelWarn)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		e.Close()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("engine Run: %v", err)
		}
	})
	return e
}

func registry() []codec.Codec { return codec.Default().Codecs() }

func mustCodec(t testing.TB, name string) codec.Codec {
	t.Helper()
	c, err := codec.Default().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// localFor describes a session for SDP with the given codecs (SDP names).
func localFor(t testing.TB, s *Session, sec sdp.Security, names ...string) sdp.Local {
	t.Helper()
	l := sdp.Local{Addr: s.LocalAddr().Addr(), Port: int(s.LocalAddr().Port()), RTCPPort: int(s.LocalRTCP().Port()), Security: sec}
	for _, n := range names {
		l.Codecs = append(l.Codecs, sdp.FromCodec(mustCodec(t, n), 20))
	}
	if sec != sdp.SecurityNone {
		var err error
		if l.Crypto, err = sdp.DefaultCrypto(); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// connect negotiates a call between a (offerer) and b (answerer) through
// real SDP and starts both sessions.
func connect(t testing.TB, a, b *Session, la, lb sdp.Local) (ra, rb sdp.Result) {
	t.Helper()
	offer, err := sdp.Offer(la)
	if err != nil {
		t.Fatal(err)
	}
	answer, rb, err := sdp.Answer(lb, offer)
	if err != nil {
		t.Fatal(err)
	}
	ra, err = sdp.Negotiate(la, answer)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ra); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(rb); err != nil {
		t.Fatal(err)
	}
	return ra, rb
}

type party struct {
	s   *Session
	src *mediatest.Sine
	rec *audio.Recorder
}

// newParty opens a session that sends a sine of freq Hz at the codec's
// rate and records what it hears.
func newParty(t testing.TB, e *Engine, freq float64, rate int) party {
	t.Helper()
	p := party{src: mediatest.NewSine(freq, 8000, rate), rec: &audio.Recorder{}}
	s, err := e.NewSession(SessionConfig{Codecs: registry(), Source: p.src, Sink: p.rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p.s = s
	return p
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heard checks that the tone dominates the last second of what rec
// recorded: at least 70% of its 100 ms blocks are mostly that tone (a CPU
// starved test machine may cause the odd concealed frame; silence, noise or
// another frequency fail).
func heard(t testing.TB, who string, rec *audio.Recorder, rate int, freq float64) {
	t.Helper()
	pcm := rec.Samples()
	if len(pcm) < rate/2 {
		t.Fatalf("%s recorded only %d samples", who, len(pcm))
	}
	pcm = pcm[max(0, len(pcm)-rate):]
	block := rate / 10
	good, blocks := 0, 0
	for i := 0; i+block <= len(pcm); i += block {
		blocks++
		if mediatest.ToneShare(pcm[i:i+block], rate, freq) > 0.8 {
			good++
		}
	}
	if good*10 < blocks*7 {
		t.Errorf("%s: %.0f Hz dominates %d of %d blocks of 100 ms (share over all %.2f, rms %.0f), want 70%%",
			who, freq, good, blocks, mediatest.ToneShare(pcm, rate, freq), mediatest.RMS(pcm))
	}
}
