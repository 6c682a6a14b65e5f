//go:build cgo && spandsp

package g722_test

import (
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g722"
	"github.com/hdphone/hdphone/media/codec/g722/internal/spandsp"
)

// The pure-Go codec against libspandsp, the reference named in the package
// doc: the same bytes out of the encoder, the same samples out of the decoder.
// behaviour: MEDIA-3
func TestSpanDSPBitExact(t *testing.T) {
	for _, sig := range audiotest.Signals(g722.SampleRate, 2) {
		t.Run(sig.Name, func(t *testing.T) {
			want, err := spandsp.Encode(sig.PCM)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(sig.PCM)/2)
			// Feed 20 ms frames, as the media path does, to prove the state
			// carries across calls.
			enc := g722.NewEncoder()
			for off := 0; off < len(sig.PCM); off += 320 {
				if _, err := enc.Encode(got[off/2:], sig.PCM[off:off+320]); err != nil {
					t.Fatal(err)
				}
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("encoder differs from spandsp at byte %d of %d: got %#02x want %#02x", i, len(want), got[i], want[i])
			}

			wantPCM, err := spandsp.Decode(want)
			if err != nil {
				t.Fatal(err)
			}
			gotPCM := make([]int16, len(want)*2)
			dec := g722.NewDecoder()
			for off := 0; off < len(want); off += 160 {
				if _, err := dec.Decode(gotPCM[off*2:], want[off:off+160]); err != nil {
					t.Fatal(err)
				}
			}
			if wraps := compareDecoded(t, gotPCM, wantPCM); wraps > 0 {
				t.Logf("%d overflowing samples: saturated here, wrapped by libspandsp 0.0.6", wraps)
			}
		})
	}
}

// Arbitrary byte streams (not produced by an encoder) decode identically too.
func TestSpanDSPDecodeArbitrary(t *testing.T) {
	data := make([]byte, 16000)
	for i := range data {
		data[i] = byte(i*7 + i*i/5)
	}
	want, err := spandsp.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int16, 2*len(data))
	if _, err := g722.NewDecoder().Decode(got, data); err != nil {
		t.Fatal(err)
	}
	compareDecoded(t, got, want)
}

// compareDecoded demands equal samples, except where the receive QMF
// overflows 16 bits: libspandsp 0.0.6 then stores the low 16 bits (a wrap,
// heard as a click; later spandsp releases and FFmpeg saturate), and this
// codec saturates. Such a sample must be full scale here and of the opposite
// sign in spandsp's output. It returns how many samples wrapped.
func compareDecoded(t *testing.T, got, want []int16) int {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("decoded %d samples, spandsp %d", len(got), len(want))
	}
	wraps := 0
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		saturated := got[i] == 32767 || got[i] == -32768
		opposite := (got[i] < 0) != (want[i] < 0)
		if !saturated || !opposite {
			t.Fatalf("decoder differs from spandsp at sample %d of %d: got %d want %d", i, len(got), got[i], want[i])
		}
		wraps++
	}
	return wraps
}
