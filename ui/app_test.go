package ui_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/uitest"
)

// Every model shows its idle screen with the line, the registration and
// the softkeys, and its programmable keys' labels beside the screen (the
// RX50 in Menu > Keys instead).
//
// behaviour: KEYS-1
// behaviour: KEYS-2
// behaviour: KEYS-4
func TestIdleScreenEveryModel(t *testing.T) {
	for _, m := range model.All() {
		t.Run(string(m.Name), func(t *testing.T) {
			idx := m.KeyIndices()
			last := idx[len(m.Programmable)*0+countProgrammable(m)-1]
			r := newRig(t, m,
				fmt.Sprintf("personal_settings/functional_key/%d/type=SPEED_DIAL", idx[0]),
				fmt.Sprintf("personal_settings/functional_key/%d/speed_dial_number=1002", idx[0]),
				fmt.Sprintf("personal_settings/functional_key/%d/key_label=Alice", idx[0]),
				fmt.Sprintf("personal_settings/functional_key/%d/type=SPEED_DIAL", last),
				fmt.Sprintf("personal_settings/functional_key/%d/speed_dial_number=1009", last),
				fmt.Sprintf("personal_settings/functional_key/%d/key_label=Zoe", last))
			f := r.see("1001")
			r.see("Registered")
			r.see("09:05")
			r.see("01/03/2026")
			soft := f.Rows[len(f.Rows)-1]
			for _, want := range []string{"Redial", "Forward", "DND", "Menu"} {
				if !strings.Contains(soft, want) {
					t.Errorf("softkeys %q lack %s", soft, want)
				}
			}
			if m.Caps.KeysInMenu {
				if strings.Contains(flat(f), "Alice") {
					t.Errorf("the %s shows key labels on the idle screen:\n%s", m.Name, f.Text())
				}
				r.tap(hw.KeyMenu)
				r.see("Keys")
				r.tap(hw.KeyDown, hw.KeyDown, hw.KeyDown, hw.KeyDown, hw.KeyDown, hw.KeyOK)
				r.see("Alice")
				r.see("Zoe")
				f = r.board.Frame()
				if n := strings.Count(f.Text(), "\n  "); n < 6 {
					t.Errorf("Menu > Keys lists %d keys, want 6:\n%s", n, f.Text())
				}
				return
			}
			// The first key's label on the left, the last one's on the right.
			slots := r.app.Slots()
			if len(slots) != countProgrammable(m) {
				t.Fatalf("%d key slots, want %d", len(slots), countProgrammable(m))
			}
			first, lastSlot := slots[0], slots[len(slots)-1]
			if first.Index != idx[0] || !first.Left || lastSlot.Index != last || lastSlot.Left {
				t.Errorf("slots %+v: want key %d left first and key %d right last", slots, idx[0], last)
			}
			if row := f.Rows[first.Row]; !strings.HasPrefix(row, "Alice") {
				t.Errorf("row %d = %q, want Alice on the left", first.Row, row)
			}
			if row := f.Rows[lastSlot.Row]; !strings.HasSuffix(row, "Zoe") {
				t.Errorf("row %d = %q, want Zoe on the right", lastSlot.Row, row)
			}
		})
	}
}

func countProgrammable(m *model.Model) int {
	n := 0
	for _, r := range m.Programmable {
		n += r.Len()
	}
	return n
}

// Every notification string of the manual's troubleshooting tables is shown
// while it lasts, in English as printed and translated in the other
// languages; the ringer LED is red meanwhile and the user cannot start a
// call (off-hook, dialing, SPEAKER, speed dial are refused).
//
// behaviour: SIGN-13
// behaviour: SIGN-14
// behaviour: LED-1
// behaviour: LCD-8
// behaviour: BOOT-17
func TestEveryNotificationString(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD),
		"personal_settings/functional_key/0/type=SPEED_DIAL",
		"personal_settings/functional_key/0/speed_dial_number=1002")
	for _, tmpl := range ui.Notifications {
		text := strings.Replace(tmpl, "%s", "sip.example.com", 1)
		t.Run(text, func(t *testing.T) {
			r.phone.Configure("personal_settings/language=English")
			r.phone.Update(func(s *device.State) {
				s.Notifications = []device.Notification{{Text: text, Since: t0}}
			})
			r.see(text)
			r.led(ringer, hw.LEDState{Color: hw.Red})
			// Calls are refused while it is shown.
			before := len(r.phone.Intents())
			r.board.HookOff()
			r.settle()
			r.see("Calls are not available")
			r.dial("5")
			r.tap(hw.KeySpeaker)
			r.pkey(0)
			r.board.HookOn()
			r.settle()
			for _, in := range r.phone.Intents()[before:] {
				if !strings.HasPrefix(in, "Hook false") {
					t.Errorf("intent %q while %q is shown", in, text)
				}
			}
			for _, lang := range ui.Languages()[1:] {
				r.phone.Configure("personal_settings/language=" + lang)
				tr := ui.Translate(lang, text)
				if tr == text || tr == "" {
					t.Errorf("%s has no translation for %q", lang, text)
				}
				r.see(tr)
			}
			r.phone.Configure("personal_settings/language=English")
			r.phone.Update(func(s *device.State) { s.Notifications = nil })
			r.gone(text)
			r.led(ringer, hw.LEDState{})
		})
	}
}

