package g711_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g711"
)

// refInput is every 16-bit value once, then the shared test signals.
func refInput() []int16 {
	pcm := make([]int16, 0, 65536+10*16000)
	for v := -32768; v <= 32767; v++ {
		pcm = append(pcm, int16(v))
	}
	for _, s := range audiotest.Signals(8000, 2) {
		pcm = append(pcm, s.PCM...)
	}
	return pcm
}

type law struct {
	law   g711.Law
	sox   string // sox -e
	ffc   string // ffmpeg codec
	fffmt string // ffmpeg raw format
}

var laws = []law{
	{g711.Ulaw, "u-law", "pcm_mulaw", "mulaw"},
	{g711.Alaw, "a-law", "pcm_alaw", "alaw"},
}

// sox's G.711 (the classic Sun routines) is an independent
// implementation: byte-identical encoding of every input value and the
// signals, and identical decoding of every code.
// behaviour: MEDIA-1
func TestSoxBitExact(t *testing.T) {
	sox := testpeer.Need(t, "sox")[0]
	dir := t.TempDir()
	pcm := refInput()
	raw := audiotest.WriteRaw(t, dir, "in.raw", pcm)
	for _, l := range laws {
		t.Run(l.law.String(), func(t *testing.T) {
			out := dir + "/" + l.fffmt
			// -D: sox would otherwise dither when narrowing to 8 bits.
			testpeer.Run(t, context.Background(), false, sox, "-D", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", raw,
				"-t", "raw", "-e", l.sox, "-b", "8", out)
			want := audiotest.ReadBytes(t, out)
			got := make([]byte, len(pcm))
			l.law.Encode(got, pcm)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("encoding differs from sox at %d (input %d): got %#02x want %#02x", i, pcm[i], got[i], want[i])
			}

			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			codes := audiotest.WriteBytes(t, dir, "codes", all)
			dec := dir + "/dec.raw"
			testpeer.Run(t, context.Background(), false, sox, "-t", "raw", "-r", "8000", "-e", l.sox, "-b", "8", "-c", "1", codes,
				"-t", "raw", "-e", "signed", "-b", "16", dec)
			wantPCM := audiotest.ReadRaw(t, dec)
			gotPCM := make([]int16, 256)
			l.law.Decode(gotPCM, all)
			if i := firstDiff(gotPCM, wantPCM); i >= 0 {
				t.Fatalf("decoding %#02x differs from sox: got %d want %d", i, gotPCM[i], wantPCM[i])
			}
		})
	}
}

// FFmpeg decodes every code to the same value. Its encoder rounds to the
// nearest reconstruction level on a 13-bit grid instead of G.711's
// decision levels, so encodings may differ by one step near decision
// levels; the test bounds that and reports how often it happens.
func TestFFmpegCompatible(t *testing.T) {
	dir := t.TempDir()
	pcm := refInput()
	raw := audiotest.WriteRaw(t, dir, "in.raw", pcm)
	for _, l := range laws {
		t.Run(l.law.String(), func(t *testing.T) {
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			codes := audiotest.WriteBytes(t, dir, "codes", all)
			dec := dir + "/dec.raw"
			audiotest.FFmpeg(t, "-f", l.fffmt, "-ar", "8000", "-ac", "1", "-i", codes, "-f", "s16le", dec)
			wantPCM := audiotest.ReadRaw(t, dec)
			gotPCM := make([]int16, 256)
			l.law.Decode(gotPCM, all)
			if i := firstDiff(gotPCM, wantPCM); i >= 0 {
				t.Fatalf("decoding %#02x differs from ffmpeg: got %d want %d", i, gotPCM[i], wantPCM[i])
			}

			out := dir + "/out"
			audiotest.FFmpeg(t, "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", raw, "-c:a", l.ffc, "-f", l.fffmt, out)
			want := audiotest.ReadBytes(t, out)
			if len(want) != len(pcm) {
				t.Fatalf("ffmpeg wrote %d bytes for %d samples", len(want), len(pcm))
			}
			levels := levelIndex(l.law)
			differ := 0
			for i, s := range pcm {
				g := l.law.DecodeSample(l.law.EncodeSample(s))
				w := l.law.DecodeSample(want[i])
				if g == w {
					continue
				}
				differ++
				// The two must be adjacent levels with the input between them.
				lo, hi := min(g, w), max(g, w)
				if levels[hi]-levels[lo] != 1 || s < lo || s > hi {
					t.Fatalf("input %d: ours %d, ffmpeg %d: not the two levels around the input", s, g, w)
				}
			}
			t.Logf("%v: %d of %d samples code to a neighbouring level in ffmpeg", l.law, differ, len(pcm))
		})
	}
}

// levelIndex numbers the reconstruction levels of law in increasing order.
func levelIndex(law g711.Law) map[int16]int {
	seen := map[int16]bool{}
	for c := range 256 {
		seen[law.DecodeSample(byte(c))] = true
	}
	var vals []int16
	for v := range seen {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	idx := make(map[int16]int, len(vals))
	for i, v := range vals {
		idx[v] = i
	}
	return idx
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
