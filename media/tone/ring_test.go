package tone_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/audio/wav"
	"github.com/hdphone/hdphone/media/tone"
)

// Ring01-Ring11 are eleven different melodies: each opens on its own
// frequency (or pair), which a detector can tell from the others.
func TestBuiltinRingsAreDistinct(t *testing.T) {
	first := map[float64]string{}
	for _, name := range tone.RingNames {
		r, err := tone.Ring(name)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Repeat || r.Period() < time.Second || r.Period() > 7*time.Second {
			t.Errorf("%s: period %v, repeat %v", name, r.Period(), r.Repeat)
		}
		f := r.Steps[0].Freq[0]
		if other, dup := first[f]; dup {
			t.Errorf("%s and %s both open on %v Hz", name, other, f)
		}
		first[f] = name
		pcm, _ := tone.Render(r, 16000, r.Steps[0].Dur)
		if !tone.Present(pcm, 16000, f, -16) {
			t.Errorf("%s: first note %v Hz not heard (%.1f dBm0)", name, f, tone.Level(pcm, 16000, f))
		}
	}
	if _, err := tone.Ring("ring07"); err != nil {
		t.Error("ring names are not case-insensitive")
	}
	if _, err := tone.Ring("Ring12"); !errors.Is(err, tone.ErrUnknownRing) {
		t.Errorf("Ring12: %v", err)
	}
}

// Uploaded ring tones: the three formats of Table 3-12 are accepted (made
// here by sox), anything else is refused with a reason. (PROV-9's format
// rule; fetching the bundle is provisioning's.)
// behaviour: PROV-9
func TestLoadRingWAVFormats(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.wav")
	audiotest.Sox(t, "-n", "-r", "16000", "-b", "16", "-c", "1", src, "synth", "0.5", "sine", "660", "gain", "-10")
	tests := []struct {
		name   string
		args   []string
		accept bool
	}{
		{"alaw-8k-8bit.wav", []string{"-r", "8000", "-e", "a-law", "-b", "8"}, true},
		{"ulaw-8k-8bit.wav", []string{"-r", "8000", "-e", "u-law", "-b", "8"}, true},
		{"pcm-16k-16bit.wav", []string{"-r", "16000", "-e", "signed", "-b", "16"}, true},
		{"pcm-8k-16bit.wav", []string{"-r", "8000", "-e", "signed", "-b", "16"}, false},
		{"pcm-16k-8bit.wav", []string{"-r", "16000", "-e", "unsigned", "-b", "8"}, false},
		{"alaw-16k.wav", []string{"-r", "16000", "-e", "a-law", "-b", "8"}, false},
		{"stereo-16k.wav", []string{"-r", "16000", "-e", "signed", "-b", "16", "-c", "2"}, false},
		{"pcm-44k.wav", []string{"-r", "44100", "-e", "signed", "-b", "16"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name)
			audiotest.Sox(t, append(append([]string{"-D", src}, tc.args...), out)...)
			f, _ := os.Open(out)
			defer f.Close()
			c, err := tone.LoadRingWAV(tc.name, f)
			if !tc.accept {
				if !errors.Is(err, tone.ErrRingFormat) {
					t.Fatalf("err = %v, want ErrRingFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tone.Present(c.PCM, c.Rate, 660, -25) {
				t.Errorf("660 Hz not in the loaded clip")
			}
		})
	}
	if _, err := tone.LoadRingWAV("junk.wav", bytes.NewReader([]byte("not a wave"))); !errors.Is(err, wav.ErrNotWAV) {
		t.Errorf("junk: %v", err)
	}
}

// An uploaded clip plays looped at the device's rate, resampled when it
// differs; unknown names still ring (Ring01) and say why.
func TestLibraryPlayers(t *testing.T) {
	var lib tone.Library
	var b bytes.Buffer
	wav.Encode(&b, wav.MuLaw, 8000, audiotest.Sine(8000, 4000, 900, 0.3))
	c, err := tone.LoadRingWAV("Office.wav", &b)
	if err != nil {
		t.Fatal(err)
	}
	lib.Add(c)
	for _, rate := range []int{8000, 16000} {
		p, err := lib.Player("office", rate)
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, rate) // 1 s: the half-second clip loops
		for i := 0; i < len(pcm); i += 321 {
			p.ReadPCM(pcm[i:min(i+321, len(pcm))])
		}
		if !tone.Present(pcm[len(pcm)/2:], rate, 900, -16) {
			t.Errorf("rate %d: clip not heard after looping (%.1f dBm0)", rate, tone.Level(pcm[len(pcm)/2:], rate, 900))
		}
	}
	p, err := lib.Player("Nope", 8000)
	if !errors.Is(err, tone.ErrUnknownRing) || p == nil {
		t.Fatalf("unknown ring: %v, %v", p, err)
	}
	pcm := make([]int16, 800)
	p.ReadPCM(pcm)
	if !tone.Present(pcm, 8000, 1000, -20) {
		t.Error("the fallback is not Ring01")
	}
	names := lib.Names()
	if len(names) != 12 || names[11] != "Office.wav" {
		t.Errorf("Names = %v", names)
	}
}

func FuzzLoadRingWAV(f *testing.F) {
	var b bytes.Buffer
	wav.Encode(&b, wav.ALaw, 8000, audiotest.Sine(8000, 100, 500, 0.5))
	f.Add(b.Bytes())
	b.Reset()
	wav.Encode(&b, wav.PCM, 16000, audiotest.Sine(16000, 100, 500, 0.5))
	f.Add(b.Bytes())
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := tone.LoadRingWAV("x", bytes.NewReader(data))
		if err != nil {
			return
		}
		if (c.Rate != 8000 && c.Rate != 16000) || len(c.PCM) == 0 {
			t.Fatalf("accepted %d Hz, %d samples", c.Rate, len(c.PCM))
		}
		for _, rate := range []int{8000, 16000} {
			p, err := tone.NewClipPlayer(c, rate)
			if err != nil {
				t.Fatal(err)
			}
			p.ReadPCM(make([]int16, 321))
		}
	})
}
