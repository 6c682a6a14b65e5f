// Package virtual is an in-memory hw.Board for fleets and tests: nothing is
// drawn and no key is real, but everything can be scripted and read back.
//
// Input is injected by the test or the fleet scenario: key presses and
// releases, taps, long presses (by time held, on the board's clock), the hook
// switch, and programmable or function keys by their cfg index. Output is
// kept: the current screen (Frame, Text), every LED's state, and a short log
// of screen changes. WaitScreen and WaitLED block until the phone's UI shows
// what a test expects.
//
// A Board costs about 2 KB idle and under 3 KB with a 450HD screen shown
// (BenchmarkBoardMemory; most of it is the event buffer), so a fleet can run
// tens of thousands.
package virtual

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/hw"
)

// DefaultLongPress is how long a key stays down before the board sends
// LongPress, when Config.LongPress is zero.
const DefaultLongPress = 2 * time.Second

// DefaultGeometry is the screen of a board made with a zero Geometry: the
// 320x240 colour screen of the 445HD and RX50, laid out as 40x12 text.
var DefaultGeometry = hw.Geometry{Width: 320, Height: 240, Cols: 40, Rows: 12, Color: true}

// maxKeyLEDs is the number of key LEDs of DefaultLEDs: cfg indices 0-47,
// the widest key map of the family (450HD with expansion module).
const maxKeyLEDs = 48

var fixedLEDs = []hw.LEDKind{hw.LEDRinger, hw.LEDMute, hw.LEDSpeaker, hw.LEDHeadset}

// DefaultLEDs returns the LEDs of a board whose Config.LEDs is nil: the
// ringer, mute, speaker and headset LEDs, and a key LED for every cfg index
// 0-47.
func DefaultLEDs() []hw.LED {
	out := make([]hw.LED, 0, len(fixedLEDs)+maxKeyLEDs)
	for _, k := range fixedLEDs {
		out = append(out, hw.LED{Kind: k})
	}
	for i := range maxKeyLEDs {
		out = append(out, hw.LED{Kind: hw.LEDKey, Index: i})
	}
	return out
}

// Config describes a board. The zero value works.
type Config struct {
	// Geometry is the screen; a zero value means DefaultGeometry.
	Geometry hw.Geometry
	// LEDs are the LEDs the board has; nil means DefaultLEDs. SetLED of any
	// other LED returns hw.ErrNotSupported.
	LEDs []hw.LED
	// Clock times events and long presses; nil means the system clock.
	Clock clock.Clock
	// LongPress is the long-press threshold; 0 means DefaultLongPress.
	LongPress time.Duration
	// Events is the capacity of the event channel; 0 means 32. Events that
	// do not fit are dropped (a slow reader loses events, the board never
	// blocks) and counted by Dropped.
	Events int
	// ScreenLog is how many screen changes ScreenLog keeps; 0 means 8, a
	// negative value keeps none.
	ScreenLog int
}

// Button is a key to press: a hard key, or a programmable or function key
// with its cfg index.
type Button struct {
	Key   hw.Key
	Index int
}

// Key returns the Button of a hard key (or the hook switch).
func Key(k hw.Key) Button { return Button{Key: k} }

// Programmable returns the Button of programmable key n (its cfg index).
func Programmable(n int) Button { return Button{Key: hw.KeyProgrammable, Index: n} }

// Function returns the Button of sidecar or expansion-module key n (its
// cfg index).
func Function(n int) Button { return Button{Key: hw.KeyFunction, Index: n} }

func (b Button) String() string {
	if b.Key == hw.KeyProgrammable || b.Key == hw.KeyFunction {
		return fmt.Sprintf("%s%d", b.Key, b.Index)
	}
	return b.Key.String()
}

func (b Button) check() error {
	if _, ok := hw.ParseKey(b.Key.String()); !ok || b.Key == hw.KeyNone {
		return fmt.Errorf("%w: %v", ErrBadKey, b.Key)
	}
	indexed := b.Key == hw.KeyProgrammable || b.Key == hw.KeyFunction
	if b.Index < 0 || (!indexed && b.Index != 0) {
		return fmt.Errorf("%w: %s with index %d", ErrBadKey, b.Key, b.Index)
	}
	return nil
}

// ScreenChange is one entry of the screen log.
type ScreenChange struct {
	At    time.Time
	Frame hw.TextFrame
}

// press is a key held down.
type press struct {
	at    time.Time
	timer clock.Timer // fires LongPress; nil for the hook and with no threshold
	long  bool        // LongPress sent
}

type litLED struct {
	id hw.LED
	s  hw.LEDState
}