// A call from the screen: off-hook opens the dialing screen, the digits go
// to the phone (Clear takes the last one back), Dial places the call, the in-call screen counts the time and
// shows the codec, MUTE lights its LED, HOLD holds, TRANSFER asks for the
// target, on-hook ends.
//
// behaviour: XFER-1
func TestCallFromTheScreen(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	r.board.HookOff()
	r.intent("Hook true")
	r.see("Dialing")
	r.dial("1009")
	r.see("1009_")
	r.softkey("Clear") // a wrong digit taken back
	r.intent("DeleteDigit")
	r.see("100_")
	r.dial("2")
	r.see("1002_")
	r.softkey("Dial")
	r.intent("Dial 1002")
	r.see("Calling")
	r.phone.Update(func(s *device.State) { s.Calls[0].State = device.CallRinging })
	r.see("Ringing")
	r.phone.Update(func(s *device.State) {
		s.Calls[0].State, s.Calls[0].Answered, s.Calls[0].Codec = device.CallConnected, r.clk.Now(), "PCMU"
	})
	r.see("Connected")
	r.see("00:00 PCMU")
	r.clk.Advance(65 * time.Second)
	r.see("01:05 PCMU")
	r.tap(hw.KeyMute)
	r.intent("Mute true")
	r.led(hw.LED{Kind: hw.LEDMute}, hw.LEDState{Color: hw.Red})
	r.see("Muted")
	r.tap(hw.KeyMute)
	r.led(hw.LED{Kind: hw.LEDMute}, hw.LEDState{})
	r.tap(hw.KeyHold)
	r.see("On hold")
	r.softkey("Resume")
	r.see("Connected")
	r.tap(hw.KeyTransfer)
	r.see("Transfer to")
	r.dial("1003")
	r.tap(hw.KeyOK)
	r.intent("TransferKey c1 1003")
	// hk_blind_transfer=1 (default): the fake sends it blind.
	r.see("Transferring")
	r.board.HookOn()
	r.intent("Hook false")
	r.see("Call ended")
}

// The in-call softkeys: BXfer, or Hold in its place with
// sk_blind_transfer=0; Conf unless the local conference is off; BXfer
// blind-transfers; Trans transfers consultatively and completes.
//
// behaviour: XFER-2
// behaviour: CALL-9
func TestInCallSoftkeys(t *testing.T) {
	connected := func(s *device.State) {
		s.Calls = []device.Call{{ID: "c1", State: device.CallConnected, Number: "1002", Answered: t0, Codec: "PCMU"}}
	}
	t.Run("defaults", func(t *testing.T) {
		r := newRig(t, model.MustLookup(model.M445HD))
		r.phone.Update(connected)
		r.see("End Trans BXfer Conf")
		r.softkey("BXfer")
		r.see("Blind transfer to")
		r.dial("1003")
		r.softkey("Trans")
		r.intent("Transfer c1 1003 blind")
	})
	t.Run("no BXfer, no Conf", func(t *testing.T) {
		r := newRig(t, model.MustLookup(model.M450HD), "voip/signalling/sip/sk_blind_transfer/enable=0", "lync/local3wayConf/enabled=0")
		r.phone.Update(connected)
		f := r.see("End Trans Hold")
		if s := flat(f); strings.Contains(s, "BXfer") || strings.Contains(s, "Conf") {
			t.Errorf("softkeys show BXfer or Conf: %q", f.Rows[len(f.Rows)-1])
		}
		r.softkey("Hold")
		r.intent("Hold c1")
		r.see("On hold")
		r.tap(hw.KeyConference)
		r.settle()
		r.noIntent("Conference")
	})
	t.Run("consultative", func(t *testing.T) {
		r := newRig(t, model.MustLookup(model.M450HD))
		r.phone.Update(connected)
		r.softkey("Trans")
		r.dial("1003")
		r.softkey("Trans")
		r.intent("Transfer c1 1003 consultative")
		r.see("Held: 1002 (consulting 1003)")
		r.softkey("Trans")
		r.intent("CompleteTransfer")
	})
	t.Run("conference", func(t *testing.T) {
		r := newRig(t, model.MustLookup(model.MC450HD))
		r.phone.Update(connected)
		r.softkey("Conf")
		r.see("Conference with")
		r.dial("1003")
		r.softkey("Dial")
		r.intent("Dial 1003")
		r.phone.Update(func(s *device.State) {
			i := len(s.Calls) - 1
			s.Calls[i].State, s.Calls[i].Answered = device.CallConnected, t0
		})
		r.see("Held: 1002")
		r.softkey("Conf")
		r.intent("Conference")
		r.see("Conference")
	})
}

