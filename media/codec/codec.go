// Package codec holds the audio codecs a phone can speak and the registry
// that decides which ones the SDP offer may list: only codecs this build can
// really encode and decode are registered.
//
// PCM is 16-bit signed, mono, at the codec's SampleRate. Encoders and decoders
// work buffer to buffer with caller-owned memory and return io.ErrShortBuffer
// when dst is too small, so the media path allocates nothing per frame.
//
// This package imports nothing of the project.
package codec

import "errors"

// ErrUnknown is returned by Registry.Lookup for a codec the build lacks.
var ErrUnknown = errors.New("codec: unknown codec")

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
