package g711_test

import (
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g711"
)

const frame = 160 // samples in 20 ms

func BenchmarkEncode20ms(b *testing.B) {
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		b.Run(law.String(), func(b *testing.B) {
			pcm := audiotest.SpeechLike(8000, 50*frame, 1)
			dst := make([]byte, frame)
			enc := g711.NewEncoder(law)
			b.ReportAllocs()
			b.SetBytes(2 * frame)
			i := 0
			for b.Loop() {
				enc.Encode(dst, pcm[i:i+frame])
				i = (i + frame) % len(pcm)
			}
		})
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		b.Run(law.String(), func(b *testing.B) {
			pcm := audiotest.SpeechLike(8000, 50*frame, 1)
			code := make([]byte, len(pcm))
			law.Encode(code, pcm)
			dst := make([]int16, frame)
			dec := g711.NewDecoder(law) // with concealment history, as calls use it
			b.ReportAllocs()
			b.SetBytes(frame)
			i := 0
			for b.Loop() {
				dec.Decode(dst, code[i:i+frame])
				i = (i + frame) % len(code)
			}
		})
	}
}

func BenchmarkConceal20ms(b *testing.B) {
	dec := g711.NewDecoder(g711.Ulaw)
	pcm := audiotest.SpeechLike(8000, 50*frame, 1)
	code := make([]byte, len(pcm))
	g711.Ulaw.Encode(code, pcm)
	dst := make([]int16, frame)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// One good frame, one lost: the pitch search runs every time.
		dec.Decode(dst, code[i:i+frame])
		dec.Conceal(dst, frame)
		i = (i + frame) % len(code)
	}
}

// BenchmarkVsFFmpeg encodes and decodes 10 minutes of speech-like audio
// here and with ffmpeg (start-up subtracted) and reports both per 20 ms
// frame and the ratio ffmpeg/ours (above 1: we are faster). ffmpeg's time
// includes reading and writing its files.
func BenchmarkVsFFmpeg(b *testing.B) {
	const frames = 30000
	pcm := audiotest.SpeechLike(8000, frames*frame, 1)
	dir := b.TempDir()
	long := audiotest.WriteRaw(b, dir, "long.raw", pcm)
	short := audiotest.WriteRaw(b, dir, "short.raw", pcm[:frame])
	for _, law := range []struct {
		law      g711.Law
		ffc, fmt string
	}{{g711.Ulaw, "pcm_mulaw", "mulaw"}, {g711.Alaw, "pcm_alaw", "alaw"}} {
		code := make([]byte, len(pcm))
		law.law.Encode(code, pcm)
		longCode := audiotest.WriteBytes(b, dir, "long."+law.fmt, code)
		shortCode := audiotest.WriteBytes(b, dir, "short."+law.fmt, code[:frame])

		b.Run("encode-"+law.law.String(), func(b *testing.B) {
			args := func(in string) []string {
				return []string{"-f", "s16le", "-ar", "8000", "-ac", "1", "-i", in, "-c:a", law.ffc, "-f", law.fmt, dir + "/out"}
			}
			ff, err := audiotest.FFmpegFrameCost(b, frames, args(long), args(short))
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, len(pcm))
			b.ReportAllocs()
			cpu0 := audiotest.CPUTime()
			for b.Loop() {
				law.law.Encode(dst, pcm)
			}
			audiotest.ReportVsFFmpeg(b, frames, ff, audiotest.CPUTime()-cpu0)
		})
		b.Run("decode-"+law.law.String(), func(b *testing.B) {
			args := func(in string) []string {
				return []string{"-f", law.fmt, "-ar", "8000", "-ac", "1", "-i", in, "-f", "s16le", dir + "/out.raw"}
			}
			ff, err := audiotest.FFmpegFrameCost(b, frames, args(longCode), args(shortCode))
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]int16, len(pcm))
			b.ReportAllocs()
			cpu0 := audiotest.CPUTime()
			for b.Loop() {
				law.law.Decode(dst, code)
			}
			audiotest.ReportVsFFmpeg(b, frames, ff, audiotest.CPUTime()-cpu0)
		})
	}
}
