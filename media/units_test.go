package media

import (
	"math"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/tone"
)

func TestSeqTracker(t *testing.T) {
	cases := []struct {
		name     string
		seqs     []uint16
		wantExt  []uint64
		verdicts []seqVerdict
		lost     int64
	}{
		{"in order", []uint16{10, 11, 12}, []uint64{10, 11, 12}, []seqVerdict{seqOK, seqOK, seqOK}, 0},
		{"gap counts as lost", []uint16{10, 11, 14}, []uint64{10, 11, 14}, []seqVerdict{seqOK, seqOK, seqOK}, 2},
		{"wrap", []uint16{65534, 65535, 0, 1}, []uint64{65534, 65535, 65536, 65537}, []seqVerdict{seqOK, seqOK, seqOK, seqOK}, 0},
		{"reordered across the wrap", []uint16{65535, 1, 0}, []uint64{65535, 65537, 65536}, []seqVerdict{seqOK, seqOK, seqOK}, 0},
		{"duplicate", []uint16{5, 6, 6, 7}, []uint64{5, 6, 6, 7}, []seqVerdict{seqOK, seqOK, seqOK, seqOK}, -1},
		{"jump then restart on the second sequential packet", []uint16{100, 101, 40000, 40001, 40002},
			[]uint64{100, 101, 0, 40001, 40002}, []seqVerdict{seqOK, seqOK, seqBad, seqRestarted, seqOK}, 0},
		{"lone jump is dropped", []uint16{100, 40000, 101, 102}, []uint64{100, 0, 101, 102}, []seqVerdict{seqOK, seqBad, seqOK, seqOK}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s seqTracker
			for i, seq := range c.seqs {
				ext, v := s.update(seq)
				if v != c.verdicts[i] || (v != seqBad && ext != c.wantExt[i]) {
					t.Errorf("packet %d (seq %d): ext %d verdict %d, want %d %d", i, seq, ext, v, c.wantExt[i], c.verdicts[i])
				}
			}
			if s.lost() != c.lost {
				t.Errorf("lost %d, want %d", s.lost(), c.lost)
			}
		})
	}
}

func TestFractionLost(t *testing.T) {
	var s seqTracker
	for seq := uint16(0); seq < 100; seq++ {
		if seq%4 == 0 && seq > 0 {
			continue // 24 of 100 lost
		}
		s.update(seq)
	}
	if f := s.fractionLost(); f < 60 || f > 62 { // 24/99*256 = 62
		t.Errorf("fraction lost %d/256, want about 62", f)
	}
	for seq := uint16(100); seq < 150; seq++ {
		s.update(seq)
	}
	if f := s.fractionLost(); f != 0 {
		t.Errorf("second interval without loss: %d", f)
	}
}

func TestJitterEstimator(t *testing.T) {
	var steady, bumpy jitterEstimator
	for i := range 500 {
		ts := uint32(i * 160)
		at := time.Duration(i) * 20 * time.Millisecond
		steady.update(at, ts, 8000)
		// alternately 10 ms late and on time
		if i%2 == 1 {
			at += 10 * time.Millisecond
		}
		bumpy.update(at, ts, 8000)
	}
	if d := steady.duration(8000); d > time.Millisecond {
		t.Errorf("steady stream jitter %v", d)
	}
	// |D| is 10 ms every packet, so J converges to 10 ms.
	if d := bumpy.duration(8000); d < 9*time.Millisecond || d > 11*time.Millisecond {
		t.Errorf("alternating 10 ms jitter estimated %v", d)
	}
}

func TestEModel(t *testing.T) {
	perfect := EModel(Impairments{Codec: "PCMU"})
	if math.Abs(perfect.R-93.2) > 0.01 || perfect.MOSCQ < 4.3 {
		t.Errorf("no impairment: %+v, want R 93.2, MOS about 4.4", perfect)
	}
	prev := perfect
	for _, loss := range []float64{0.01, 0.05, 0.10, 0.20} {
		q := EModel(Impairments{Codec: "PCMU", Loss: loss})
		if q.MOSCQ >= prev.MOSCQ {
			t.Errorf("MOS did not fall from %.2f at loss %.0f%%: %.2f", prev.MOSCQ, loss*100, q.MOSCQ)
		}
		prev = q
	}
	bursty := EModel(Impairments{Codec: "PCMU", Loss: 0.05, BurstR: 3})
	random := EModel(Impairments{Codec: "PCMU", Loss: 0.05})
	if bursty.R >= random.R {
		t.Errorf("bursty loss R %.1f not below random %.1f", bursty.R, random.R)
	}
	delayed := EModel(Impairments{Codec: "PCMU", Delay: 300 * time.Millisecond})
	if delayed.MOSCQ >= perfect.MOSCQ || delayed.MOSLQ != perfect.MOSLQ {
		t.Errorf("delay must lower conversational but not listening MOS: %+v", delayed)
	}
	if g729 := EModel(Impairments{Codec: "G729"}); g729.R >= perfect.R {
		t.Errorf("G.729's equipment impairment missing: %+v", g729)
	}
}

