package model_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// span lists the cfg indices first..last.
func span(first, last int) []int {
	var out []int
	for n := first; n <= last; n++ {
		out = append(out, n)
	}
	return out
}

func indices(rs []model.KeyRange) []int {
	var out []int
	for _, r := range rs {
		out = append(out, span(r.First, r.Last)...)
	}
	return out
}

// The key maps of manual §3.3 (behaviours KEYS-1 to KEYS-4), per model.
//
// behaviour: KEYS-1
// behaviour: KEYS-2
// behaviour: KEYS-3
// behaviour: KEYS-4
func TestKeyMapsOfTheManual(t *testing.T) {
	tests := []struct {
		model        model.Name
		programmable []int
		function     []int
		expansion    [][]int // page by page
	}{
		{model.M445HD, span(12, 17), append(span(0, 11), span(18, 38)...), nil},
		{model.M450HD, span(0, 7), nil, [][]int{span(8, 27), span(28, 47)}},
		{model.MC450HD, span(0, 7), nil, [][]int{span(8, 27), span(28, 47)}},
		{model.MHRS, span(0, 7), nil, nil},
		{model.MRX50, span(0, 5), nil, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.model), func(t *testing.T) {
			m := model.MustLookup(tt.model)
			if got := indices(m.Programmable); !slices.Equal(got, tt.programmable) {
				t.Errorf("programmable n = %v, want %v", got, tt.programmable)
			}
			if got := indices(m.Function); !slices.Equal(got, tt.function) {
				t.Errorf("function n = %v, want %v", got, tt.function)
			}
			if len(m.Expansion) != len(tt.expansion) {
				t.Fatalf("%d expansion pages, want %d", len(m.Expansion), len(tt.expansion))
			}
			for p, want := range tt.expansion {
				if got := indices(m.Expansion[p : p+1]); !slices.Equal(got, want) {
					t.Errorf("expansion page %d n = %v, want %v", p+1, got, want)
				}
			}
			all := m.KeyIndices()
			sorted := slices.Sorted(slices.Values(all))
			if len(slices.Compact(sorted)) != len(all) {
				t.Errorf("KeyIndices has duplicates: %v", all)
			}
		})
	}
}

// KeyAt gives each cfg index the number the phone and its Web pages show:
// on the 445HD n=12-17 are programmable keys 1-6 and the 33 sidecar keys are
// n=0-11 then 18-38; on the 450HD the expansion module's keys are 9-48.
//
// behaviour: KEYS-1
// behaviour: KEYS-2
// behaviour: KEYS-3
// behaviour: KEYS-4
func TestKeyAtPositions(t *testing.T) {
	tests := []struct {
		model model.Name
		n     int
		kind  model.KeyKind
		pos   int
	}{
		{model.M445HD, 12, model.ProgrammableKey, 1},
		{model.M445HD, 17, model.ProgrammableKey, 6},
		{model.M445HD, 0, model.FunctionKey, 1},
		{model.M445HD, 11, model.FunctionKey, 12},
		{model.M445HD, 18, model.FunctionKey, 13},
		{model.M445HD, 38, model.FunctionKey, 33},
		{model.M445HD, 39, model.NoKey, 0},
		{model.M445HD, -1, model.NoKey, 0},
		{model.M450HD, 0, model.ProgrammableKey, 1},
		{model.M450HD, 7, model.ProgrammableKey, 8},
		{model.M450HD, 8, model.ExpansionKey, 9},
		{model.M450HD, 27, model.ExpansionKey, 28},
		{model.M450HD, 28, model.ExpansionKey, 29},
		{model.M450HD, 47, model.ExpansionKey, 48},
		{model.M450HD, 48, model.NoKey, 0},
		{model.MC450HD, 47, model.ExpansionKey, 48},
		{model.MHRS, 7, model.ProgrammableKey, 8},
		{model.MHRS, 8, model.NoKey, 0},
		{model.MRX50, 5, model.ProgrammableKey, 6},
		{model.MRX50, 6, model.NoKey, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/n=%d", tt.model, tt.n), func(t *testing.T) {
			kind, pos := model.MustLookup(tt.model).KeyAt(tt.n)
			if kind != tt.kind || pos != tt.pos {
				t.Fatalf("KeyAt(%d) = %s %d, want %s %d", tt.n, kind, pos, tt.kind, tt.pos)
			}
		})
	}
}

// Every index KeyIndices lists is a key, and numbers within a kind run 1, 2,
// 3, ... with no gap, in the order the user sees them.
func TestKeyAtNumbersEveryKeyOnce(t *testing.T) {
	for _, m := range model.All() {
		seen := map[model.KeyKind][]int{}
		for _, n := range m.KeyIndices() {
			kind, pos := m.KeyAt(n)
			if kind == model.NoKey {
				t.Errorf("%s: KeyIndices lists %d but KeyAt knows no key there", m.Name, n)
			}
			seen[kind] = append(seen[kind], pos)
		}
		for kind, got := range seen {
			first := 1
			if kind == model.ExpansionKey {
				first = 9
			}
			if want := span(first, first+len(got)-1); !slices.Equal(got, want) {
				t.Errorf("%s %s keys numbered %v, want %v", m.Name, kind, got, want)
			}
		}
	}
}

