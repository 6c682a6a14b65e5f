package media

import "math"

// RFC 3389 comfort noise: a one-byte noise level in -dBov (0-127), optionally
// followed by spectral coefficients, which the phone neither sends nor
// uses: it plays white noise of the signalled level.

const (
	// silenceDBov is the level under which a frame counts as silence for
	// comfort-noise sending.
	silenceDBov = -50.0
	// vadHangover is how many silent packets pass before the phone stops
	// sending audio and sends comfort noise instead.
	vadHangover = 10
	// cnRefresh is how many packet times pass between comfort-noise updates.
	cnRefresh = 25
)

// levelDBov is the RMS level of pcm in dBov (0 dBov = full scale).
func levelDBov(pcm []int16) float64 {
	if len(pcm) == 0 {
		return -127
	}
	var sum float64
	for _, s := range pcm {
		v := float64(s)
		sum += v * v
	}
	rms := math.Sqrt(sum / float64(len(pcm)))
	if rms < 1 {
		return -127
	}
	return 20 * math.Log10(rms/32768)
}

// cnLevelByte encodes a level for the CN payload.
func cnLevelByte(dBov float64) byte {
	l := -math.Round(dBov)
	return byte(min(max(l, 0), 127))
}

// noise makes comfort noise; the zero value is seeded on first use.
type noise struct{ state uint32 }

// fill writes white noise of the given -dBov level into dst.
func (n *noise) fill(dst []int16, level byte) {
	if n.state == 0 {
		n.state = 0x9e3779b9
	}
	rms := 32768 * math.Pow(10, -float64(level)/20)
	amp := int32(rms * math.Sqrt(3)) // uniform noise of this peak has that RMS
	if amp < 1 {
		clear(dst)
		return
	}
	amp = min(amp, 32767)
	for i := range dst {
		// xorshift32
		x := n.state
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		n.state = x
		dst[i] = int16(int32(x%uint32(2*amp+1)) - amp)
	}
}
