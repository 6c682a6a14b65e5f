package ui_test

import (
	"errors"
	"testing"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/uitest"
	"github.com/hdphone/hdphone/ui/web"
)

// The App is the faceplate the Web interface's faceplate page shows and
// presses keys on.
var _ web.Faceplate = (*ui.App)(nil)

// Press takes keys from fronts without a board of their own; Frame and
// LEDs read back what the board shows.
func TestPressFrameLEDs(t *testing.T) {
	m := model.MustLookup(model.M450HD)
	ph := uitest.New(m, clocktest.New(t0))
	idle, err := ui.New(ui.Config{Phone: ph, Board: virtual.New(m.Screen)})
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.Press(hw.KeyMenu, 0); !errors.Is(err, ui.ErrNotRunning) {
		t.Errorf("Press before Run = %v, want ErrNotRunning", err)
	}
	if _, err := ui.New(ui.Config{Phone: ph}); !errors.Is(err, ui.ErrConfig) {
		t.Errorf("New without a board = %v, want ErrConfig", err)
	}

	r := newRig(t, m)
	if err := r.app.Press(hw.KeyMenu, 0); err != nil {
		t.Fatal(err)
	}
	r.see("Administration")
	if err := r.app.Press(hw.Key(999), 0); !errors.Is(err, ui.ErrBadKey) {
		t.Errorf("Press of no key = %v, want ErrBadKey", err)
	}
	r.settle()
	if f := r.app.Frame(); f.Text() != r.board.Frame().Text() {
		t.Errorf("Frame() =\n%s\nboard shows\n%s", f.Text(), r.board.Text())
	}
	r.phone.Update(func(s *device.State) {
		s.Notifications = append(s.Notifications, device.Notification{Text: "Duplicate IP"})
	})
	r.led(ringer, hw.LEDState{Color: hw.Red})
	r.settle()
	if got := r.app.LEDs()[ringer]; got.Color != hw.Red {
		t.Errorf("LEDs()[ringer] = %v, want red", got)
	}
}
