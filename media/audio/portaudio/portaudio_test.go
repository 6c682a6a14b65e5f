//go:build cgo && portaudio

package portaudio_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/audio/portaudio"
)

// TestMain points ALSA at a null sound card (a ~/.asoundrc in a temporary
// HOME), so the stream really runs on a headless CI machine: PortAudio's
// callback thread, the rings and Close are exercised. HDPHONE_REAL_AUDIO=1
// keeps the machine's own sound card instead.
func TestMain(m *testing.M) {
	var home string
	if os.Getenv("HDPHONE_REAL_AUDIO") != "1" {
		var err error
		if home, err = os.MkdirTemp("", "hdphone-alsa"); err == nil {
			os.WriteFile(filepath.Join(home, ".asoundrc"), []byte("pcm.!default {\n    type null\n}\n"), 0o644)
			os.Setenv("HOME", home)
		}
	}
	code := m.Run()
	if home != "" {
		os.RemoveAll(home)
	}
	os.Exit(code)
}

// PortAudio starts and lists devices; opening the default devices either
// works (the stream runs and the microphone delivers audio) or fails with
// ErrNoDevice (a machine with no sound card at all), never with a crash or
// a hang.
func TestOpenDefault(t *testing.T) {
	ds, err := portaudio.Devices()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d devices: %+v", len(ds), ds)
	d, err := portaudio.Open(portaudio.Config{SampleRate: 8000})
	if err != nil {
		if !errors.Is(err, portaudio.ErrNoDevice) {
			t.Fatalf("Open: %v", err)
		}
		t.Logf("no sound card here: %v", err)
		return
	}
	defer d.Close()
	d.WritePCM(make([]int16, 160))
	time.Sleep(200 * time.Millisecond)
	buf := make([]int16, 1600)
	if n, _ := d.ReadPCM(buf); n == 0 {
		t.Error("the microphone delivered nothing in 200 ms")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenUnknownDevice(t *testing.T) {
	_, err := portaudio.Open(portaudio.Config{Input: "no-such-device-xyz", NoOutput: true})
	if !errors.Is(err, portaudio.ErrNoDevice) {
		t.Fatalf("err = %v, want ErrNoDevice", err)
	}
}
