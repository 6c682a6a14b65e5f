// Package siptest helps tests that drive a sip.UA: it reads the UA's event
// stream and waits for the events a test expects, with a deadline, logging
// the ones it skips.
package siptest

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/logtest"
	"github.com/hdphone/hdphone/sip"
)

// Events reads a UA's event channel for one test.
type Events struct {
	t    testing.TB
	name string
	ch   <-chan sip.Event
	// Timeout bounds each Wait; zero means 10 s.
	Timeout time.Duration
	// Auto, when set, sees every event a Wait skips; it may act on it (for
	// example accept re-INVITE offers a peer sends to put a call on hold).
	Auto func(sip.Event)
}

// NewEvents reads ch (a UA's Events()) and names it in failures.
func NewEvents(t testing.TB, name string, ch <-chan sip.Event) *Events {
	return &Events{t: t, name: name, ch: ch}
}

// Wait returns the next event of type T, skipping (and logging) others; it
// fails the test after the timeout or when the channel closes.
func Wait[T sip.Event](e *Events) T {
	e.t.Helper()
	v, err := WaitFor(e, func(T) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// WaitMatch returns the next event of type T that match accepts.
func WaitMatch[T sip.Event](e *Events, match func(T) bool) T {
	e.t.Helper()
	v, err := WaitFor(e, match)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// WaitFor is WaitMatch returning an error instead of failing.
func WaitFor[T sip.Event](e *Events, match func(T) bool) (T, error) {
	var zero T
	timeout := e.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				return zero, fmt.Errorf("%s: events closed while waiting for %T", e.name, zero)
			}
			if v, ok := ev.(T); ok && match(v) {
				return v, nil
			}
			if e.Auto != nil {
				e.Auto(ev)
			}
			e.t.Logf("%s: skipped %T", e.name, ev)
		case <-deadline.C:
			return zero, fmt.Errorf("%s: no %T within %s", e.name, zero, timeout)
		}
	}
}

// Drain discards the events that arrive within d, logging them.
func (e *Events) Drain(d time.Duration) []sip.Event {
	var out []sip.Event
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-t.C:
			return out
		}
	}
}

// Logger sends a component's log to the test output at level, until the
// test ends (see internal/logtest).
func Logger(t testing.TB, level slog.Level) *slog.Logger {
	return logtest.New(t, level)
}
