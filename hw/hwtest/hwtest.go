// Package hwtest is the conformance suite every hw.Board backend runs, in
// the manner of testing/slogtest: TestBoard(t, board, driver) checks the
// contracts written in package hw and reports every violation together.
//
// The suite cannot press a key of an unknown backend by itself, so the
// backend's test gives it a Driver: the virtual board injects events
// directly, a terminal backend would synthesise terminal key sequences, a
// GPIO backend would drive its pins through a test harness. A driver that
// can also read back what the backend shows implements Observer, and the
// suite then checks the screen and LEDs too.
//
// The board is closed by the suite (Close is the last contract checked).
package hwtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hdphone/hdphone/hw"
)

// Button names a key the driver can press: a hard key, or a programmable or
// function key with its cfg index.
type Button struct {
	Key   hw.Key
	Index int
}

func (b Button) String() string {
	if b.Key == hw.KeyProgrammable || b.Key == hw.KeyFunction {
		return fmt.Sprintf("%s%d", b.Key, b.Index)
	}
	return b.Key.String()
}

// Driver injects input into the backend under test the way its user would.
type Driver interface {
	// Press and Release put a key down and let it up (for the switches,
	// KeyHook and KeyEHS: off-hook and on-hook).
	Press(b Button) error
	Release(b Button) error
	// PassLongPress lets the backend's long-press threshold pass while keys
	// stay down: advance a fake clock, or sleep.
	PassLongPress(ctx context.Context) error
	// Buttons lists the keys the driver can press on this backend.
	Buttons() []Button
	// LEDs lists the LEDs the backend has.
	LEDs() []hw.LED
}

// Observer is implemented by a Driver that can read back what the backend
// shows.
type Observer interface {
	Frame() hw.TextFrame
	LED(id hw.LED) hw.LEDState
}

// Timeout bounds each wait of the suite for an event the backend owes.
var Timeout = 5 * time.Second

