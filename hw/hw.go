// Package hw holds the hardware contracts of a 400HD phone: keys and the hook
// switch as events, LEDs with colours and flashing patterns, and a display that
// shows a text grid (and, optionally, a pixel framebuffer).
//
// # Concepts
//
// A Keypad is an input: it delivers Events (press, release, long press) for
// hard keys, softkeys, programmable and function keys, and the hook switch.
// LEDs is an output: each LED is set to a colour and a pattern. A Display shows
// TextFrames; a backend that also has pixels implements Framebuffer.
//
// Backends live in their own packages: hw/virtual (in memory, scriptable),
// hw/term (a terminal faceplate) and hw/periph (GPIO and LCD on Linux boards).
// Only cmd picks one. Every backend passes the conformance suite in hw/hwtest.
//
// This package imports nothing of the project.
package hw

import (
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"
	"time"
)

// ErrClosed is returned by a backend after Close.
var ErrClosed = errors.New("hw: closed")

// ErrNotSupported is returned for an operation a backend cannot do, such as
// an LED the hardware does not have.
var ErrNotSupported = errors.New("hw: not supported")

// Key names a physical key. Programmable and function keys share one Key each
// and are told apart by Event.Index, the cfg index n of
// personal_settings/functional_key/{n}.
type Key uint16

// The keys of the 400HD family. Not every model has every key; see
// device/model.
const (
	KeyNone Key = iota
	Key0
	Key1
	Key2
	Key3
	Key4
	Key5
	Key6
	Key7
	Key8
	Key9
	KeyStar
	KeyPound
	KeyMenu
	KeyOK
	KeyUp
	KeyDown
	KeyLeft
	KeyRight
	KeyBack
	KeySoft1
	KeySoft2
	KeySoft3
	KeySoft4
	KeyHold
	KeyTransfer
	KeyConference
	KeyRedial
	KeyMute
	KeySpeaker
	KeyHeadset
	KeyVolumeUp
	KeyVolumeDown
	KeyContacts
	KeyVoicemail
	// KeyProgrammable is a key beside the screen; Event.Index is its cfg index.
	KeyProgrammable
	// KeyFunction is a sidecar or expansion-module key; Event.Index is its cfg index.
	KeyFunction
	// KeyHook is the handset hook switch: Press = handset lifted (off-hook),
	// Release = handset put down (on-hook).
	KeyHook
	// KeyEHS is the electronic hook switch of a DHSG wireless headset whose
	// base is cabled to the AUX port (manual §3.4.11): Press = the headset
	// goes off-hook (its call button, or lifted from the base), Release =
	// on-hook.
	KeyEHS
	keyCount
)

var keyNames = [...]string{
	KeyNone: "NONE", Key0: "0", Key1: "1", Key2: "2", Key3: "3", Key4: "4", Key5: "5",
	Key6: "6", Key7: "7", Key8: "8", Key9: "9", KeyStar: "*", KeyPound: "#",
	KeyMenu: "MENU", KeyOK: "OK", KeyUp: "UP", KeyDown: "DOWN", KeyLeft: "LEFT",
	KeyRight: "RIGHT", KeyBack: "BACK", KeySoft1: "SOFT1", KeySoft2: "SOFT2",
	KeySoft3: "SOFT3", KeySoft4: "SOFT4", KeyHold: "HOLD", KeyTransfer: "TRANSFER",
	KeyConference: "CONFERENCE", KeyRedial: "REDIAL", KeyMute: "MUTE",
	KeySpeaker: "SPEAKER", KeyHeadset: "HEADSET", KeyVolumeUp: "VOL+",
	KeyVolumeDown: "VOL-", KeyContacts: "CONTACTS", KeyVoicemail: "VOICEMAIL",
	KeyProgrammable: "PKEY", KeyFunction: "FKEY", KeyHook: "HOOK", KeyEHS: "EHS",
}

func (k Key) String() string {
	if int(k) < len(keyNames) && keyNames[k] != "" {
		return keyNames[k]
	}
	return fmt.Sprintf("Key(%d)", uint16(k))
}