// With call forwarding disabled there is no Forward softkey and the
// Forward All key says it is not available; otherwise Forward sets and
// clears the target.
//
// behaviour: CALL-3
func TestForwardSoftkey(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	r.softkey("Forward")
	r.see("Forward all calls to")
	r.dial("1005")
	r.softkey("OK")
	r.intent("SetForward 1005")
	r.see("Fwd 1005")
	r.softkey("Forward")
	r.softkey("Off")
	r.intent("SetForward ")
	r.gone("Fwd 1005")

	off := newRig(t, model.MustLookup(model.M450HD), "voip/line/0/call_forward/enabled=0",
		"personal_settings/functional_key/2/type=KEY_EVENT", "personal_settings/functional_key/2/key_event=Forward_All")
	f := off.see("Menu")
	if strings.Contains(f.Rows[len(f.Rows)-1], "Forward") {
		t.Errorf("softkeys %q show Forward with call_forward/enabled=0", f.Rows[len(f.Rows)-1])
	}
	off.pkey(2)
	off.see("Not available")
}

// The caller's name: the SIP display name with CALL_DESCRIPTION, the
// directory's name with CONTACT_SEARCH (the default), else the number.
//
// behaviour: FEAT-7
func TestCallerName(t *testing.T) {
	ring := func(s *device.State) {
		s.Calls = []device.Call{{ID: "c1", Direction: device.Incoming, State: device.CallIncoming, Number: "1002", RemoteName: "Alice SIP"}}
	}
	m := model.MustLookup(model.M450HD)
	r := newRig(t, m, "lync/contact_name_priority=CALL_DESCRIPTION")
	r.phone.Update(ring)
	r.see("Incoming call")
	r.see("Alice SIP")

	clk := r.clk
	ph := uitest.New(m, clk)
	d := startRig(t, ph, clk, ui.Config{Contacts: []ui.Contact{{Name: "Alice Directory", Number: "1002"}}})
	ph.Update(ring)
	d.see("Alice Directory")
	if strings.Contains(flat(d.board.Frame()), "Alice SIP") {
		t.Errorf("CONTACT_SEARCH shows the SIP display name")
	}
	ph.Update(func(s *device.State) { s.Calls[0].Number = "1099" })
	d.see("1099")
	d.softkey("Answer")
	d.intent("Answer c1")
}

// The LEDs follow the phone: ringer flashing blue for a ringing or waiting
// call and steady blue for waiting messages, SPEAKER and HEADSET green with
// their audio, key LEDs for speed dials in calls, paging and DnD.
//
// behaviour: LED-2
// behaviour: CALL-2
func TestLEDs(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD),
		"personal_settings/functional_key/0/type=SPEED_DIAL",
		"personal_settings/functional_key/0/speed_dial_number=1002",
		"personal_settings/functional_key/1/type=PAGING",
		"voip/services/group_paging/group/1/name=Sales",
		"personal_settings/functional_key/2/type=KEY_EVENT",
		"personal_settings/functional_key/2/key_event=Dnd_All")
	key := func(n int) hw.LED { return hw.LED{Kind: hw.LEDKey, Index: n} }
	r.phone.Update(func(s *device.State) { s.MWI = device.MWI{Waiting: true, New: 1} })
	r.led(ringer, hw.LEDState{Color: hw.Blue})
	r.see("1 new voice messages")
	r.phone.Update(func(s *device.State) {
		s.Calls = []device.Call{{ID: "c1", Direction: device.Incoming, State: device.CallIncoming, Number: "1002"}}
	})
	r.led(ringer, hw.LEDState{Color: hw.Blue, Pattern: hw.FlashFast})
	r.led(key(0), hw.LEDState{Color: hw.Red, Pattern: hw.FlashFast})
	r.softkey("Answer")
	r.led(key(0), hw.LEDState{Color: hw.Green})
	r.led(hw.LED{Kind: hw.LEDSpeaker}, hw.LEDState{Color: hw.Green})
	r.led(ringer, hw.LEDState{Color: hw.Blue})
	// A waiting call flashes the ringer again.
	r.phone.Update(func(s *device.State) {
		s.Calls = append(s.Calls, device.Call{ID: "c2", Direction: device.Incoming, State: device.CallIncoming, Number: "1003", Waiting: true})
	})
	r.see("Waiting: 1003")
	r.led(ringer, hw.LEDState{Color: hw.Blue, Pattern: hw.FlashFast})
	r.tap(hw.KeyHeadset)
	r.led(hw.LED{Kind: hw.LEDHeadset}, hw.LEDState{Color: hw.Green})
	r.led(hw.LED{Kind: hw.LEDSpeaker}, hw.LEDState{})
	r.softkey("Answer")
	r.intent("Answer c2")
	r.led(key(0), hw.LEDState{Color: hw.Green, Pattern: hw.FlashSlow}) // 1002 now held
	r.phone.Update(func(s *device.State) { s.Calls = nil; s.Audio, s.OffHook = device.AudioNone, false })
	r.led(hw.LED{Kind: hw.LEDHeadset}, hw.LEDState{})
	r.pkey(1)
	r.intent("Page 1")
	r.led(key(1), hw.LEDState{Color: hw.Green})
	r.see("Paging")
	r.see("Sales")
	r.pkey(1)
	r.intent("EndPage")
	r.led(key(1), hw.LEDState{})
	r.pkey(2)
	r.intent("SetDND true")
	r.led(key(2), hw.LEDState{Color: hw.Red})
	r.see("DND")
}

