package tone_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/tone"
)

// Every country of selected_country has every kind of tone, and what the
// generator plays of it is what a detector hears: the tone's frequencies,
// switched on and off at its cadence.
// behaviour: MEDIA-11
func TestEveryCountryPlaysItsTones(t *testing.T) {
	for _, c := range tone.Countries {
		p, err := tone.Country(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range tone.Kinds() {
			tn := p.Tone(k)
			if len(tn.Steps) == 0 || len(tn.Freqs()) == 0 {
				t.Errorf("%s %v: empty tone", c, k)
				continue
			}
			f := tn.Freqs()[0]
			level := tn.Steps[0].Level[0]
			rate := 8000
			if f > 3000 {
				rate = 16000
			}
			period := tn.Period()
			d := 2 * period
			if period == 0 || d > 12*time.Second {
				d = 2 * time.Second
			}
			pcm, err := tone.Render(tn, rate, d)
			if err != nil {
				t.Fatal(err)
			}
			spans := tone.Cadence(pcm, rate, f, level-6)
			if len(spans) == 0 || !spans[0].On {
				t.Errorf("%s %v: does not start with %v Hz (spans %v)", c, k, f, spans)
				continue
			}
			// The first on-phase lasts as long as the first step (±10 ms of
			// block resolution), unless consecutive steps share the frequency.
			// (India's 25 Hz modulation dips to nothing every 40 ms, which
			// 10 ms blocks see as gaps; TestModulation covers it.)
			if first := tn.Steps[0].Dur; first > 0 && len(tn.Steps) > 1 && tn.Steps[1].Silent() && tn.Steps[0].ModHz == 0 {
				if got := spans[0].Dur; absDur(got-first) > 15*time.Millisecond {
					t.Errorf("%s %v: first burst %v, want %v", c, k, got, first)
				}
			}
		}
	}
}

// A few national cadences, checked as a listener with a stopwatch would:
// the detector's on/off runs over two periods.
// behaviour: MEDIA-11
func TestNationalCadences(t *testing.T) {
	tests := []struct {
		country string
		kind    tone.Kind
		freq    float64
		want    []time.Duration // alternating on, off, starting with on
	}{
		{"USA", tone.Busy, 480, ms(500, 500, 500, 500)},
		{"USA", tone.Ringback, 440, ms(2000, 4000, 2000)},
		{"UK", tone.Ringback, 400, ms(400, 200, 400, 2000, 400, 200, 400)},
		{"Germany", tone.Busy, 425, ms(480, 480, 480, 480)},
		{"France", tone.Ringback, 440, ms(1500, 3500, 1500)},
		{"Italy", tone.Dial, 425, ms(200, 200, 600, 1000, 200, 200, 600)},
		{"Israel", tone.Ringback, 414, ms(1000, 3000, 1000)},
		{"China", tone.Busy, 450, ms(350, 350, 350, 350)},
		{"Russia", tone.Congestion, 425, ms(170, 180, 180, 170)}, // 175 ms on a 10 ms grid
		{"Russia", tone.Ringback, 425, ms(1000, 4000, 1000)},
		{"Portugal", tone.CallWaiting, 440, ms(300, 10000, 300)},
		{"Australia", tone.CallWaiting, 425, ms(200, 200, 200, 4400, 200)},
		{"Brazil", tone.Congestion, 425, ms(250, 250, 750, 250, 250)},
	}
	for _, tc := range tests {
		t.Run(tc.country+" "+tc.kind.String(), func(t *testing.T) {
			p, _ := tone.Country(tc.country)
			var total time.Duration
			for _, d := range tc.want {
				total += d
			}
			pcm, _ := tone.Render(p.Tone(tc.kind), 8000, total+50*time.Millisecond)
			spans := tone.Cadence(pcm, 8000, tc.freq, -30)
			for i, want := range tc.want {
				if i >= len(spans) {
					t.Fatalf("only %d runs: %v", len(spans), spans)
				}
				if spans[i].On != (i%2 == 0) || absDur(spans[i].Dur-want) > 15*time.Millisecond {
					t.Fatalf("run %d = %v, want on=%v for %v (all: %v)", i, spans[i], i%2 == 0, want, spans)
				}
			}
		})
	}
}

// Continuous dial tones in the countries where they are steady.
func TestDialTonesAreSteady(t *testing.T) {
	want := map[string][]float64{
		"USA": {350, 440}, "UK": {350, 440}, "Australia": {413, 438}, "Germany": {425}, "France": {440},
		"Israel": {414}, "China": {450}, "Netherlands": {425}, "Brazil": {425}, "Argentina": {425},
		"Portugal": {425}, "Russia": {425}, "India": {400},
	}
	for c, freqs := range want {
		p, _ := tone.Country(c)
		pcm, _ := tone.Render(p.Tone(tone.Dial), 8000, 3*time.Second)
		for _, f := range freqs {
			spans := tone.Cadence(pcm, 8000, f, -30)
			if len(spans) != 1 || !spans[0].On {
				t.Errorf("%s dial tone at %v Hz is not steady: %v", c, f, spans)
			}
		}
	}
}

func TestUnknownCountry(t *testing.T) {
	if _, err := tone.Country("Atlantis"); !errors.Is(err, tone.ErrUnknownCountry) {
		t.Fatalf("err = %v", err)
	}
	if p, err := tone.Country("germany"); err != nil || p.Country() != "Germany" {
		t.Fatalf("case-insensitive lookup: %v, %v", p, err)
	}
}

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	return time.Duration(math.Abs(float64(d)))
}