// Board is an in-memory faceplate. It implements hw.Board and is safe for
// concurrent use.
type Board struct {
	geo    hw.Geometry
	clk    clock.Clock
	long   time.Duration
	ledSet []hw.LED // nil: DefaultLEDs
	events chan hw.Event
	logCap int

	mu       sync.Mutex // guards the fields below
	closed   bool
	frame    hw.TextFrame
	lit      []litLED // LEDs that are not off
	down     map[Button]*press
	log      []ScreenChange // ring of at most logCap entries
	logStart int
	changed  chan struct{} // closed on the next change; nil until someone waits
	dropped  uint64
}

// New returns a board with screen g and every other setting at its default.
func New(g hw.Geometry) *Board { return Config{Geometry: g}.New() }

// New returns the board c describes.
func (c Config) New() *Board {
	if c.Geometry == (hw.Geometry{}) {
		c.Geometry = DefaultGeometry
	}
	if c.LongPress <= 0 {
		c.LongPress = DefaultLongPress
	}
	if c.Events <= 0 {
		c.Events = 32
	}
	switch {
	case c.ScreenLog == 0:
		c.ScreenLog = 8
	case c.ScreenLog < 0:
		c.ScreenLog = 0
	}
	b := &Board{
		geo:    c.Geometry,
		clk:    clock.OrReal(c.Clock),
		long:   c.LongPress,
		events: make(chan hw.Event, c.Events),
		logCap: c.ScreenLog,
		frame:  hw.TextFrame{Highlight: -1},
	}
	if c.LEDs != nil {
		b.ledSet = slices.Clone(c.LEDs)
	}
	return b
}

// Geometry implements hw.Display.
func (b *Board) Geometry() hw.Geometry { return b.geo }

// Events implements hw.Keypad.
func (b *Board) Events() <-chan hw.Event { return b.events }

// LongPressThreshold returns how long a key must stay down to long-press.
func (b *Board) LongPressThreshold() time.Duration { return b.long }

// Dropped counts events lost because nobody read them in time.
func (b *Board) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

func (b *Board) hasLED(id hw.LED) bool {
	if b.ledSet == nil {
		if id.Kind == hw.LEDKey {
			return id.Index >= 0 && id.Index < maxKeyLEDs
		}
		return id.Index == 0 && slices.Contains(fixedLEDs, id.Kind)
	}
	return slices.Contains(b.ledSet, id)
}

// sendLocked delivers an event without ever blocking.
func (b *Board) sendLocked(e hw.Event) {
	select {
	case b.events <- e:
	default:
		b.dropped++
	}
}

// notifyLocked wakes the waiters.
func (b *Board) notifyLocked() {
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

func (b *Board) changedLocked() <-chan struct{} {
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.changed
}

// Press puts btn down, as a finger on a key or a lifted handset (KeyHook).
// If it stays down past the long-press threshold on the board's clock, the
// board sends LongPress; switches (the hooks) never long-press.
func (b *Board) Press(btn Button) error {
	if err := btn.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hw.ErrClosed
	}
	if _, ok := b.down[btn]; ok {
		return fmt.Errorf("%w: %s", ErrKeyDown, btn)
	}
	if b.down == nil {
		b.down = make(map[Button]*press, 2)
	}
	p := &press{at: b.clk.Now()}
	b.down[btn] = p
	b.sendLocked(hw.Event{Key: btn.Key, Index: btn.Index, Action: hw.Press, At: p.at})
	if !btn.Key.Switch() {
		p.timer = b.clk.AfterFunc(b.long, func() { b.longPress(btn, p) })
	}
	return nil
}

// longPress sends LongPress if p is still the press of btn.
func (b *Board) longPress(btn Button, p *press) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.down[btn] != p || p.long {
		return
	}
	p.long = true
	b.sendLocked(hw.Event{Key: btn.Key, Index: btn.Index, Action: hw.LongPress, At: p.at.Add(b.long)})
}

// Release lets btn up. A key held past the threshold gets its LongPress
// before the Release even if the timer has not run yet, so the order never
// depends on scheduling.
func (b *Board) Release(btn Button) error {
	if err := btn.check(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hw.ErrClosed
	}
	p, ok := b.down[btn]
	if !ok {
		return fmt.Errorf("%w: %s", ErrKeyUp, btn)
	}
	delete(b.down, btn)
	now := b.clk.Now()
	if p.timer != nil {
		p.timer.Stop()
		if !p.long && now.Sub(p.at) >= b.long {
			p.long = true
			b.sendLocked(hw.Event{Key: btn.Key, Index: btn.Index, Action: hw.LongPress, At: p.at.Add(b.long)})
		}
	}
	b.sendLocked(hw.Event{Key: btn.Key, Index: btn.Index, Action: hw.Release, At: now})
	return nil
}