// Programmable keys act by their type: speed dial, paging, discreet call,
// VocaNOM, and the key events (call lists, directory, DnD, forward; the
// calendar and hot desking need servers the phone does not have).
//
// behaviour: KEYS-5
// behaviour: FEAT-1
// behaviour: FEAT-2
func TestProgrammableKeyTypes(t *testing.T) {
	m := model.MustLookup(model.M445HD) // keys 12-17 beside the screen, sidecar 0-11, 18-38
	r := newRig(t, m,
		"personal_settings/functional_key/12/type=SPEED_DIAL", "personal_settings/functional_key/12/speed_dial_number=1002",
		"personal_settings/functional_key/13/type=Discreet_Call", "personal_settings/functional_key/13/speed_dial_number=1007",
		"personal_settings/functional_key/13/key_label=Help",
		"personal_settings/functional_key/14/type=VocaNOM", "voip/services/vocanom/number=5555",
		"personal_settings/functional_key/15/type=KEY_EVENT", "personal_settings/functional_key/15/key_event=Missed_Calls",
		"personal_settings/functional_key/16/type=KEY_EVENT", "personal_settings/functional_key/16/key_event=Calendar",
		"personal_settings/functional_key/0/type=KEY_EVENT", "personal_settings/functional_key/0/key_event=Dialed_Calls",
		"personal_settings/functional_key/20/type=PAGING")
	r.see("VocaNOM")
	r.see("Missed Calls")
	r.pkey(12)
	r.intent("Dial 1002")
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	r.pkey(13)
	r.intent("DiscreetCall 13")
	// FEAT-1: the caller's screen stays idle during a discreet call.
	r.see("Redial Forward DND Menu")
	if strings.Contains(flat(r.board.Frame()), "1007") {
		t.Errorf("the discreet call shows on the caller's screen:\n%s", r.board.Text())
	}
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	r.pkey(14)
	r.intent("Dial 5555")
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	r.phone.SetHistory(flash.Missed, []flash.Call{{ID: 7, Kind: flash.Missed, Number: "1009", Time: t0}})
	r.phone.Update(func(s *device.State) {}) // a call ended: the App re-reads the missed list
	r.pkey(16)
	r.see("Not available")
	r.pkey(15)
	r.see("1009")
	r.softkey("Dial")
	r.intent("Dial 1009")
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	r.phone.SetHistory(flash.Dialed, []flash.Call{{ID: 8, Kind: flash.Dialed, Number: "1004", Time: t0}})
	if err := r.board.Tap(virtualFunction(0)); err != nil {
		t.Fatal(err)
	}
	r.see("Dialed Calls")
	r.see("1004")
	r.tap(hw.KeyBack)
	if err := r.board.Tap(virtualFunction(20)); err != nil {
		t.Fatal(err)
	}
	r.intent("Page 20")
	r.tap(hw.KeyRedial)
}

// The Administration menu's password is system/password: 1234 out of the
// box (the manual's §3.1.1, not "your PC's password" of §3.1.3), and once
// the configuration sets another, that one and no longer 1234.
//
// behaviour: AUTH-2
func TestAdministrationPassword(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cfg         []string
		good, wrong string
	}{
		{"default", nil, "1234", "0000"},
		{"configured", []string{"system/password=4321"}, "4321", "1234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, model.MustLookup(model.M450HD), tc.cfg...)
			try := func(pw string) {
				t.Helper()
				r.tap(hw.KeyMenu)
				r.see("Administration")
				r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)
				r.see("Password")
				r.dial(pw)
				r.tap(hw.KeyOK)
			}
			try(tc.wrong)
			r.see("Wrong password")
			r.gone("Network Settings")
			r.tap(hw.KeyMenu)
			r.see("Redial")
			try(tc.good)
			r.see("Network Settings")
		})
	}
}

