//go:build !(cgo && portaudio)

package portaudio

// Device is the sound card; in this build it cannot be opened.
type Device struct{}

// Open returns ErrNotInBuild.
func Open(Config) (*Device, error) { return nil, ErrNotInBuild }

// Devices returns ErrNotInBuild.
func Devices() ([]DeviceInfo, error) { return nil, ErrNotInBuild }

// ReadPCM returns ErrNotInBuild.
func (*Device) ReadPCM([]int16) (int, error) { return 0, ErrNotInBuild }

// WritePCM returns ErrNotInBuild.
func (*Device) WritePCM([]int16) error { return ErrNotInBuild }

// Close returns ErrNotInBuild.
func (*Device) Close() error { return ErrNotInBuild }

// SampleRate returns 0.
func (*Device) SampleRate() int { return 0 }
