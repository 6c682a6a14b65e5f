package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata")

// t0 is a Sunday morning.
var t0 = time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC)

// baseView is an idle, registered phone of model m.
func baseView(t testing.TB, m *model.Model, cfgLines ...string) view {
	t.Helper()
	cfg := config.Default().New(string(m.Name))
	if len(cfgLines) > 0 {
		next, _, err := cfg.Apply("test", strings.NewReader(strings.Join(cfgLines, "\n")+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		cfg = next
	}
	st := device.State{Model: m.Name, MAC: "00908f000001", Power: true, Stage: device.StageIdle,
		Firmware: device.DefaultFirmware, Config: cfg,
		Lines: []device.Line{{ID: "1001", Display: "1001", State: device.RegRegistered}}}
	return view{Model: m, Geo: m.Screen, Slots: KeySlots(m, m.Screen), State: st, Now: t0, Mono: t0,
		UI: &uiState{}, Backlight: 31}
}

// keyConfig gives the first programmable keys a speed dial, a paging
// group, a DnD key and a Missed Calls key.
func keyConfig(m *model.Model) []string {
	idx := m.KeyIndices()
	n := func(i int) string { return fmt.Sprint(idx[i]) }
	return []string{
		"personal_settings/functional_key/" + n(0) + "/type=SPEED_DIAL",
		"personal_settings/functional_key/" + n(0) + "/speed_dial_number=1002",
		"personal_settings/functional_key/" + n(0) + "/key_label=Alice",
		"personal_settings/functional_key/" + n(1) + "/type=PAGING",
		"voip/services/group_paging/group/" + n(1) + "/name=Sales",
		"personal_settings/functional_key/" + n(2) + "/type=KEY_EVENT",
		"personal_settings/functional_key/" + n(2) + "/key_event=Dnd_All",
		"personal_settings/functional_key/" + n(3) + "/type=KEY_EVENT",
		"personal_settings/functional_key/" + n(3) + "/key_event=Missed_Calls",
	}
}

func call(id string, st device.CallState, number string, mod ...func(*device.Call)) device.Call {
	c := device.Call{ID: id, State: st, Number: number, Direction: device.Outgoing, Started: t0.Add(-time.Minute)}
	if st == device.CallConnected || st == device.CallHeld {
		c.Answered, c.Codec = t0.Add(-42*time.Second), "PCMU"
	}
	for _, f := range mod {
		f(&c)
	}
	return c
}

func incoming(c *device.Call) { c.Direction = device.Incoming }

// screens are the golden cases: every screen of the phone, on every model.
var screens = []struct {
	name  string
	lines []string
	make  func(v *view)
}{
	{"off", nil, func(v *view) { v.State.Power = false }},
	{"boot", nil, func(v *view) { v.State.Stage = device.StageNetwork; v.State.Status = "Acquiring IP…" }},
	{"idle", nil, func(v *view) {}},
	{"idle-keys-mwi", nil, func(v *view) {
		v.State.Config = applyTo(v.State.Config, keyConfig(v.Model)...)
		v.State.MWI = device.MWI{Waiting: true, New: 2}
	}},
	{"idle-12h-american-dnd-forward", []string{"system/ntp/time_display_format=12Hour", "system/ntp/date_display_format=AMERICAN"}, func(v *view) {
		v.State.Lines[0].DND, v.State.Lines[0].Forward = true, "1005"
	}},
	{"idle-notification", nil, func(v *view) {
		v.State.Notifications = []device.Notification{{Text: "Invalid address, username or password"}}
	}},
	{"idle-notification-german", []string{"personal_settings/language=German"}, func(v *view) {
		v.State.Notifications = []device.Notification{{Text: "Failed to connect sip.example.com server"}}
	}},
	{"idle-no-forward-softkey", []string{"voip/line/0/call_forward/enabled=0"}, func(v *view) {}},
	{"dialing", nil, func(v *view) { v.State.Calls = []device.Call{call("c1", device.CallDialing, "100")} }},
	{"incoming-call-description", []string{"lync/contact_name_priority=CALL_DESCRIPTION"}, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallIncoming, "1002", incoming, func(c *device.Call) { c.RemoteName = "Alice Smith" })}
	}},
	{"incoming-contact-search", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallIncoming, "1002", incoming, func(c *device.Call) { c.RemoteName = "Alice Smith" })}
	}},
	{"ringing", nil, func(v *view) { v.State.Calls = []device.Call{call("c1", device.CallRinging, "1002")} }},
	{"connected", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002", func(c *device.Call) { c.Muted = true })}
		v.State.Audio, v.State.OffHook = device.AudioSpeaker, true
	}},
	{"connected-no-bxfer-no-conf", []string{"voip/signalling/sip/sk_blind_transfer/enable=0", "lync/local3wayConf/enabled=0"}, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002")}
	}},
	{"connected-paging-softkey", []string{"personal_settings/soft_keys/ongoing_call/0/key_function=PAGING"}, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002")}
	}},
	{"held", nil, func(v *view) { v.State.Calls = []device.Call{call("c1", device.CallHeld, "1002")} }},
	{"waiting", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002"),
			call("c2", device.CallIncoming, "1003", incoming, func(c *device.Call) { c.Waiting = true })}
	}},
	{"consulting", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallHeld, "1002", func(c *device.Call) { c.Transfer = "consulting 1003" }),
			call("c2", device.CallRinging, "1003")}
	}},
	{"conference", nil, func(v *view) {
		conf := func(c *device.Call) { c.Conference = true }
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002", conf), call("c2", device.CallConnected, "1003", conf)}
	}},
	{"ended", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallEnded, "1002", func(c *device.Call) { c.EndReason = "486 Busy Here" })}
	}},
	{"paging-sending", nil, func(v *view) {
		v.State.Config = applyTo(v.State.Config, keyConfig(v.Model)...)
		v.State.Pages = []device.Page{{Group: v.Model.KeyIndices()[1], Name: "Sales", Address: "224.0.1.0:8888", Sending: true}}
	}},
	{"paging-received", nil, func(v *view) {
		n := v.Model.KeyIndices()[1]
		v.State.Config = applyTo(v.State.Config, append(keyConfig(v.Model), fmt.Sprintf("personal_settings/functional_key/%d/key_label=Floor 2", n))...)
		v.State.Pages = []device.Page{{Group: n, Name: "Sales", Address: "224.0.1.0:8888"}}
	}},
	{"paging-pending-in-call", nil, func(v *view) {
		v.State.Calls = []device.Call{call("c1", device.CallConnected, "1002")}
		v.State.Pages = []device.Page{{Group: 1, Name: "Sales", Pending: true}}
	}},
	{"menu", nil, func(v *view) {
		v.UI.push(&page{kind: pageList, title: "Menu", sel: 1, items: []item{{Label: "Status"}, {Label: "Settings"},
			{Label: "Administration"}, {Label: "Call Log"}, {Label: "Directory"}, {Label: "Lock"}}})
	}},
	{"network-status", nil, func(v *view) {
		v.UI.push(&page{kind: pageList, title: "Network Status", items: []item{{Label: "IP Address", Value: "10.0.0.5"},
			{Label: "Subnet Mask", Value: "255.255.255.0"}, {Label: "Default Gateway", Value: "10.0.0.1"}}})
	}},
	{"static-ip-entry", nil, func(v *view) {
		v.UI.push(&page{kind: pageEntry, title: "IP Address", input: "10.0.0.5", cursor: 3, hint: hintIP,
			soft: []softkey{{"Save", actSave}, {"Clear", actClear}, {"Apply", actApply}, {"Cancel", actBack}}})
	}},
	{"password", nil, func(v *view) {
		v.UI.push(&page{kind: pageEntry, title: "Password", input: "12", cursor: 2, secret: true, alpha: true, hint: "# switches 123/abc"})
	}},
	{"confirm-restore", nil, func(v *view) {
		v.UI.push(&page{kind: pageConfirm, title: "Restore Defaults", lines: []string{"Warning. Restore settings?"}})
	}},
	{"confirm-restart-french", []string{"personal_settings/language=French"}, func(v *view) {
		v.UI.push(&page{kind: pageConfirm, title: "Restart", lines: []string{"Warning: Restart the phone?"}})
	}},
	{"locked", nil, func(v *view) { v.UI.locked = true }},
	{"screen-saver", nil, func(v *view) { v.UI.saver = true; v.Backlight = 26 }},
	{"note-spanish", []string{"personal_settings/language=Spanish"}, func(v *view) {
		v.UI.note, v.UI.noteUntil = "Not available", t0.Add(time.Second)
	}},
}

