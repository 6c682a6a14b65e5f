package ui_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/uitest"
)

// The screen application of a 445HD on an in-memory board: the idle
// screen, then MENU.
func Example() {
	m := model.MustLookup(model.M445HD)
	clk := clocktest.New(time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC))
	phone := uitest.New(m, clk) // ui.ForDevice(p) for a *device.Phone
	board := virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs(), Clock: clk}.New()
	app, err := ui.New(ui.Config{Phone: phone, Board: board})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go app.Run(ctx)

	f, _ := board.WaitScreen(ctx, "Menu")
	fmt.Println(strings.Join(f.Rows[:2], "\n"))
	fmt.Println(strings.TrimSpace(f.Rows[len(f.Rows)-1]))
	board.Tap(virtual.Key(hw.KeyMenu))
	f, _ = board.WaitScreen(ctx, "Administration")
	fmt.Println(strings.Join(f.Rows[1:5], "\n"))
	// Output:
	// 1001                               09:05
	// Registered                    01/03/2026
	// Redial   Forward     DND       Menu
	// Menu                                 1/6
	//   Status
	//   Settings
	//   Administration
}
