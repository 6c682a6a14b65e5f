// Package audiotest holds what audio, codec and tone tests share:
// deterministic test signals (sines, sweeps, noise, silence, square waves, a
// speech-like signal) and helpers that run ffmpeg as an independent
// reference implementation.
package audiotest

import (
	"math"
	"math/rand/v2"
)

// Signal is a named mono 16-bit test signal.
type Signal struct {
	Name string
	Rate int
	PCM  []int16
}

// Signals returns the test signals at rate (8000 or 16000), each seconds
// long (rounded to whole 20 ms frames). They are the same on every call.
func Signals(rate int, seconds float64) []Signal {
	n := int(seconds*50) * rate / 50
	return []Signal{
		{"silence", rate, make([]int16, n)},
		{"sine-440", rate, Sine(rate, n, 440, 0.5)},
		{"sine-1000-full", rate, Sine(rate, n, 1000, 1.0)},
		{"sine-3400-quiet", rate, Sine(rate, n, 3400, 0.01)},
		{"sine-7000", rate, Sine(rate, n, float64(rate)*0.4375, 0.4)},
		{"sweep", rate, Sweep(rate, n, 50, float64(rate)/2-100, 0.6)},
		{"noise", rate, Noise(n, 0.3, 1)},
		{"noise-full", rate, Noise(n, 1.0, 2)},
		{"square-full", rate, Square(rate, n, 250)},
		{"speech-like", rate, SpeechLike(rate, n, 3)},
	}
}

// Sine is a sine of freq Hz at amp (1.0 = full scale).
func Sine(rate, n int, freq, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = clip(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// Sweep is a linear chirp from f0 to f1 Hz.
func Sweep(rate, n int, f0, f1, amp float64) []int16 {
	out := make([]int16, n)
	dur := float64(n) / float64(rate)
	for i := range out {
		t := float64(i) / float64(rate)
		phase := 2 * math.Pi * (f0*t + (f1-f0)*t*t/(2*dur))
		out[i] = clip(amp * 32767 * math.Sin(phase))
	}
	return out
}

// Noise is uniform white noise at amp, from a fixed seed.
func Noise(n int, amp float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]int16, n)
	for i := range out {
		out[i] = clip(amp * 32767 * (2*r.Float64() - 1))
	}
	return out
}

// Square is a full-scale square wave, the hardest input for the band
// splitter (it exercises saturation).
func Square(rate, n int, freq float64) []int16 {
	out := make([]int16, n)
	half := float64(rate) / freq / 2
	for i := range out {
		if int(float64(i)/half)%2 == 0 {
			out[i] = 32767
		} else {
			out[i] = -32768
		}
	}
	return out
}

// SpeechLike is a synthetic voice: a glottal pulse train with a wandering
// pitch through three formant resonators, shaped into syllables with pauses,
// with noisy fricatives between some of them.
func SpeechLike(rate, n int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]int16, n)
	fs := float64(rate)
	type reson struct{ a1, a2, g, y1, y2 float64 }
	mk := func(f, bw float64) reson {
		rr := math.Exp(-math.Pi * bw / fs)
		return reson{a1: 2 * rr * math.Cos(2*math.Pi*f/fs), a2: -rr * rr, g: 1 - rr}
	}
	vowels := [][3]float64{{730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240}, {530, 1840, 2480}, {570, 840, 2410}}
	var formants [3]reson
	phase := 0.0
	syl := 0
	for i := 0; i < n; {
		// One syllable: 120-300 ms voiced, then 40-150 ms of pause or hiss.
		v := vowels[syl%len(vowels)]
		for k := range formants {
			formants[k] = mk(v[k], 80+40*float64(k))
		}
		voiced := int(fs * (0.12 + 0.18*r.Float64()))
		pitch := 100 + 120*r.Float64()
		for j := 0; j < voiced && i < n; j++ {
			env := math.Sin(math.Pi * float64(j) / float64(voiced))
			f0 := pitch * (1 + 0.1*math.Sin(2*math.Pi*3*float64(j)/fs))
			phase += f0 / fs
			var src float64
			if phase >= 1 {
				phase -= 1
				src = 1
			}
			src += 0.02 * (2*r.Float64() - 1)
			var y float64
			for k := range formants {
				f := &formants[k]
				o := f.g*src + f.a1*f.y1 + f.a2*f.y2
				f.y2, f.y1 = f.y1, o
				y += o / float64(k+1)
			}
			out[i] = clip(9000 * env * y)
			i++
		}
		gap := int(fs * (0.04 + 0.11*r.Float64()))
		hiss := syl%3 == 1
		for j := 0; j < gap && i < n; j++ {
			if hiss {
				out[i] = clip(1500 * (2*r.Float64() - 1))
			}
			i++
		}
		syl++
	}
	return out
}

func clip(v float64) int16 {
	v = math.Round(v)
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}