// The model differences of behaviours MODEL-1 to MODEL-5 and the key
// differences of KEYS-4.
//
// behaviour: MODEL-1
// behaviour: MODEL-2
// behaviour: MODEL-3
// behaviour: MODEL-4
// behaviour: MODEL-5
// behaviour: KEYS-4
func TestCapabilitiesPerModel(t *testing.T) {
	caps := func(n model.Name) model.Capabilities { return model.MustLookup(n).Caps }
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		// MODEL-1 / KEYS-4: RX50.
		{"RX50 has no PC port", caps(model.MRX50).PCPort, false},
		{"RX50 has no BToE", caps(model.MRX50).BToE, false},
		{"RX50 signs in through Admin by default", caps(model.MRX50).AdminSignInOnly, true},
		{"RX50 keys are behind the Menu softkey", caps(model.MRX50).KeysInMenu, true},
		{"RX50 has the Pair softkey", caps(model.MRX50).PairSoftkey, true},
		{"RX50 has no handset", caps(model.MRX50).Handset, false},
		{"RX50 has no SSH (AUTH-5)", caps(model.MRX50).SSH, false},
		{"RX50 pages (manual 3.4.17)", caps(model.MRX50).Paging, true},
		{"RX50 has Boss/Admin (only the HRS is excluded, manual 4.14)", caps(model.MRX50).BossAdmin, true},
		// MODEL-2: HRS.
		{"HRS has no paging", caps(model.MHRS).Paging, false},
		{"HRS has no BToE", caps(model.MHRS).BToE, false},
		{"HRS has no Boss/Admin", caps(model.MHRS).BossAdmin, false},
		{"HRS has no key pages in the Web UI", caps(model.MHRS).WebKeyPages, false},
		{"HRS has no theme choice", caps(model.MHRS).Theme, false},
		{"HRS reports the Jabra speaker", caps(model.MHRS).JabraSpeaker, true},
		{"HRS has SSH", caps(model.MHRS).SSH, true},
		{"HRS has no expansion module", caps(model.MHRS).ExpansionModule, false},
		// MODEL-3: 445HD.
		{"445HD has the sidecar", caps(model.M445HD).Sidecar, true},
		{"445HD has no expansion module", caps(model.M445HD).ExpansionModule, false},
		{"445HD has no theme choice", caps(model.M445HD).Theme, false},
		// MODEL-4: C450HD.
		{"C450HD has a touch screen", caps(model.MC450HD).Touch, true},
		{"C450HD screen is touch", model.MustLookup(model.MC450HD).Screen.Touch, true},
		{"C450HD has the screen saver", caps(model.MC450HD).ScreenSaver, true},
		{"C450HD can switch to Teams native", caps(model.MC450HD).TeamsNativeSwitch, true},
		// MODEL-5: 450HD / C450HD.
		{"450HD takes the expansion module", caps(model.M450HD).ExpansionModule, true},
		{"C450HD takes the expansion module", caps(model.MC450HD).ExpansionModule, true},
		{"450HD has the theme choice", caps(model.M450HD).Theme, true},
		{"C450HD has the theme choice", caps(model.MC450HD).Theme, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v", tt.name, tt.got)
		}
	}
	// Only the C450HD has touch and the screen saver; only the HRS the
	// Jabra fields; only the 445HD the sidecar.
	for _, m := range model.All() {
		only := map[string]struct {
			has  bool
			mine bool
		}{
			"touch":         {m.Caps.Touch || m.Screen.Touch, m.Name == model.MC450HD},
			"screen saver":  {m.Caps.ScreenSaver, m.Name == model.MC450HD},
			"Teams native":  {m.Caps.TeamsNativeSwitch, m.Name == model.MC450HD},
			"Jabra speaker": {m.Caps.JabraSpeaker, m.Name == model.MHRS},
			"sidecar":       {m.Caps.Sidecar, m.Name == model.M445HD},
			"admin sign-in": {m.Caps.AdminSignInOnly, m.Name == model.MRX50},
			"no PC port":    {!m.Caps.PCPort, m.Name == model.MRX50},
			"no key pages":  {!m.Caps.WebKeyPages, m.Name == model.MHRS},
		}
		for what, c := range only {
			if c.has != c.mine {
				t.Errorf("%s: %s = %v", m.Name, what, c.has)
			}
		}
		if m.Caps.ExpansionModule != (len(m.Expansion) > 0) {
			t.Errorf("%s: ExpansionModule %v but %d expansion pages", m.Name, m.Caps.ExpansionModule, len(m.Expansion))
		}
		if m.Caps.Sidecar != (len(m.Function) > 0) {
			t.Errorf("%s: Sidecar %v but %d function ranges", m.Name, m.Caps.Sidecar, len(m.Function))
		}
	}
}

