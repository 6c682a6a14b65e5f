package device

import "errors"

var (
	// ErrNotRunning is returned by intents sent to a Phone whose Run has
	// returned (or not started).
	ErrNotRunning = errors.New("device: phone not running")
	// ErrPoweredOff is returned to a worker whose power cycle has ended.
	ErrPoweredOff = errors.New("device: phone powered off")
	// ErrReboot is returned by a StageFunc to ask for a restart (new firmware
	// burnt, or a configuration change that needs one).
	ErrReboot = errors.New("device: reboot requested")
	// ErrRecovery means recovery mode could not fetch and burn a firmware
	// image; the phone restarts and tries again.
	ErrRecovery = errors.New("device: recovery failed")
)
