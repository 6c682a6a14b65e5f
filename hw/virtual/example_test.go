package virtual_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
)

// A test scripts the faceplate like a user: lift the handset, dial, hold a
// programmable key, and reads back what the phone's UI drew.
func Example() {
	clk := clocktest.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	b := virtual.Config{Geometry: hw.Geometry{Cols: 20, Rows: 2}, Clock: clk}.New()
	defer b.Close()

	b.HookOff()
	b.Dial("12")
	b.Press(virtual.Programmable(3))
	clk.Advance(virtual.DefaultLongPress)
	b.Release(virtual.Programmable(3))
	for range 8 {
		fmt.Println(<-b.Events())
	}

	// What the screen application would do in response.
	b.ShowText(hw.TextFrame{Rows: []string{"Dialing 12", "Cancel   Call"}, Highlight: -1})
	b.SetLED(hw.LED{Kind: hw.LEDKey, Index: 3}, hw.LEDState{Color: hw.Green, Pattern: hw.FlashSlow})
	f, _ := b.WaitScreen(context.Background(), "Dialing")
	fmt.Printf("%q\n", f.Rows)
	fmt.Println(b.LED(hw.LED{Kind: hw.LEDKey, Index: 3}))
	// Output:
	// HOOK press
	// 1 press
	// 1 release
	// 2 press
	// 2 release
	// PKEY3 press
	// PKEY3 long-press
	// PKEY3 release
	// ["Dialing 12" "Cancel   Call"]
	// green/flash-slow
}
