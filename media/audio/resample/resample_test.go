package resample_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/audio/resample"
)

// amplitude measures the amplitude of freq in pcm (a window of whole
// periods is not needed: the Hann window keeps leakage down).
func amplitude(pcm []int16, rate int, freq float64) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	var re, im, sw float64
	for i, s := range pcm {
		win := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(pcm)-1))
		re += win * float64(s) * math.Cos(w*float64(i))
		im += win * float64(s) * math.Sin(w*float64(i))
		sw += win
	}
	return 2 * math.Hypot(re, im) / sw
}

func db(x float64) float64 { return 20 * math.Log10(x) }

// Up: tones in the telephone band keep their level; the image a naive
// zero-stuffer would create (16000-f) is suppressed.
func TestUpPassbandAndImages(t *testing.T) {
	for _, f := range []float64{300, 1000, 2000, 3400} {
		in := audiotest.Sine(8000, 8000, f, 0.5)
		out := make([]int16, 2*len(in))
		var u resample.Up
		// Feed in 20 ms frames: state carries across calls.
		for i := 0; i < len(in); i += 160 {
			u.Process(out[2*i:], in[i:i+160])
		}
		body := out[2000:14000]
		gain := db(amplitude(body, 16000, f) / (0.5 * 32767))
		image := db(amplitude(body, 16000, 8000-f) / (0.5 * 32767))
		if math.Abs(gain) > 0.1 {
			t.Errorf("%v Hz: passband gain %.2f dB", f, gain)
		}
		if f <= 3400 && image > -60 {
			t.Errorf("%v Hz: image at %v Hz only %.1f dB down", f, 8000-f, image)
		}
	}
}

// Down: in-band tones keep their level, tones above 4.6 kHz that would
// alias into the band are removed.
func TestDownPassbandAndAliases(t *testing.T) {
	for _, f := range []float64{300, 1000, 3400, 5000, 7000} {
		in := audiotest.Sine(16000, 16000, f, 0.5)
		out := make([]int16, len(in)/2)
		var d resample.Down
		n := 0
		for i := 0; i < len(in); i += 321 { // odd chunks: the pairing carries over
			m, err := d.Process(out[n:], in[i:min(i+321, len(in))])
			if err != nil {
				t.Fatal(err)
			}
			n += m
		}
		if n != len(out) {
			t.Fatalf("%d samples out, want %d", n, len(out))
		}
		body := out[1000:7000]
		if f <= 3400 {
			if g := db(amplitude(body, 8000, f) / (0.5 * 32767)); math.Abs(g) > 0.1 {
				t.Errorf("%v Hz: passband gain %.2f dB", f, g)
			}
			continue
		}
		if a := db(amplitude(body, 8000, 8000-f) / (0.5 * 32767)); a > -60 {
			t.Errorf("%v Hz aliases to %v Hz at %.1f dB", f, 8000-f, a)
		}
	}
}

// Up then Down returns the input, delayed.
func TestRoundTrip(t *testing.T) {
	in := audiotest.SpeechLike(8000, 8000, 2)
	// Keep it in the band the filter passes.
	var lp resample.Down
	var up resample.Up
	mid := make([]int16, 2*len(in))
	up.Process(mid, in)
	out := make([]int16, len(in))
	lp.Process(out, mid)
	best := math.Inf(1)
	for lag := 0; lag < 40; lag++ {
		var e, s float64
		for i := 500; i < 7000; i++ {
			d := float64(out[i+lag]) - float64(in[i])
			e += d * d
			s += float64(in[i]) * float64(in[i])
		}
		best = min(best, e/s)
	}
	if best > 0.01 {
		t.Errorf("round trip error %.4f of the signal energy", best)
	}
}

// The fixed-point filters match a float64 convolution with the same taps
// (saturated), on full-scale square waves and noise: no overflow, no wrap.
func TestMatchesFloatReference(t *testing.T) {
	h := resample.Coefficients()
	sat := func(v float64) int16 { return int16(max(-32768, min(32767, math.Round(v)))) }
	for _, in := range [][]int16{audiotest.Square(8000, 4000, 500), audiotest.Noise(4000, 1, 3)} {
		// Up: zero-stuff, filter with gain 2. Output index 2i is the input
		// sample delayed by len(h)/2 half-steps, i.e. aligned to our delay.
		var u resample.Up
		got := make([]int16, 2*len(in))
		u.Process(got, in)
		stuffed := make([]float64, 2*len(in))
		for i, s := range in {
			stuffed[2*i] = float64(s)
		}
		for i := 200; i < len(got); i++ {
			var acc float64
			for k, c := range h {
				if j := i - k - 1; j >= 0 {
					acc += 2 * c * stuffed[j]
				}
			}
			if d := math.Abs(float64(got[i]) - float64(sat(acc))); d > 64 {
				t.Fatalf("Up sample %d = %d, float reference %d", i, got[i], sat(acc))
			}
		}
		// Down: filter at 16 kHz, keep every second output.
		var dn resample.Down
		out := make([]int16, len(got)/2)
		dn.Process(out, got)
		for m := 100; m < len(out); m++ {
			var acc float64
			for k, c := range h {
				if j := 2*m + 1 - k; j >= 0 {
					acc += c * float64(got[j])
				}
			}
			if d := math.Abs(float64(out[m]) - float64(sat(acc))); d > 64 {
				t.Fatalf("Down sample %d = %d, float reference %d", m, out[m], sat(acc))
			}
		}
	}
}

func TestShortBuffer(t *testing.T) {
	var u resample.Up
	if _, err := u.Process(make([]int16, 3), make([]int16, 2)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Up: %v", err)
	}
	var d resample.Down
	if _, err := d.Process(make([]int16, 1), make([]int16, 3)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Down: %v", err)
	}
}

func BenchmarkUp20ms(b *testing.B) {
	in := audiotest.SpeechLike(8000, 160, 1)
	out := make([]int16, 320)
	var u resample.Up
	b.ReportAllocs()
	for b.Loop() {
		u.Process(out, in)
	}
}

func BenchmarkDown20ms(b *testing.B) {
	in := audiotest.SpeechLike(16000, 320, 1)
	out := make([]int16, 160)
	var d resample.Down
	b.ReportAllocs()
	for b.Loop() {
		d.Process(out, in)
	}
}
