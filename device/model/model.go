// Package model describes the five 400HD models hdphone emulates: which keys
// each has and how programmable and function keys map to cfg indices, which
// LEDs, the screen geometry, and the capabilities that differ between models.
//
// Model-specific configuration defaults (for example the RX50's BToE pairing
// mode) are part of the parameter catalogue in package config; this package
// describes hardware and features.
package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hdphone/hdphone/hw"
)

// ErrUnknown is returned by Lookup for a name that is not a 400HD model.
var ErrUnknown = errors.New("model: unknown model")

// Name is a model name as it appears in DHCP options 60/77, file names
// (<model>.img, <model>.cfg) and the User-Agent.
type Name string

// The models.
const (
	M445HD  Name = "445HD"
	M450HD  Name = "450HD"
	MC450HD Name = "C450HD"
	MRX50   Name = "RX50"
	MHRS    Name = "HRS"
)

// KeyRange is an inclusive range of cfg indices n of
// personal_settings/functional_key/{n}.
type KeyRange struct{ First, Last int }

// Contains reports whether n lies in r.
func (r KeyRange) Contains(n int) bool { return n >= r.First && n <= r.Last }

// Len is the number of keys in r.
func (r KeyRange) Len() int { return r.Last - r.First + 1 }

// Capabilities are the features that differ between models.
type Capabilities struct {
	Paging          bool // multicast paging keys (not on HRS)
	BToE            bool // Better Together over Ethernet (not on RX50, HRS)
	BossAdmin       bool // Boss/Admin delegation (not on HRS)
	PCPort          bool // a PC Ethernet port (not on RX50)
	Handset         bool // a handset and hook switch
	Sidecar         bool // built-in function-key sidecar (445HD)
	ExpansionModule bool // optional 40-key expansion module (450HD, C450HD)
	ScreenSaver     bool // digital-clock screen saver (C450HD)
	Touch           bool // touch screen (C450HD)
	Theme           bool // MSFT/AudioCodes UI theme choice
	SSH             bool // SSH management console
	AdminSignInOnly bool // sign-in only through MENU > Admin by default (RX50)
	JabraSpeaker    bool // an attached conference speaker reported on status pages (HRS)
	// WebKeyPages: the Web UI has Function Keys and Programmable Keys pages
	// (not on HRS, manual App. D).
	WebKeyPages bool
	// KeysInMenu: the programmable keys are reached through the Menu softkey
	// > Keys instead of sitting beside the screen, so they have no LEDs
	// (RX50, manual 3.3.1.2).
	KeysInMenu bool
	// PairSoftkey: a Pair softkey for Device Duo / MTR pairing while signed
	// out (RX50, manual 4.13.4.1).
	PairSoftkey bool
	// TeamsNativeSwitch: can switch to the Teams-native (Android) firmware
	// (C450HD, manual App. F).
	TeamsNativeSwitch bool
}

// Model is one phone model. Values returned by Lookup are shared; do not
// modify them.
type Model struct {
	Name        Name
	Description string
	Screen      hw.Geometry
	// Programmable are the keys beside the screen.
	Programmable []KeyRange
	// Function are sidecar keys (445HD) in UI order.
	Function []KeyRange
	// Expansion are expansion-module keys, page by page (450HD/C450HD).
	Expansion []KeyRange
	// HardKeys are the fixed keys on the faceplate, dial pad included.
	HardKeys []hw.Key
	// LEDs lists the fixed LEDs; every programmable, function and expansion
	// key also has an hw.LEDKey LED, except keys reached through a menu
	// (Caps.KeysInMenu). FaceplateLEDs lists them all.
	LEDs []hw.LEDKind
	Caps Capabilities
	// Softkeys is the number of softkeys under the screen.
	Softkeys int

	keyIndices []int // KeyIndices, listed once for the registered models
}

var dialPad = []hw.Key{hw.Key0, hw.Key1, hw.Key2, hw.Key3, hw.Key4, hw.Key5, hw.Key6,
	hw.Key7, hw.Key8, hw.Key9, hw.KeyStar, hw.KeyPound}

