package media

import (
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
)

// A player plays its source into its sink in 20 ms frames, at either
// rate, and nothing after Close.
func TestPlayer(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		e := startEngine(t, Config{})
		rec := &audio.Recorder{Rate: rate}
		p, err := e.NewPlayer(mediatest.NewSine(440, 8000, rate), rec, rate)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "a second of playing", func() bool { return len(rec.Samples()) >= rate })
		heard(t, "the sink", rec, rate, 440)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		n := len(rec.Samples())
		if n%(rate/50) != 0 {
			t.Errorf("%d samples: not whole 20 ms frames", n)
		}
		time.Sleep(100 * time.Millisecond)
		if got := len(rec.Samples()); got != n {
			t.Errorf("%d samples written after Close", got-n)
		}
	}
	if _, err := startEngine(t, Config{}).NewPlayer(mediatest.NewSine(440, 8000, 8000), &audio.Recorder{}, 44100); err == nil {
		t.Error("a 44.1 kHz player was made")
	}
}
