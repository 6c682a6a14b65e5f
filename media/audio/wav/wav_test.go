package wav_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/audio/wav"
	"github.com/hdphone/hdphone/media/codec/g711"
)

func TestRoundTrip(t *testing.T) {
	pcm := audiotest.Sine(8000, 800, 1000, 0.5)
	for _, f := range []wav.Format{wav.PCM, wav.ALaw, wav.MuLaw} {
		var b bytes.Buffer
		if err := wav.Encode(&b, f, 8000, pcm); err != nil {
			t.Fatal(err)
		}
		a, err := wav.Parse(b.Bytes())
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if a.Format != f || a.SampleRate != 8000 || a.Channels != 1 || len(a.Samples) != len(pcm) {
			t.Fatalf("%v: got %+v with %d samples", f, a.Header, len(a.Samples))
		}
		for i, s := range pcm {
			want := s
			switch f {
			case wav.ALaw:
				want = g711.Alaw.DecodeSample(g711.Alaw.EncodeSample(s))
			case wav.MuLaw:
				want = g711.Ulaw.DecodeSample(g711.Ulaw.EncodeSample(s))
			}
			if a.Samples[i] != want {
				t.Fatalf("%v: sample %d = %d, want %d", f, i, a.Samples[i], want)
			}
		}
	}
}

// The streaming writer fixes its header on a file, and leaves the
// "until the end" sizes on a pipe, which the reader accepts.
func TestWriterHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.wav")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := wav.NewWriter(f, wav.PCM, 16000)
	if err != nil {
		t.Fatal(err)
	}
	w.WritePCM(make([]int16, 100))
	w.WritePCM(make([]int16, 60))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ := os.ReadFile(p)
	if got := binary.LittleEndian.Uint32(b[40:]); got != 320 {
		t.Errorf("data size %d, want 320", got)
	}
	if got := binary.LittleEndian.Uint32(b[4:]); got != 356 {
		t.Errorf("RIFF size %d, want 356", got)
	}

	var pipe bytes.Buffer
	w, _ = wav.NewWriter(&pipe, wav.MuLaw, 8000)
	w.WritePCM(make([]int16, 50))
	w.Close()
	a, err := wav.Parse(pipe.Bytes())
	if err != nil || len(a.Samples) != 50 {
		t.Fatalf("streamed file: %v, %d samples", err, len(a.Samples))
	}
}

func TestParseErrors(t *testing.T) {
	good := func() []byte {
		var b bytes.Buffer
		wav.Encode(&b, wav.PCM, 8000, make([]int16, 10))
		return b.Bytes()
	}
	tests := []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{"empty", func([]byte) []byte { return nil }, wav.ErrNotWAV},
		{"not RIFF", func(b []byte) []byte { copy(b, "RIFX"); return b }, wav.ErrNotWAV},
		{"no data chunk", func(b []byte) []byte { return b[:36] }, wav.ErrCorrupt},
		{"fmt chunk too short", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 8); return b }, wav.ErrCorrupt},
		{"fmt size overruns", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 1000); return b }, wav.ErrCorrupt},
		{"24-bit PCM", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[34:], 24); return b }, wav.ErrFormat},
		{"IEEE float", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[20:], 3); return b }, wav.ErrFormat},
		{"zero channels", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[22:], 0); return b }, wav.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wav.Parse(tc.edit(good()))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// sox writes files in every format the phone takes; this reader reads them
// to the same samples sox reads back, and sox reads what this writer writes.
func TestSoxInterop(t *testing.T) {
	sox := testpeer.Need(t, "sox")[0]
	dir := t.TempDir()
	pcm := audiotest.Sine(16000, 3200, 440, 0.4)
	src := audiotest.WriteRaw(t, dir, "src.raw", pcm)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		args []string
		fmt  wav.Format
		rate int
		bits int
	}{
		{"pcm16k16", []string{"-r", "16000", "-e", "signed", "-b", "16"}, wav.PCM, 16000, 16},
		{"alaw8k", []string{"-r", "8000", "-e", "a-law", "-b", "8"}, wav.ALaw, 8000, 8},
		{"ulaw8k", []string{"-r", "8000", "-e", "u-law", "-b", "8"}, wav.MuLaw, 8000, 8},
		{"pcm8k8", []string{"-r", "8000", "-e", "unsigned", "-b", "8"}, wav.PCM, 8000, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".wav")
			args := append([]string{"-D", "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", src}, tc.args...)
			testpeer.Run(t, ctx, false, append(append([]string{sox}, args...), out)...)
			b, _ := os.ReadFile(out)
			a, err := wav.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if a.Format != tc.fmt || a.SampleRate != tc.rate || a.BitsPerSample != tc.bits {
				t.Fatalf("header %+v", a.Header)
			}
			back := filepath.Join(dir, tc.name+".raw")
			testpeer.Run(t, ctx, false, sox, "-D", out, "-t", "raw", "-e", "signed", "-b", "16", back)
			want := audiotest.ReadRaw(t, back)
			if len(want) != len(a.Samples) {
				t.Fatalf("%d samples, sox reads %d", len(a.Samples), len(want))
			}
			for i := range want {
				if want[i] != a.Samples[i] {
					t.Fatalf("sample %d = %d, sox reads %d", i, a.Samples[i], want[i])
				}
			}
		})
	}

	var b bytes.Buffer
	wav.Encode(&b, wav.MuLaw, 8000, audiotest.Sine(8000, 800, 300, 0.5))
	p := filepath.Join(dir, "ours.wav")
	os.WriteFile(p, b.Bytes(), 0o644)
	out, _ := testpeer.Run(t, ctx, false, "soxi", p)
	for _, want := range []string{"Channels       : 1", "Sample Rate    : 8000", "u-law", "800 samples"} {
		if !bytes.Contains([]byte(out), []byte(want)) {
			t.Errorf("soxi does not say %q:\n%s", want, out)
		}
	}
}

func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	wav.Encode(&b, wav.PCM, 16000, audiotest.Sine(16000, 64, 500, 0.5))
	f.Add(b.Bytes())
	b.Reset()
	wav.Encode(&b, wav.ALaw, 8000, audiotest.Sine(8000, 64, 500, 0.5))
	f.Add(b.Bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := wav.Parse(data)
		if err != nil {
			if a != nil {
				t.Fatal("audio returned with an error")
			}
			return
		}
		if a.Channels < 1 || len(a.Samples)%a.Channels != 0 {
			t.Fatalf("header %+v with %d samples", a.Header, len(a.Samples))
		}
		// What parses must round-trip through the writer as mono.
		var out bytes.Buffer
		if err := wav.Encode(&out, wav.PCM, a.SampleRate, a.Mono()); err != nil {
			t.Fatal(err)
		}
		back, err := wav.Parse(out.Bytes())
		if err != nil || len(back.Samples) != a.Frames() {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