// behaviour: KEYS-6
func TestHardKeysOfTheManual(t *testing.T) {
	desk := []hw.Key{hw.KeyMenu, hw.KeyTransfer, hw.KeySpeaker, hw.KeyContacts, hw.KeyOK, hw.KeyVoicemail, hw.KeyHeadset, hw.KeyHook}
	for _, n := range []model.Name{model.M445HD, model.M450HD, model.MC450HD, model.MHRS} {
		m := model.MustLookup(n)
		for _, k := range desk {
			if !m.HasKey(k) {
				t.Errorf("%s lacks %s", n, k)
			}
		}
		for _, k := range []hw.Key{hw.Key0, hw.Key9, hw.KeyStar, hw.KeyPound} {
			if !m.HasKey(k) {
				t.Errorf("%s lacks dial key %s", n, k)
			}
		}
	}
	rx := model.MustLookup(model.MRX50)
	for _, k := range []hw.Key{hw.KeyMenu, hw.KeyOK, hw.KeySpeaker, hw.KeyMute, hw.Key5} {
		if !rx.HasKey(k) {
			t.Errorf("RX50 lacks %s", k)
		}
	}
	if rx.HasKey(hw.KeyHook) || rx.HasKey(hw.KeyHeadset) {
		t.Error("RX50, a conference phone without a handset, has a hook switch or headset key")
	}
	for _, m := range model.All() {
		if m.HasKey(hw.KeyProgrammable) || m.HasKey(hw.KeyFunction) {
			t.Errorf("%s lists indexed keys among its hard keys", m.Name)
		}
		if m.Softkeys != 4 {
			t.Errorf("%s has %d softkeys", m.Name, m.Softkeys)
		}
	}
}

func TestFaceplateLEDs(t *testing.T) {
	for _, tt := range []struct {
		model model.Name
		keys  int // key LEDs
	}{
		{model.M445HD, 6 + 33},
		{model.M450HD, 8 + 40},
		{model.MC450HD, 8 + 40},
		{model.MHRS, 8},
		{model.MRX50, 0}, // keys in a menu have no LEDs
	} {
		m := model.MustLookup(tt.model)
		leds := m.FaceplateLEDs()
		keys := 0
		for _, l := range leds {
			if l.Kind == hw.LEDKey {
				keys++
				if kind, _ := m.KeyAt(l.Index); kind == model.NoKey {
					t.Errorf("%s: LED of a key that does not exist: %v", tt.model, l)
				}
			}
		}
		if keys != tt.keys || len(leds) != keys+len(m.LEDs) {
			t.Errorf("%s: %d key LEDs of %d, want %d", tt.model, keys, len(leds), tt.keys)
		}
		if !slices.Contains(leds, hw.LED{Kind: hw.LEDRinger}) {
			t.Errorf("%s has no ringer LED (LED-1)", tt.model)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, n := range model.Names() {
		for _, spelled := range []string{string(n), strings.ToLower(string(n))} {
			m, err := model.Lookup(spelled)
			if err != nil || m.Name != n {
				t.Errorf("Lookup(%q) = %v, %v", spelled, m, err)
			}
		}
	}
	for _, bad := range []string{"", "440HD", "450", "HRS457", "C450HD "} {
		if _, err := model.Lookup(bad); !errors.Is(err, model.ErrUnknown) {
			t.Errorf("Lookup(%q) = %v, want ErrUnknown", bad, err)
		}
	}
	names := model.Names()
	if !slices.Equal(names, []model.Name{model.M445HD, model.M450HD, model.MC450HD, model.MRX50, model.MHRS}) {
		t.Errorf("Names = %v", names)
	}
	all := model.All()
	all[0] = nil
	if model.All()[0] == nil {
		t.Error("All exposes the package's slice")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustLookup of an unknown model did not panic")
		}
	}()
	model.MustLookup("440HD")
}

// The screens: the 450HD class has the 5-inch 800x480 screen, the 445HD and
// RX50 the 320x240 one; every text grid fits its pixels with room to spare.
func TestScreens(t *testing.T) {
	for _, m := range model.All() {
		g := m.Screen
		if g.Cols <= 0 || g.Rows <= 0 || g.Width/g.Cols < 6 || g.Height/g.Rows < 12 {
			t.Errorf("%s: grid %dx%d on %dx%d pixels", m.Name, g.Cols, g.Rows, g.Width, g.Height)
		}
		if !g.Color {
			t.Errorf("%s: every 400HD model has a colour screen", m.Name)
		}
	}
	if model.MustLookup(model.M450HD).Screen.Width != 800 || model.MustLookup(model.M445HD).Screen.Width != 320 {
		t.Error("screen sizes changed")
	}
}
