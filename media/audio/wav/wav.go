// Package wav reads and writes RIFF WAVE files of mono or multi-channel
// telephone audio: linear PCM (8 or 16 bit), A-law and µ-law. Reading
// decodes to 16-bit PCM; writing produces 16-bit PCM, A-law or µ-law.
//
// The reader is strict about what it needs (a fmt chunk before the data
// chunk, sizes that fit the file, a known format) and tolerant of the rest
// (unknown chunks are skipped, an odd-sized chunk's pad byte is honoured, a
// data size larger than the file is cut to what is there, as files written
// by a streaming recorder that never went back to fix the header have it).
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hdphone/hdphone/media/codec/g711"
)

// Format is the WAVE format tag.
type Format uint16

// The formats this package knows.
const (
	PCM        Format = 1
	ALaw       Format = 6
	MuLaw      Format = 7
	Extensible Format = 0xfffe // resolved to its sub-format when read
)

func (f Format) String() string {
	switch f {
	case PCM:
		return "PCM"
	case ALaw:
		return "A-law"
	case MuLaw:
		return "µ-law"
	}
	return fmt.Sprintf("format %#04x", uint16(f))
}

var (
	// ErrNotWAV is returned when the input is not a RIFF WAVE file.
	ErrNotWAV = errors.New("wav: not a RIFF WAVE file")
	// ErrFormat is returned for a WAVE file whose audio format this package
	// cannot decode.
	ErrFormat = errors.New("wav: unsupported audio format")
	// ErrCorrupt is returned for a WAVE file whose structure is broken.
	ErrCorrupt = errors.New("wav: corrupt file")
)

// Header describes the audio of a file.
type Header struct {
	Format        Format
	Channels      int
	SampleRate    int
	BitsPerSample int
}

// Audio is a decoded file: the header as found and the samples as 16-bit
// PCM, channels interleaved.
type Audio struct {
	Header
	Samples []int16
}

// MaxSize bounds what Decode reads (64 MiB), so a hostile header cannot make
// it allocate without limit.
const MaxSize = 64 << 20

// Decode reads a whole WAVE file.
func Decode(r io.Reader) (*Audio, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("wav: read: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, MaxSize)
	}
	return Parse(data)
}

// Parse decodes a WAVE file held in memory.
func Parse(data []byte) (*Audio, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, ErrNotWAV
	}
	var h Header
	haveFmt := false
	rest := data[12:]
	for len(rest) >= 8 {
		id := string(rest[0:4])
		size := int64(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		if id == "data" {
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrCorrupt)
			}
			if size < int64(len(body)) {
				body = body[:size]
			}
			return decodeData(h, body)
		}
		if size > int64(len(body)) {
			return nil, fmt.Errorf("%w: %q chunk of %d bytes overruns the file", ErrCorrupt, id, size)
		}
		if id == "fmt " {
			var err error
			if h, err = parseFmt(body[:size]); err != nil {
				return nil, err
			}
			haveFmt = true
		}
		next := size + size&1 // chunks are padded to even sizes
		if next > int64(len(body)) {
			next = int64(len(body))
		}
		rest = body[next:]
	}
	if !haveFmt {
		return nil, fmt.Errorf("%w: no fmt chunk", ErrCorrupt)
	}
	return nil, fmt.Errorf("%w: no data chunk", ErrCorrupt)
}

func parseFmt(b []byte) (Header, error) {
	if len(b) < 16 {
		return Header{}, fmt.Errorf("%w: fmt chunk of %d bytes", ErrCorrupt, len(b))
	}
	h := Header{
		Format:        Format(binary.LittleEndian.Uint16(b[0:2])),
		Channels:      int(binary.LittleEndian.Uint16(b[2:4])),
		SampleRate:    int(binary.LittleEndian.Uint32(b[4:8])),
		BitsPerSample: int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if h.Format == Extensible {
		if len(b) < 26 {
			return Header{}, fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE fmt chunk", ErrCorrupt)
		}
		h.Format = Format(binary.LittleEndian.Uint16(b[24:26])) // first two bytes of the sub-format GUID
	}
	if h.Channels < 1 || h.SampleRate < 1 {
		return Header{}, fmt.Errorf("%w: %d channels at %d Hz", ErrCorrupt, h.Channels, h.SampleRate)
	}
	switch {
	case h.Format == PCM && (h.BitsPerSample == 8 || h.BitsPerSample == 16):
	case (h.Format == ALaw || h.Format == MuLaw) && h.BitsPerSample == 8:
	default:
		return Header{}, fmt.Errorf("%w: %v with %d bits per sample", ErrFormat, h.Format, h.BitsPerSample)
	}
	return h, nil
}

func decodeData(h Header, b []byte) (*Audio, error) {
	frame := h.Channels * h.BitsPerSample / 8
	b = b[:len(b)/frame*frame] // a torn last frame is dropped
	n := len(b) * 8 / h.BitsPerSample
	a := &Audio{Header: h, Samples: make([]int16, n)}
	switch {
	case h.Format == PCM && h.BitsPerSample == 16:
		for i := range a.Samples {
			a.Samples[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case h.Format == PCM: // 8-bit PCM is unsigned
		for i, c := range b {
			a.Samples[i] = int16(int(c)-128) << 8
		}
	case h.Format == ALaw:
		g711.Alaw.Decode(a.Samples, b)
	default:
		g711.Ulaw.Decode(a.Samples, b)
	}
	return a, nil
}

// Mono returns the first channel of a.
func (a *Audio) Mono() []int16 {
	if a.Channels == 1 {
		return a.Samples
	}
	out := make([]int16, len(a.Samples)/a.Channels)
	for i := range out {
		out[i] = a.Samples[i*a.Channels]
	}
	return out
}

// Frames returns the length of the audio in samples per channel.
func (a *Audio) Frames() int { return len(a.Samples) / a.Channels }
