package tone_test

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/tone"
)

// A generated tone has the level it was asked for, at its frequencies and
// nowhere else.
func TestGeneratorLevels(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		tn := tone.Tone{Steps: []tone.Step{{Freq: [2]float64{350, 440}, Level: [2]float64{-13, -20}}}}
		pcm, err := tone.Render(tn, rate, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ f, want float64 }{{350, -13}, {440, -20}} {
			if got := tone.Level(pcm, rate, c.f); math.Abs(got-c.want) > 0.2 {
				t.Errorf("rate %d: %v Hz at %.2f dBm0, want %.0f", rate, c.f, got, c.want)
			}
		}
		if got := tone.Level(pcm, rate, 1000); got > -60 {
			t.Errorf("rate %d: 1000 Hz at %.1f dBm0, want nothing", rate, got)
		}
	}
}

// Cadenced tones switch on and off at their steps, sample-exactly, and
// repeat; one-shot tones end with io.EOF.
func TestGeneratorCadence(t *testing.T) {
	busy := tone.Tone{Repeat: true, Steps: []tone.Step{
		{Freq: [2]float64{425}, Level: [2]float64{-13, tone.Mute}, Dur: 500 * time.Millisecond},
		{Level: [2]float64{tone.Mute, tone.Mute}, Dur: 500 * time.Millisecond},
	}}
	g, err := tone.NewGenerator(busy, 8000)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 8000*3)
	// Odd-sized reads: step boundaries fall inside them.
	for i := 0; i < len(pcm); i += 333 {
		if n, err := g.ReadPCM(pcm[i:min(i+333, len(pcm))]); err != nil || n != min(333, len(pcm)-i) {
			t.Fatalf("ReadPCM = %d, %v", n, err)
		}
	}
	for _, s := range []int{0, 8000, 16000} { // each on-phase starts at a whole second
		for i, v := range pcm[s+4000 : s+8000] {
			if v != 0 {
				t.Fatalf("sample %d = %d in the off-phase", s+4000+i, v)
			}
		}
		if !tone.Present(pcm[s+100:s+3900], 8000, 425, -14) {
			t.Errorf("tone missing in the on-phase at %d", s)
		}
		if tone.Present(pcm[s+4000:s+8000], 8000, 425, -60) {
			t.Errorf("tone present in the off-phase at %d", s+4000)
		}
	}

	beep := tone.Tone{Steps: []tone.Step{{Freq: [2]float64{1000}, Level: [2]float64{-10, tone.Mute}, Dur: 100 * time.Millisecond}}}
	g, _ = tone.NewGenerator(beep, 16000)
	buf := make([]int16, 2000)
	n, err := g.ReadPCM(buf)
	if n != 1600 || !errors.Is(err, io.EOF) || !g.Done() {
		t.Fatalf("one-shot tone: %d samples, %v, done %v; want 1600, EOF", n, err, g.Done())
	}
	g.Reset()
	if n, err := g.ReadPCM(buf[:100]); n != 100 || err != nil {
		t.Fatalf("after Reset: %d, %v", n, err)
	}
}

func TestGeneratorRejectsRate(t *testing.T) {
	if _, err := tone.NewGenerator(tone.Tone{}, 44100); !errors.Is(err, tone.ErrRate) {
		t.Fatalf("err = %v", err)
	}
}

// The oscillators neither drift in level nor in frequency over a minute.
func TestGeneratorStableOverTime(t *testing.T) {
	tn := tone.Tone{Steps: []tone.Step{{Freq: [2]float64{1004}, Level: [2]float64{-3, tone.Mute}}}}
	pcm, _ := tone.Render(tn, 8000, 60*time.Second)
	end := pcm[len(pcm)-8000:]
	if got := tone.Level(end, 8000, 1004); math.Abs(got+3) > 0.1 {
		t.Errorf("after a minute: %.2f dBm0, want -3", got)
	}
}

// India's tones are 400 Hz modulated by 25 Hz: sidebands at 375 and 425 Hz.
func TestModulation(t *testing.T) {
	p, _ := tone.Country("India")
	pcm, _ := tone.Render(p.Tone(tone.Dial), 8000, time.Second)
	carrier := tone.Level(pcm, 8000, 400)
	for _, f := range []float64{375, 425} {
		if side := tone.Level(pcm, 8000, f); math.Abs(side-(carrier-6)) > 1 {
			t.Errorf("sideband %v Hz at %.1f dBm0, carrier %.1f: want 6 dB below", f, side, carrier)
		}
	}
}

func BenchmarkGenerator20ms(b *testing.B) {
	p, _ := tone.Country("USA")
	g, _ := tone.NewGenerator(p.Tone(tone.Ringback), 16000)
	buf := make([]int16, 320)
	b.ReportAllocs()
	for b.Loop() {
		g.ReadPCM(buf)
	}
}
