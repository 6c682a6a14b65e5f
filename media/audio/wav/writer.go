package wav

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/hdphone/hdphone/media/codec/g711"
)

// Writer writes a mono WAVE file as samples arrive. The header's sizes are
// written when Close is called if the destination is an io.WriteSeeker;
// otherwise (a pipe) they stay at the maximum, which readers (this one,
// sox, ffmpeg) treat as "until the end".
type Writer struct {
	w       io.Writer
	format  Format
	written int64 // bytes of sample data
	buf     []byte
	err     error
}

// NewWriter starts a mono file of format (PCM is 16-bit; ALaw and MuLaw
// are 8-bit) at rate samples per second.
func NewWriter(w io.Writer, format Format, rate int) (*Writer, error) {
	bits := 16
	switch format {
	case PCM:
	case ALaw, MuLaw:
		bits = 8
	default:
		return nil, fmt.Errorf("%w: cannot write %v", ErrFormat, format)
	}
	if rate < 1 {
		return nil, fmt.Errorf("%w: sample rate %d", ErrFormat, rate)
	}
	wr := &Writer{w: w, format: format}
	if _, err := w.Write(header(format, bits, rate, 0xffffffff-36)); err != nil {
		return nil, fmt.Errorf("wav: write header: %w", err)
	}
	return wr, nil
}

// WritePCM appends samples.
func (w *Writer) WritePCM(pcm []int16) error {
	if w.err != nil {
		return w.err
	}
	size := 2 * len(pcm)
	if w.format != PCM {
		size = len(pcm)
	}
	if cap(w.buf) < size {
		w.buf = make([]byte, size)
	}
	b := w.buf[:size]
	switch w.format {
	case PCM:
		for i, s := range pcm {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
		}
	case ALaw:
		g711.Alaw.Encode(b, pcm)
	default:
		g711.Ulaw.Encode(b, pcm)
	}
	n, err := w.w.Write(b)
	w.written += int64(n)
	if err != nil {
		w.err = fmt.Errorf("wav: write: %w", err)
	}
	return w.err
}

// header returns a 44-byte canonical header for dataBytes of mono audio.
func header(format Format, bits, rate int, dataBytes uint32) []byte {
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], 36+dataBytes)
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], uint16(format))
	binary.LittleEndian.PutUint16(hdr[22:], 1)
	binary.LittleEndian.PutUint32(hdr[24:], uint32(rate))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(rate*bits/8))
	binary.LittleEndian.PutUint16(hdr[32:], uint16(bits/8))
	binary.LittleEndian.PutUint16(hdr[34:], uint16(bits))
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], dataBytes)
	return hdr
}

// Close fixes the header's sizes when the destination can seek. It does
// not close the destination.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	ws, ok := w.w.(io.WriteSeeker)
	if !ok {
		return nil
	}
	var b [4]byte
	fix := func(off int64, v uint32) error {
		binary.LittleEndian.PutUint32(b[:], v)
		if _, err := ws.Seek(off, io.SeekStart); err != nil {
			return err
		}
		_, err := ws.Write(b[:])
		return err
	}
	data := uint32(min(w.written, 0xffffffff-36))
	if err := fix(4, 36+data); err != nil {
		return fmt.Errorf("wav: fix header: %w", err)
	}
	if err := fix(40, data); err != nil {
		return fmt.Errorf("wav: fix header: %w", err)
	}
	if _, err := ws.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("wav: fix header: %w", err)
	}
	return nil
}

// Encode writes a whole mono file, with exact sizes in its header, in one
// call.
func Encode(w io.Writer, format Format, rate int, pcm []int16) error {
	bits := 16
	if format == ALaw || format == MuLaw {
		bits = 8
	}
	if format != PCM && bits == 16 {
		return fmt.Errorf("%w: cannot write %v", ErrFormat, format)
	}
	if rate < 1 {
		return fmt.Errorf("%w: sample rate %d", ErrFormat, rate)
	}
	if _, err := w.Write(header(format, bits, rate, uint32(len(pcm)*bits/8))); err != nil {
		return fmt.Errorf("wav: write header: %w", err)
	}
	wr := &Writer{w: w, format: format}
	return wr.WritePCM(pcm)
}