// ParseKey returns the Key whose String is s.
func ParseKey(s string) (Key, bool) {
	for k, n := range keyNames {
		if n == s {
			return Key(k), true
		}
	}
	return KeyNone, false
}

// KeyRef names one key of a faceplate: a hard key, or a programmable or
// function key with its index (from 0, as configuration keys number them).
type KeyRef struct {
	Key   Key
	Index int
}

// ParseKeyRefs reads a key name as fleet files and the control API write
// them: dial-pad characters (each a key: "1002#"), a key name (OK, MENU,
// SOFT1, …), or a programmable or function key by its 1-based position
// (PROG3 is index 2, FUNC4 index 3; PKEY and FKEY too).
func ParseKeyRefs(s string) ([]KeyRef, error) {
	up := strings.ToUpper(s)
	if up != "" && strings.Trim(up, "0123456789*#") == "" {
		out := make([]KeyRef, 0, len(up))
		for _, c := range up {
			k, _ := ParseKey(string(c))
			out = append(out, KeyRef{Key: k})
		}
		return out, nil
	}
	for _, pre := range []struct {
		prefix string
		key    Key
	}{{"PROG", KeyProgrammable}, {"PKEY", KeyProgrammable}, {"FUNC", KeyFunction}, {"FKEY", KeyFunction}} {
		if rest, ok := strings.CutPrefix(up, pre.prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= 48 {
				return []KeyRef{{Key: pre.key, Index: n - 1}}, nil
			}
		}
	}
	if k, ok := ParseKey(up); ok && k != KeyProgrammable && k != KeyFunction && k != KeyNone {
		return []KeyRef{{Key: k}}, nil
	}
	return nil, fmt.Errorf("unknown key %q (digits, OK, MENU, SOFT1-SOFT4, HOLD, TRANSFER, SPEAKER, HOOK, PROG1…, FUNC1…)", s)
}

// Keys lists every defined key, KeyNone excluded.
func Keys() []Key {
	ks := make([]Key, 0, keyCount-1)
	for k := Key0; k < keyCount; k++ {
		ks = append(ks, k)
	}
	return ks
}

// Switch reports whether k is a switch that stays where it is put (the
// handset's hook, a headset's electronic hook) rather than a key that
// springs back: its Press and Release are two positions, and it never
// long-presses.
func (k Key) Switch() bool { return k == KeyHook || k == KeyEHS }

// Digit returns the dial character of a dial-pad key.
func (k Key) Digit() (byte, bool) {
	switch {
	case k >= Key0 && k <= Key9:
		return byte('0' + k - Key0), true
	case k == KeyStar:
		return '*', true
	case k == KeyPound:
		return '#', true
	}
	return 0, false
}

// Action is what happened to a key.
type Action uint8

const (
	Press Action = iota + 1
	Release
	// LongPress is sent once while a key stays down past the backend's
	// long-press threshold, before its Release. The hook switch never
	// long-presses: a lifted handset is a state, not a gesture.
	LongPress
)

