package g722_test

import (
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g722"
)

const frame = 320 // samples in 20 ms at 16 kHz

func BenchmarkEncode20ms(b *testing.B) {
	pcm := audiotest.SpeechLike(16000, 50*frame, 1)
	dst := make([]byte, frame/2)
	enc := g722.NewEncoder()
	b.ReportAllocs()
	b.SetBytes(2 * frame)
	i := 0
	for b.Loop() {
		enc.Encode(dst, pcm[i:i+frame])
		i = (i + frame) % len(pcm)
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	pcm := audiotest.SpeechLike(16000, 50*frame, 1)
	code := make([]byte, len(pcm)/2)
	g722.NewEncoder().Encode(code, pcm)
	dst := make([]int16, frame)
	dec := g722.NewDecoder()
	b.ReportAllocs()
	b.SetBytes(frame / 2)
	i := 0
	for b.Loop() {
		dec.Decode(dst, code[i:i+frame/2])
		i = (i + frame/2) % len(code)
	}
}

// BenchmarkEncodeVsFFmpeg encodes 300 s of speech-like audio here and with
// ffmpeg (startup subtracted) and reports both per 20 ms frame and the
// ratio ffmpeg/ours (above 1: we are faster).
func BenchmarkEncodeVsFFmpeg(b *testing.B) {
	const frames = 15000
	pcm := audiotest.SpeechLike(16000, frames*frame, 1)
	dir := b.TempDir()
	long := audiotest.WriteRaw(b, dir, "long.raw", pcm)
	short := audiotest.WriteRaw(b, dir, "short.raw", pcm[:frame])
	args := func(in string) []string {
		return []string{"-f", "s16le", "-ar", "16000", "-ac", "1", "-i", in, "-c:a", "g722", "-f", "g722", dir + "/out.g722"}
	}
	ff, err := audiotest.FFmpegFrameCost(b, frames, args(long), args(short))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, len(pcm)/2)
	enc := g722.NewEncoder()
	b.ReportAllocs()
	cpu0 := audiotest.CPUTime()
	for b.Loop() {
		enc.Encode(dst, pcm)
	}
	audiotest.ReportVsFFmpeg(b, frames, ff, audiotest.CPUTime()-cpu0)
}

// BenchmarkDecodeVsFFmpeg is the decoding counterpart.
func BenchmarkDecodeVsFFmpeg(b *testing.B) {
	const frames = 15000
	pcm := audiotest.SpeechLike(16000, frames*frame, 1)
	code := make([]byte, len(pcm)/2)
	g722.NewEncoder().Encode(code, pcm)
	dir := b.TempDir()
	long := audiotest.WriteBytes(b, dir, "long.g722", code)
	short := audiotest.WriteBytes(b, dir, "short.g722", code[:frame/2])
	args := func(in string) []string {
		return []string{"-f", "g722", "-i", in, "-f", "s16le", "-ac", "1", "-ar", "16000", dir + "/out.raw"}
	}
	ff, err := audiotest.FFmpegFrameCost(b, frames, args(long), args(short))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]int16, len(pcm))
	dec := g722.NewDecoder()
	b.ReportAllocs()
	cpu0 := audiotest.CPUTime()
	for b.Loop() {
		dec.Decode(dst, code)
	}
	audiotest.ReportVsFFmpeg(b, frames, ff, audiotest.CPUTime()-cpu0)
}
