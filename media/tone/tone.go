package tone

import (
	"math"
	"time"
)

// ZeroDBm0Peak is the peak amplitude of a 0 dBm0 sine in 16-bit PCM.
const ZeroDBm0Peak = 22768.0

// Mute is the level at and below which a frequency is silent (the manual's
// level 63 is -63 dBm0, which is not Mute but close to it).
const Mute = -99.0

// Amplitude returns the peak amplitude of a sine at level dBm0 (0 at or
// below Mute).
func Amplitude(level float64) float64 {
	if level <= Mute {
		return 0
	}
	return ZeroDBm0Peak * math.Pow(10, level/20)
}

// DBm0 returns the level of a sine with the given peak amplitude.
func DBm0(peak float64) float64 { return 20 * math.Log10(peak/ZeroDBm0Peak) }

// Step is one piece of a tone: up to two frequencies sounding together for
// Dur, or silence when both are zero.
type Step struct {
	Freq  [2]float64 // Hz; 0 = unused
	Level [2]float64 // dBm0 of each frequency
	ModHz float64    // amplitude modulation (India's 400×25 Hz tones); 0 = none
	Dur   time.Duration
}

// Silent reports whether the step makes no sound.
func (s Step) Silent() bool {
	return (s.Freq[0] == 0 || s.Level[0] <= Mute) && (s.Freq[1] == 0 || s.Level[1] <= Mute)
}

// Tone is a sequence of steps, played once or repeated. A step with Dur 0
// lasts for ever (a continuous tone).
type Tone struct {
	Name   string
	Steps  []Step
	Repeat bool
}

// Period returns the length of one pass through the steps, or 0 for a tone
// with an endless step.
func (t Tone) Period() time.Duration {
	var d time.Duration
	for _, s := range t.Steps {
		if s.Dur == 0 {
			return 0
		}
		d += s.Dur
	}
	return d
}

// Freqs returns the frequencies the tone uses, in order of first use.
func (t Tone) Freqs() []float64 {
	var fs []float64
	for _, s := range t.Steps {
		for _, f := range s.Freq {
			if f == 0 {
				continue
			}
			seen := false
			for _, g := range fs {
				seen = seen || g == f
			}
			if !seen {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// Helpers for writing tone tables.

func on(f1, f2 float64, level float64, ms int) Step {
	s := Step{Freq: [2]float64{f1, f2}, Level: [2]float64{level, level}, Dur: time.Duration(ms) * time.Millisecond}
	if f2 == 0 {
		s.Level[1] = Mute
	}
	return s
}

func off(ms int) Step {
	return Step{Level: [2]float64{Mute, Mute}, Dur: time.Duration(ms) * time.Millisecond}
}

// cadence builds a repeating tone of frequencies f1(+f2) from on/off
// durations in ms.
func cadence(name string, f1, f2 float64, level float64, onOff ...int) Tone {
	t := Tone{Name: name, Repeat: true}
	for i := 0; i+1 < len(onOff); i += 2 {
		t.Steps = append(t.Steps, on(f1, f2, level, onOff[i]))
		if onOff[i+1] > 0 {
			t.Steps = append(t.Steps, off(onOff[i+1]))
		}
	}
	return t
}

// continuous builds a steady tone.
func continuous(name string, f1, f2 float64, level float64) Tone {
	return Tone{Name: name, Steps: []Step{on(f1, f2, level, 0)}}
}

// modulated sets amplitude modulation on every sounding step.
func modulated(t Tone, hz float64) Tone {
	steps := make([]Step, len(t.Steps))
	for i, s := range t.Steps {
		if !s.Silent() {
			s.ModHz = hz
		}
		steps[i] = s
	}
	t.Steps = steps
	return t
}