func TestBurstGap(t *testing.T) {
	var b burstGap
	// 100 received, then a burst: lost, recv, lost, lost, then 100 received
	// with one isolated loss in the middle.
	for range 100 {
		b.add(false)
	}
	for _, l := range []bool{true, false, true, true} {
		b.add(l)
	}
	for i := range 100 {
		b.add(i == 50)
	}
	bd, gd, bl, _ := b.metrics()
	if bl != 4 || math.Abs(bd-0.75) > 1e-9 {
		t.Errorf("burst length %v density %v, want 4 packets at 3/4", bl, bd)
	}
	if gd <= 0 || gd > 0.02 {
		t.Errorf("gap density %v, want one loss in about 200", gd)
	}
	if r := b.burstRatio(); r <= 1 {
		t.Errorf("burst ratio %v, want > 1 for clustered loss", r)
	}
}

func TestTelephoneEvent(t *testing.T) {
	var b [4]byte
	telephoneEvent{event: 11, end: true, volume: 16, duration: 800}.put(b[:])
	if b != [4]byte{11, 0x80 | 16, 0x03, 0x20} {
		t.Errorf("wire form % x", b)
	}
	ev, ok := parseTelephoneEvent(b[:])
	if !ok || ev.event != 11 || !ev.end || ev.volume != 16 || ev.duration != 800 || eventDigit(ev.event) != '#' {
		t.Errorf("parsed %+v", ev)
	}
	if _, ok := parseTelephoneEvent(b[:3]); ok {
		t.Error("3-byte payload accepted")
	}
	for d, want := range map[rune]uint8{'0': 0, '9': 9, '*': 10, '#': 11, 'A': 12, 'd': 15} {
		if got, ok := digitEvent(d); !ok || got != want {
			t.Errorf("digit %q: %d %v", d, got, ok)
		}
	}
	if _, ok := digitEvent('x'); ok {
		t.Error("x is not a digit")
	}
}

// TestDTMFVolume maps dtmf_tone_signal_level 1-32 onto the RFC 4733 volume.
//
// behaviour: MEDIA-9
func TestDTMFVolume(t *testing.T) {
	for level, want := range map[int]uint8{0: 16, 1: 31, 16: 16, 32: 0, 40: 0} {
		if got := dtmfVolume(level); got != want {
			t.Errorf("level %d: volume -%d dBm0, want -%d", level, got, want)
		}
	}
}

func TestComfortNoiseLevels(t *testing.T) {
	var n noise
	pcm := make([]int16, 8000)
	for _, level := range []byte{20, 40, 60} {
		n.fill(pcm, level)
		got := levelDBov(pcm)
		if math.Abs(got+float64(level)) > 1 {
			t.Errorf("noise for -%d dBov measures %.1f dBov", level, got)
		}
	}
	if cnLevelByte(-200) != 127 || cnLevelByte(3) != 0 || cnLevelByte(-42.4) != 42 {
		t.Error("level byte clamping")
	}
}

// TestRateConversion: a device at 16 kHz on an 8 kHz codec and back keeps
// a tone's frequency and level.
func TestRateConversion(t *testing.T) {
	var c rateConverter
	src8 := make([]int16, 1600)
	mediatest.NewSine(1000, 8000, 8000).ReadPCM(src8)
	up := make([]int16, 3200)
	if n := c.convert(up, src8, 8000, 16000); n != 3200 {
		t.Fatalf("up wrote %d", n)
	}
	down := make([]int16, 1600)
	if n := c.convert(down, up, 16000, 8000); n != 1600 {
		t.Fatalf("down wrote %d", n)
	}
	want := tone.Level(src8[800:], 8000, 1000)
	if got := tone.Level(up[1600:], 16000, 1000); math.Abs(got-want) > 0.5 {
		t.Errorf("8->16 kHz: 1 kHz at %.1f dBm0, want %.1f", got, want)
	}
	if got := tone.Level(down[800:], 8000, 1000); math.Abs(got-want) > 0.5 {
		t.Errorf("16->8 kHz: 1 kHz at %.1f dBm0, want %.1f", got, want)
	}
	same := make([]int16, 10)
	if n := c.convert(same, src8[:10], 8000, 8000); n != 10 || same[3] != src8[3] {
		t.Error("equal rates must copy")
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := range 100 {
		h.observe(time.Duration(i) * 10 * time.Microsecond)
	}
	if p50 := h.quantile(0.5); p50 != 500*time.Microsecond {
		t.Errorf("p50 %v", p50)
	}
	if p99 := h.quantile(0.99); p99 != 990*time.Microsecond {
		t.Errorf("p99 %v", p99)
	}
}
