package audio

import (
	"sync"

	"github.com/hdphone/hdphone/media/tone"
)

// Recorder is a Sink that keeps what it is given, so tests can ask what a
// phone heard. It is safe to write from the media pacer while another
// goroutine reads. Limit (samples) bounds memory; when reached, the oldest
// audio is dropped. The zero value keeps everything.
type Recorder struct {
	Rate  int // the rate of what is written, for Level and Digits (0 = 8000)
	Limit int

	mu      sync.Mutex // guards the following fields
	samples []int16
	dropped int
	closed  bool
}

// WritePCM appends pcm.
func (r *Recorder) WritePCM(pcm []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.samples = append(r.samples, pcm...)
	if r.Limit > 0 && len(r.samples) > r.Limit {
		cut := len(r.samples) - r.Limit
		r.dropped += cut
		r.samples = append(r.samples[:0], r.samples[cut:]...)
	}
	return nil
}

// Samples returns a copy of what was recorded (the most recent Limit
// samples if a limit is set).
func (r *Recorder) Samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.samples...)
}

// Len returns the number of samples held.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.samples)
}

// Dropped returns how many old samples the limit discarded.
func (r *Recorder) Dropped() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Reset forgets the recording.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples, r.dropped = r.samples[:0], 0
}

// Close makes later writes fail with ErrClosed; the recording stays
// readable.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

// Level returns the level in dBm0 at which the recording holds a tone of
// freq Hz (tone.Level over everything kept). Rate must be set.
func (r *Recorder) Level(freq float64) float64 {
	return tone.Level(r.Samples(), r.rate(), freq)
}

// Digits returns the DTMF digits heard in the recording. Rate must be set
// (8000 or 16000).
func (r *Recorder) Digits() (string, error) {
	return tone.DetectDTMF(r.Samples(), r.rate())
}

func (r *Recorder) rate() int {
	if r.Rate == 0 {
		return 8000
	}
	return r.Rate
}
