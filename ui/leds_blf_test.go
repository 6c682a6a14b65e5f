package ui

import (
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// A speed-dial key shows its watched extension's busy-lamp field.
func TestSpeedDialKeyShowsBLF(t *testing.T) {
	m := model.MustLookup(model.M450HD)
	v := baseView(t, m, "voip/services/busy_lamp_field/enabled=1",
		"personal_settings/functional_key/0/type=SPEED_DIAL", "personal_settings/functional_key/0/speed_dial_number=1002")
	key := hw.LED{Kind: hw.LEDKey, Index: 0}
	for _, tt := range []struct {
		blf  string
		want hw.LEDState
	}{
		{device.BLFIdle, hw.LEDState{}},
		{device.BLFBusy, hw.LEDState{Color: hw.Red}},
		{device.BLFRinging, hw.LEDState{Color: hw.Red, Pattern: hw.FlashFast}},
	} {
		v.State.Keys = []device.KeyState{{Index: 0, Type: "SPEED_DIAL", Number: "1002", BLF: tt.blf}}
		if got := ledStates(v, []hw.LED{key})[key]; got != tt.want {
			t.Errorf("BLF %q: key LED %v, want %v", tt.blf, got, tt.want)
		}
	}
}

// behaviour: LED-1
func TestRingerRedOnlyForTroubleshootingNotes(t *testing.T) {
	v := baseView(t, model.MustLookup(model.M450HD))
	ringer := hw.LED{Kind: hw.LEDRinger}
	v.State.Notifications = []device.Notification{{Text: "Provisioning failed"}}
	if got := ledStates(v, []hw.LED{ringer})[ringer]; got.Color == hw.Red {
		t.Error("a provisioning retry notice is not a Table 2-9 problem; the ringer must not turn red")
	}
	v.State.Notifications = []device.Notification{{Text: "Failed to connect lab.test server"}}
	if got := ledStates(v, []hw.LED{ringer})[ringer]; got.Color != hw.Red {
		t.Errorf("ringer %v while a Table 2-9 notification is shown", got)
	}
}