// MENU > Administration asks for the admin password; Network Settings set
// a static address (Edit, Clear, Save, Apply), the VLAN and 802.1X
// (restarting); Restore Defaults and Restart ask first.
//
// behaviour: MAINT-1
// behaviour: MAINT-4
// behaviour: BOOT-20
// behaviour: WEB (phone-screen menus)
func TestAdministrationMenu(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	admin := func() {
		t.Helper()
		r.tap(hw.KeyMenu)
		r.see("Administration")
		r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)
		r.see("Password")
		r.dial("1234")
		r.tap(hw.KeyOK)
		r.see("Network Settings")
	}
	// A wrong password keeps the menu shut.
	r.tap(hw.KeyMenu, hw.KeyDown, hw.KeyDown, hw.KeyOK)
	r.dial("9999")
	r.tap(hw.KeyOK)
	r.see("Wrong password")
	r.tap(hw.KeyMenu) // MENU closes every page
	r.see("Redial")

	admin()
	r.tap(hw.KeyOK) // Network Settings
	r.see("LAN Connection Type")
	r.tap(hw.KeyOK)
	r.see("Automatic IP (DHCP)")
	r.tap(hw.KeyDown, hw.KeyOK) // Static IP
	r.see("Netmask")
	r.softkey("Edit")
	r.dial("10*0*0*59")
	r.softkey("Clear") // deletes the 9
	r.softkey("Save")
	r.see("10.0.0.5")
	r.tap(hw.KeyDown)
	r.softkey("Edit")
	r.dial("255*255*255*0")
	r.softkey("Save")
	r.tap(hw.KeyDown)
	r.softkey("Edit")
	r.dial("300*1*1*1")
	r.softkey("Save")
	r.see("Invalid address")
	r.softkey("Cancel")
	r.softkey("Apply")
	r.intent("ApplyConfig network/lan_type=STATIC\nnetwork/lan/fixed_ip/ip_address=10.0.0.5\nnetwork/lan/fixed_ip/netmask=255.255.255.0")
	if s := r.phone.Snapshot().Config; s.Get("network/lan/fixed_ip/ip_address") != "10.0.0.5" || s.Get("network/lan_type") != "STATIC" {
		t.Errorf("static address not applied: lan_type=%s ip=%s", s.Get("network/lan_type"), s.Get("network/lan/fixed_ip/ip_address"))
	}

	admin()
	r.tap(hw.KeyOK, hw.KeyDown, hw.KeyOK) // VLAN Settings
	r.see("VLAN Mode")
	r.see("CDP_LLDP")
	r.tap(hw.KeyOK)
	r.tap(hw.KeyDown) // DISABLE -> MANUAL (the current CDP_LLDP is selected: wrap around)
	r.see("MANUAL")
	r.scrollTo("MANUAL")
	r.tap(hw.KeyOK)
	r.intent("ApplyConfig network/lan/vlan/mode=Manual")
	r.tap(hw.KeyDown, hw.KeyOK) // VLAN ID
	r.dial("5000")
	r.softkey("Save")
	r.see("Invalid value") // 0-4094
	for range 5 {
		r.softkey("Clear")
	}
	r.dial("42")
	r.softkey("Save")
	r.intent("ApplyConfig network/lan/vlan/id=42")
	r.tap(hw.KeyMenu)

	admin()
	r.tap(hw.KeyOK, hw.KeyDown, hw.KeyDown, hw.KeyOK) // 802.1X Settings
	r.see("EAP-TLS")
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)
	r.see("The phone will restart")
	r.softkey("Apply")
	r.intent("ApplyConfig network/lan/_802_1x/eap_type=EAP_TLS")
	r.intent("Reboot 802.1X")

	admin()
	r.tap(hw.KeyDown, hw.KeyOK)
	r.see("Warning. Restore settings?")
	r.softkey("No")
	r.tap(hw.KeyOK)
	r.softkey("Yes")
	r.intent("FactoryReset")

	admin()
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)
	r.see("Warning: Restart the phone?")
	r.softkey("Yes")
	r.intent("Reboot restart from the phone's menu")
}

// MENU > Status shows the network and the firmware.
//
// behaviour: WEB (phone-screen menus)
func TestStatusMenu(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M445HD))
	r.phone.Update(func(s *device.State) {
		s.Network.Address = netip.MustParsePrefix("192.0.2.15/24")
	})
	r.tap(hw.KeyMenu, hw.KeyOK)
	r.see("Network Status")
	r.tap(hw.KeyOK)
	r.see("IP Address 192.0.2.15")
	r.see("Subnet Mask 255.255.255.0")
	r.see("MAC Address 00:90:8F:00:00:01")
	r.tap(hw.KeyBack, hw.KeyDown, hw.KeyOK)
	r.see("Firmware Version UC_3.4.8.808")
}

// MENU > Settings: the language switches every text; the time format
// switches the clock (TIME-2); ring tone and audio device are saved.
//
// behaviour: LCD-8
// behaviour: TIME-2
// behaviour: WEB (phone-screen menus)
func TestSettingsMenu(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	r.clk.Set(time.Date(2026, 3, 1, 15, 7, 0, 0, time.UTC))
	r.see("15:07")
	r.tap(hw.KeyMenu, hw.KeyDown, hw.KeyOK) // Settings
	r.tap(hw.KeyOK)                         // Date and Time
	r.see("Time Format 24Hour")
	r.tap(hw.KeyDown, hw.KeyOK, hw.KeyDown, hw.KeyOK)
	r.intent("ApplyConfig system/ntp/time_display_format=12Hour")
	r.see("3:07 PM")
	// NTP Server asks for the password.
	r.tap(hw.KeyUp, hw.KeyOK)
	r.see("Password")
	r.dial("1234")
	r.tap(hw.KeyOK)
	r.intent("ApplyConfig system/ntp/enabled=1")
	r.see("NTP Server Enabled")
	r.tap(hw.KeyBack, hw.KeyDown, hw.KeyOK) // Ring Tones
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)
	r.intent("ApplyConfig personal_settings/lines/0/ring_tone=Ring03")
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK) // Audio Device
	r.see("Headset")
	r.tap(hw.KeyDown, hw.KeyOK)
	r.intent("ApplyConfig voip/answer_device=HEADSET")
	r.tap(hw.KeyUp, hw.KeyOK) // Language
	r.see("Deutsch")
	r.scrollTo("Deutsch")
	r.tap(hw.KeyOK)
	r.intent("ApplyConfig personal_settings/language=German")
	r.see("Sprache")
	r.tap(hw.KeyMenu)
	r.see("Wahlwdh. Umleiten Ruhe Menü")
	r.see("Angemeldet")
}