// Toggle moves a switch (the hook, the EHS headset's hook) to its other
// position: off-hook when it is on-hook, and back. A key that springs back
// is tapped.
func (b *Board) Toggle(btn Button) error {
	if !btn.Key.Switch() {
		return b.Tap(btn)
	}
	b.mu.Lock()
	_, down := b.down[btn]
	b.mu.Unlock()
	if down {
		return b.Release(btn)
	}
	return b.Press(btn)
}

// Tap presses and releases btn at once.
func (b *Board) Tap(btn Button) error {
	if err := b.Press(btn); err != nil {
		return err
	}
	return b.Release(btn)
}

// Hold keeps btn down for d on the board's clock, then releases it. With a
// manual clock (clocktest.Fake), Hold returns once the clock has been
// advanced by d. If ctx ends first, the key is released and ctx's error
// returned.
func (b *Board) Hold(ctx context.Context, btn Button, d time.Duration) error {
	if err := b.Press(btn); err != nil {
		return err
	}
	t := b.clk.NewTimer(d)
	defer t.Stop()
	var werr error
	select {
	case <-t.C():
	case <-ctx.Done():
		werr = ctx.Err()
	}
	if err := b.Release(btn); err != nil {
		return err
	}
	return werr
}

// LongPress holds btn for the long-press threshold.
func (b *Board) LongPress(ctx context.Context, btn Button) error {
	return b.Hold(ctx, btn, b.long)
}

// HookOff lifts the handset.
func (b *Board) HookOff() error { return b.Press(Key(hw.KeyHook)) }

// HookOn puts the handset down.
func (b *Board) HookOn() error { return b.Release(Key(hw.KeyHook)) }

// HeadsetOff takes an EHS headset off-hook (its call button).
func (b *Board) HeadsetOff() error { return b.Press(Key(hw.KeyEHS)) }

// HeadsetOn puts an EHS headset back on-hook.
func (b *Board) HeadsetOn() error { return b.Release(Key(hw.KeyEHS)) }

// Dial taps the dial-pad keys of digits ("0"-"9", "*", "#"). Nothing is
// tapped if digits holds any other character.
func (b *Board) Dial(digits string) error {
	keys := make([]hw.Key, 0, len(digits))
	for _, r := range digits {
		k, ok := dialKey(r)
		if !ok {
			return fmt.Errorf("%w: cannot dial %q", ErrBadKey, r)
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		if err := b.Tap(Key(k)); err != nil {
			return err
		}
	}
	return nil
}

func dialKey(r rune) (hw.Key, bool) {
	switch {
	case r >= '0' && r <= '9':
		return hw.Key0 + hw.Key(r-'0'), true
	case r == '*':
		return hw.KeyStar, true
	case r == '#':
		return hw.KeyPound, true
	}
	return hw.KeyNone, false
}

// SetLED implements hw.LEDs. An LED the board does not have, or a colour or
// pattern outside hw's, returns hw.ErrNotSupported.
func (b *Board) SetLED(id hw.LED, s hw.LEDState) error {
	if !b.hasLED(id) {
		return fmt.Errorf("%w: LED %s", hw.ErrNotSupported, id)
	}
	s, err := s.Check()
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hw.ErrClosed
	}
	i := slices.IndexFunc(b.lit, func(l litLED) bool { return l.id == id })
	switch {
	case i >= 0 && b.lit[i].s == s:
		return nil
	case i >= 0 && s.Color == hw.Off:
		b.lit = slices.Delete(b.lit, i, i+1)
	case i >= 0:
		b.lit[i].s = s
	case s.Color == hw.Off:
		return nil
	default:
		b.lit = append(b.lit, litLED{id, s})
	}
	b.notifyLocked()
	return nil
}

// LED returns the state of LED id (dark for an LED that was never set).
func (b *Board) LED(id hw.LED) hw.LEDState {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lit {
		if l.id == id {
			return l.s
		}
	}
	return hw.LEDState{}
}

// LEDs returns every LED that is not dark.
func (b *Board) LEDs() map[hw.LED]hw.LEDState {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[hw.LED]hw.LEDState, len(b.lit))
	for _, l := range b.lit {
		out[l.id] = l.s
	}
	return out
}

