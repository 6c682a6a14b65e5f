// Package clock is the time source every long-lived component takes instead of
// calling the time package directly, so that schedules (periodic provisioning,
// registration refresh, screen dimming) can be tested without sleeping.
//
// Real returns the wall clock. clocktest.Fake is a manual clock for tests.
// Code that runs inside a testing/synctest bubble may simply use Real.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers.
// Implementations are safe for concurrent use.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends the current time on its channel
	// after at least d.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine after at least d.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is the part of *time.Timer that components use.
type Timer interface {
	// C is the channel the time is sent on; it is nil for AfterFunc timers.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped it.
	Stop() bool
	// Reset changes the timer to expire after d; it reports whether the timer
	// had been active.
	Reset(d time.Duration) bool
}

// Real is the system clock.
var Real Clock = realClock{}

// OrReal returns c, or Real when c is nil, so that a zero Config works.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}

// Sleep waits d on c, or until ctx ends: then it returns ctx.Err().
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	t := c.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
