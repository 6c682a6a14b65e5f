package fleet

import (
	"context"
	"log/slog"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/ui"
)

// UIScreens gives every phone its screen application (package ui) on an
// in-memory board of its model's geometry (hw/virtual): the press,
// expect_screen and expect_led steps and the control API go through it as a
// person's fingers and eyes would. It is the usual Options.Screens; it
// costs each phone a goroutine and a board.
func UIScreens(log *slog.Logger) ScreenFunc {
	return func(p *device.Phone) (Screen, error) {
		b := virtual.Config{Geometry: p.Model().Screen}.New()
		app, err := ui.New(ui.Config{Phone: ui.ForDevice(p), Board: b, Logger: log})
		if err != nil {
			return nil, err
		}
		return &uiScreen{app: app, board: b}, nil
	}
}

// uiScreen is a ui.App drawing on a virtual board.
type uiScreen struct {
	app   *ui.App
	board *virtual.Board
}

func (s *uiScreen) Run(ctx context.Context) error { return s.app.Run(ctx) }

// Text is what the board shows (what the application drew last).
func (s *uiScreen) Text() string { return s.board.Text() }

func (s *uiScreen) LED(id hw.LED) hw.LEDState { return s.board.LED(id) }

func (s *uiScreen) LEDs() map[hw.LED]hw.LEDState { return s.board.LEDs() }

// Press taps a key on the board: press, then release, as a finger does; a
// switch (HOOK, EHS) goes to its other position and stays there.
func (s *uiScreen) Press(k hw.Key, index int) error {
	return s.board.Toggle(virtual.Button{Key: k, Index: index})
}