// Brightness: Active, Dimmer after lcd_active_mode_timeout minutes, Night
// after lcd_dimmer_mode_timeout more, each at its chosen level; a key or
// an incoming call wakes the screen.
//
// behaviour: LCD-1
// behaviour: LCD-2
// behaviour: LCD-3
func TestBrightness(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	r.backlight(31)
	r.clk.Advance(14 * time.Minute)
	r.clk.Advance(59 * time.Second)
	r.backlight(31)
	r.clk.Advance(2 * time.Second)
	r.backlight(26) // Dimmer, MEDIUM
	r.clk.Advance(60 * time.Minute)
	r.backlight(5) // Night, LOW
	r.tap(hw.KeyUp)
	r.backlight(31)
	r.clk.Advance(80 * time.Minute)
	r.backlight(5)
	r.phone.Update(func(s *device.State) {
		s.Calls = []device.Call{{ID: "c1", Direction: device.Incoming, State: device.CallIncoming, Number: "1002"}}
	})
	r.backlight(31)

	// Other timeouts and levels.
	o := newRig(t, model.MustLookup(model.M445HD),
		"personal_settings/lcd_active_mode_timeout=30", "personal_settings/lcd_active_mode_brightness=LOW",
		"personal_settings/lcd_active_mode_brightness_low=12",
		"personal_settings/lcd_dimmer_mode_timeout=120", "personal_settings/lcd_dimmer_mode_brightness=HIGH",
		"personal_settings/lcd_night_mode_brightness=MEDIUM")
	o.backlight(12)
	o.clk.Advance(29 * time.Minute)
	o.backlight(12)
	o.clk.Advance(2 * time.Minute)
	o.backlight(31)
	o.clk.Advance(120 * time.Minute)
	o.backlight(20)
}

// The C450HD's clock screen saver comes after ScreenSaverAwakeTimeout
// seconds idle; a key only wakes the screen; ScreenSaverEnabled=0 turns it
// off; other models have none.
//
// behaviour: LCD-6
func TestScreenSaver(t *testing.T) {
	r := newRig(t, model.MustLookup(model.MC450HD), "personal_settings/ScreenSaverAwakeTimeout=60")
	r.clk.Advance(59 * time.Second)
	r.see("Redial")
	r.clk.Advance(2 * time.Second)
	f := r.wait("screen saver", func(f hw.TextFrame) bool { return !strings.Contains(flat(f), "Redial") })
	if s := flat(f); !strings.Contains(s, "09:06") || !strings.Contains(s, "01/03/2026") || strings.Contains(s, "1001") {
		t.Errorf("screen saver shows %q, want only the time and date", s)
	}
	r.dial("5")
	r.see("Redial")
	r.settle()
	r.noIntent("Key")

	off := newRig(t, model.MustLookup(model.MC450HD), "personal_settings/ScreenSaverEnabled=0")
	off.clk.Advance(10 * time.Minute)
	off.see("Redial")
	other := newRig(t, model.MustLookup(model.M450HD))
	other.clk.Advance(10 * time.Minute)
	other.see("Redial")
}

// A locked phone answers calls but dials only emergency numbers, through
// the Emergency softkey; call lists and voicemail are shut; the PIN set at
// the first lock unlocks it.
//
// behaviour: LOCK-2
func TestLock(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD), "voip/services/msg_waiting_ind/voice_mail_number=8000")
	r.tap(hw.KeyMenu)
	r.see("Lock")
	r.scrollTo("Lock")
	r.tap(hw.KeyOK)
	r.see("Set unlock PIN")
	r.dial("12")
	r.tap(hw.KeyOK)
	r.see("PIN must be 4 digits or more")
	r.dial("34")
	r.tap(hw.KeyOK)
	r.see("Phone locked")
	r.see("Unlock Emergency")
	r.intent("Lock true") // the phone knows (a discreet call then rings, LOCK-7)
	r.dial("1002")
	r.tap(hw.KeyVoicemail, hw.KeyContacts)
	r.settle()
	r.noIntent("Key")
	r.noIntent("Dial")
	r.board.HookOff()
	r.see("Phone locked")
	r.board.HookOn()
	r.softkey("Emergency")
	r.dial("1002")
	r.softkey("Dial")
	r.see("Emergency numbers only")
	r.softkey("Clear")
	r.softkey("Clear")
	r.softkey("Clear")
	r.softkey("Clear")
	r.dial("112")
	r.softkey("Dial")
	r.intent("Dial 112")
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	// Incoming calls are allowed.
	r.phone.Update(func(s *device.State) {
		s.Calls = []device.Call{{ID: "c9", Direction: device.Incoming, State: device.CallIncoming, Number: "1003"}}
	})
	r.softkey("Answer")
	r.intent("Answer c9")
	r.phone.Update(func(s *device.State) { s.Calls = nil })
	r.softkey("Unlock")
	r.dial("9999")
	r.tap(hw.KeyOK)
	r.see("Wrong PIN")
	r.dial("1234")
	r.tap(hw.KeyOK)
	r.see("Redial")
	r.intent("Lock false")
	r.tap(hw.KeyVoicemail)
	r.intent("Dial 8000")
}

