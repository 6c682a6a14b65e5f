package g722_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g722"
)

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		dst  int
		pcm  int
		want error
	}{
		{"odd sample count cannot be paired", 10, 5, g722.ErrOddLength},
		{"dst one byte short", 9, 20, io.ErrShortBuffer},
		{"empty input is fine", 0, 0, nil},
		{"exact dst", 10, 20, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := g722.NewEncoder().Encode(make([]byte, tc.dst), make([]int16, tc.pcm))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && n != tc.pcm/2 {
				t.Fatalf("n = %d, want %d", n, tc.pcm/2)
			}
		})
	}
}

func TestDecodeShortBuffer(t *testing.T) {
	if _, err := g722.NewDecoder().Decode(make([]int16, 3), []byte{1, 2}); !errors.Is(err, io.ErrShortBuffer) {
		t.Fatalf("err = %v, want io.ErrShortBuffer", err)
	}
}

// The zero value must behave exactly like a fresh NewEncoder/NewDecoder,
// and Reset must start a new stream.
func TestZeroValueAndReset(t *testing.T) {
	pcm := audiotest.SpeechLike(16000, 3200, 9)
	a := make([]byte, 1600)
	b := make([]byte, 1600)
	var zero g722.Encoder
	zero.Encode(a, pcm)
	fresh := g722.NewEncoder()
	fresh.Encode(b, pcm)
	if i := firstDiff(a, b); i >= 0 {
		t.Fatalf("zero-value encoder differs at byte %d", i)
	}
	fresh.Reset()
	fresh.Encode(b, pcm)
	if i := firstDiff(a, b); i >= 0 {
		t.Fatalf("encoder after Reset differs at byte %d", i)
	}

	var zd g722.Decoder
	x := make([]int16, 3200)
	y := make([]int16, 3200)
	zd.Decode(x, a)
	d := g722.NewDecoder()
	d.Decode(y, a)
	d.Reset()
	d.Decode(y, a)
	if i := firstDiff(x, y); i >= 0 {
		t.Fatalf("zero-value decoder differs at sample %d", i)
	}
}

// A round trip keeps a 1 kHz tone: the decoded signal, aligned by the
// codec's delay, matches the input with a high signal-to-noise ratio.
func TestRoundTripQuality(t *testing.T) {
	for _, f := range []float64{300, 1000, 3000, 6000} {
		in := audiotest.Sine(16000, 16000, f, 0.3)
		code := make([]byte, len(in)/2)
		if _, err := g722.NewEncoder().Encode(code, in); err != nil {
			t.Fatal(err)
		}
		out := make([]int16, len(in))
		if _, err := g722.NewDecoder().Decode(out, code); err != nil {
			t.Fatal(err)
		}
		best := math.Inf(-1)
		bestLag := 0
		for lag := 0; lag < 64; lag++ {
			if s := snr(in[1000:15000], out[1000+lag:15000+lag]); s > best {
				best, bestLag = s, lag
			}
		}
		// G.722 at 64 kbit/s gives well over 20 dB on a pure tone.
		if best < 20 {
			t.Errorf("%v Hz: SNR %.1f dB at lag %d, want > 20 dB", f, best, bestLag)
		}
		t.Logf("%v Hz: SNR %.1f dB, delay %d samples", f, best, bestLag)
	}
}

func snr(ref, got []int16) float64 {
	var sig, noise float64
	for i := range ref {
		d := float64(got[i]) - float64(ref[i])
		sig += float64(ref[i]) * float64(ref[i])
		noise += d * d
	}
	return 10 * math.Log10(sig/(noise+1e-9))
}

// Any payload decodes without panicking, into exactly two samples per byte,
// and decoding is deterministic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x00, 0xff, 0x3f, 0xc0})
	f.Add(make([]byte, 160))
	seed := make([]byte, 320)
	g722.NewEncoder().Encode(seed, audiotest.SpeechLike(16000, 640, 4))
	f.Add(seed)
	f.Fuzz(func(t *testing.T, payload []byte) {
		a := make([]int16, 2*len(payload))
		n, err := g722.NewDecoder().Decode(a, payload)
		if err != nil || n != 2*len(payload) {
			t.Fatalf("Decode = %d, %v", n, err)
		}
		b := make([]int16, 2*len(payload))
		var d g722.Decoder
		d.Decode(b, payload)
		if i := firstDiff(a, b); i >= 0 {
			t.Fatalf("decoding is not deterministic at sample %d", i)
		}
	})
}

func firstDiff[T comparable](a, b []T) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
