// Package plc conceals lost audio frames for decoders that have no
// concealment of their own (G.711, G.722): it keeps the last decoded audio,
// and for a loss repeats the last pitch period of it, fading out over
// 60 ms of consecutive loss, then blends back into the first good frame.
// The approach follows the outline of ITU-T G.711 Appendix I (pitch
// waveform substitution), simplified: no overlap-add inside the repeated
// period, a plain autocorrelation pitch search.
package plc

// Timing of the concealment, in milliseconds.
const (
	historyMS = 40 // audio kept for the pitch search and replay
	holdMS    = 10 // full level before the fade starts
	fadeMS    = 50 // fade to silence after the hold
	blendMS   = 4  // cross-fade from synthesis into the next good frame
)

// Concealer records good audio and synthesises replacement audio. The zero
// value is not usable; make one with New for the decoder's sample rate.
// It allocates only in New.
type Concealer struct {
	rate    int
	hist    []int16 // the most recent good audio, oldest first
	filled  int     // how much of hist holds audio
	period  int     // pitch period chosen at the start of the loss
	phase   int     // position in the repeated period
	lost    int     // samples concealed in the current loss burst
	pending bool    // a loss burst ended; blend the next good frame
	blend   []int16 // synthesis continuation for the blend
}

// New returns a concealer for PCM at rate samples per second.
func New(rate int) *Concealer {
	return &Concealer{
		rate:  rate,
		hist:  make([]int16, rate*historyMS/1000),
		blend: make([]int16, rate*blendMS/1000),
	}
}

// Reset forgets all audio (a new stream).
func (c *Concealer) Reset() {
	clear(c.hist)
	c.filled, c.lost, c.phase, c.period, c.pending = 0, 0, 0, 0, false
}

// Record stores a good decoded frame and, after a loss, cross-fades its
// start from the synthesised continuation (pcm is modified in place).
func (c *Concealer) Record(pcm []int16) {
	if c.pending {
		c.pending = false
		n := min(len(c.blend), len(pcm))
		c.synthesise(c.blend[:n])
		for i := range n {
			w := int32(i+1) * 256 / int32(n+1) // weight of the real audio, /256
			pcm[i] = int16((int32(pcm[i])*w + int32(c.blend[i])*(256-w)) / 256)
		}
	}
	c.lost = 0
	c.push(pcm)
}

func (c *Concealer) push(pcm []int16) {
	if len(pcm) >= len(c.hist) {
		copy(c.hist, pcm[len(pcm)-len(c.hist):])
		c.filled = len(c.hist)
		return
	}
	copy(c.hist, c.hist[len(pcm):])
	copy(c.hist[len(c.hist)-len(pcm):], pcm)
	c.filled = min(c.filled+len(pcm), len(c.hist))
}

// Conceal fills dst with replacement audio for a lost frame and returns
// len(dst). With no history yet it produces silence.
func (c *Concealer) Conceal(dst []int16) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if c.filled == 0 {
		clear(dst)
		return len(dst), nil
	}
	if c.lost == 0 {
		c.period = c.pitch()
		c.phase = 0
	}
	c.synthesise(dst)
	c.pending = true
	return len(dst), nil
}

// synthesise continues the repetition of the last period into dst with the
// fade applied, advancing the loss position.
func (c *Concealer) synthesise(dst []int16) {
	hold := c.rate * holdMS / 1000
	fade := c.rate * fadeMS / 1000
	src := c.hist[len(c.hist)-c.period:]
	for i := range dst {
		var g int32 = 256
		if c.lost > hold {
			g = int32(max(0, fade-(c.lost-hold))) * 256 / int32(fade)
		}
		dst[i] = int16(int32(src[c.phase]) * g / 256)
		c.phase++
		if c.phase == len(src) {
			c.phase = 0
		}
		c.lost++
	}
}

// pitch returns the lag, between 2.5 and 15 ms, at which the recent audio
// best resembles itself (normalised autocorrelation); for unvoiced audio
// any lag sounds alike, so the longest is used, which repeats less audibly.
func (c *Concealer) pitch() int {
	lo, hi := c.rate/400, c.rate*15/1000
	h := c.hist[len(c.hist)-c.filled:]
	if len(h) < 2*lo {
		return max(len(h), 1)
	}
	hi = min(hi, len(h)/2)
	win := h[len(h)-hi:]
	best, bestScore := hi, 0.0
	for lag := lo; lag <= hi; lag++ {
		past := h[len(h)-hi-lag : len(h)-lag]
		var xy, yy float64
		for i := range win {
			x, y := float64(win[i]), float64(past[i])
			xy += x * y
			yy += y * y
		}
		if yy == 0 || xy <= 0 {
			continue
		}
		if s := xy * xy / yy; s > bestScore {
			best, bestScore = lag, s
		}
	}
	return best
}