func (a Action) String() string {
	switch a {
	case Press:
		return "press"
	case Release:
		return "release"
	case LongPress:
		return "long-press"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Event is one key or hook transition.
type Event struct {
	Key    Key
	Index  int // cfg index for KeyProgrammable and KeyFunction, else 0
	Action Action
	At     time.Time
}

func (e Event) String() string {
	if e.Key == KeyProgrammable || e.Key == KeyFunction {
		return fmt.Sprintf("%s%d %s", e.Key, e.Index, e.Action)
	}
	return fmt.Sprintf("%s %s", e.Key, e.Action)
}

// Keypad delivers key and hook events, in the order they happened, on the
// same channel at every call. The channel is closed when the backend is
// closed. A slow reader may lose events; backends never block.
type Keypad interface {
	Events() <-chan Event
}

// LEDKind names an LED of the faceplate.
type LEDKind uint8

const (
	// LEDRinger is the message/ringer LED at the top right: red while a
	// problem notification is shown, blue for waiting calls and MWI.
	LEDRinger LEDKind = iota + 1
	LEDMute
	LEDSpeaker
	LEDHeadset
	// LEDKey is the LED of a programmable or function key; LED.Index is the
	// key's cfg index.
	LEDKey
)

func (k LEDKind) String() string {
	switch k {
	case LEDRinger:
		return "ringer"
	case LEDMute:
		return "mute"
	case LEDSpeaker:
		return "speaker"
	case LEDHeadset:
		return "headset"
	case LEDKey:
		return "key"
	}
	return fmt.Sprintf("LEDKind(%d)", uint8(k))
}

// LED identifies one LED.
type LED struct {
	Kind  LEDKind
	Index int // cfg index for LEDKey
}

func (l LED) String() string {
	if l.Kind == LEDKey {
		return fmt.Sprintf("key%d", l.Index)
	}
	return l.Kind.String()
}

// Color of an LED; Off means dark.
type Color uint8

const (
	Off Color = iota
	Red
	Green
	Blue
	Amber
)

func (c Color) String() string {
	switch c {
	case Off:
		return "off"
	case Red:
		return "red"
	case Green:
		return "green"
	case Blue:
		return "blue"
	case Amber:
		return "amber"
	}
	return fmt.Sprintf("Color(%d)", uint8(c))
}

// Pattern is how an LED shines.
type Pattern uint8

const (
	Steady Pattern = iota
	FlashSlow
	FlashFast
)

func (p Pattern) String() string {
	switch p {
	case Steady:
		return "steady"
	case FlashSlow:
		return "flash-slow"
	case FlashFast:
		return "flash-fast"
	}
	return fmt.Sprintf("Pattern(%d)", uint8(p))
}

// LEDState is the colour and pattern of an LED. The zero value is dark.
type LEDState struct {
	Color   Color
	Pattern Pattern
}

// Check returns the state a board shows for s (off, whatever the pattern,
// is the zero state), or ErrNotSupported for a colour or pattern outside
// this package's: what every backend's SetLED checks first.
func (s LEDState) Check() (LEDState, error) {
	if s.Color > Amber || s.Pattern > FlashFast {
		return LEDState{}, fmt.Errorf("%w: LED state %s", ErrNotSupported, s)
	}
	if s.Color == Off {
		return LEDState{}, nil
	}
	return s, nil
}

func (s LEDState) String() string {
	if s.Color == Off {
		return "off"
	}
	if s.Pattern == Steady {
		return s.Color.String()
	}
	return s.Color.String() + "/" + s.Pattern.String()
}

// LEDs sets LEDs. SetLED returns ErrNotSupported for an LED the backend does
// not have. Implementations are safe for concurrent use.
type LEDs interface {
	SetLED(id LED, s LEDState) error
}

// Geometry describes a screen.
type Geometry struct {
	Width, Height int // pixels
	Cols, Rows    int // text grid the phone's UI lays out on
	Color         bool
	Touch         bool
}

// TextFrame is a whole screen of text. Rows has Geometry.Rows entries; a row
// longer than Geometry.Cols runes is cut by the backend, and rows past
// Geometry.Rows are dropped: a frame is never refused for its size.
type TextFrame struct {
	Rows []string
	// Highlight is the row shown inverted (the selected menu line), or -1.
	Highlight int
	// Backlight is the backlight level, 0 (dark) to 31 (brightest).
	Backlight int
}

// Text returns the frame's rows joined by newlines, for logs and tests.
func (f TextFrame) Text() string {
	n := 0
	for _, r := range f.Rows {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	for i, r := range f.Rows {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, r...)
	}
	return string(b)
}

// Display shows text frames. Implementations are safe for concurrent use.
type Display interface {
	Geometry() Geometry
	ShowText(f TextFrame) error
}

// Framebuffer is the optional pixel capability of a Display; find it by type
// assertion.
type Framebuffer interface {
	ShowImage(img image.Image) error
}

// Board is a whole faceplate: keys, LEDs and screen. Close makes the backend
// inert (LEDs dark, screen blank) and closes the event channel; afterwards
// SetLED and ShowText return ErrClosed, and a second Close does no harm.
// The conformance suite in hw/hwtest checks these contracts.
type Board interface {
	Keypad
	LEDs
	Display
	Close() error
}
