package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// view is everything a frame is drawn from. render, softkeys and ledStates
// are pure functions of it.
type view struct {
	Model *model.Model
	Geo   hw.Geometry
	Slots []KeySlot
	State device.State
	// Now is the phone's local time; Mono is the phone clock's time, which
	// call durations are measured on.
	Now, Mono time.Time
	UI        *uiState
	// Backlight is the level of the current brightness mode.
	Backlight int
}

func (v view) get(key string) string {
	if v.State.Config == nil {
		return ""
	}
	return v.State.Config.Get(key)
}

func (v view) flag(key string) bool {
	if v.State.Config == nil {
		return false
	}
	return v.State.Config.Bool(key)
}

func (v view) lang() string { return v.get("personal_settings/language") }

func (v view) tr(s string) string { return translate(v.lang(), s) }

// liveCalls are the calls that have not ended, oldest first.
func (v view) liveCalls() []device.Call {
	var out []device.Call
	for _, c := range v.State.Calls {
		if c.State != device.CallEnded {
			out = append(out, c)
		}
	}
	return out
}

// call returns the newest live call in one of the states.
func (v view) call(states ...device.CallState) (device.Call, bool) {
	live := v.liveCalls()
	for i := len(live) - 1; i >= 0; i-- {
		for _, st := range states {
			if live[i].State == st {
				return live[i], true
			}
		}
	}
	return device.Call{}, false
}

// focused is the call the screen is about, as the phone's keys see it.
func (v view) focused() (device.Call, bool) {
	for _, st := range []device.CallState{device.CallDialing, device.CallConnected, device.CallIncoming,
		device.CallCalling, device.CallRinging, device.CallHeld} {
		if c, ok := v.call(st); ok {
			if st == device.CallIncoming && c.Waiting {
				continue
			}
			return c, true
		}
	}
	if c, ok := v.call(device.CallIncoming); ok {
		return c, true
	}
	return device.Call{}, false
}

// waiting is an incoming call presented during another call.
func (v view) waiting() (device.Call, bool) {
	live := v.liveCalls()
	for i := len(live) - 1; i >= 0; i-- {
		c := live[i]
		if c.State == device.CallIncoming && (c.Waiting || len(live) > 1) {
			return c, true
		}
	}
	return device.Call{}, false
}

// visibleCalls leaves out the caller's side of a discreet call: the
// caller's screen stays idle (FEAT-1).
func (v view) visibleCalls() []device.Call {
	var out []device.Call
	for _, c := range v.liveCalls() {
		if c.Discreet && c.Direction == device.Outgoing {
			continue
		}
		out = append(out, c)
	}
	return out
}

// consulting is the held call of a consultative transfer in progress.
func (v view) consulting() (device.Call, bool) {
	for _, c := range v.liveCalls() {
		if strings.HasPrefix(c.Transfer, "consulting ") {
			return c, true
		}
	}
	return device.Call{}, false
}

// line is line 0 when it is configured (a line without an id is the
// device's record of "no line").
func (v view) line() (device.Line, bool) {
	if len(v.State.Lines) == 0 || v.State.Lines[0].ID == "" {
		return device.Line{}, false
	}
	return v.State.Lines[0], true
}

// notes are the active notifications, which block calls (SIGN-14).
func (v view) notes() []device.Notification { return v.State.Notifications }

func (v view) idle() bool {
	return v.State.Power && v.State.Stage == device.StageIdle && len(v.visibleCalls()) == 0 && len(v.State.Pages) == 0
}

// keyType is the normalised type of programmable/function key n.
func (v view) keyType(n int) keyKind { return parseKeyKind(v.get(keyPath(n, "type"))) }

func keyPath(n int, leaf string) string {
	return "personal_settings/functional_key/" + strconv.Itoa(n) + "/" + leaf
}

// keyKind is what a programmable or function key does.
type keyKind uint8

const (
	keyEmpty keyKind = iota
	keySpeedDial
	keyPaging
	keyEvent
	keyVocaNOM
	keyDiscreet
)

// parseKeyKind accepts the spellings of the manual's tables (Table 3-6, 3-8,
// 3-9), compared without regard to case.
func parseKeyKind(s string) keyKind {
	switch strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToUpper(strings.TrimSpace(s))) {
	case "SPEED_DIAL", "SPEEDDIAL":
		return keySpeedDial
	case "PAGING":
		return keyPaging
	case "EVENT", "KEY_EVENT":
		return keyEvent
	case "VOCANOM":
		return keyVocaNOM
	case "DISCREET_CALL", "DISCREETCALL":
		return keyDiscreet
	}
	return keyEmpty
}

// keyEventKind is the target of a KEY_EVENT key (Table 3-6 and 3-9
// spellings).
type keyEventKind uint8

const (
	evCalendar keyEventKind = iota
	evMissed
	evReceived
	evDialed
	evDirectory
	evDND
	evForward
	evHotDesking
)

func parseKeyEvent(s string) keyEventKind {
	switch strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToUpper(strings.TrimSpace(s))) {
	case "MISSED_CALLS":
		return evMissed
	case "RECEIVED_CALLS":
		return evReceived
	case "DIALED_CALLS", "DIALED_NUMBERS", "DIALLED_CALLS":
		return evDialed
	case "DIRECTORY", "CONTACTS":
		return evDirectory
	case "DND_ALL", "DND":
		return evDND
	case "FORWARD_ALL", "FORWARD":
		return evForward
	case "HOT_DESKING", "HOTDESKING":
		return evHotDesking
	}
	return evCalendar
}

var keyEventLabels = map[keyEventKind]string{
	evCalendar: "Calendar", evMissed: "Missed Calls", evReceived: "Received Calls", evDialed: "Dialed Calls",
	evDirectory: "Directory", evDND: "DnD All", evForward: "Forward All", evHotDesking: "Hot Desking",
}

// keyLabel is the text beside key n: its key_label, or what it does.
func (v view) keyLabel(n int) string {
	if l := strings.TrimSpace(v.get(keyPath(n, "key_label"))); l != "" {
		return l
	}
	switch v.keyType(n) {
	case keySpeedDial, keyDiscreet:
		return v.get(keyPath(n, "speed_dial_number"))
	case keyPaging:
		if name := v.get("voip/services/group_paging/group/" + strconv.Itoa(n) + "/name"); name != "" {
			return name
		}
		return v.tr("Paging")
	case keyEvent:
		return v.tr(keyEventLabels[parseKeyEvent(v.get(keyPath(n, "key_event")))])
	case keyVocaNOM:
		return v.get("voip/services/vocanom/label")
	}
	return ""
}

// callerName is what the screen calls the far end of c: with
// lync/contact_name_priority=CALL_DESCRIPTION the SIP display name, with
// CONTACT_SEARCH (the default) the directory's name for the number; the
// number when neither has one (FEAT-7).
func (v view) callerName(c device.Call) string {
	if strings.EqualFold(v.get("lync/contact_name_priority"), "CALL_DESCRIPTION") {
		if c.RemoteName != "" {
			return c.RemoteName
		}
	} else if v.UI != nil {
		if name, ok := v.UI.lookup(c.Number); ok {
			return name
		}
	}
	if c.Number != "" {
		return c.Number
	}
	return c.RemoteURI
}