// Which calls a locked phone allows: the local AllowCallsInLockState
// decides unless it says GET_FROM_INBAND (the default), then the server's
// in-band DisableHandsetOnLockedMachine (0 both, 1 incoming only, 2
// neither), and a server that sends none means incoming only. A refused
// incoming call is rejected; a refused outgoing one leaves "Phone locked"
// when the handset is lifted.
//
// behaviour: LOCK-3
// behaviour: LOCK-4
func TestLockPolicies(t *testing.T) {
	for _, c := range []struct {
		local, inband string
		in, out       bool
	}{
		{"", "", true, false},
		{"GET_FROM_INBAND", "0", true, true},
		{"GET_FROM_INBAND", "1", true, false},
		{"GET_FROM_INBAND", "2", false, false},
		{"ALLOW_BOTH", "2", true, true},
		{"ALLOW_INCOMING_ONLY", "0", true, false},
		{"DENY_BOTH", "0", false, false},
	} {
		t.Run(c.local+"/"+c.inband, func(t *testing.T) {
			var cfg []string
			if c.local != "" {
				cfg = append(cfg, "AllowCallsInLockState="+c.local)
			}
			if c.inband != "" {
				cfg = append(cfg, "DisableHandsetOnLockedMachine="+c.inband)
			}
			r := newRig(t, model.MustLookup(model.M450HD), cfg...)
			r.tap(hw.KeyMenu)
			r.scrollTo("Lock")
			r.tap(hw.KeyOK)
			r.see("Set unlock PIN")
			r.dial("1234")
			r.tap(hw.KeyOK)
			r.see("Phone locked")

			r.board.HookOff()
			if c.out {
				r.intent("Hook")
			} else {
				r.see("Phone locked")
				r.settle()
				r.noIntent("Hook")
			}
			r.board.HookOn()
			r.settle()
			r.phone.Update(func(s *device.State) {
				s.Calls = []device.Call{{ID: "c9", Direction: device.Incoming, State: device.CallIncoming, Number: "1003"}}
			})
			if c.in {
				r.see("Answer")
				r.noIntent("Reject")
			} else {
				r.intent("Reject c9")
			}
		})
	}
}

// A page arriving during a call without barge-in asks; Accept plays it.
// The Paging softkey pages during a call.
//
// behaviour: PAGE-3
// behaviour: PAGE-6
func TestPagingPrompts(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD),
		"personal_settings/soft_keys/ongoing_call/0/key_function=PAGING",
		"personal_settings/functional_key/3/type=PAGING", "personal_settings/functional_key/3/key_label=Floor",
		"voip/services/group_paging/group/3/name=Sales")
	r.phone.Update(func(s *device.State) {
		s.Calls = []device.Call{{ID: "c1", State: device.CallConnected, Number: "1002", Answered: t0}}
	})
	r.see("End Trans BXfer More")
	r.softkey("More")
	r.see("Conf Paging")
	r.softkey("Paging")
	r.intent("Page 3")
	r.phone.Update(func(s *device.State) {
		s.Pages = []device.Page{{Group: 3, Name: "Sales", Pending: true}}
	})
	r.see("Page: Sales - Floor")
	r.see("Accept Reject")
	r.softkey("Accept")
	r.intent("AcceptPage true")
}

// The boot screen shows the phone's status text; keys during the boot do
// nothing.
//
// behaviour: BOOT-16
func TestKeysDuringBoot(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD))
	r.phone.Update(func(s *device.State) { s.Stage, s.Status = device.StageNetwork, "Acquiring IP…" })
	r.see("Acquiring IP…")
	before := len(r.phone.Intents())
	r.dial("123")
	r.tap(hw.KeyMenu, hw.KeySoft1, hw.KeySpeaker)
	r.settle()
	if got := r.phone.Intents()[before:]; len(got) > 0 {
		t.Errorf("intents during the boot: %v", got)
	}
	r.phone.Update(func(s *device.State) { s.Stage, s.Status = device.StageIdle, "" })
	r.see("Redial")
}

