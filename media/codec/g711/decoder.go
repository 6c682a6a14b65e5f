package g711

import (
	"io"

	"github.com/hdphone/hdphone/media/codec/plc"
)

// Decoder decodes one stream and conceals its lost frames. Make it with
// NewDecoder.
type Decoder struct {
	law Law
	plc *plc.Concealer
}

// NewDecoder returns a decoder for law with packet loss concealment.
func NewDecoder(law Law) *Decoder {
	return &Decoder{law: law, plc: plc.New(SampleRate)}
}

// Decode expands payload into dst and remembers it for concealment.
func (d *Decoder) Decode(dst []int16, payload []byte) (int, error) {
	n, err := d.law.Decode(dst, payload)
	if err != nil {
		return 0, err
	}
	d.plc.Record(dst[:n])
	return n, nil
}

// Conceal synthesises n samples for a lost frame into dst.
func (d *Decoder) Conceal(dst []int16, n int) (int, error) {
	if len(dst) < n {
		return 0, io.ErrShortBuffer
	}
	return d.plc.Conceal(dst[:n])
}

// Encoder codes one stream. G.711 keeps no state; the type exists so that
// every codec hands out an encoder value.
type Encoder struct{ law Law }

// NewEncoder returns an encoder for law.
func NewEncoder(law Law) *Encoder { return &Encoder{law: law} }

// Encode codes pcm into dst.
func (e *Encoder) Encode(dst []byte, pcm []int16) (int, error) { return e.law.Encode(dst, pcm) }
