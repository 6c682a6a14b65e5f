package tone_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/codec/g711"
	"github.com/hdphone/hdphone/media/tone"
)

// soxLevel is the dBm0 of a sox sine (full-scale peak 32767) after gain dB.
func soxLevel(gain float64) float64 { return tone.DBm0(32767) + gain }

// The Goertzel detector measures the frequency and level of tones made by
// sox, an independent generator.
func TestLevelOfSoxTones(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		for _, c := range []struct {
			freq, gain float64
		}{{425, -16}, {1004, -3}, {2600, -30}, {300, -10}} {
			pcm := audiotest.SoxSynth(t, rate, "synth", "1", "sine", fmt.Sprint(c.freq), "gain", fmt.Sprint(c.gain))
			want := soxLevel(c.gain)
			if got := tone.Level(pcm, rate, c.freq); math.Abs(got-want) > 0.2 {
				t.Errorf("%d Hz rate %d: %.2f dBm0, want %.2f", int(c.freq), rate, got, want)
			}
			// 60 Hz away the detector sees little of it.
			if got := tone.Level(pcm, rate, c.freq+60); got > want-30 {
				t.Errorf("%d Hz rate %d: %.1f dBm0 at +60 Hz", int(c.freq), rate, got)
			}
		}
	}
}

// A sox dual tone (350+440, the North American dial tone) is heard as both
// frequencies, and a sox busy cadence as 500 ms on, 500 ms off.
func TestSoxDualToneAndCadence(t *testing.T) {
	pcm := audiotest.SoxSynth(t, 8000, "synth", "1", "sine", "350", "sine", "440", "remix", "1,2", "gain", "-20")
	if !tone.Present(pcm, 8000, 350, -30) || !tone.Present(pcm, 8000, 440, -30) {
		t.Fatalf("dual tone: 350 Hz %.1f, 440 Hz %.1f dBm0", tone.Level(pcm, 8000, 350), tone.Level(pcm, 8000, 440))
	}
	if tone.Present(pcm, 8000, 620, -50) {
		t.Error("620 Hz heard in a 350+440 tone")
	}

	// Busy: sox makes 0.5 s of 480+620, then pads 0.5 s of silence, three times.
	on := audiotest.SoxSynth(t, 8000, "synth", "0.5", "sine", "480", "sine", "620", "remix", "1,2", "gain", "-20", "pad", "0", "0.5", "repeat", "2")
	spans := tone.Cadence(on, 8000, 620, -35)
	if len(spans) < 5 {
		t.Fatalf("spans %v", spans)
	}
	for i, s := range spans[:5] {
		if s.On != (i%2 == 0) || absDur(s.Dur-500*time.Millisecond) > 15*time.Millisecond {
			t.Fatalf("run %d = %v, want 500 ms (all %v)", i, s, spans)
		}
	}
}

// Every DTMF key made by sox is read back, in order, at both rates, and
// still after a G.711 round trip (what the far end of a PCMU call hears).
func TestDTMFFromSox(t *testing.T) {
	keys := "0123456789*#ABCD"
	for _, rate := range []int{8000, 16000} {
		var pcm []int16
		for _, k := range keys {
			r, c := dtmfFreqs(byte(k))
			pcm = append(pcm, audiotest.SoxSynth(t, rate, "synth", "0.07", "sine", fmt.Sprint(r), "sine", fmt.Sprint(c),
				"remix", "1,2", "gain", "-10", "pad", "0", "0.05")...)
		}
		got, err := tone.DetectDTMF(pcm, rate)
		if err != nil || got != keys {
			t.Errorf("rate %d: heard %q, %v; want %q", rate, got, err, keys)
		}
		if rate == 8000 {
			coded := make([]byte, len(pcm))
			g711.Ulaw.Encode(coded, pcm)
			g711.Ulaw.Decode(pcm, coded)
			if got, _ := tone.DetectDTMF(pcm, rate); got != keys {
				t.Errorf("after µ-law: heard %q, want %q", got, keys)
			}
		}
	}
}

// A held key is one digit; the same key twice with a gap is two; our own
// DTMF generator's digits are read back.
func TestDTMFRepeatsAndOwnGenerator(t *testing.T) {
	var pcm []int16
	for _, k := range "55#9" {
		d := 60 * time.Millisecond
		if k == '#' {
			d = 700 * time.Millisecond // held
		}
		tn, err := tone.DTMF(byte(k), d, 60*time.Millisecond, -9, -7)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := tone.Render(tn, 8000, d+60*time.Millisecond)
		pcm = append(pcm, p...)
	}
	if got, _ := tone.DetectDTMF(pcm, 8000); got != "55#9" {
		t.Errorf("heard %q, want 55#9", got)
	}
	if _, err := tone.DTMF('x', time.Second, 0, -9, -7); err == nil {
		t.Error("DTMF accepted 'x'")
	}
}

// Talk-off: speech, noise, a single tone and a dial tone hold no digits.
func TestDTMFRejectsNonDigits(t *testing.T) {
	for name, pcm := range map[string][]int16{
		"speech":    audiotest.SpeechLike(8000, 5*8000, 7),
		"noise":     audiotest.Noise(8000, 0.3, 5),
		"1209 only": audiotest.SoxSynth(t, 8000, "synth", "1", "sine", "1209", "gain", "-10"),
		"dial tone": audiotest.SoxSynth(t, 8000, "synth", "1", "sine", "350", "sine", "440", "remix", "1,2", "gain", "-10"),
		"quiet key": audiotest.SoxSynth(t, 8000, "synth", "0.2", "sine", "697", "sine", "1209", "remix", "1,2", "gain", "-45"),
	} {
		if got, _ := tone.DetectDTMF(pcm, 8000); got != "" {
			t.Errorf("%s: heard %q", name, got)
		}
	}
}

// Digits split across Write calls of any size are still found.
func TestDTMFStreaming(t *testing.T) {
	var pcm []int16
	for _, k := range "147" {
		tn, _ := tone.DTMF(byte(k), 80*time.Millisecond, 80*time.Millisecond, -10, -10)
		p, _ := tone.Render(tn, 16000, 160*time.Millisecond)
		pcm = append(pcm, p...)
	}
	d, _ := tone.NewDTMFDetector(16000)
	for i := 0; i < len(pcm); i += 37 {
		d.Write(pcm[i:min(i+37, len(pcm))])
	}
	if d.Digits() != "147" {
		t.Errorf("heard %q", d.Digits())
	}
}

func FuzzDTMFDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Fuzz(func(t *testing.T, raw []byte) {
		pcm := make([]int16, len(raw)/2)
		for i := range pcm {
			pcm[i] = int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
		}
		got, err := tone.DetectDTMF(pcm, 8000)
		if err != nil || strings.Trim(got, "0123456789*#ABCD") != "" {
			t.Fatalf("DetectDTMF = %q, %v", got, err)
		}
	})
}

func dtmfFreqs(k byte) (int, int) {
	rows := []int{697, 770, 852, 941}
	cols := []int{1209, 1336, 1477, 1633}
	keys := []string{"123A", "456B", "789C", "*0#D"}
	for r, row := range keys {
		if c := strings.IndexByte(row, k); c >= 0 {
			return rows[r], cols[c]
		}
	}
	return 0, 0
}

func BenchmarkDTMFDetector1s(b *testing.B) {
	pcm := audiotest.SpeechLike(8000, 8000, 1)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := tone.NewDTMFDetector(8000)
		d.Write(pcm)
	}
}
