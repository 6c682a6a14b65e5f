// Package g711 is ITU-T G.711 companding: µ-law (PCMU) and A-law (PCMA),
// 8 kHz, one byte per sample, with packet loss concealment from
// media/codec/plc.
//
// Encoding follows the segment and step definition of G.711 (as the widely
// used public-domain Sun Microsystems routines do): µ-law from 14-bit and
// A-law from 13-bit linear values. 16-bit input is first rounded to the
// nearest 14-bit or 13-bit value (clipping at the top), which keeps the
// decision levels symmetric around zero. Decoding uses the Recommendation's
// reconstruction values. The result is byte-identical with sox on every
// 16-bit input and every code; FFmpeg decodes identically and encodes to the
// same or a neighbouring level (it rounds on its own grid). Tests check both.
//
// Encoders and decoders keep no state (concealment aside) and allocate
// nothing per frame.
package g711

import "io"

// SampleRate is the PCM rate and RTP clock of G.711.
const SampleRate = 8000

// Law selects µ-law or A-law.
type Law uint8

const (
	Ulaw Law = iota + 1 // µ-law, PCMU, North America and Japan
	Alaw                // A-law, PCMA, the rest of the world
)

func (l Law) String() string {
	switch l {
	case Ulaw:
		return "µ-law"
	case Alaw:
		return "A-law"
	}
	return "unknown law"
}

// Tables built once at start-up; read-only afterwards.
var (
	ulawToLinear [256]int16
	alawToLinear [256]int16
	linearToUlaw [1 << 14]byte // indexed by the 14-bit value + 8192
	linearToAlaw [1 << 13]byte // indexed by the 13-bit value + 4096
)

func init() {
	for i := range 256 {
		ulawToLinear[i] = decodeUlaw(byte(i))
		alawToLinear[i] = decodeAlaw(byte(i))
	}
	for i := range linearToUlaw {
		linearToUlaw[i] = encodeUlaw(int32(i) - 8192)
	}
	for i := range linearToAlaw {
		linearToAlaw[i] = encodeAlaw(int32(i) - 4096)
	}
}

// ulawBias shifts 14-bit magnitudes so each segment starts at a power of 2.
const ulawBias = 33

// encodeUlaw codes a 14-bit linear value.
func encodeUlaw(v int32) byte {
	var sign byte
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, 8159) + ulawBias // 8159 + 33 = 8192: past the top of segment 7
	seg := 0
	for seg < 8 && v >= 64<<seg {
		seg++
	}
	code := byte(0x7f)
	if seg < 8 {
		code = byte(seg)<<4 | byte(v>>(seg+1))&0x0f
	}
	return ^(sign | code) // codes go out inverted
}

func decodeUlaw(c byte) int16 {
	c = ^c
	seg := int32(c>>4) & 7
	v := (int32(c&0x0f)<<1 + ulawBias) << seg
	v = (v - ulawBias) << 2 // back to 16-bit scale
	if c&0x80 != 0 {
		return int16(-v)
	}
	return int16(v)
}

// encodeAlaw codes a 13-bit linear value.
func encodeAlaw(v int32) byte {
	var sign byte = 0x80
	if v < 0 {
		v, sign = -v-1, 0 // A-law has no negative zero: -1 codes like 0
	}
	seg := 0
	for v >= 32<<seg && seg < 8 {
		seg++
	}
	var code byte
	switch {
	case seg >= 8:
		code = 0x7f
	case seg < 2:
		code = byte(seg)<<4 | byte(v>>1)&0x0f
	default:
		code = byte(seg)<<4 | byte(v>>seg)&0x0f
	}
	return (sign | code) ^ 0x55 // even bits go out inverted
}

func decodeAlaw(c byte) int16 {
	c ^= 0x55
	seg := int32(c>>4) & 7
	v := int32(c&0x0f)<<4 + 8 // the middle of the step, 16-bit scale /8
	if seg > 0 {
		v = (v + 0x100) << (seg - 1)
	}
	if c&0x80 == 0 {
		return int16(-v)
	}
	return int16(v)
}

// ulawIndex and alawIndex round a 16-bit sample to the nearest 14-bit or
// 13-bit value and return its place in the encoding table.
func ulawIndex(s int16) int { return min((int(s)+2)>>2, 8191) + 8192 }
func alawIndex(s int16) int { return min((int(s)+4)>>3, 4095) + 4096 }

// EncodeSample codes one 16-bit sample.
func (l Law) EncodeSample(s int16) byte {
	if l == Alaw {
		return linearToAlaw[alawIndex(s)]
	}
	return linearToUlaw[ulawIndex(s)]
}

// DecodeSample expands one code to a 16-bit sample.
func (l Law) DecodeSample(c byte) int16 {
	if l == Alaw {
		return alawToLinear[c]
	}
	return ulawToLinear[c]
}

// Encode codes pcm into dst, one byte per sample, and returns len(pcm), or
// io.ErrShortBuffer when dst is shorter than pcm.
func (l Law) Encode(dst []byte, pcm []int16) (int, error) {
	if len(dst) < len(pcm) {
		return 0, io.ErrShortBuffer
	}
	dst = dst[:len(pcm)]
	if l == Alaw {
		for i, s := range pcm {
			dst[i] = linearToAlaw[alawIndex(s)]
		}
	} else {
		for i, s := range pcm {
			dst[i] = linearToUlaw[ulawIndex(s)]
		}
	}
	return len(pcm), nil
}

// Decode expands payload into dst and returns len(payload), or
// io.ErrShortBuffer when dst is shorter than payload.
func (l Law) Decode(dst []int16, payload []byte) (int, error) {
	if len(dst) < len(payload) {
		return 0, io.ErrShortBuffer
	}
	t := &ulawToLinear
	if l == Alaw {
		t = &alawToLinear
	}
	dst = dst[:len(payload)]
	for i, c := range payload {
		dst[i] = t[c]
	}
	return len(payload), nil
}