// fit lays f out on the board's grid: exactly Rows rows (extra rows
// dropped, missing ones blank), each cut to Cols runes; the highlight kept
// only if it names a row; the backlight held to 0-31.
func (b *Board) fit(f hw.TextFrame) hw.TextFrame {
	rows := make([]string, b.geo.Rows)
	for i := range min(len(f.Rows), len(rows)) {
		rows[i] = cutRunes(f.Rows[i], b.geo.Cols)
	}
	out := hw.TextFrame{Rows: rows, Highlight: f.Highlight, Backlight: min(max(f.Backlight, 0), 31)}
	if out.Highlight < 0 || out.Highlight >= len(rows) {
		out.Highlight = -1
	}
	return out
}

func cutRunes(s string, n int) string {
	if len(s) <= n { // fewer bytes than runes allowed: nothing to cut
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func sameFrame(a, b hw.TextFrame) bool {
	return a.Highlight == b.Highlight && a.Backlight == b.Backlight && slices.Equal(a.Rows, b.Rows)
}

// ShowText implements hw.Display: rows too long are cut, extra rows
// dropped, never refused.
func (b *Board) ShowText(f hw.TextFrame) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hw.ErrClosed
	}
	b.setFrameLocked(b.fit(f))
	return nil
}

func (b *Board) setFrameLocked(f hw.TextFrame) {
	if sameFrame(f, b.frame) {
		return
	}
	b.frame = f
	if b.logCap > 0 {
		c := ScreenChange{At: b.clk.Now(), Frame: f}
		if len(b.log) < b.logCap {
			b.log = append(b.log, c)
		} else {
			b.log[b.logStart] = c
			b.logStart = (b.logStart + 1) % b.logCap
		}
	}
	b.notifyLocked()
}

// Frame returns the screen as shown: Geometry().Rows rows, each cut to
// Cols runes.
func (b *Board) Frame() hw.TextFrame {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.frame
	if f.Rows == nil {
		f.Rows = make([]string, b.geo.Rows)
	} else {
		f.Rows = slices.Clone(f.Rows)
	}
	return f
}

// Text returns the screen's rows joined by newlines.
func (b *Board) Text() string { return b.Frame().Text() }

// ScreenLog returns the last screen changes, oldest first.
func (b *Board) ScreenLog() []ScreenChange {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]ScreenChange, 0, len(b.log))
	out = append(out, b.log[b.logStart:]...)
	return append(out, b.log[:b.logStart]...)
}

// WaitScreen waits until the screen shows substr (anywhere in Text) and
// returns that frame. It returns hw.ErrClosed if the board closes first,
// or ctx's error with the last frame.
func (b *Board) WaitScreen(ctx context.Context, substr string) (hw.TextFrame, error) {
	for {
		b.mu.Lock()
		f := b.frame
		closed := b.closed
		var ch <-chan struct{}
		if !closed && !strings.Contains(f.Text(), substr) {
			ch = b.changedLocked()
		}
		b.mu.Unlock()
		f.Rows = slices.Clone(f.Rows)
		switch {
		case ch == nil && !closed:
			return f, nil
		case closed:
			return f, fmt.Errorf("waiting for %q on screen: %w", substr, hw.ErrClosed)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return f, fmt.Errorf("waiting for %q on screen:\n%s\n%w", substr, f.Text(), ctx.Err())
		}
	}
}

// WaitLED waits until LED id is in state s.
func (b *Board) WaitLED(ctx context.Context, id hw.LED, s hw.LEDState) error {
	if !b.hasLED(id) {
		return fmt.Errorf("%w: LED %s", hw.ErrNotSupported, id)
	}
	if s.Color == hw.Off {
		s = hw.LEDState{}
	}
	for {
		b.mu.Lock()
		var cur hw.LEDState
		for _, l := range b.lit {
			if l.id == id {
				cur = l.s
			}
		}
		closed := b.closed
		var ch <-chan struct{}
		if cur != s && !closed {
			ch = b.changedLocked()
		}
		b.mu.Unlock()
		if cur == s {
			return nil
		}
		if closed {
			return fmt.Errorf("waiting for LED %s to be %s: %w", id, s, hw.ErrClosed)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for LED %s to be %s (it is %s): %w", id, s, cur, ctx.Err())
		}
	}
}

// Close implements hw.Board: keys are let go without events, LEDs go dark,
// the screen goes blank, the event channel is closed, and every later call
// returns hw.ErrClosed. Closing again does nothing.
func (b *Board) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	for _, p := range b.down {
		if p.timer != nil {
			p.timer.Stop()
		}
	}
	b.down = nil
	b.lit = nil
	b.setFrameLocked(hw.TextFrame{Rows: make([]string, b.geo.Rows), Highlight: -1})
	b.closed = true
	close(b.events)
	b.notifyLocked()
	return nil
}

var _ hw.Board = (*Board)(nil)
