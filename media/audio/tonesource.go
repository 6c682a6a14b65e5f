package audio

import (
	"io"
	"sync"

	"github.com/hdphone/hdphone/media/tone"
)

// ToneSource plays call-progress or ring tones and silence between them.
// Play and Stop may be called from any goroutine while the pacer reads;
// the change takes effect at the next ReadPCM. The zero value is not
// usable: make one with NewToneSource.
type ToneSource struct {
	rate int

	mu      sync.Mutex // guards the following fields
	gen     *tone.Generator
	playing bool
}

// NewToneSource returns a silent tone source at rate (8000 or 16000).
func NewToneSource(rate int) (*ToneSource, error) {
	if rate != 8000 && rate != 16000 {
		return nil, ErrRate
	}
	return &ToneSource{rate: rate}, nil
}

// SampleRate returns the source's rate.
func (s *ToneSource) SampleRate() int { return s.rate }

// Play starts t from its beginning, replacing what was playing.
func (s *ToneSource) Play(t tone.Tone) error {
	g, err := tone.NewGenerator(t, s.rate)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen, s.playing = g, true
	return nil
}

// Stop silences the source.
func (s *ToneSource) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen, s.playing = nil, false
}

// Playing returns the tone being played and whether one is.
func (s *ToneSource) Playing() (tone.Tone, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.playing {
		return tone.Tone{}, false
	}
	return s.gen.Tone(), true
}

// ReadPCM fills dst with the tone, or silence when none plays (a one-shot
// tone that ends is followed by silence). It always fills all of dst.
func (s *ToneSource) ReadPCM(dst []int16) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if s.playing {
		var err error
		n, err = s.gen.ReadPCM(dst)
		if err == io.EOF {
			s.playing = false
		}
	}
	clear(dst[n:])
	return len(dst), nil
}
