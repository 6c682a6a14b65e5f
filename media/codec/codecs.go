package codec

import (
	"io"

	"github.com/hdphone/hdphone/media/codec/g711"
	"github.com/hdphone/hdphone/media/codec/g722"
	"github.com/hdphone/hdphone/media/codec/g729"
	"github.com/hdphone/hdphone/media/codec/plc"
)

// spec is a codec described by constants and two constructors.
type spec struct {
	name, config    string
	pt, clock, rate int
	frame           int
	newEnc          func() Encoder
	newDec          func() Decoder
}

func (s *spec) Name() string        { return s.name }
func (s *spec) ConfigName() string  { return s.config }
func (s *spec) PayloadType() int    { return s.pt }
func (s *spec) ClockRate() int      { return s.clock }
func (s *spec) SampleRate() int     { return s.rate }
func (s *spec) FrameSamples() int   { return s.frame }
func (s *spec) NewEncoder() Encoder { return s.newEnc() }
func (s *spec) NewDecoder() Decoder { return s.newDec() }
func (s *spec) String() string      { return s.name }

// PCMU is G.711 µ-law, static payload type 0.
func PCMU() Codec { return g711Spec("PCMU", 0, g711.Ulaw) }

// PCMA is G.711 A-law, static payload type 8.
func PCMA() Codec { return g711Spec("PCMA", 8, g711.Alaw) }

func g711Spec(name string, pt int, law g711.Law) Codec {
	return &spec{
		name: name, config: name, pt: pt, clock: 8000, rate: 8000, frame: 1,
		newEnc: func() Encoder { return g711.NewEncoder(law) },
		newDec: func() Decoder { return g711.NewDecoder(law) },
	}
}

// G722 is G.722 at 64 kbit/s, static payload type 9, RTP clock 8000 and
// PCM at 16 kHz.
func G722() Codec {
	return &spec{
		name: "G722", config: "G722", pt: 9, clock: g722.ClockRate, rate: g722.SampleRate, frame: 2,
		newEnc: func() Encoder { return g722.NewEncoder() },
		newDec: func() Decoder { return &g722Decoder{g722.NewDecoder(), plc.New(g722.SampleRate)} },
	}
}

// g722Decoder adds concealment to the G.722 decoder.
type g722Decoder struct {
	dec *g722.Decoder
	plc *plc.Concealer
}

func (d *g722Decoder) Decode(dst []int16, payload []byte) (int, error) {
	n, err := d.dec.Decode(dst, payload)
	if err != nil {
		return 0, err
	}
	d.plc.Record(dst[:n])
	return n, nil
}

func (d *g722Decoder) Conceal(dst []int16, n int) (int, error) {
	if len(dst) < n {
		return 0, io.ErrShortBuffer
	}
	return d.plc.Conceal(dst[:n])
}

// G729 is G.729, static payload type 18, or ErrNotInBuild in a build
// without the bcg729 tag.
func G729() (Codec, error) {
	if !g729.Available {
		return nil, errG729NotInBuild
	}
	return &spec{
		name: "G729", config: "G729", pt: 18, clock: 8000, rate: 8000, frame: g729.FrameSamples,
		newEnc: func() Encoder {
			e, _ := g729.NewEncoder() // cannot fail when Available
			return e
		},
		newDec: func() Decoder {
			d, _ := g729.NewDecoder()
			return d
		},
	}, nil
}
