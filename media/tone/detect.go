package tone

import (
	"math"
	"time"
)

// Level returns the level in dBm0 of the sine component at freq Hz in pcm,
// measured with a Hann-windowed Goertzel filter (so a window need not hold
// whole periods). A component more than a few tens of Hz away contributes
// little; silence gives -Inf.
func Level(pcm []int16, rate int, freq float64) float64 {
	if len(pcm) < 2 {
		return math.Inf(-1)
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, wsum float64
	step := 2 * math.Pi / float64(len(pcm)-1)
	for i, x := range pcm {
		win := 0.5 - 0.5*math.Cos(step*float64(i))
		wsum += win
		s0 := win*float64(x) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return goertzelDBm0(s1, s2, coeff, wsum)
}

// goertzelDBm0 turns the filter's last two states into a level: |X|² from
// them, and the amplitude of a sine is 2|X|/Σw.
func goertzelDBm0(s1, s2, coeff, wsum float64) float64 {
	power := s1*s1 + s2*s2 - coeff*s1*s2
	if power <= 0 {
		return math.Inf(-1)
	}
	return DBm0(2 * math.Sqrt(power) / wsum)
}

// windowed is a block already multiplied by a Hann window, for measuring
// several frequencies in it (DTMF) without windowing it again for each.
type windowed struct {
	win  []float64 // the window
	wsum float64
	x    []float64 // the windowed block
}

func newWindowed(n int) *windowed {
	w := &windowed{win: make([]float64, n), x: make([]float64, n)}
	step := 2 * math.Pi / float64(n-1)
	for i := range w.win {
		w.win[i] = 0.5 - 0.5*math.Cos(step*float64(i))
		w.wsum += w.win[i]
	}
	return w
}

func (w *windowed) load(pcm []int16) {
	for i, v := range pcm {
		w.x[i] = w.win[i] * float64(v)
	}
}

func (w *windowed) level(rate int, freq float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2 float64
	for _, x := range w.x {
		s1, s2 = x+coeff*s1-s2, s1
	}
	return goertzelDBm0(s1, s2, coeff, w.wsum)
}

// Present reports whether pcm holds a tone at freq Hz at or above minLevel
// dBm0.
func Present(pcm []int16, rate int, freq, minLevel float64) bool {
	return Level(pcm, rate, freq) >= minLevel
}

// Span is a run of a recording in which a frequency was on or off.
type Span struct {
	On  bool
	Dur time.Duration
}

// CadenceBlock is the analysis block of Cadence.
const CadenceBlock = 10 * time.Millisecond

// Cadence splits pcm into 10 ms blocks, decides for each whether freq is
// present at minLevel or above, and returns the runs of equal decisions.
// Block edges make each run accurate to about ±10 ms.
func Cadence(pcm []int16, rate int, freq, minLevel float64) []Span {
	n := rate / 100
	var out []Span
	for i := 0; i+n <= len(pcm); i += n {
		// A 10 ms block resolves 100 Hz; for low tones measure over 20 ms
		// centred on the block so neighbouring tones (350/440) separate.
		lo, hi := max(0, i-n/2), min(len(pcm), i+n+n/2)
		onNow := Present(pcm[lo:hi], rate, freq, minLevel)
		if len(out) > 0 && out[len(out)-1].On == onNow {
			out[len(out)-1].Dur += CadenceBlock
			continue
		}
		out = append(out, Span{On: onNow, Dur: CadenceBlock})
	}
	return out
}
