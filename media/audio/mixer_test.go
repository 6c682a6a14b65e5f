package audio_test

import (
	"errors"
	"testing"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/tone"
)

// The local three-way call: the microphone (500 Hz), remote A (700 Hz) and
// remote B (900 Hz). The speaker plays A and B, A hears the microphone and
// B, B hears the microphone and A; nobody hears themselves.
func TestMixerThreeWay(t *testing.T) {
	const n = 160
	mic := audiotest.Sine(8000, 50*n, 500, 0.2)
	a := audiotest.Sine(8000, 50*n, 700, 0.2)
	b := audiotest.Sine(8000, 50*n, 900, 0.2)
	var m audio.Mixer
	speaker, toA, toB := make([]int16, 0, 50*n), make([]int16, 0, 50*n), make([]int16, 0, 50*n)
	out := [][]int16{make([]int16, n), make([]int16, n), make([]int16, n)}
	for f := 0; f < 50*n; f += n {
		if err := m.Mix(out, [][]int16{mic[f : f+n], a[f : f+n], b[f : f+n]}); err != nil {
			t.Fatal(err)
		}
		speaker = append(speaker, out[0]...)
		toA = append(toA, out[1]...)
		toB = append(toB, out[2]...)
	}
	want := tone.DBm0(0.2 * 32767)
	check := func(who string, pcm []int16, hears []float64, not float64) {
		t.Helper()
		for _, f := range hears {
			if l := tone.Level(pcm, 8000, f); l < want-0.5 || l > want+0.5 {
				t.Errorf("%s hears %v Hz at %.1f dBm0, want %.1f", who, f, l, want)
			}
		}
		if tone.Present(pcm, 8000, not, -60) {
			t.Errorf("%s hears itself (%v Hz)", who, not)
		}
	}
	check("speaker", speaker, []float64{700, 900}, 500)
	check("A", toA, []float64{500, 900}, 700)
	check("B", toB, []float64{500, 700}, 900)
}

// A party with nothing to say (nil, e.g. a lost packet) is silence, loud
// sums saturate instead of wrapping, and mismatched frames are refused.
func TestMixerEdges(t *testing.T) {
	var m audio.Mixer
	out := [][]int16{make([]int16, 2), make([]int16, 2), make([]int16, 2)}
	if err := m.Mix(out, [][]int16{{30000, -30000}, nil, {30000, -30000}}); err != nil {
		t.Fatal(err)
	}
	if out[1][0] != 32767 || out[1][1] != -32768 {
		t.Errorf("saturation: %v", out[1])
	}
	if out[0][0] != 30000 || out[2][0] != 30000 {
		t.Errorf("mix with a silent party: %v %v", out[0], out[2])
	}
	if err := m.Mix(out, [][]int16{{1, 2}, {1}, nil}); !errors.Is(err, audio.ErrFrame) {
		t.Errorf("short frame: %v", err)
	}
	if err := m.Mix(out[:2], [][]int16{nil, nil, nil}); !errors.Is(err, audio.ErrFrame) {
		t.Errorf("party count: %v", err)
	}
}

func BenchmarkMixer3Party20ms(b *testing.B) {
	const n = 320
	in := [][]int16{audiotest.Noise(n, 0.3, 1), audiotest.Noise(n, 0.3, 2), audiotest.Noise(n, 0.3, 3)}
	out := [][]int16{make([]int16, n), make([]int16, n), make([]int16, n)}
	var m audio.Mixer
	b.ReportAllocs()
	for b.Loop() {
		m.Mix(out, in)
	}
}
