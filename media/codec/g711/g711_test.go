package g711_test

import (
	"errors"
	"io"
	"testing"

	"github.com/hdphone/hdphone/media/codec/g711"
)

func TestKnownCodes(t *testing.T) {
	tests := []struct {
		name string
		law  g711.Law
		pcm  int16
		code byte
		back int16
	}{
		{"µ-law zero is 0xFF", g711.Ulaw, 0, 0xff, 0},
		{"µ-law full positive", g711.Ulaw, 32767, 0x80, 32124},
		{"µ-law full negative", g711.Ulaw, -32768, 0x00, -32124},
		{"µ-law small positive lands in the first step", g711.Ulaw, 4, 0xfe, 8},
		{"A-law zero is 0xD5", g711.Alaw, 0, 0xd5, 8},
		{"A-law -8 is the smallest negative level", g711.Alaw, -8, 0x55, -8},
		{"A-law -1 rounds to zero", g711.Alaw, -1, 0xd5, 8},
		{"A-law full positive", g711.Alaw, 32767, 0xaa, 32256},
		{"A-law full negative", g711.Alaw, -32768, 0x2a, -32256},
		{"A-law 1000", g711.Alaw, 1000, 0xfa, 1008},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := tc.law.EncodeSample(tc.pcm); c != tc.code {
				t.Errorf("EncodeSample(%d) = %#02x, want %#02x", tc.pcm, c, tc.code)
			}
			if v := tc.law.DecodeSample(tc.code); v != tc.back {
				t.Errorf("DecodeSample(%#02x) = %d, want %d", tc.code, v, tc.back)
			}
		})
	}
}

// Every code decodes to a value that encodes back to the same code (except
// µ-law's negative zero 0x7F, which decodes to 0 and encodes as 0xFF).
func TestCodesRoundTrip(t *testing.T) {
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		for c := range 256 {
			v := law.DecodeSample(byte(c))
			back := law.EncodeSample(v)
			if back != byte(c) && !(law == g711.Ulaw && c == 0x7f && back == 0xff) {
				t.Errorf("%v: code %#02x → %d → %#02x", law, c, v, back)
			}
		}
	}
}

// Encoding is monotonic: a larger input never gets a smaller decoded value.
func TestMonotonic(t *testing.T) {
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		prev := law.DecodeSample(law.EncodeSample(-32768))
		for v := -32767; v <= 32767; v++ {
			d := law.DecodeSample(law.EncodeSample(int16(v)))
			if d < prev {
				t.Fatalf("%v: input %d decodes to %d, below %d for %d", law, v, d, prev, v-1)
			}
			prev = d
		}
	}
}

func TestShortBuffers(t *testing.T) {
	if _, err := g711.Ulaw.Encode(make([]byte, 2), make([]int16, 3)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Encode err = %v", err)
	}
	if _, err := g711.Alaw.Decode(make([]int16, 2), make([]byte, 3)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Decode err = %v", err)
	}
	if _, err := g711.NewDecoder(g711.Alaw).Conceal(make([]int16, 2), 3); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Conceal err = %v", err)
	}
}

// A decoder with concealment keeps a tone going through a lost frame.
func TestDecoderConceals(t *testing.T) {
	enc := g711.NewEncoder(g711.Ulaw)
	dec := g711.NewDecoder(g711.Ulaw)
	pcm := make([]int16, 160)
	code := make([]byte, 160)
	for i := range pcm {
		pcm[i] = int16(8000 * sine(float64(i)*500/8000))
	}
	out := make([]int16, 160)
	for range 3 {
		enc.Encode(code, pcm)
		dec.Decode(out, code)
	}
	if n, err := dec.Conceal(out, 160); n != 160 || err != nil {
		t.Fatalf("Conceal = %d, %v", n, err)
	}
	var energy float64
	for _, s := range out {
		energy += float64(s) * float64(s)
	}
	if energy < 160*4000*4000/2*0.5 {
		t.Errorf("concealed frame energy %.0f: the tone did not continue", energy)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x00, 0x7f, 0x80, 0xff, 0x55, 0xd5})
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
			dec := g711.NewDecoder(law)
			out := make([]int16, len(payload))
			if n, err := dec.Decode(out, payload); n != len(payload) || err != nil {
				t.Fatalf("Decode = %d, %v", n, err)
			}
			// Every decoded value re-encodes to a code that decodes to itself.
			for _, v := range out {
				if law.DecodeSample(law.EncodeSample(v)) != v {
					t.Fatalf("%v: %d is not a reconstruction value", law, v)
				}
			}
			if _, err := dec.Conceal(out, len(out)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
