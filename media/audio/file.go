package audio

import (
	"fmt"
	"io"
	"os"

	"github.com/hdphone/hdphone/media/audio/wav"
)

// FileSource plays a WAV file (PCM, A-law or µ-law, 8 or 16 kHz, first
// channel if several) at a given rate, converting 8↔16 kHz, once or in a
// loop. The file is read whole when opened (at most wav.MaxSize), so
// ReadPCM never touches the disk.
type FileSource struct {
	src  Source
	rate int
}

// OpenFile opens path for playing at rate.
func OpenFile(path string, rate int, loop bool) (*FileSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	return ReadFile(f, rate, loop)
}

// ReadFile is OpenFile for a reader.
func ReadFile(r io.Reader, rate int, loop bool) (*FileSource, error) {
	a, err := wav.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	if a.SampleRate != 8000 && a.SampleRate != 16000 {
		return nil, fmt.Errorf("audio: WAV file at %d Hz: %w", a.SampleRate, ErrRate)
	}
	var s Source = &sliceSource{pcm: a.Mono(), loop: loop}
	s, err = Convert(s, a.SampleRate, rate)
	if err != nil {
		return nil, err
	}
	return &FileSource{src: s, rate: rate}, nil
}

// SampleRate returns the rate ReadPCM produces.
func (f *FileSource) SampleRate() int { return f.rate }

// ReadPCM gives the next samples; at the end of a file that does not loop
// it returns fewer and io.EOF.
func (f *FileSource) ReadPCM(dst []int16) (int, error) { return f.src.ReadPCM(dst) }

// sliceSource plays samples from memory.
type sliceSource struct {
	pcm  []int16
	pos  int
	loop bool
}

func (s *sliceSource) ReadPCM(dst []int16) (int, error) {
	n := 0
	for n < len(dst) {
		if s.pos == len(s.pcm) {
			if !s.loop || len(s.pcm) == 0 {
				return n, io.EOF
			}
			s.pos = 0
		}
		k := copy(dst[n:], s.pcm[s.pos:])
		n += k
		s.pos += k
	}
	return n, nil
}

// FileSink records into a mono WAV file. Close finishes the header and
// closes the file.
type FileSink struct {
	f *os.File
	w *wav.Writer
}

// CreateFile creates path as a WAV file of format (wav.PCM 16-bit,
// wav.ALaw or wav.MuLaw 8-bit) at rate.
func CreateFile(path string, format wav.Format, rate int) (*FileSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	w, err := wav.NewWriter(f, format, rate)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("audio: %w", err)
	}
	return &FileSink{f: f, w: w}, nil
}

// WritePCM appends pcm to the file.
func (s *FileSink) WritePCM(pcm []int16) error {
	if s.w == nil {
		return ErrClosed
	}
	return s.w.WritePCM(pcm)
}

// Close finishes and closes the file.
func (s *FileSink) Close() error {
	if s.w == nil {
		return ErrClosed
	}
	err := s.w.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.w = nil
	return err
}
