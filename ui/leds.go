package ui

import (
	"strconv"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
)

// ledStates gives every LED of the faceplate its state.
//
//   - The ringer LED is red while a notification is shown (LED-1, SIGN-14),
//     else flashes blue for a ringing or waiting call (LED-2, CALL-2), else
//     is steady blue while messages wait.
//   - MUTE is red while the microphone is off in a call; SPEAKER and
//     HEADSET are green while they carry the audio.
//   - A speed-dial key is green while its number is in a call on this
//     phone, flashing green while that call is held, flashing red while it
//     rings here (LED-3 for the calls this phone has); a paging key is
//     green while it sends, red while its group's page plays, flashing
//     green while a page waits to be accepted; a DnD All or Forward All key
//     is red while the feature is on; a Missed Calls key flashes red while
//     missed calls are unseen.
func ledStates(v view, leds []hw.LED) map[hw.LED]hw.LEDState {
	out := make(map[hw.LED]hw.LEDState, len(leds))
	on := v.State.Power
	for _, id := range leds {
		var s hw.LEDState
		if on {
			switch id.Kind {
			case hw.LEDRinger:
				s = ringerLED(v)
			case hw.LEDMute:
				if c, ok := v.call(device.CallConnected); ok && c.Muted {
					s = hw.LEDState{Color: hw.Red}
				}
			case hw.LEDSpeaker:
				if v.State.Audio == device.AudioSpeaker && v.State.OffHook {
					s = hw.LEDState{Color: hw.Green}
				}
			case hw.LEDHeadset:
				if v.State.Audio == device.AudioHeadset && v.State.OffHook {
					s = hw.LEDState{Color: hw.Green}
				}
			case hw.LEDKey:
				s = keyLED(v, id.Index)
			}
		}
		out[id] = s
	}
	return out
}

func ringerLED(v view) hw.LEDState {
	for _, n := range v.notes() {
		if device.IsTroubleshooting(n.Text) {
			return hw.LEDState{Color: hw.Red} // LED-1: red while a Table 2-9 problem lasts
		}
	}
	for _, c := range v.liveCalls() {
		if c.State == device.CallIncoming && !c.Discreet {
			return hw.LEDState{Color: hw.Blue, Pattern: hw.FlashFast}
		}
	}
	if v.State.MWI.Waiting {
		return hw.LEDState{Color: hw.Blue}
	}
	return hw.LEDState{}
}

func keyLED(v view, n int) hw.LEDState {
	switch v.keyType(n) {
	case keySpeedDial:
		number := v.get(keyPath(n, "speed_dial_number"))
		if number == "" {
			return hw.LEDState{}
		}
		var s hw.LEDState
		for _, c := range v.liveCalls() {
			if c.Number != number {
				continue
			}
			switch c.State {
			case device.CallIncoming:
				return hw.LEDState{Color: hw.Red, Pattern: hw.FlashFast}
			case device.CallHeld:
				s = hw.LEDState{Color: hw.Green, Pattern: hw.FlashSlow}
			default:
				if s.Color == hw.Off {
					s = hw.LEDState{Color: hw.Green}
				}
			}
		}
		if s.Color == hw.Off {
			s = blfLED(v, n)
		}
		return s
	case keyPaging:
		for _, p := range v.State.Pages {
			if p.Group != n {
				continue
			}
			switch {
			case p.Sending:
				return hw.LEDState{Color: hw.Green}
			case p.Pending:
				return hw.LEDState{Color: hw.Green, Pattern: hw.FlashFast}
			default:
				return hw.LEDState{Color: hw.Red}
			}
		}
	case keyEvent:
		ln, _ := v.line()
		switch parseKeyEvent(v.get(keyPath(n, "key_event"))) {
		case evDND:
			if ln.DND {
				return hw.LEDState{Color: hw.Red}
			}
		case evForward:
			if ln.Forward != "" {
				return hw.LEDState{Color: hw.Red}
			}
		case evMissed:
			if v.UI != nil && v.UI.unseen > 0 {
				return hw.LEDState{Color: hw.Red, Pattern: hw.FlashSlow}
			}
		}
	}
	return hw.LEDState{}
}

// Brightness modes (LCD-1).
type brightness uint8

const (
	brightActive brightness = iota
	brightDimmer
	brightNight
)

var brightnessNames = [...]string{"active", "dimmer", "night"}

// lcdTimeouts are the active and dimmer timeouts in minutes, the manual's
// defaults (15, 60) when unset or out of the allowed values.
func lcdTimeouts(v view) (active, dimmer int) {
	active, dimmer = 15, 60
	if n, err := strconv.Atoi(v.get("personal_settings/lcd_active_mode_timeout")); err == nil && n > 0 {
		active = n
	}
	if n, err := strconv.Atoi(v.get("personal_settings/lcd_dimmer_mode_timeout")); err == nil && n > 0 {
		dimmer = n
	}
	return active, dimmer
}

// backlightLevel is the 0-31 level of a mode: its HIGH, MEDIUM or LOW
// setting (LCD-2). Models without the settings (HRS) stay at 31.
func backlightLevel(v view, b brightness) int {
	mode := brightnessNames[b]
	choice := v.get("personal_settings/lcd_" + mode + "_mode_brightness")
	if choice == "" {
		return 31
	}
	var suffix string
	switch choice {
	case "HIGH", "High", "high":
		suffix = "high"
	case "MEDIUM", "Medium", "medium":
		suffix = "medium"
	default:
		suffix = "low"
	}
	n, err := strconv.Atoi(v.get("personal_settings/lcd_" + mode + "_mode_brightness_" + suffix))
	if err != nil {
		return 31
	}
	return min(max(n, 0), 31)
}

// blfLED shows the watched extension of speed-dial key n (its BLF
// subscription): red while busy, flashing red while it rings.
func blfLED(v view, n int) hw.LEDState {
	for _, k := range v.State.Keys {
		if k.Index != n {
			continue
		}
		switch k.BLF {
		case device.BLFBusy:
			return hw.LEDState{Color: hw.Red}
		case device.BLFRinging:
			return hw.LEDState{Color: hw.Red, Pattern: hw.FlashFast}
		}
	}
	return hw.LEDState{}
}
