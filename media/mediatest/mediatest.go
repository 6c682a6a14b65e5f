// Package mediatest has test helpers for the media engine: a sine source and
// measures of how much of what a phone heard is a given tone (on media/tone's
// Goertzel detector; media/audio.Recorder records what a phone hears).
package mediatest

import (
	"math"
	"sync"

	"github.com/hdphone/hdphone/media/tone"
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

// Amplitude returns the peak amplitude of the sine component at freq Hz in
// pcm, as media/tone's Goertzel detector measures it; 0 for silence.
func Amplitude(pcm []int16, rate int, freq float64) float64 {
	return tone.Amplitude(tone.Level(pcm, rate, freq))
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