func applyTo(cfg *config.Config, lines ...string) *config.Config {
	next, _, err := cfg.Apply("test", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		panic(err)
	}
	return next
}

// dump writes a frame, its softkeys and its LEDs as a golden file shows
// them: the screen inside a border, so trailing spaces are visible.
func dump(v view) string {
	f := render(v)
	var b strings.Builder
	border := "+" + strings.Repeat("-", v.Geo.Cols) + "+\n"
	b.WriteString(border)
	for i, r := range f.Rows {
		mark := " "
		if i == f.Highlight {
			mark = "<"
		}
		fmt.Fprintf(&b, "|%s%s|%s\n", r, strings.Repeat(" ", max(v.Geo.Cols-width(r), 0)), mark)
	}
	b.WriteString(border)
	fmt.Fprintf(&b, "highlight %d, backlight %d\n", f.Highlight, f.Backlight)
	var soft []string
	for _, k := range softkeys(v) {
		soft = append(soft, "["+k.Label+"]")
	}
	fmt.Fprintf(&b, "softkeys %s\n", strings.Join(soft, " "))
	leds := ledStates(v, v.Model.FaceplateLEDs())
	var lit []string
	for id, s := range leds {
		if s.Color != hw.Off {
			lit = append(lit, id.String()+"="+s.String())
		}
	}
	slices.Sort(lit)
	fmt.Fprintf(&b, "leds %s\n", strings.Join(lit, " "))
	return b.String()
}

// The screens of every model and state, against golden files (go test
// ./ui -run Golden -update rewrites them).
//
// behaviour: LCD-8
// behaviour: TIME-2
// behaviour: XFER-2
// behaviour: CALL-3
// behaviour: CALL-9
// behaviour: PAGE-2
// behaviour: PAGE-6
// behaviour: FEAT-7
// behaviour: KEYS-1
// behaviour: KEYS-2
// behaviour: KEYS-4
func TestGoldenScreens(t *testing.T) {
	for _, m := range model.All() {
		for _, sc := range screens {
			name := fmt.Sprintf("%s_%s", m.Name, sc.name)
			t.Run(name, func(t *testing.T) {
				v := baseView(t, m, sc.lines...)
				sc.make(&v)
				got := dump(v)
				path := filepath.Join("testdata", name+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./ui -run Golden -update)", err)
				}
				if got != string(want) {
					t.Errorf("screen %s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
				}
			})
		}
	}
}