var navigation = []hw.Key{hw.KeyMenu, hw.KeyOK, hw.KeyUp, hw.KeyDown, hw.KeyLeft,
	hw.KeyRight, hw.KeyBack, hw.KeySoft1, hw.KeySoft2, hw.KeySoft3, hw.KeySoft4}

var deskKeys = []hw.Key{hw.KeyHold, hw.KeyTransfer, hw.KeyConference, hw.KeyRedial,
	hw.KeyMute, hw.KeySpeaker, hw.KeyHeadset, hw.KeyVolumeUp, hw.KeyVolumeDown,
	hw.KeyContacts, hw.KeyVoicemail, hw.KeyHook, hw.KeyEHS}

func keys(groups ...[]hw.Key) []hw.Key {
	var out []hw.Key
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var deskLEDs = []hw.LEDKind{hw.LEDRinger, hw.LEDMute, hw.LEDSpeaker, hw.LEDHeadset}

var models = []*Model{
	{
		Name:         M445HD,
		Description:  "445HD IP phone: colour screen, six programmable keys and a three-page 33-key sidecar",
		Screen:       hw.Geometry{Width: 320, Height: 240, Cols: 40, Rows: 12, Color: true},
		Programmable: []KeyRange{{12, 17}},
		Function:     []KeyRange{{0, 11}, {18, 38}},
		HardKeys:     keys(dialPad, navigation, deskKeys),
		LEDs:         deskLEDs,
		Softkeys:     4,
		Caps: Capabilities{Paging: true, BToE: true, BossAdmin: true, PCPort: true, Handset: true,
			Sidecar: true, SSH: true, WebKeyPages: true},
	},
	{
		Name:         M450HD,
		Description:  "450HD IP phone: 5-inch colour screen, eight programmable keys, optional expansion module",
		Screen:       hw.Geometry{Width: 800, Height: 480, Cols: 52, Rows: 14, Color: true},
		Programmable: []KeyRange{{0, 7}},
		Expansion:    []KeyRange{{8, 27}, {28, 47}},
		HardKeys:     keys(dialPad, navigation, deskKeys),
		LEDs:         deskLEDs,
		Softkeys:     4,
		Caps: Capabilities{Paging: true, BToE: true, BossAdmin: true, PCPort: true, Handset: true,
			ExpansionModule: true, Theme: true, SSH: true, WebKeyPages: true},
	},
	{
		Name:         MC450HD,
		Description:  "C450HD IP phone: 5-inch colour touch screen with screen saver, eight programmable keys, optional expansion module",
		Screen:       hw.Geometry{Width: 800, Height: 480, Cols: 52, Rows: 14, Color: true, Touch: true},
		Programmable: []KeyRange{{0, 7}},
		Expansion:    []KeyRange{{8, 27}, {28, 47}},
		HardKeys:     keys(dialPad, navigation, deskKeys),
		LEDs:         deskLEDs,
		Softkeys:     4,
		Caps: Capabilities{Paging: true, BToE: true, BossAdmin: true, PCPort: true, Handset: true,
			ExpansionModule: true, ScreenSaver: true, Touch: true, Theme: true, SSH: true, WebKeyPages: true,
			TeamsNativeSwitch: true},
	},
	{
		Name:         MRX50,
		Description:  "RX50 conference phone: no handset, no PC port, six programmable keys behind the Menu softkey",
		Screen:       hw.Geometry{Width: 320, Height: 240, Cols: 40, Rows: 12, Color: true},
		Programmable: []KeyRange{{0, 5}},
		HardKeys: keys(dialPad, navigation, []hw.Key{hw.KeyMute, hw.KeySpeaker,
			hw.KeyVolumeUp, hw.KeyVolumeDown}),
		LEDs:     []hw.LEDKind{hw.LEDRinger, hw.LEDMute},
		Softkeys: 4,
		// Boss/Admin is excluded only on the HRS (manual 4.14), so the RX50 has it.
		Caps: Capabilities{Paging: true, BossAdmin: true, AdminSignInOnly: true, WebKeyPages: true,
			KeysInMenu: true, PairSoftkey: true},
	},
	{
		Name:         MHRS,
		Description:  "HRS huddle-room console: a 450HD-class console with a conference speaker; no paging, BToE or Boss/Admin",
		Screen:       hw.Geometry{Width: 800, Height: 480, Cols: 52, Rows: 14, Color: true},
		Programmable: []KeyRange{{0, 7}},
		HardKeys:     keys(dialPad, navigation, deskKeys),
		LEDs:         deskLEDs,
		Softkeys:     4,
		Caps:         Capabilities{PCPort: true, Handset: true, SSH: true, JabraSpeaker: true},
	},
}

// All returns the models in a fixed order.
func All() []*Model { return slices.Clone(models) }

// Names returns the model names in the same order as All.
func Names() []Name {
	out := make([]Name, len(models))
	for i, m := range models {
		out[i] = m.Name
	}
	return out
}

// Lookup finds a model by name, ignoring case.
func Lookup(name string) (*Model, error) {
	for _, m := range models {
		if strings.EqualFold(string(m.Name), name) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%w %q (want one of %v)", ErrUnknown, name, Names())
}

// MustLookup is Lookup for names known at compile time.
func MustLookup(name Name) *Model {
	m, err := Lookup(string(name))
	if err != nil {
		panic(err)
	}
	return m
}

// HasKey reports whether the model has hard key k.
func (m *Model) HasKey(k hw.Key) bool {
	return slices.Contains(m.HardKeys, k)
}

// KeyIndices returns every programmable, function and expansion key index,
// in the order the user sees them. The slice of a registered model is
// shared (every phone asks at every boot): callers must not modify it.
func (m *Model) KeyIndices() []int {
	if m.keyIndices != nil {
		return m.keyIndices
	}
	return m.listKeyIndices()
}

func init() {
	for _, m := range models {
		m.keyIndices = m.listKeyIndices()
	}
}

func (m *Model) listKeyIndices() []int {
	var out []int
	for _, group := range [][]KeyRange{m.Programmable, m.Function, m.Expansion} {
		for _, r := range group {
			for n := r.First; n <= r.Last; n++ {
				out = append(out, n)
			}
		}
	}
	return out
}

// KeyKind tells whether cfg index n is a programmable, function or expansion
// key on this model.
type KeyKind uint8

const (
	NoKey KeyKind = iota
	ProgrammableKey
	FunctionKey
	ExpansionKey
)

func (k KeyKind) String() string {
	switch k {
	case ProgrammableKey:
		return "programmable"
	case FunctionKey:
		return "function"
	case ExpansionKey:
		return "expansion"
	}
	return "none"
}

// KeyAt classifies cfg index n and returns its 1-based number as the phone
// and its Web pages show it: 445HD programmable keys 1-6 and sidecar keys
// 1-33; 450HD/C450HD/HRS keys 1-8 beside the screen, and expansion-module
// keys 9-48, numbered on from them (manual 3.3.1.2); RX50 keys 1-6.
func (m *Model) KeyAt(n int) (KeyKind, int) {
	for _, g := range []struct {
		kind   KeyKind
		ranges []KeyRange
	}{{ProgrammableKey, m.Programmable}, {FunctionKey, m.Function}, {ExpansionKey, m.Expansion}} {
		pos := 0
		if g.kind == ExpansionKey {
			pos = countKeys(m.Programmable)
		}
		for _, r := range g.ranges {
			if r.Contains(n) {
				return g.kind, pos + n - r.First + 1
			}
			pos += r.Len()
		}
	}
	return NoKey, 0
}

func countKeys(rs []KeyRange) int {
	n := 0
	for _, r := range rs {
		n += r.Len()
	}
	return n
}

// FaceplateLEDs lists every LED of the model: the fixed LEDs, then the LED
// of each programmable, function and expansion key (the optional expansion
// module's included), in KeyIndices order. It is what a hardware backend of
// this model must support (for example virtual.Config.LEDs).
func (m *Model) FaceplateLEDs() []hw.LED {
	out := make([]hw.LED, 0, len(m.LEDs)+48)
	for _, k := range m.LEDs {
		out = append(out, hw.LED{Kind: k})
	}
	if m.Caps.KeysInMenu {
		return out
	}
	for _, n := range m.KeyIndices() {
		out = append(out, hw.LED{Kind: hw.LEDKey, Index: n})
	}
	return out
}
