package plc_test

import (
	"math"
	"testing"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/plc"
)

// A lost frame in a steady tone is replaced by the same tone: the
// concealment stays close to what was lost, and far closer than silence.
func TestConcealTone(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		frame := rate / 50
		sig := audiotest.Sine(rate, 10*frame, 400, 0.5)
		c := plc.New(rate)
		for i := range 5 {
			f := append([]int16(nil), sig[i*frame:(i+1)*frame]...)
			c.Record(f)
		}
		got := make([]int16, frame)
		if n, err := c.Conceal(got); n != frame || err != nil {
			t.Fatalf("Conceal = %d, %v", n, err)
		}
		lost := sig[5*frame : 6*frame]
		if e := errRatio(lost, got); e > 0.1 {
			t.Errorf("rate %d: concealment error %.3f of the signal energy, want < 0.1", rate, e)
		}
	}
}

// Over a long loss the output fades to silence after about 60 ms.
func TestConcealFadesOut(t *testing.T) {
	c := plc.New(8000)
	c.Record(audiotest.Sine(8000, 320, 300, 0.5))
	buf := make([]int16, 160)
	var peak [5]int
	for i := range peak {
		c.Conceal(buf)
		for _, s := range buf {
			peak[i] = max(peak[i], int(math.Abs(float64(s))))
		}
	}
	if peak[0] < 10000 {
		t.Errorf("first concealed frame peak %d, want near the signal's 16383", peak[0])
	}
	if peak[3] != 0 || peak[4] != 0 {
		t.Errorf("frames 60-100 ms into the loss peak at %v, want silence", peak[3:])
	}
}

// Without history there is nothing to repeat: silence.
func TestConcealNoHistory(t *testing.T) {
	buf := []int16{1, 2, 3}
	plc.New(8000).Conceal(buf)
	for _, s := range buf {
		if s != 0 {
			t.Fatalf("got %v, want silence", buf)
		}
	}
}

// The good frame after a loss starts from the synthesis, not with a jump.
func TestBlendAfterLoss(t *testing.T) {
	c := plc.New(8000)
	sig := audiotest.Sine(8000, 800, 250, 0.5)
	c.Record(append([]int16(nil), sig[:320]...))
	lost := make([]int16, 160)
	c.Conceal(lost)
	next := make([]int16, 160) // the stream resumes with silence
	c.Record(next)
	if next[1] == 0 && next[2] == 0 && next[3] == 0 {
		t.Errorf("resumed frame starts %v: no blend from %v", next[:4], lost[156:])
	}
	if next[len(next)-1] != 0 {
		t.Errorf("blend went past its 4 ms")
	}
}

func errRatio(want, got []int16) float64 {
	var e, s float64
	for i := range want {
		d := float64(want[i]) - float64(got[i])
		e += d * d
		s += float64(want[i]) * float64(want[i])
	}
	return e / s
}
