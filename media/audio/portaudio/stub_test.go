//go:build !(cgo && portaudio)

package portaudio_test

import (
	"errors"
	"testing"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/audio/portaudio"
)

// Without the tag, Open says so, and the caller falls back to null audio.
func TestNotInBuild(t *testing.T) {
	var src audio.Source
	d, err := portaudio.Open(portaudio.Config{})
	if !errors.Is(err, portaudio.ErrNotInBuild) {
		t.Fatalf("Open err = %v, want ErrNotInBuild", err)
	}
	if d == nil {
		src = audio.Null{}
	}
	if n, err := src.ReadPCM(make([]int16, 160)); n != 160 || err != nil {
		t.Fatal("null fallback does not work")
	}
	if _, err := portaudio.Devices(); !errors.Is(err, portaudio.ErrNotInBuild) {
		t.Fatalf("Devices err = %v", err)
	}
}