// The hard keys: CONTACTS opens the directory, VOICEMAIL dials the
// voicemail number, SPEAKER and HEADSET take the audio, OK answers and
// dials, MENU opens the menu, TRANSFER asks for a target.
//
// behaviour: KEYS-6
// behaviour: FEAT-3
func TestHardKeys(t *testing.T) {
	clk := clocktest.New(t0)
	ph := uitest.New(model.MustLookup(model.M450HD), clk)
	ph.Configure("voip/services/msg_waiting_ind/voice_mail_number=8000")
	r := startRig(t, ph, clk, ui.Config{Contacts: []ui.Contact{{Name: "Alice", Number: "1002"}, {Name: "Bob", Number: "1003"}}})
	r.tap(hw.KeyContacts)
	r.see("Directory")
	r.see("Alice 1002")
	r.tap(hw.KeyDown, hw.KeyOK)
	r.intent("Dial 1003")
	r.phone.Update(func(s *device.State) { s.Calls = nil; s.Audio, s.OffHook = device.AudioNone, false })
	r.tap(hw.KeyVoicemail)
	r.intent("Dial 8000")
	r.phone.Update(func(s *device.State) { s.Calls = nil; s.Audio, s.OffHook = device.AudioNone, false })
	r.tap(hw.KeySpeaker)
	r.intent("Speaker")
	r.see("Dialing")
	r.led(hw.LED{Kind: hw.LEDSpeaker}, hw.LEDState{Color: hw.Green})
	r.tap(hw.KeyHeadset)
	r.intent("Headset")
	r.led(hw.LED{Kind: hw.LEDHeadset}, hw.LEDState{Color: hw.Green})
	r.dial("77")
	r.tap(hw.KeyOK)
	r.intent("Dial 77")
	r.phone.Update(func(s *device.State) {
		s.Calls = []device.Call{{ID: "c8", Direction: device.Incoming, State: device.CallIncoming, Number: "1004"}}
	})
	r.tap(hw.KeyOK)
	r.intent("Answer c8")
}

// With voip/services/vm_skip_pin_code/enabled=0 the voicemail key asks
// for the PIN and sends it after the answer.
//
// behaviour: FEAT-4
func TestVoicemailPIN(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M450HD), "voip/services/msg_waiting_ind/voice_mail_number=8000",
		"voip/services/vm_skip_pin_code/enabled=0")
	r.tap(hw.KeyVoicemail)
	r.see("Voicemail PIN")
	r.dial("4321")
	r.see("****")
	r.tap(hw.KeyOK)
	r.intent("Dial 8000,,4321#")
}

// The idle screen shows the extension with
// lync/sign_in/line_type_display/ext=1 (the default), the full number
// with 0.
//
// behaviour: SIGN-8
func TestLineTypeDisplay(t *testing.T) {
	r := newRig(t, model.MustLookup(model.M445HD))
	r.phone.Update(func(s *device.State) { s.Lines[0].ID, s.Lines[0].Display = "+4930555501001", "1001" })
	f := r.see("Registered")
	if !strings.HasPrefix(f.Rows[0], "1001 ") || strings.Contains(f.Rows[0], "+4930") {
		t.Errorf("header %q, want the extension 1001", f.Rows[0])
	}
	r.phone.Configure("lync/sign_in/line_type_display/ext=0")
	r.see("+4930555501001")
}

// A call through its states on every model, on the virtual board: the
// incoming screen with the ringer flashing, connected with the audio
// device's LED, held, resumed, ended.
//
// behaviour: LED-2
func TestCallStatesEveryModel(t *testing.T) {
	for _, m := range model.All() {
		t.Run(string(m.Name), func(t *testing.T) {
			r := newRig(t, m)
			r.phone.Update(func(s *device.State) {
				s.Calls = []device.Call{{ID: "c1", Direction: device.Incoming, State: device.CallIncoming, Number: "1002"}}
			})
			r.see("Incoming call")
			r.see("Answer Reject")
			r.led(ringer, hw.LEDState{Color: hw.Blue, Pattern: hw.FlashFast})
			r.softkey("Answer")
			r.see("Connected")
			r.led(ringer, hw.LEDState{})
			if m.HasKey(hw.KeyHold) {
				r.tap(hw.KeyHold)
			} else {
				r.softkey("BXfer") // the RX50 has no HOLD key: Hold only with sk_blind_transfer=0
				r.softkey("Cancel")
				r.phone.Configure("voip/signalling/sip/sk_blind_transfer/enable=0")
				r.softkey("Hold")
			}
			r.see("On hold")
			r.softkey("Resume")
			r.see("Connected")
			r.tap(hw.KeyMute)
			r.led(hw.LED{Kind: hw.LEDMute}, hw.LEDState{Color: hw.Red})
			if m.HasKey(hw.KeySpeaker) && slices.Contains(m.LEDs, hw.LEDSpeaker) {
				r.led(hw.LED{Kind: hw.LEDSpeaker}, hw.LEDState{Color: hw.Green})
			}
			r.softkey("End")
			r.see("Call ended")
			r.led(hw.LED{Kind: hw.LEDMute}, hw.LEDState{})
		})
	}
}
