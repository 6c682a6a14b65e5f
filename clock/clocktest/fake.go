// Package clocktest provides a manually advanced clock.Clock for tests.
package clocktest

import (
	"sort"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
)

// Fake is a clock that moves only when Advance or Set is called.
// Timers fire synchronously inside Advance, in deadline order.
type Fake struct {
	mu     sync.Mutex // guards the following fields
	now    time.Time
	timers []*fakeTimer
}

// New returns a Fake set to start.
func New(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer makes a timer that fires when the clock passes now+d.
func (f *Fake) NewTimer(d time.Duration) clock.Timer {
	t := &fakeTimer{f: f, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// AfterFunc makes a timer that calls fn when the clock passes now+d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) clock.Timer {
	t := &fakeTimer{f: f, fn: fn}
	t.Reset(d)
	return t
}

// Pending reports how many timers are armed; tests use it to wait until a
// component has scheduled its next step.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// NextDeadline returns the earliest armed deadline.
func (f *Fake) NextDeadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.timers) == 0 {
		return time.Time{}, false
	}
	return f.timers[0].when, true
}

// Advance moves the clock forward by d, firing every timer that falls due.
func (f *Fake) Advance(d time.Duration) {
	f.Set(f.Now().Add(d))
}

// Set moves the clock to t (never backwards), firing due timers in order.
func (f *Fake) Set(t time.Time) {
	for {
		f.mu.Lock()
		if len(f.timers) == 0 || f.timers[0].when.After(t) {
			if t.After(f.now) {
				f.now = t
			}
			f.mu.Unlock()
			return
		}
		ft := f.timers[0]
		f.timers = f.timers[1:]
		ft.armed = false
		if ft.when.After(f.now) {
			f.now = ft.when
		}
		now := f.now
		f.mu.Unlock()
		if ft.fn != nil {
			go ft.fn()
		} else {
			select {
			case ft.ch <- now:
			default:
			}
		}
	}
}

func (f *Fake) removeLocked(t *fakeTimer) {
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			return
		}
	}
}

type fakeTimer struct {
	f     *Fake
	ch    chan time.Time
	fn    func()
	when  time.Time // guarded by f.mu
	armed bool      // guarded by f.mu
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	was := t.armed
	if was {
		t.f.removeLocked(t)
		t.armed = false
	}
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	was := t.armed
	if was {
		t.f.removeLocked(t)
	}
	t.when = t.f.now.Add(d)
	t.armed = true
	t.f.timers = append(t.f.timers, t)
	sort.SliceStable(t.f.timers, func(i, j int) bool { return t.f.timers[i].when.Before(t.f.timers[j].when) })
	return was
}
