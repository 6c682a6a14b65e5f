// Package g722 is a pure-Go ITU-T G.722 wideband codec at 64 kbit/s (mode
// 1), written from the algorithm of the Recommendation: a 24-tap quadrature
// mirror filter splits 16 kHz PCM into a lower and a higher sub-band, each
// coded by adaptive differential PCM (6 bits for the lower band, 2 for the
// higher) with a two-pole, six-zero adaptive predictor.
//
// Only the 64 kbit/s mode exists here: the 400HD phones accept the
// voip/codec/g722_bitrate values G722_56K and G722_48K but always send
// 64 kbit/s, and so does this package.
//
// # Bit exactness
//
// Encoder output and decoder output are compared sample for sample and byte
// for byte against two independent implementations:
//
//   - libspandsp (g722_encode and g722_decode, 64000 bit/s, no options),
//     through cgo in a test behind the build tag "spandsp"
//     (go test -tags spandsp ./media/codec/g722/);
//   - FFmpeg's adpcm_g722 encoder and decoder, run as the ffmpeg program in
//     the default test run (the test needs ffmpeg; see internal/testpeer).
//
// Both see the same signals: sines, sweeps, white noise, silence, full-scale
// square waves and a speech-like signal (media/codec/audiotest.Signals).
// The encoder matches both byte for byte. The decoder matches FFmpeg sample
// for sample; it matches libspandsp 0.0.6 (Debian 12) except where the
// receive QMF overflows 16 bits on full-scale input: there libspandsp 0.0.6
// keeps the low 16 bits (a wrap, heard as a click), while this package, like
// FFmpeg and later spandsp releases, saturates. The spandsp test checks that
// every such difference is exactly that case.
//
// # RTP
//
// G.722 samples at 16 kHz but its RTP clock runs at 8 kHz (RFC 3551 §4.5.2
// keeps the historical error), so a 20 ms frame is 320 samples, 160 bytes and
// 160 timestamp ticks.
//
// Encoders and decoders keep state between calls and allocate nothing.
package g722
