// Package codec holds the audio codecs a phone can speak and the registry
// that decides which ones the SDP offer may list: only codecs this build can
// really encode and decode are registered.
//
// PCM is 16-bit signed, mono, at the codec's SampleRate. Encoders and decoders
// work buffer to buffer with caller-owned memory and return io.ErrShortBuffer
// when dst is too small, so the media path allocates nothing per frame.
//
// # Codecs
//
// The configuration names of voip/codec/codec_info/{n}/name map as follows:
//
//	config name  SDP name  PT  clock  PCM rate  implementation
//	PCMU         PCMU       0   8000   8000     media/codec/g711 (pure Go)
//	PCMA         PCMA       8   8000   8000     media/codec/g711 (pure Go)
//	G722         G722       9   8000  16000     media/codec/g722 (pure Go, bit-exact)
//	G729         G729      18   8000   8000     media/codec/g729 (cgo, tag bcg729)
//	SILK_8000    -          -      -      -     none: ErrNotInBuild
//	SILK_16000   -          -      -      -     none: ErrNotInBuild
//
// G.722's RTP clock is 8000 although it samples at 16 kHz (RFC 3551).
// G.722 runs at 64 kbit/s only, whatever voip/codec/g722_bitrate says, as on
// the real phones. G.729 exists only in builds with cgo and the build tag
// bcg729, which links the GPL-3 libbcg729 and so makes the binary GPL-3;
// Default leaves it out otherwise. No SILK implementation is available to
// this project (none is packaged for Debian or served as a Go module), so the
// SILK entries are never offered.
//
// Decoders of every codec here also implement Concealer.
//
// This package imports nothing of the project outside media/codec.
package codec

// Codec describes one codec and makes its encoders and decoders.
type Codec interface {
	// Name is the SDP encoding name: PCMU, PCMA, G722, G729.
	Name() string
	// ConfigName is the name used in voip/codec/codec_info/{n}/name.
	ConfigName() string
	// PayloadType is the static RTP payload type, or -1 for dynamic ones.
	PayloadType() int
	// ClockRate is the RTP timestamp rate (8000 for G.722, per RFC 3551).
	ClockRate() int
	// SampleRate is the PCM rate the codec consumes and produces.
	SampleRate() int
	// NewEncoder and NewDecoder return independent, stateful coders; one
	// per stream direction.
	NewEncoder() Encoder
	NewDecoder() Decoder
}

// Encoder turns PCM into payload bytes.
type Encoder interface {
	// Encode encodes pcm (a whole number of the codec's frames) into dst and
	// returns the bytes written.
	Encode(dst []byte, pcm []int16) (int, error)
}

// Decoder turns payload bytes into PCM.
type Decoder interface {
	// Decode decodes payload into dst and returns the samples written.
	Decode(dst []int16, payload []byte) (int, error)
}

// Concealer is implemented by decoders that can synthesise a lost frame
// (packet loss concealment); n is the number of samples wanted.
type Concealer interface {
	Conceal(dst []int16, n int) (int, error)
}

// Framer is implemented by codecs that code in blocks: FrameSamples is the
// smallest number of samples an Encoder accepts (1 for G.711, 2 for G.722,
// 80 for G.729); a packet's PCM must be a multiple of it.
type Framer interface {
	FrameSamples() int
}
