package g722_test

import (
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g722"
)

// FFmpeg's adpcm_g722 encoder is an independent implementation of the
// Recommendation: on every test signal it must produce the same bytes, and
// its decoder the same samples, as ours.
// behaviour: MEDIA-3
func TestFFmpegBitExact(t *testing.T) {
	dir := t.TempDir()
	for _, sig := range audiotest.Signals(g722.SampleRate, 2) {
		t.Run(sig.Name, func(t *testing.T) {
			raw := audiotest.WriteRaw(t, dir, sig.Name+".raw", sig.PCM)
			ref := dir + "/" + sig.Name + ".g722"
			audiotest.FFmpeg(t, "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", raw, "-c:a", "g722", "-f", "g722", ref)
			want := audiotest.ReadBytes(t, ref)

			got := make([]byte, len(sig.PCM)/2)
			enc := g722.NewEncoder()
			for off := 0; off < len(sig.PCM); off += 320 {
				if _, err := enc.Encode(got[off/2:], sig.PCM[off:off+320]); err != nil {
					t.Fatal(err)
				}
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("encoder differs from ffmpeg at byte %d (len %d, ffmpeg %d)", i, len(got), len(want))
			}

			// Decode ffmpeg's bytes with both and compare.
			dec := dir + "/" + sig.Name + ".dec.raw"
			audiotest.FFmpeg(t, "-f", "g722", "-i", ref, "-f", "s16le", "-ac", "1", "-ar", "16000", dec)
			wantPCM := audiotest.ReadRaw(t, dec)
			gotPCM := make([]int16, 2*len(want))
			if _, err := g722.NewDecoder().Decode(gotPCM, want); err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(gotPCM, wantPCM); i >= 0 {
				t.Fatalf("decoder differs from ffmpeg at sample %d (len %d, ffmpeg %d)", i, len(gotPCM), len(wantPCM))
			}
		})
	}
}
