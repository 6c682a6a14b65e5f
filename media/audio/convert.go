package audio

import (
	"fmt"
	"io"

	"github.com/hdphone/hdphone/media/audio/resample"
)

// Convert returns a source giving src's audio at rate to (from is src's
// rate); it returns src itself when the rates match. Only 8000 and 16000
// are supported, as the phone's codecs need.
func Convert(src Source, from, to int) (Source, error) {
	if err := checkRates(from, to); err != nil {
		return nil, err
	}
	switch {
	case from == to:
		return src, nil
	case from < to:
		return &upSource{src: src}, nil
	default:
		return &downSource{src: src}, nil
	}
}

// ConvertSink returns a sink that takes audio at rate from and writes it to
// dst at rate to.
func ConvertSink(dst Sink, from, to int) (Sink, error) {
	if err := checkRates(from, to); err != nil {
		return nil, err
	}
	switch {
	case from == to:
		return dst, nil
	case from < to:
		return &upSink{dst: dst}, nil
	default:
		return &downSink{dst: dst}, nil
	}
}

func checkRates(from, to int) error {
	for _, r := range []int{from, to} {
		if r != 8000 && r != 16000 {
			return fmt.Errorf("audio: convert %d to %d Hz: %w", from, to, ErrRate)
		}
	}
	return nil
}

// grow returns b resized to n, reallocating only when it must (the first
// frame, or a larger one).
func grow(b *[]int16, n int) []int16 {
	if cap(*b) < n {
		*b = make([]int16, n)
	}
	return (*b)[:n]
}

type upSource struct {
	src   Source
	up    resample.Up
	in    []int16
	out   []int16
	carry int16
	held  bool
	err   error
}

func (u *upSource) ReadPCM(dst []int16) (int, error) {
	n := 0
	if u.held && len(dst) > 0 {
		dst[0], u.held, n = u.carry, false, 1
	}
	if u.err != nil {
		return n, u.err
	}
	need := len(dst) - n
	in := grow(&u.in, (need+1)/2)
	k, err := u.src.ReadPCM(in)
	out := grow(&u.out, 2*k)
	u.up.Process(out, in[:k])
	c := copy(dst[n:], out)
	if len(out) > c {
		u.carry, u.held = out[c], true
	}
	if err != nil {
		u.err = err
		if err == io.EOF && u.held {
			err = nil // one sample still to give
		}
	}
	return n + c, err
}

type downSource struct {
	src  Source
	down resample.Down
	in   []int16
	err  error
}

func (d *downSource) ReadPCM(dst []int16) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	in := grow(&d.in, 2*len(dst))
	k, err := d.src.ReadPCM(in)
	n, _ := d.down.Process(dst, in[:k])
	d.err = err
	return n, err
}

type upSink struct {
	dst Sink
	up  resample.Up
	out []int16
}

func (u *upSink) WritePCM(pcm []int16) error {
	out := grow(&u.out, 2*len(pcm))
	u.up.Process(out, pcm)
	return u.dst.WritePCM(out)
}

type downSink struct {
	dst  Sink
	down resample.Down
	out  []int16
}

func (d *downSink) WritePCM(pcm []int16) error {
	out := grow(&d.out, (len(pcm)+1)/2)
	n, _ := d.down.Process(out, pcm)
	return d.dst.WritePCM(out[:n])
}
