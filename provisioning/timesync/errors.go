package timesync

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrTimeServer means no configured time server answered: the phone
	// shows "Failed to connect to time server".
	ErrTimeServer = errors.New("timesync: failed to connect to time server")
	// ErrNoServer means neither DHCP nor the configuration names a time
	// server; it wraps ErrTimeServer, as the phone shows the same text.
	ErrNoServer = fmt.Errorf("%w: no time server configured", ErrTimeServer)
	// ErrBadSetting means a time setting does not parse.
	ErrBadSetting = errors.New("timesync: bad setting")
)

// NotifyFailed is the screen notification for a failed synchronisation
// (Table 2-9).
const NotifyFailed = "Failed to connect to time server"

// Attempt is one server's failure in a synchronisation.
type Attempt struct {
	Server string
	Err    error
}

// SyncError reports that every server failed, with each server's reason.
type SyncError struct {
	Attempts []Attempt
}

func (e *SyncError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.Server + ": " + a.Err.Error()
	}
	return ErrTimeServer.Error() + " (" + strings.Join(parts, "; ") + ")"
}

// Unwrap makes errors.Is(err, ErrTimeServer) true.
func (e *SyncError) Unwrap() error { return ErrTimeServer }
