package audio_test

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/audio/audiotest"
	"github.com/hdphone/hdphone/media/audio/wav"
	"github.com/hdphone/hdphone/media/tone"
)

// The endpoints plug straight into the media engine.
var (
	_ media.Source = audio.Null{}
	_ media.Sink   = audio.Null{}
	_ media.Source = (*audio.FileSource)(nil)
	_ media.Sink   = (*audio.FileSink)(nil)
	_ media.Source = (*audio.ToneSource)(nil)
	_ media.Sink   = (*audio.Recorder)(nil)
	_ media.Source = (*tone.Generator)(nil)
)

func TestNull(t *testing.T) {
	buf := []int16{1, 2, 3}
	if n, err := (audio.Null{}).ReadPCM(buf); n != 3 || err != nil || buf[0]|buf[1]|buf[2] != 0 {
		t.Fatalf("ReadPCM = %d, %v, %v", n, err, buf)
	}
	if err := (audio.Null{}).WritePCM(buf); err != nil {
		t.Fatal(err)
	}
}

func TestRecorder(t *testing.T) {
	r := &audio.Recorder{Limit: 5}
	r.WritePCM([]int16{1, 2, 3})
	r.WritePCM([]int16{4, 5, 6, 7})
	if got := r.Samples(); !equal(got, []int16{3, 4, 5, 6, 7}) || r.Dropped() != 2 {
		t.Fatalf("Samples = %v, dropped %d", got, r.Dropped())
	}
	r.Close()
	if err := r.WritePCM([]int16{8}); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if r.Len() != 5 {
		t.Fatal("recording lost on Close")
	}
	r.Reset()
	if r.Len() != 0 {
		t.Fatal("Reset kept samples")
	}
}

// The pacer writes while the test reads (run with -race).
func TestRecorderConcurrent(t *testing.T) {
	var r audio.Recorder
	var wg sync.WaitGroup
	wg.Go(func() {
		f := make([]int16, 160)
		for range 200 {
			r.WritePCM(f)
		}
	})
	for range 50 {
		_ = r.Samples()
	}
	wg.Wait()
	if r.Len() != 200*160 {
		t.Fatalf("len %d", r.Len())
	}
}

// A WAV file recorded by FileSink plays back through FileSource, at its
// own rate and converted, once or looped.
func TestFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "rec.wav")
	sink, err := audio.CreateFile(p, wav.PCM, 8000)
	if err != nil {
		t.Fatal(err)
	}
	sig := audiotest.Sine(8000, 8000, 600, 0.3)
	for i := 0; i < len(sig); i += 160 {
		sink.WritePCM(sig[i : i+160])
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sink.WritePCM(sig[:1]); !errors.Is(err, audio.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}

	src, err := audio.OpenFile(p, 8000, false)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, src, 160)
	if !equal(got, sig) {
		t.Fatalf("played back %d samples, differing from the %d recorded", len(got), len(sig))
	}

	src16, err := audio.OpenFile(p, 16000, false)
	if err != nil {
		t.Fatal(err)
	}
	got16 := readAll(t, src16, 320)
	if len(got16) != 2*len(sig) {
		t.Fatalf("16 kHz playback: %d samples, want %d", len(got16), 2*len(sig))
	}
	if l := tone.Level(got16[2000:14000], 16000, 600); math.Abs(l-tone.DBm0(0.3*32767)) > 0.2 {
		t.Errorf("600 Hz at 16 kHz: %.2f dBm0", l)
	}

	loop, _ := audio.OpenFile(p, 8000, true)
	buf := make([]int16, 3*len(sig))
	if n, err := loop.ReadPCM(buf); n != len(buf) || err != nil {
		t.Fatalf("looped read: %d, %v", n, err)
	}
	if !equal(buf[len(sig):2*len(sig)], sig) {
		t.Error("second pass of the loop differs")
	}
}

