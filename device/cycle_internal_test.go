package device

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device/model"
)

// tracked counts the cycle's timers not yet fired or stopped.
func (c *cycle) tracked() int {
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	n := 0
	for t := c.timers; t != nil; t = t.next {
		n++
	}
	return n
}

// The power cycle's end stops the timers its services armed (a phone
// powered off with its time's next resynchronisation pending stayed in
// memory until then), one armed after the end never runs, and a timer that
// fired or was stopped leaves the cycle's list at once.
func TestCycleEndStopsItsTimers(t *testing.T) {
	clk := clocktest.New(time.Date(2024, 2, 22, 10, 0, 0, 0, time.UTC))
	p, err := New(Config{Model: model.MustLookup(model.M450HD), MAC: net.HardwareAddr{0x00, 0x90, 0x8f, 1, 2, 3}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &cycle{ctx: ctx, cancel: cancel}
	s := &state{cycle: c}
	p.after(s, time.Minute, func(*state) {})
	stopped := p.after(s, time.Hour, func(*state) {})
	p.after(s, 2*time.Hour, func(*state) {})
	if n := c.tracked(); n != 3 {
		t.Fatalf("%d timers tracked, want 3", n)
	}
	stopped.Stop()
	clk.Advance(time.Minute) // the first fires, on a goroutine of its own
	for deadline := time.Now().Add(5 * time.Second); c.tracked() != 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := c.tracked(); n != 1 {
		t.Fatalf("%d timers tracked after one fired and one was stopped, want 1", n)
	}
	c.stop()
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers left armed after the cycle's end", n)
	}
	if n := c.tracked(); n != 0 {
		t.Errorf("%d timers still tracked after the cycle's end", n)
	}
	p.after(s, time.Hour, func(*state) {})
	if n := clk.Pending(); n != 0 {
		t.Errorf("a timer armed after the cycle's end is left armed (%d)", n)
	}
}
