package web

import (
	"context"
	"io"
	"time"

	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// FirmwareVerifier reads a whole uploaded firmware image and returns the
// version it carries once the image is intact and meant for model m. It
// returns an error for a corrupted, truncated or other-model image; nothing is
// burnt then.
type FirmwareVerifier interface {
	Verify(m model.Name, r io.Reader) (version string, err error)
}

// FirmwareVerifierFunc adapts a function to FirmwareVerifier.
type FirmwareVerifierFunc func(m model.Name, r io.Reader) (string, error)

// Verify calls f.
func (f FirmwareVerifierFunc) Verify(m model.Name, r io.Reader) (string, error) { return f(m, r) }

// ImageVerifier verifies images in hdphone's .img format
// (provisioning/firmware): header, model list, length and SHA-256. It is the
// FirmwareVerifier a Server uses when Config.Firmware is nil.
type ImageVerifier struct{}

// Verify implements FirmwareVerifier.
func (ImageVerifier) Verify(m model.Name, r io.Reader) (string, error) {
	h, err := firmware.Verify(r, string(m), nil)
	if err != nil {
		return "", err
	}
	return h.Version, nil
}

// CallType is the Call History page's Type dropdown.
type CallType string

// The call history types.
const (
	CallMissed   CallType = "missed"
	CallReceived CallType = "received"
	CallDialed   CallType = "dialed"
)

// CallTypes lists the types in the dropdown's order with their labels.
var CallTypes = []struct {
	Type  CallType
	Label string
}{
	{CallMissed, "Missed Calls"},
	{CallReceived, "Received Calls"},
	{CallDialed, "Dialed Numbers"},
}

// Call is one call history entry.
type Call struct {
	ID       string // stable identifier used by Delete
	Type     CallType
	At       time.Time
	Number   string
	Name     string
	Duration time.Duration
}

// CallHistory is the phone's call log.
type CallHistory interface {
	// Calls returns the entries of type t, newest first.
	Calls(t CallType) ([]Call, error)
	// DeleteCall removes one entry; a missing one is not an error.
	DeleteCall(t CallType, id string) error
}

// Tombstone describes the crash dumps kept in flash.
type Tombstone struct {
	Count int
	Last  time.Time // zero when Count is 0
}

// Tombstones gives the Tombstone Dump page its numbers and its download.
type Tombstones interface {
	Tombstones() (Tombstone, error)
	// WriteTombstones writes the dump file (an archive of every crash dump).
	WriteTombstones(w io.Writer) error
}

// Faceplate is the phone's front: the screen, the LEDs and the keys. The
// screen application implements it; the faceplate page polls it and injects
// key presses.
type Faceplate interface {
	Frame() hw.TextFrame
	LEDs() map[hw.LED]hw.LEDState
	// Press presses and releases key k (index: the cfg index of a
	// programmable or function key).
	Press(k hw.Key, index int) error
}

// LineState is one line on the VoIP Status page.
type LineState struct {
	Line       int
	ID         string // the line's user/extension
	Registered bool
	Status     string // e.g. "Registered", "Registration failed (403)"
}

// CallInfo describes an established call on the VoIP Status page.
type CallInfo struct {
	Line        int
	Remote      string
	Codec       string
	Duration    time.Duration
	Packets     string // free text: sent/received/lost
	Established bool
}

// VoIP reports SIP line and call state for the VoIP Status page.
type VoIP interface {
	Lines() []LineState
	Calls() []CallInfo
}

// CheckNowFunc runs an immediate provisioning check (Automatic Update > Check
// Now).
type CheckNowFunc func(ctx context.Context) error