// sox reads what FileSink writes; FileSource plays what sox writes.
func TestFileSoxInterop(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ours.wav")
	sink, _ := audio.CreateFile(p, wav.MuLaw, 8000)
	sink.WritePCM(audiotest.Sine(8000, 4000, 1000, 0.5))
	sink.Close()
	raw := filepath.Join(dir, "back.raw")
	audiotest.Sox(t, "-D", p, "-t", "raw", "-e", "signed", "-b", "16", raw)
	back := audiotest.ReadRaw(t, raw)
	if len(back) != 4000 || !tone.Present(back, 8000, 1000, -10) {
		t.Errorf("sox read %d samples, 1 kHz at %.1f dBm0", len(back), tone.Level(back, 8000, 1000))
	}

	theirs := filepath.Join(dir, "theirs.wav")
	audiotest.Sox(t, "-n", "-r", "16000", "-b", "16", "-c", "1", theirs, "synth", "0.5", "sine", "1500", "gain", "-12")
	src, err := audio.OpenFile(theirs, 8000, false)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, src, 160)
	if len(got) != 4000 || !tone.Present(got[500:], 8000, 1500, -13) {
		t.Errorf("played %d samples, 1500 Hz at %.1f dBm0", len(got), tone.Level(got[500:], 8000, 1500))
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := audio.OpenFile(filepath.Join(dir, "missing.wav"), 8000, false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(dir, "44k.wav")
	f, _ := os.Create(p)
	wav.Encode(f, wav.PCM, 44100, make([]int16, 10))
	f.Close()
	if _, err := audio.OpenFile(p, 8000, false); !errors.Is(err, audio.ErrRate) {
		t.Errorf("44.1 kHz file: %v", err)
	}
	if _, err := audio.CreateFile(filepath.Join(dir, "x.wav"), wav.Format(3), 8000); !errors.Is(err, wav.ErrFormat) {
		t.Errorf("float format: %v", err)
	}
}

// ToneSource switches tones while being read, from another goroutine.
func TestToneSource(t *testing.T) {
	ts, err := audio.NewToneSource(8000)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, 160)
	ts.ReadPCM(frame)
	if !silent(frame) {
		t.Fatal("a new tone source is not silent")
	}
	us, _ := tone.Country("USA")
	ts.Play(us.Tone(tone.Dial))
	ts.ReadPCM(frame)
	if !tone.Present(frame, 8000, 350, -20) {
		t.Fatal("dial tone not playing")
	}
	if tn, ok := ts.Playing(); !ok || tn.Name != us.Tone(tone.Dial).Name {
		t.Errorf("Playing = %v, %v", tn.Name, ok)
	}
	ts.Stop()
	ts.ReadPCM(frame)
	if !silent(frame) {
		t.Fatal("Stop did not silence")
	}
	// A one-shot tone ends in silence and the source keeps giving frames.
	ts.Play(tone.Tone{Steps: []tone.Step{{Freq: [2]float64{1000}, Level: [2]float64{-10, tone.Mute}, Dur: 30 * time.Millisecond}}})
	out := make([]int16, 480)
	if n, err := ts.ReadPCM(out); n != 480 || err != nil {
		t.Fatalf("ReadPCM = %d, %v", n, err)
	}
	if silent(out[:240]) || !silent(out[240:]) {
		t.Error("one-shot tone did not end after 30 ms")
	}
	if _, ok := ts.Playing(); ok {
		t.Error("still playing after the end")
	}

	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			ts.Play(us.Tone(tone.Busy))
			ts.Stop()
		}
	})
	for range 100 {
		ts.ReadPCM(frame)
	}
	wg.Wait()
	if _, err := audio.NewToneSource(11025); !errors.Is(err, audio.ErrRate) {
		t.Errorf("11025 Hz: %v", err)
	}
}

// Conversions keep the tone and the timing, in both directions, for
// sources and sinks.
func TestConvert(t *testing.T) {
	g, _ := tone.NewGenerator(tone.Tone{Steps: []tone.Step{{Freq: [2]float64{800}, Level: [2]float64{-10, tone.Mute}}}}, 8000)
	up, err := audio.Convert(g, 8000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 16000)
	for i := 0; i < len(buf); i += 321 { // odd frames exercise the carried sample
		if n, err := up.ReadPCM(buf[i:min(i+321, len(buf))]); err != nil || n != min(321, len(buf)-i) {
			t.Fatalf("ReadPCM = %d, %v", n, err)
		}
	}
	if l := tone.Level(buf[1000:], 16000, 800); math.Abs(l+10) > 0.2 {
		t.Errorf("8k→16k source: %.2f dBm0", l)
	}

	var rec audio.Recorder
	down, _ := audio.ConvertSink(&rec, 16000, 8000)
	for i := 0; i < len(buf); i += 320 {
		down.WritePCM(buf[i : i+320])
	}
	if rec.Len() != 8000 || math.Abs(tone.Level(rec.Samples()[1000:], 8000, 800)+10) > 0.2 {
		t.Errorf("16k→8k sink: %d samples", rec.Len())
	}
	same, _ := audio.Convert(g, 8000, 8000)
	if same != audio.Source(g) {
		t.Error("Convert at equal rates wraps the source")
	}
	if _, err := audio.Convert(g, 8000, 48000); !errors.Is(err, audio.ErrRate) {
		t.Errorf("48 kHz: %v", err)
	}
}

// A finite source converted up ends with io.EOF after all its samples.
func TestConvertEOF(t *testing.T) {
	tn := tone.Tone{Steps: []tone.Step{{Freq: [2]float64{500}, Level: [2]float64{-10, tone.Mute}, Dur: 10 * time.Millisecond}}}
	g, _ := tone.NewGenerator(tn, 8000)
	up, _ := audio.Convert(g, 8000, 16000)
	got := readAll(t, up, 33)
	if len(got) != 160 {
		t.Errorf("%d samples before EOF, want 160", len(got))
	}
}

func readAll(t *testing.T, s audio.Source, frame int) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, frame)
	for range 100000 {
		n, err := s.ReadPCM(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("source never ended")
	return nil
}

func silent(p []int16) bool {
	for _, s := range p {
		if s != 0 {
			return false
		}
	}
	return true
}

func equal(a, b []int16) bool {
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

// What did this phone hear: a tone and some digits, asked of the recorder.
func TestRecorderHeard(t *testing.T) {
	r := &audio.Recorder{Rate: 16000}
	us, _ := tone.Country("USA")
	ring, _ := tone.Render(us.Tone(tone.Ringback), 16000, time.Second)
	r.WritePCM(ring)
	for _, k := range "42" {
		d, _ := tone.DTMF(byte(k), 80*time.Millisecond, 80*time.Millisecond, -8, -6)
		p, _ := tone.Render(d, 16000, 160*time.Millisecond)
		r.WritePCM(p)
	}
	if l := r.Level(440); l < -25 {
		t.Errorf("ringback 440 Hz at %.1f dBm0", l)
	}
	if d, err := r.Digits(); d != "42" || err != nil {
		t.Errorf("Digits = %q, %v", d, err)
	}
}
