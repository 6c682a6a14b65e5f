//go:build cgo && portaudio

package portaudio

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	pa "github.com/gordonklaus/portaudio"
)

// Device is the open sound card.
type Device struct {
	cfg    Config
	stream *pa.Stream
	mic    *ring
	spk    *ring

	mu     sync.Mutex // guards closed
	closed bool
}

// Devices lists the sound devices PortAudio sees.
func Devices() ([]DeviceInfo, error) {
	if err := pa.Initialize(); err != nil {
		return nil, fmt.Errorf("portaudio: initialise: %w", err)
	}
	defer pa.Terminate()
	ds, err := pa.Devices()
	if err != nil {
		return nil, fmt.Errorf("portaudio: list devices: %w", err)
	}
	out := make([]DeviceInfo, 0, len(ds))
	for _, d := range ds {
		out = append(out, info(d))
	}
	return out, nil
}

func info(d *pa.DeviceInfo) DeviceInfo {
	i := DeviceInfo{Name: d.Name, MaxInputs: d.MaxInputChannels, MaxOutputs: d.MaxOutputChannels, DefaultRateHz: d.DefaultSampleRate}
	if d.HostApi != nil {
		i.HostAPI = d.HostApi.Name
	}
	return i
}

// Open opens the devices and starts the stream.
func Open(cfg Config) (*Device, error) {
	cfg = cfg.withDefaults()
	if cfg.SampleRate != 8000 && cfg.SampleRate != 16000 {
		return nil, fmt.Errorf("portaudio: sample rate %d: must be 8000 or 16000", cfg.SampleRate)
	}
	if cfg.NoInput && cfg.NoOutput {
		return nil, errors.New("portaudio: neither input nor output requested")
	}
	if err := pa.Initialize(); err != nil {
		return nil, fmt.Errorf("portaudio: initialise: %w", err)
	}
	d := &Device{cfg: cfg, mic: newRing(cfg.RingFrames * cfg.Frame), spk: newRing(cfg.RingFrames * cfg.Frame)}
	p := pa.StreamParameters{SampleRate: float64(cfg.SampleRate), FramesPerBuffer: cfg.Frame}
	if !cfg.NoInput {
		dev, err := pick(cfg.Input, true)
		if err != nil {
			pa.Terminate()
			return nil, err
		}
		p.Input = pa.StreamDeviceParameters{Device: dev, Channels: 1, Latency: dev.DefaultLowInputLatency}
	}
	if !cfg.NoOutput {
		dev, err := pick(cfg.Output, false)
		if err != nil {
			pa.Terminate()
			return nil, err
		}
		p.Output = pa.StreamDeviceParameters{Device: dev, Channels: 1, Latency: dev.DefaultLowOutputLatency}
	}
	var cb any
	switch {
	case cfg.NoInput:
		cb = func(out []int16) { d.fill(out) }
	case cfg.NoOutput:
		cb = func(in []int16) { d.mic.write(in) }
	default:
		cb = func(in, out []int16) {
			d.mic.write(in)
			d.fill(out)
		}
	}
	s, err := pa.OpenStream(p, cb)
	if err != nil {
		pa.Terminate()
		return nil, fmt.Errorf("portaudio: open stream: %w", err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		pa.Terminate()
		return nil, fmt.Errorf("portaudio: start stream: %w", err)
	}
	d.stream = s
	return d, nil
}

// fill gives the speaker what the pacer wrote, silence for the rest.
func (d *Device) fill(out []int16) {
	n := d.spk.read(out)
	clear(out[n:])
}

// pick finds a device by part of its name, or the default one.
func pick(name string, input bool) (*pa.DeviceInfo, error) {
	if name == "" {
		var dev *pa.DeviceInfo
		var err error
		if input {
			dev, err = pa.DefaultInputDevice()
		} else {
			dev, err = pa.DefaultOutputDevice()
		}
		if err != nil || dev == nil {
			return nil, fmt.Errorf("%w: no default %s device (%v)", ErrNoDevice, direction(input), err)
		}
		return dev, nil
	}
	ds, err := pa.Devices()
	if err != nil {
		return nil, fmt.Errorf("portaudio: list devices: %w", err)
	}
	for _, dev := range ds {
		if strings.Contains(strings.ToLower(dev.Name), strings.ToLower(name)) &&
			(input && dev.MaxInputChannels > 0 || !input && dev.MaxOutputChannels > 0) {
			return dev, nil
		}
	}
	return nil, fmt.Errorf("%w: no %s device named like %q", ErrNoDevice, direction(input), name)
}

func direction(input bool) string {
	if input {
		return "input"
	}
	return "output"
}

// SampleRate returns the stream's rate.
func (d *Device) SampleRate() int { return d.cfg.SampleRate }

// ReadPCM gives what the microphone recorded since the last call, up to
// len(dst) samples; it never blocks.
func (d *Device) ReadPCM(dst []int16) (int, error) { return d.mic.read(dst), nil }

// WritePCM queues pcm for the speaker; it never blocks.
func (d *Device) WritePCM(pcm []int16) error {
	d.spk.write(pcm)
	return nil
}

// Close stops the stream and releases PortAudio.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	err := d.stream.Stop()
	if cerr := d.stream.Close(); err == nil {
		err = cerr
	}
	if terr := pa.Terminate(); err == nil {
		err = terr
	}
	if err != nil {
		return fmt.Errorf("portaudio: close: %w", err)
	}
	return nil
}
