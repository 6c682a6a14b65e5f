// Package g729 is ITU-T G.729 (Annex A compatible, 8 kbit/s, 10 ms frames of
// 80 samples at 8 kHz, 10 bytes per frame) through Belledonne's libbcg729.
//
// The codec is only in builds with cgo and the build tag "bcg729"
// (go build -tags bcg729, with libbcg729-dev installed). libbcg729 is
// licensed GPL-3.0-or-later, so a binary built with this tag is GPL-3.
// Without the tag the package is a stub: Available is false and the codec
// registry does not offer G.729 in SDP.
//
// Decoding accepts payloads of whole 10-byte frames, optionally followed by
// one 2-byte comfort-noise (SID, Annex B) frame, as RFC 3551 §4.5.6 packs
// them.
package g729

// Sizes of one G.729 frame.
const (
	SampleRate   = 8000
	FrameSamples = 80
	FrameBytes   = 10
	SIDBytes     = 2
)
