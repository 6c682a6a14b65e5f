//go:build cgo && bcg729

package g729_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g729"
)

func codec(t testing.TB) (*g729.Encoder, *g729.Decoder) {
	t.Helper()
	e, err := g729.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	d, err := g729.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	return e, d
}

// power returns the energy of pcm at freq Hz relative to its total energy.
func power(pcm []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	var re, im, total float64
	for i, s := range pcm {
		re += float64(s) * math.Cos(w*float64(i))
		im += float64(s) * math.Sin(w*float64(i))
		total += float64(s) * float64(s)
	}
	return 2 * (re*re + im*im) / float64(len(pcm)) / total
}

// A tone survives a round trip: most of the decoded energy is at its
// frequency.
func TestRoundTripTone(t *testing.T) {
	if !g729.Available {
		t.Fatal("Available is false with the bcg729 tag")
	}
	enc, dec := codec(t)
	in := audiotest.Sine(8000, 8000, 700, 0.3)
	code := make([]byte, len(in)/8)
	n, err := enc.Encode(code, in)
	if err != nil || n != 1000 {
		t.Fatalf("Encode = %d, %v", n, err)
	}
	out := make([]int16, len(in))
	if n, err := dec.Decode(out, code); err != nil || n != len(in) {
		t.Fatalf("Decode = %d, %v", n, err)
	}
	if p := power(out[800:], 700); p < 0.8 {
		t.Errorf("only %.2f of the decoded energy is at 700 Hz", p)
	}
}

func TestErrors(t *testing.T) {
	enc, dec := codec(t)
	if _, err := enc.Encode(make([]byte, 10), make([]int16, 79)); !errors.Is(err, g729.ErrFrameLength) {
		t.Errorf("partial frame: %v", err)
	}
	if _, err := enc.Encode(make([]byte, 9), make([]int16, 80)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("short dst: %v", err)
	}
	if _, err := dec.Decode(make([]int16, 160), make([]byte, 15)); !errors.Is(err, g729.ErrFrameLength) {
		t.Errorf("15-byte payload: %v", err)
	}
	if n, err := dec.Decode(make([]int16, 160), make([]byte, 12)); err != nil || n != 160 {
		t.Errorf("frame plus SID: %d, %v", n, err)
	}
	if n, err := dec.Conceal(make([]int16, 160), 160); err != nil || n != 160 {
		t.Errorf("Conceal: %d, %v", n, err)
	}
}

// FFmpeg's G.729 decoder, an independent implementation, hears the same
// audio in our bitstream: its output correlates closely with libbcg729's.
func TestFFmpegDecodesOurStream(t *testing.T) {
	enc, dec := codec(t)
	in := audiotest.SpeechLike(8000, 16000, 5)
	code := make([]byte, len(in)/8)
	enc.Encode(code, in)
	ours := make([]int16, len(in))
	dec.Decode(ours, code)

	dir := t.TempDir()
	f := audiotest.WriteBytes(t, dir, "in.g729", code)
	audiotest.FFmpeg(t, "-f", "g729", "-i", f, "-f", "s16le", "-ac", "1", "-ar", "8000", dir+"/out.raw")
	theirs := audiotest.ReadRaw(t, dir+"/out.raw")
	if len(theirs) != len(ours) {
		t.Fatalf("ffmpeg decoded %d samples, want %d", len(theirs), len(ours))
	}
	var xy, xx, yy float64
	same := 0
	for i := range ours {
		x, y := float64(ours[i]), float64(theirs[i])
		xy += x * y
		xx += x * x
		yy += y * y
		if ours[i] == theirs[i] {
			same++
		}
	}
	c := xy / math.Sqrt(xx*yy)
	t.Logf("correlation %.4f, %d of %d samples identical", c, same, len(ours))
	if c < 0.95 {
		t.Errorf("ffmpeg's decoding correlates %.3f with libbcg729's, want > 0.95", c)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(make([]byte, 10))
	f.Add(make([]byte, 12))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		_, dec := codec(t)
		out := make([]int16, (len(payload)/10+1)*80)
		n, err := dec.Decode(out, payload)
		if err != nil && !errors.Is(err, g729.ErrFrameLength) {
			t.Fatal(err)
		}
		if err == nil && n%80 != 0 {
			t.Fatalf("decoded %d samples", n)
		}
	})
}

func BenchmarkEncode20ms(b *testing.B) {
	enc, _ := codec(b)
	pcm := audiotest.SpeechLike(8000, 8000, 1)
	dst := make([]byte, 20)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		enc.Encode(dst, pcm[i:i+160])
		i = (i + 160) % len(pcm)
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	enc, dec := codec(b)
	pcm := audiotest.SpeechLike(8000, 8000, 1)
	code := make([]byte, 1000)
	enc.Encode(code, pcm)
	dst := make([]int16, 160)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dec.Decode(dst, code[i:i+20])
		i = (i + 20) % len(code)
	}
}