// TestBoard runs the conformance suite on board through driver, reports
// each violation as a test error, and closes the board.
func TestBoard(t *testing.T, board hw.Board, driver Driver) {
	t.Helper()
	ctx := t.Context()
	if err := Check(ctx, board, driver); err != nil {
		for _, e := range unjoin(err) {
			t.Error(e)
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Check runs the suite and returns every violation joined (nil if the
// board conforms). It closes the board.
func Check(ctx context.Context, board hw.Board, driver Driver) error {
	s := &suite{ctx: ctx, b: board, d: driver}
	s.obs, _ = driver.(Observer)
	s.checkGeometry()
	s.checkNeverBlocks()
	s.startCollector()
	defer s.stopCollector()
	s.checkOrder()
	s.checkLongPress()
	s.checkHook()
	s.checkLEDs()
	s.checkFrames()
	s.checkConcurrency()
	s.checkClose()
	return errors.Join(s.errs...)
}

type suite struct {
	ctx context.Context
	b   hw.Board
	d   Driver
	obs Observer

	errs []error

	mu      sync.Mutex
	events  []hw.Event
	closed  bool          // the event channel was closed
	arrived chan struct{} // closed and replaced when events arrive
	stop    chan struct{}
	done    chan struct{}
}

func (s *suite) failf(check, format string, args ...any) {
	s.errs = append(s.errs, fmt.Errorf("hwtest: %s: %s", check, fmt.Sprintf(format, args...)))
}

func (s *suite) checkGeometry() {
	g := s.b.Geometry()
	if g.Cols <= 0 || g.Rows <= 0 {
		s.failf("geometry", "text grid %dx%d; a display needs columns and rows", g.Cols, g.Rows)
	}
	if g.Width < 0 || g.Height < 0 {
		s.failf("geometry", "negative size %dx%d", g.Width, g.Height)
	}
	if g2 := s.b.Geometry(); g2 != g {
		s.failf("geometry", "changed between calls: %+v then %+v", g, g2)
	}
	if first, again := s.b.Events(), s.b.Events(); first != again {
		s.failf("events", "Events returns a different channel at each call")
	}
}

// checkNeverBlocks injects far more events than any buffer holds with
// nobody reading: the backend must drop, not block.
func (s *suite) checkNeverBlocks() {
	btn, ok := s.firstKey()
	if !ok {
		s.failf("never blocks", "the driver offers no key besides the hook")
		return
	}
	finished := make(chan error, 1)
	go func() {
		for range 1000 {
			if err := s.d.Press(btn); err != nil {
				finished <- err
				return
			}
			if err := s.d.Release(btn); err != nil {
				finished <- err
				return
			}
		}
		finished <- nil
	}()
	select {
	case err := <-finished:
		if err != nil {
			s.failf("never blocks", "injecting %s with nobody reading: %v", btn, err)
		}
	case <-time.After(4 * Timeout):
		s.failf("never blocks", "2,000 events with nobody reading did not go through in %v: the backend blocks", 4*Timeout)
		return
	}
	// Empty the channel before the ordered checks, until it stays quiet: a
	// backend may deliver late (a terminal reads its input asynchronously).
	quiet := time.NewTimer(quietPeriod)
	defer quiet.Stop()
	for {
		select {
		case _, ok := <-s.b.Events():
			if !ok {
				s.failf("never blocks", "event channel closed before Close")
				return
			}
			quiet.Reset(quietPeriod)
		case <-quiet.C:
			return
		}
	}
}

// quietPeriod is how long the event channel must stay silent to count as
// drained.
const quietPeriod = 100 * time.Millisecond

func (s *suite) firstKey() (Button, bool) {
	for _, b := range s.d.Buttons() {
		if !b.Key.Switch() {
			return b, true
		}
	}
	return Button{}, false
}

func (s *suite) startCollector() {
	s.arrived = make(chan struct{})
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	ch := s.b.Events()
	go func() {
		defer close(s.done)
		for {
			select {
			case e, ok := <-ch:
				s.mu.Lock()
				if ok {
					s.events = append(s.events, e)
				} else {
					s.closed = true
				}
				close(s.arrived)
				s.arrived = make(chan struct{})
				s.mu.Unlock()
				if !ok {
					return
				}
			case <-s.stop:
				return
			}
		}
	}()
}

func (s *suite) stopCollector() {
	close(s.stop)
	<-s.done
}

// mark returns the number of events collected so far.
func (s *suite) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// await waits until cond holds for the events after mark m, or Timeout.
func (s *suite) await(m int, cond func([]hw.Event) bool) ([]hw.Event, bool) {
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		evs := slices.Clone(s.events[m:])
		closed := s.closed
		ch := s.arrived
		s.mu.Unlock()
		if cond(evs) {
			return evs, true
		}
		if closed {
			return evs, false
		}
		select {
		case <-ch:
		case <-deadline.C:
			return evs, false
		case <-s.ctx.Done():
			return evs, false
		}
	}
}

func atLeast(n int) func([]hw.Event) bool { return func(e []hw.Event) bool { return len(e) >= n } }

func describe(evs []hw.Event) string {
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type want struct {
	btn    Button
	action hw.Action
}

func (w want) String() string {
	return hw.Event{Key: w.btn.Key, Index: w.btn.Index, Action: w.action}.String()
}

func describeWant(ws []want) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func matches(evs []hw.Event, ws []want) bool {
	if len(evs) != len(ws) {
		return false
	}
	for i, e := range evs {
		if e.Key != ws[i].btn.Key || e.Index != ws[i].btn.Index || e.Action != ws[i].action {
			return false
		}
	}
	return true
}

// checkOrder taps every key the driver offers, a few at a time, and wants
// the events back in order with times that never go backwards.
func (s *suite) checkOrder() {
	var last time.Time
	buttons := s.d.Buttons()
	for i := 0; i < len(buttons); i += 4 {
		batch := buttons[i:min(i+4, len(buttons))]
		m := s.mark()
		var ws []want
		for _, b := range batch {
			if err := s.d.Press(b); err != nil {
				s.failf("order", "press %s: %v", b, err)
				return
			}
			if err := s.d.Release(b); err != nil {
				s.failf("order", "release %s: %v", b, err)
				return
			}
			ws = append(ws, want{b, hw.Press}, want{b, hw.Release})
		}
		evs, _ := s.await(m, atLeast(len(ws)))
		if !matches(evs, ws) {
			s.failf("order", "got %s, want %s", describe(evs), describeWant(ws))
			return
		}
		for _, e := range evs {
			if e.At.IsZero() {
				s.failf("order", "%s has no time", e)
				return
			}
			if e.At.Before(last) {
				s.failf("order", "%s at %v goes back before %v", e, e.At, last)
				return
			}
			last = e.At
		}
	}
}

// checkLongPress holds a key past the threshold twice: one LongPress must
// arrive while it is still down, and it must come before the Release.
func (s *suite) checkLongPress() {
	btn, ok := s.firstKey()
	if !ok {
		return
	}
	m := s.mark()
	if err := s.d.Press(btn); err != nil {
		s.failf("long press", "press %s: %v", btn, err)
		return
	}
	if err := s.d.PassLongPress(s.ctx); err != nil {
		s.failf("long press", "%v", err)
	}
	lp := []want{{btn, hw.Press}, {btn, hw.LongPress}}
	if evs, ok := s.await(m, atLeast(2)); !ok || !matches(evs[:2], lp) {
		s.failf("long press", "while %s is held past the threshold got %s, want %s", btn, describe(evs), describeWant(lp))
	}
	if err := s.d.PassLongPress(s.ctx); err != nil {
		s.failf("long press", "%v", err)
	}
	if err := s.d.Release(btn); err != nil {
		s.failf("long press", "release %s: %v", btn, err)
		return
	}
	all := append(lp, want{btn, hw.Release})
	evs, _ := s.await(m, func(e []hw.Event) bool {
		return slices.ContainsFunc(e, func(e hw.Event) bool { return e.Action == hw.Release })
	})
	if !matches(evs, all) {
		s.failf("long press", "holding %s twice the threshold gave %s, want exactly %s", btn, describe(evs), describeWant(all))
	}
}

// checkHook lifts and replaces the handset, and takes an EHS headset off
// and on hook, with the threshold passing in between: no LongPress.
func (s *suite) checkHook() {
	for _, hook := range []Button{{Key: hw.KeyHook}, {Key: hw.KeyEHS}} {
		if !slices.Contains(s.d.Buttons(), hook) {
			continue
		}
		m := s.mark()
		if err := s.d.Press(hook); err != nil {
			s.failf("hook", "%s off-hook: %v", hook, err)
			return
		}
		if err := s.d.PassLongPress(s.ctx); err != nil {
			s.failf("hook", "%v", err)
		}
		if err := s.d.Release(hook); err != nil {
			s.failf("hook", "%s on-hook: %v", hook, err)
			return
		}
		ws := []want{{hook, hw.Press}, {hook, hw.Release}}
		evs, _ := s.await(m, atLeast(2))
		if !matches(evs, ws) {
			s.failf("hook", "%s off-hook for a long time then on-hook gave %s, want %s (a hook never long-presses)", hook, describe(evs), describeWant(ws))
		}
	}
}

// unknownLEDs are LEDs no 400HD faceplate has.
var unknownLEDs = []hw.LED{{}, {Kind: hw.LEDKind(200)}, {Kind: hw.LEDKey, Index: 1 << 20}, {Kind: hw.LEDKey, Index: -1}}

func (s *suite) checkLEDs() {
	known := s.d.LEDs()
	if len(known) == 0 {
		s.failf("leds", "the driver lists no LED")
	}
	for _, id := range unknownLEDs {
		if slices.Contains(known, id) {
			continue
		}
		if err := s.b.SetLED(id, hw.LEDState{Color: hw.Red}); !errors.Is(err, hw.ErrNotSupported) {
			s.failf("leds", "SetLED(%v) of an LED the board lacks = %v, want hw.ErrNotSupported", id, err)
		}
	}
	states := []hw.LEDState{{Color: hw.Red}, {Color: hw.Blue, Pattern: hw.FlashSlow}, {Color: hw.Green, Pattern: hw.FlashFast}, {Color: hw.Amber}, {}}
	for _, id := range known {
		for _, st := range states {
			if err := s.b.SetLED(id, st); err != nil {
				s.failf("leds", "SetLED(%v, %v) = %v", id, st, err)
				break
			}
			if s.obs != nil {
				if got := s.obs.LED(id); got != st {
					s.failf("leds", "LED %v shows %v after SetLED %v", id, got, st)
					break
				}
			}
		}
	}
}

func (s *suite) checkFrames() {
	g := s.b.Geometry()
	if g.Cols <= 0 || g.Rows <= 0 {
		return
	}
	long := strings.Repeat("é", g.Cols+7) // multi-byte: cut by runes, not bytes
	rows := make([]string, g.Rows+3)
	for i := range rows {
		rows[i] = fmt.Sprintf("%d%s", i%10, long)
	}
	if err := s.b.ShowText(hw.TextFrame{Rows: rows, Highlight: 1, Backlight: 31}); err != nil {
		s.failf("frames", "ShowText of a frame too wide and too tall = %v; it must be cut, not refused", err)
	}
	if s.obs != nil {
		f := s.obs.Frame()
		if len(f.Rows) != g.Rows {
			s.failf("frames", "%d rows shown for a %d-row screen", len(f.Rows), g.Rows)
		}
		for i, r := range f.Rows {
			want := string([]rune(rows[i])[:g.Cols])
			if r != want {
				s.failf("frames", "row %d shows %q (%d runes), want the first %d runes %q", i, r, utf8.RuneCountInString(r), g.Cols, want)
				break
			}
		}
	}
	short := hw.TextFrame{Rows: []string{"Idle"}, Highlight: -1, Backlight: 20}
	if err := s.b.ShowText(short); err != nil {
		s.failf("frames", "ShowText of a one-row frame = %v", err)
	}
	if s.obs != nil {
		f := s.obs.Frame()
		if len(f.Rows) == 0 || f.Rows[0] != "Idle" {
			s.failf("frames", "one-row frame shows %q", f.Rows)
		}
		for i := 1; i < len(f.Rows); i++ {
			if f.Rows[i] != "" {
				s.failf("frames", "row %d still shows %q after a frame without it", i, f.Rows[i])
				break
			}
		}
	}
	if err := s.b.ShowText(hw.TextFrame{}); err != nil {
		s.failf("frames", "ShowText of an empty frame = %v", err)
	}
}

// checkConcurrency drives every method from several goroutines at once;
// under -race a data race in the backend fails the test. Each key has its
// own goroutine, so its events must still alternate Press, Release.
func (s *suite) checkConcurrency() {
	buttons := s.d.Buttons()
	if len(buttons) > 4 {
		buttons = buttons[:4]
	}
	leds := s.d.LEDs()
	m := s.mark()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	report := func(format string, args ...any) {
		mu.Lock()
		errs = append(errs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	const rounds = 25
	for _, b := range buttons {
		if b.Key.Switch() {
			continue
		}
		wg.Go(func() {
			for r := range rounds {
				if err := s.d.Press(b); err != nil {
					report("press %s: %v", b, err)
					return
				}
				if err := s.d.Release(b); err != nil {
					report("release %s: %v", b, err)
					return
				}
				// Wait for this stroke before the next, so the keys stay
				// concurrent but the channel never holds more than a few
				// events: a backend may drop events for a slow reader.
				seen := func(evs []hw.Event) bool {
					n := 0
					for _, e := range evs {
						if e.Key == b.Key && e.Index == b.Index && e.Action != hw.LongPress {
							n++
						}
					}
					return n >= 2*(r+1)
				}
				if _, ok := s.await(m, seen); !ok {
					report("%s stroke %d never arrived", b, r+1)
					return
				}
			}
		})
	}
	for w := range 3 {
		wg.Go(func() {
			for i := range rounds {
				if len(leds) > 0 {
					if err := s.b.SetLED(leds[(w+i)%len(leds)], hw.LEDState{Color: hw.Color(1 + i%4)}); err != nil {
						report("SetLED: %v", err)
						return
					}
				}
				if err := s.b.ShowText(hw.TextFrame{Rows: []string{fmt.Sprintf("writer %d line %d", w, i)}, Highlight: -1}); err != nil {
					report("ShowText: %v", err)
					return
				}
				_ = s.b.Geometry()
				if s.obs != nil {
					_ = s.obs.Frame()
					if len(leds) > 0 {
						_ = s.obs.LED(leds[i%len(leds)])
					}
				}
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		s.failf("concurrency", "%s", e)
	}
	total := 0
	for _, b := range buttons {
		if !b.Key.Switch() {
			total += 2 * rounds
		}
	}
	strokes := func(evs []hw.Event) []hw.Event {
		return slices.DeleteFunc(evs, func(e hw.Event) bool { return e.Action == hw.LongPress })
	}
	evs, _ := s.await(m, func(e []hw.Event) bool { return len(strokes(e)) >= total })
	evs = strokes(evs)
	down := map[Button]bool{}
	for _, e := range evs {
		b := Button{e.Key, e.Index}
		switch {
		case e.Action == hw.Press && down[b], e.Action == hw.Release && !down[b]:
			s.failf("concurrency", "%s out of order among concurrent presses", e)
			return
		}
		down[b] = e.Action == hw.Press
	}
	if len(evs) != total {
		s.failf("concurrency", "%d events from %d concurrent key strokes, want %d", len(evs), total/2, total)
	}
}

// checkClose closes the board: the event channel must close, LEDs go dark,
// the screen blank, and the board refuse further output.
func (s *suite) checkClose() {
	leds := s.d.LEDs()
	if len(leds) > 0 {
		s.b.SetLED(leds[0], hw.LEDState{Color: hw.Red})
	}
	s.b.ShowText(hw.TextFrame{Rows: []string{"before close"}, Highlight: -1, Backlight: 31})
	if err := s.b.Close(); err != nil {
		s.failf("close", "Close = %v", err)
	}
	m := s.mark()
	s.await(m, func([]hw.Event) bool { return false }) // returns when the channel closes
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if !closed {
		s.failf("close", "event channel still open %v after Close", Timeout)
	}
	if s.obs != nil {
		for _, id := range leds {
			if st := s.obs.LED(id); st.Color != hw.Off {
				s.failf("close", "LED %v still %v after Close", id, st)
				break
			}
		}
		for i, r := range s.obs.Frame().Rows {
			if r != "" {
				s.failf("close", "row %d still shows %q after Close", i, r)
				break
			}
		}
	}
	if len(leds) > 0 {
		if err := s.b.SetLED(leds[0], hw.LEDState{Color: hw.Green}); !errors.Is(err, hw.ErrClosed) {
			s.failf("close", "SetLED after Close = %v, want hw.ErrClosed", err)
		}
	}
	if err := s.b.ShowText(hw.TextFrame{Rows: []string{"after close"}}); !errors.Is(err, hw.ErrClosed) {
		s.failf("close", "ShowText after Close = %v, want hw.ErrClosed", err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.failf("close", "second Close panics: %v", r)
			}
		}()
		s.b.Close()
	}()
	// Input after Close must neither panic nor block; an error is fine.
	if btn, ok := s.firstKey(); ok {
		done := make(chan any, 1)
		go func() {
			defer func() { done <- recover() }()
			s.d.Press(btn)
			s.d.Release(btn)
		}()
		select {
		case r := <-done:
			if r != nil {
				s.failf("close", "input after Close panics: %v", r)
			}
		case <-time.After(Timeout):
			s.failf("close", "input after Close blocks")
		}
	}
	_ = s.b.Geometry()
}
