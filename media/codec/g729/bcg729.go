//go:build cgo && bcg729

package g729

/*
#cgo LDFLAGS: -lbcg729
#include <stdint.h>
#include <bcg729/encoder.h>
#include <bcg729/decoder.h>
*/
import "C"

import (
	"io"
	"runtime"
	"unsafe"
)

// Available reports whether this build has G.729.
const Available = true

// Encoder codes 8 kHz PCM into G.729 frames (VAD off: every frame is a
// full 10-byte frame). Its C state is freed when the Encoder is collected.
type Encoder struct {
	ctx *C.bcg729EncoderChannelContextStruct
}

// NewEncoder returns a new encoder.
func NewEncoder() (*Encoder, error) {
	e := &Encoder{ctx: C.initBcg729EncoderChannel(0)}
	runtime.AddCleanup(e, func(c *C.bcg729EncoderChannelContextStruct) { C.closeBcg729EncoderChannel(c) }, e.ctx)
	return e, nil
}

// Encode codes pcm (whole 80-sample frames) into dst.
func (e *Encoder) Encode(dst []byte, pcm []int16) (int, error) {
	if len(pcm)%FrameSamples != 0 {
		return 0, ErrFrameLength
	}
	frames := len(pcm) / FrameSamples
	if len(dst) < frames*FrameBytes {
		return 0, io.ErrShortBuffer
	}
	var n C.uint8_t
	for f := range frames {
		C.bcg729Encoder(e.ctx, (*C.int16_t)(unsafe.Pointer(&pcm[f*FrameSamples])),
			(*C.uint8_t)(unsafe.Pointer(&dst[f*FrameBytes])), &n)
	}
	runtime.KeepAlive(e)
	return frames * FrameBytes, nil
}

// Decoder decodes G.729 frames and conceals lost ones with the codec's own
// erasure handling. Its C state is freed when the Decoder is collected.
type Decoder struct {
	ctx *C.bcg729DecoderChannelContextStruct
}

// NewDecoder returns a new decoder.
func NewDecoder() (*Decoder, error) {
	d := &Decoder{ctx: C.initBcg729DecoderChannel()}
	runtime.AddCleanup(d, func(c *C.bcg729DecoderChannelContextStruct) { C.closeBcg729DecoderChannel(c) }, d.ctx)
	return d, nil
}

// Decode decodes whole 10-byte frames, plus an optional trailing 2-byte
// SID frame, into dst.
func (d *Decoder) Decode(dst []int16, payload []byte) (int, error) {
	frames, sid := len(payload)/FrameBytes, false
	switch len(payload) % FrameBytes {
	case 0:
	case SIDBytes:
		sid = true
	default:
		return 0, ErrFrameLength
	}
	total := frames
	if sid {
		total++
	}
	if len(dst) < total*FrameSamples {
		return 0, io.ErrShortBuffer
	}
	for f := range frames {
		C.bcg729Decoder(d.ctx, (*C.uint8_t)(unsafe.Pointer(&payload[f*FrameBytes])), FrameBytes, 0, 0, 0,
			(*C.int16_t)(unsafe.Pointer(&dst[f*FrameSamples])))
	}
	if sid {
		C.bcg729Decoder(d.ctx, (*C.uint8_t)(unsafe.Pointer(&payload[frames*FrameBytes])), SIDBytes, 0, 1, 1,
			(*C.int16_t)(unsafe.Pointer(&dst[frames*FrameSamples])))
	}
	runtime.KeepAlive(d)
	return total * FrameSamples, nil
}

// Conceal synthesises n samples (rounded up to whole frames, at most
// len(dst)) for lost frames.
func (d *Decoder) Conceal(dst []int16, n int) (int, error) {
	frames := (n + FrameSamples - 1) / FrameSamples
	if len(dst) < frames*FrameSamples {
		return 0, io.ErrShortBuffer
	}
	for f := range frames {
		C.bcg729Decoder(d.ctx, nil, 0, 1, 0, 0, (*C.int16_t)(unsafe.Pointer(&dst[f*FrameSamples])))
	}
	runtime.KeepAlive(d)
	return frames * FrameSamples, nil
}
