package tone

import (
	"io"
	"math"
	"time"
)

// Generator plays a Tone as 16-bit PCM. It is a PCM source: ReadPCM fills
// buffers in order and never blocks. Make one with NewGenerator; it
// allocates nothing while playing and is not safe for concurrent use.
type Generator struct {
	tone Tone
	rate int

	step int // current step
	left int // samples left in it; -1 for an endless step
	done bool

	// Oscillators: a unit phasor per frequency rotated once per sample
	// (cheaper than a sine call per sample, renormalised per step and every
	// renormEvery samples so rounding cannot make it grow or shrink).
	amp      [2]float64
	re, im   [2]float64
	cosw     [2]float64
	sinw     [2]float64
	mod      bool
	mre, mim float64
	mcos     float64
	msin     float64
	sinceRen int
}

const renormEvery = 4000

// NewGenerator returns a generator of t at rate samples per second (8000 or
// 16000).
func NewGenerator(t Tone, rate int) (*Generator, error) {
	if rate != 8000 && rate != 16000 {
		return nil, ErrRate
	}
	g := &Generator{tone: t, rate: rate}
	g.Reset()
	return g, nil
}

// SampleRate returns the generator's rate.
func (g *Generator) SampleRate() int { return g.rate }

// Tone returns the tone being played.
func (g *Generator) Tone() Tone { return g.tone }

// Reset starts the tone again from its first step.
func (g *Generator) Reset() {
	g.done = len(g.tone.Steps) == 0
	g.step = 0
	if !g.done {
		g.enter(0)
	}
}

// Done reports whether a tone that does not repeat has finished.
func (g *Generator) Done() bool { return g.done }

func (g *Generator) enter(i int) {
	g.step = i
	s := g.tone.Steps[i]
	g.left = -1
	if s.Dur > 0 {
		g.left = max(1, int(s.Dur*time.Duration(g.rate)/time.Second))
	}
	for k := range 2 {
		g.amp[k] = 0
		if s.Freq[k] > 0 && s.Freq[k] < float64(g.rate)/2 {
			g.amp[k] = Amplitude(s.Level[k])
		}
		w := 2 * math.Pi * s.Freq[k] / float64(g.rate)
		g.cosw[k], g.sinw[k] = math.Cos(w), math.Sin(w)
		g.re[k], g.im[k] = 1, 0 // each burst starts at zero phase
	}
	g.mod = s.ModHz > 0
	if g.mod {
		w := 2 * math.Pi * s.ModHz / float64(g.rate)
		g.mcos, g.msin = math.Cos(w), math.Sin(w)
		g.mre, g.mim = 1, 0
	}
	g.sinceRen = 0
}

// ReadPCM fills dst with the next samples of the tone and returns len(dst),
// or fewer and io.EOF when a tone that does not repeat ends.
func (g *Generator) ReadPCM(dst []int16) (int, error) {
	n := 0
	for n < len(dst) {
		if g.done {
			return n, io.EOF
		}
		chunk := len(dst) - n
		if g.left >= 0 {
			chunk = min(chunk, g.left)
		}
		g.render(dst[n : n+chunk])
		n += chunk
		if g.left >= 0 {
			g.left -= chunk
			if g.left == 0 {
				g.next()
			}
		}
	}
	return n, nil
}

func (g *Generator) next() {
	i := g.step + 1
	if i == len(g.tone.Steps) {
		if !g.tone.Repeat {
			g.done = true
			return
		}
		i = 0
	}
	g.enter(i)
}

func (g *Generator) render(dst []int16) {
	if g.amp[0] == 0 && g.amp[1] == 0 {
		clear(dst)
		return
	}
	for i := range dst {
		v := g.amp[0]*g.im[0] + g.amp[1]*g.im[1]
		if g.mod {
			// 100 % AM: the carrier swells and fades at the modulation rate.
			v *= 0.5 * (1 + g.mre)
			g.mre, g.mim = g.mre*g.mcos-g.mim*g.msin, g.mim*g.mcos+g.mre*g.msin
		}
		dst[i] = int16(max(-32768, min(32767, math.Round(v))))
		for k := range 2 {
			g.re[k], g.im[k] = g.re[k]*g.cosw[k]-g.im[k]*g.sinw[k], g.im[k]*g.cosw[k]+g.re[k]*g.sinw[k]
		}
		g.sinceRen++
		if g.sinceRen == renormEvery {
			g.sinceRen = 0
			for k := range 2 {
				m := math.Hypot(g.re[k], g.im[k])
				g.re[k], g.im[k] = g.re[k]/m, g.im[k]/m
			}
			if g.mod {
				m := math.Hypot(g.mre, g.mim)
				g.mre, g.mim = g.mre/m, g.mim/m
			}
		}
	}
}

// Render returns d of t at rate as one buffer (tests and ring previews).
func Render(t Tone, rate int, d time.Duration) ([]int16, error) {
	g, err := NewGenerator(t, rate)
	if err != nil {
		return nil, err
	}
	out := make([]int16, int(d*time.Duration(rate)/time.Second))
	n, err := g.ReadPCM(out)
	if err != nil && err != io.EOF {
		return nil, err
	}
	clear(out[n:]) // a finished tone is followed by silence
	return out, nil
}
