// Package portaudio is the sound card as an audio endpoint: the microphone
// as a Source and the speaker as a Sink, through PortAudio
// (github.com/gordonklaus/portaudio, cgo, libportaudio).
//
// It is only in builds with cgo and the build tag "portaudio"
// (go build -tags portaudio, with portaudio19-dev installed). Otherwise Open
// returns ErrNotInBuild and callers fall back to audio.Null. Only cmd/hdphone
// picks this backend (internal/archtest enforces it).
//
// PortAudio calls back on its own thread; the callback and the media pacer
// meet in two small ring buffers, so ReadPCM and WritePCM never block. A
// microphone read that finds too little audio returns what there is; a
// speaker write that finds the ring full drops the oldest audio (the pacer
// and the sound card run on different clocks, and latency must not grow).
package portaudio

import "errors"

// ErrNotInBuild is returned by Open and Devices in a build without the
// portaudio tag.
var ErrNotInBuild = errors.New("portaudio: not in this build (build with cgo and -tags portaudio); use null audio")

// ErrNoDevice is returned when the requested (or a default) device does not
// exist, as on a headless machine.
var ErrNoDevice = errors.New("portaudio: no such audio device")

// Config selects the devices and the stream's shape. The zero value opens
// the default input and output at 16 kHz with 20 ms buffers.
type Config struct {
	SampleRate int    // 8000 or 16000; 0 means 16000
	Frame      int    // samples per device buffer; 0 means 20 ms
	Input      string // part of the input device's name; "" = the default
	Output     string // part of the output device's name; "" = the default
	NoInput    bool   // open the speaker only
	NoOutput   bool   // open the microphone only
	RingFrames int    // ring capacity in frames; 0 means 10 (200 ms)
}

func (c Config) withDefaults() Config {
	if c.SampleRate == 0 {
		c.SampleRate = 16000
	}
	if c.Frame == 0 {
		c.Frame = c.SampleRate / 50
	}
	if c.RingFrames == 0 {
		c.RingFrames = 10
	}
	return c
}

// DeviceInfo describes one device.
type DeviceInfo struct {
	Name          string
	HostAPI       string
	MaxInputs     int
	MaxOutputs    int
	DefaultRateHz float64
}
