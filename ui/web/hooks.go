package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// FirmwareVerifier checks uploaded firmware images. Open reads the image's
// header from r and checks that it is meant for model m; it returns the
// version the image carries and copyRest, which streams the whole image's
// payload into dst while verifying it and returns nil only when the image is
// intact (length and hash). Nothing is burnt unless both succeed.
type FirmwareVerifier interface {
	Open(m model.Name, r io.Reader) (version string, copyRest func(dst io.Writer) error, err error)
}

// ImageVerifier verifies images in hdphone's .img format
// (provisioning/firmware): header, model list, length and SHA-256. It is the
// FirmwareVerifier a Server uses when Config.Firmware is nil.
type ImageVerifier struct{}

// Open implements FirmwareVerifier.
func (ImageVerifier) Open(m model.Name, r io.Reader) (string, func(io.Writer) error, error) {
	head := make([]byte, firmware.HeaderSize)
	if n, err := io.ReadFull(r, head); err != nil {
		return "", nil, fmt.Errorf("%w: %d bytes, shorter than an image header", firmware.ErrNotImage, n)
	}
	h, err := firmware.ParseHeader(head)
	if err != nil {
		return "", nil, err
	}
	if err := h.Check(string(m)); err != nil {
		return "", nil, err
	}
	return h.Version, func(dst io.Writer) error {
		_, err := firmware.Verify(io.MultiReader(bytes.NewReader(head), r), string(m), dst)
		return err
	}, nil
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
