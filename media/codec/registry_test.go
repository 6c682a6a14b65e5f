package codec_test

import (
	"errors"
	"math"
	"testing"

	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/codec/g729"
)

func TestDefaultHasNoDuplicates(t *testing.T) {
	if _, err := codec.NewRegistry(codec.Default().Codecs()...); err != nil {
		t.Fatal(err)
	}
	if _, err := codec.NewRegistry(codec.PCMU(), codec.PCMU()); err == nil {
		t.Fatal("a codec registered twice was accepted")
	}
}

// The configuration names of the manual map to the right codecs, and the
// ones this build cannot run say so.
// behaviour: MEDIA-1
func TestByConfigName(t *testing.T) {
	r := codec.Default()
	type testCase struct {
		name    string
		sdp     string
		pt      int
		clock   int
		rate    int
		wantErr error
	}
	tests := []testCase{
		{name: "PCMU", sdp: "PCMU", pt: 0, clock: 8000, rate: 8000},
		{name: "PCMA", sdp: "PCMA", pt: 8, clock: 8000, rate: 8000},
		{name: "G722", sdp: "G722", pt: 9, clock: 8000, rate: 16000},
		{name: "g722", sdp: "G722", pt: 9, clock: 8000, rate: 16000},
		{name: "G722_8000", sdp: "G722", pt: 9, clock: 8000, rate: 16000}, // the paging codec's default
		{name: "SILK_8000", wantErr: codec.ErrNotInBuild},
		{name: "SILK_16000", wantErr: codec.ErrNotInBuild},
		{name: "G723", wantErr: codec.ErrUnknown},
		{name: "G722_16000", wantErr: codec.ErrUnknown},
		{name: "", wantErr: codec.ErrUnknown},
	}
	if g729.Available {
		tests = append(tests, testCase{name: "G729", sdp: "G729", pt: 18, clock: 8000, rate: 8000})
	} else {
		tests = append(tests, testCase{name: "G729", wantErr: codec.ErrNotInBuild})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := r.ByConfigName(tc.name)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Name() != tc.sdp || c.PayloadType() != tc.pt || c.ClockRate() != tc.clock || c.SampleRate() != tc.rate {
				t.Fatalf("got %s pt %d clock %d rate %d", c.Name(), c.PayloadType(), c.ClockRate(), c.SampleRate())
			}
		})
	}
}

func TestLookupAndPayloadType(t *testing.T) {
	r := codec.Default()
	for _, tc := range []struct {
		name string
		want string
		err  error
	}{
		{"PCMU", "PCMU", nil},
		{"pcma", "PCMA", nil},
		{"G722/8000", "G722", nil},
		{"G722/8000/1", "G722", nil},
		{"G722/16000", "", codec.ErrUnknown}, // the common mistake, not what RFC 3551 registers
		{"opus/48000/2", "", codec.ErrUnknown},
		{"telephone-event/8000", "", codec.ErrUnknown},
	} {
		c, err := r.Lookup(tc.name)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Lookup(%q) err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || c.Name() != tc.want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", tc.name, c, err, tc.want)
		}
	}
	for pt, want := range map[int]string{0: "PCMU", 8: "PCMA", 9: "G722"} {
		if c, err := r.ByPayloadType(pt); err != nil || c.Name() != want {
			t.Errorf("ByPayloadType(%d) = %v, %v", pt, c, err)
		}
	}
	if _, err := r.ByPayloadType(96); !errors.Is(err, codec.ErrUnknown) {
		t.Errorf("ByPayloadType(96) err = %v", err)
	}
}

// The offer lists exactly the configured codecs this build has, in the
// configured order; the rest are reported, not silently offered.
// behaviour: MEDIA-1
func TestSelectFollowsPriority(t *testing.T) {
	r := codec.Default()
	got, skipped := r.Select([]string{"SILK_16000", "PCMA", "G722", "PCMA", "SILK_8000", "PCMU"})
	var names []string
	for _, c := range got {
		names = append(names, c.Name())
	}
	if want := []string{"PCMA", "G722", "PCMU"}; !equal(names, want) {
		t.Errorf("Select = %v, want %v", names, want)
	}
	if len(skipped) != 2 || !errors.Is(skipped[0], codec.ErrNotInBuild) {
		t.Errorf("skipped = %v, want the two SILK entries", skipped)
	}
}

// Every registered codec codes 20 ms of a tone into the payload size its
// bitrate implies, decodes it back to 20 ms, conceals a lost frame, and
// keeps the tone.
// behaviour: MEDIA-3
func TestEveryCodecCodes20ms(t *testing.T) {
	wantBytes := map[string]int{"PCMU": 160, "PCMA": 160, "G722": 160, "G729": 20}
	for _, c := range codec.Default().Codecs() {
		t.Run(c.Name(), func(t *testing.T) {
			n := c.SampleRate() / 50
			if f, ok := c.(codec.Framer); !ok || n%f.FrameSamples() != 0 {
				t.Fatalf("20 ms is not a whole number of frames")
			}
			enc, dec := c.NewEncoder(), c.NewDecoder()
			pcm := make([]int16, n)
			payload := make([]byte, 2*n)
			out := make([]int16, n)
			var energyAt, energy float64
			for f := range 10 {
				for i := range pcm {
					pcm[i] = int16(8000 * math.Sin(2*math.Pi*600*float64(f*n+i)/float64(c.SampleRate())))
				}
				k, err := enc.Encode(payload, pcm)
				if err != nil {
					t.Fatal(err)
				}
				if k != wantBytes[c.Name()] {
					t.Fatalf("20 ms coded to %d bytes, want %d (64 kbit/s for G.711 and G.722)", k, wantBytes[c.Name()])
				}
				m, err := dec.Decode(out, payload[:k])
				if err != nil || m != n {
					t.Fatalf("Decode = %d, %v", m, err)
				}
			}
			cc, ok := dec.(codec.Concealer)
			if !ok {
				t.Fatal("decoder does not conceal")
			}
			if m, err := cc.Conceal(out, n); err != nil || m != n {
				t.Fatalf("Conceal = %d, %v", m, err)
			}
			w := 2 * math.Pi * 600 / float64(c.SampleRate())
			var re, im float64
			for i, s := range out {
				re += float64(s) * math.Cos(w*float64(i))
				im += float64(s) * math.Sin(w*float64(i))
				energy += float64(s) * float64(s)
			}
			energyAt = 2 * (re*re + im*im) / float64(n)
			if energy == 0 || energyAt/energy < 0.7 {
				t.Errorf("concealed frame: %.2f of its energy at 600 Hz", energyAt/energy)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
