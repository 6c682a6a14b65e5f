// Package resample converts PCM between 8 kHz and 16 kHz, the two rates of
// the phone's codecs (G.711 and G.729 at 8 kHz, G.722 at 16 kHz), with a
// half-band FIR filter: the ratio is exactly 2, so upsampling interpolates
// every other sample and downsampling keeps every other filtered sample.
//
// The filter has 63 taps (a Kaiser-windowed sinc, β 5.65, cut-off at a
// quarter of the high rate): the passband is flat to 3.4 kHz within 0.1 dB
// and images and aliases above 4.6 kHz are down by 60 dB or more. Its delay
// is 31 samples at 16 kHz (about 2 ms). Converters keep their history between calls,
// so a stream can be fed frame by frame, and allocate nothing.
package resample

import (
	"io"
	"math"
)

const (
	taps = 63 // odd, and (taps-1)/2 odd, so the centre is the only even tap
	beta = 5.65
	half = taps / 2
	// Coefficients are Q14 fixed point: Q15 would let a full-scale input
	// overflow the 32-bit accumulator.
	shift = 14
	one   = 1 << shift
)

// odd holds the non-zero taps of the half-band filter other than the
// centre: odd[k] is h(centre ± (2k+1)), symmetric. The centre tap is 0.5.
var odd [(half + 1) / 2]int32

func init() {
	h := make([]float64, taps)
	for n := range h {
		x := float64(n - half)
		var s float64 = 0.5
		if x != 0 {
			s = math.Sin(math.Pi*x/2) / (math.Pi * x)
		}
		r := x / half
		h[n] = s * bessel0(beta*math.Sqrt(1-r*r)) / bessel0(beta)
	}
	// Normalise to a DC gain of exactly 1 (the centre tap carries 0.5 of it).
	var oddSum float64
	for k := range odd {
		oddSum += 2 * h[half+2*k+1]
	}
	for k := range odd {
		odd[k] = int32(math.Round(h[half+2*k+1] * 0.5 / oddSum * one))
	}
}

// bessel0 is the modified Bessel function of the first kind, order 0, by
// its power series (the Kaiser window).
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; term > 1e-12*sum; k++ {
		term *= (x / 2 / float64(k)) * (x / 2 / float64(k))
		sum += term
	}
	return sum
}

// Coefficients returns the filter's taps (for tests and documentation).
func Coefficients() []float64 {
	h := make([]float64, taps)
	h[half] = float64(one/2) / one
	for k, c := range odd {
		h[half-1-2*k] = float64(c) / one
		h[half+1+2*k] = float64(c) / one
	}
	return h
}

// Up converts 8 kHz to 16 kHz. The zero value is ready to use.
type Up struct {
	hist [2 * len(odd)]int32 // the last input samples, newest last
}

// Process writes 2*len(src) samples to dst and returns that count, or
// io.ErrShortBuffer when dst is too small.
func (u *Up) Process(dst, src []int16) (int, error) {
	if len(dst) < 2*len(src) {
		return 0, io.ErrShortBuffer
	}
	const n = len(odd)
	for i, s := range src {
		copy(u.hist[:], u.hist[1:])
		u.hist[2*n-1] = int32(s)
		// The sample that sits at the filter centre passes through (the
		// centre tap 0.5 times the inserted gain of 2); the point halfway to
		// the next one is interpolated from the symmetric odd taps.
		var acc int32
		for k := range n {
			acc += odd[k] * (u.hist[n-1-k] + u.hist[n+k])
		}
		dst[2*i] = int16(u.hist[n-1])
		dst[2*i+1] = clip((2*acc + one/2) >> shift)
	}
	return 2 * len(src), nil
}

// Reset forgets the history (a new stream).
func (u *Up) Reset() { u.hist = [2 * len(odd)]int32{} }

// Down converts 16 kHz to 8 kHz. The zero value is ready to use.
type Down struct {
	hist [taps]int32 // the last input samples, newest last
	odd  bool        // an odd number of samples has been consumed
}

// Process consumes src and writes one sample to dst for every two it has
// consumed (counting across calls), returning the count, or
// io.ErrShortBuffer when dst could be too small (it needs (len(src)+1)/2).
func (d *Down) Process(dst, src []int16) (int, error) {
	if len(dst) < (len(src)+1)/2 {
		return 0, io.ErrShortBuffer
	}
	n := 0
	for _, s := range src {
		copy(d.hist[:], d.hist[1:])
		d.hist[taps-1] = int32(s)
		d.odd = !d.odd
		if d.odd {
			continue
		}
		acc := d.hist[half] << (shift - 1) // centre tap 0.5
		for k := range odd {
			acc += odd[k] * (d.hist[half-1-2*k] + d.hist[half+1+2*k])
		}
		dst[n] = clip((acc + one/2) >> shift)
		n++
	}
	return n, nil
}

// Reset forgets the history (a new stream).
func (d *Down) Reset() { *d = Down{} }

func clip(v int32) int16 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}
