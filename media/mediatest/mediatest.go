// Package mediatest has test helpers for the media engine: a sine source, a
// recording sink, and a Goertzel measure of a tone in what a phone heard.
package mediatest

import (
	"math"
	"sync"
)

// Sine is a media.Source of a continuous sine wave.
type Sine struct {
	mu    sync.Mutex
	freq  float64
	amp   float64
	rate  int
	phase float64
	n     int
}

// NewSine returns a sine of freq Hz and peak amplitude amp (of 32767) at the
// given sample rate.
func NewSine(freq, amp float64, rate int) *Sine { return &Sine{freq: freq, amp: amp, rate: rate} }

// ReadPCM implements media.Source.
func (s *Sine) ReadPCM(dst []int16) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	step := 2 * math.Pi * s.freq / float64(s.rate)
	for i := range dst {
		dst[i] = int16(s.amp * math.Sin(s.phase))
		s.phase += step
		if s.phase > 2*math.Pi {
			s.phase -= 2 * math.Pi
		}
	}
	s.n += len(dst)
	return len(dst), nil
}

// Samples returns how many samples were read.
func (s *Sine) Samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Recorder is a media.Sink that keeps everything it was given.
type Recorder struct {
	mu  sync.Mutex
	pcm []int16
}

// WritePCM implements media.Sink.
func (r *Recorder) WritePCM(pcm []int16) error {
	r.mu.Lock()
	r.pcm = append(r.pcm, pcm...)
	r.mu.Unlock()
	return nil
}

// PCM returns a copy of what was recorded.
func (r *Recorder) PCM() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.pcm...)
}

// Len returns the number of samples recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pcm)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.pcm = r.pcm[:0]
	r.mu.Unlock()
}

// Amplitude returns the peak amplitude of the sine component at freq Hz in
// pcm (a Hann-windowed Goertzel filter), 0 for silence.
func Amplitude(pcm []int16, rate int, freq float64) float64 {
	if len(pcm) < 2 {
		return 0
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
	power := s1*s1 + s2*s2 - coeff*s1*s2
	if power <= 0 {
		return 0
	}
	return 2 * math.Sqrt(power) / wsum
}

// RMS returns the root-mean-square amplitude of pcm.
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// ToneShare returns the fraction of pcm's power that is the sine at freq:
// close to 1 for a clean tone, low for noise, silence or another tone.
func ToneShare(pcm []int16, rate int, freq float64) float64 {
	rms := RMS(pcm)
	if rms == 0 {
		return 0
	}
	a := Amplitude(pcm, rate, freq)
	return (a * a / 2) / (rms * rms)
}
