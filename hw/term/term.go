package term

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/hw"
)

// DefaultLongPress is the long-press threshold when Config.LongPress is 0.
const DefaultLongPress = 2 * time.Second

// Slot is a programmable key beside the screen: its cfg index and the
// screen row it sits next to.
type Slot struct {
	Index int
	Row   int
}

// SideKey is a sidecar or expansion-module key: its cfg index and the
// number the phone gives it.
type SideKey struct {
	Index  int
	Number int
}

// Layout is the faceplate to draw. cmd builds it from the phone's model.
type Layout struct {
	// Name is the model's name for the title.
	Name   string
	Screen hw.Geometry
	// HardKeys are the fixed keys; a key not listed is not drawn and its
	// keyboard shortcut does nothing.
	HardKeys []hw.Key
	// Left and Right are the programmable keys beside the screen.
	Left, Right []Slot
	// Side are the sidecar or expansion-module keys (hw.KeyFunction), in
	// the order the phone numbers them.
	Side []SideKey
	// LEDs are the LEDs the faceplate has; SetLED of another LED returns
	// hw.ErrNotSupported.
	LEDs []hw.LED
}

// Config describes a terminal board.
type Config struct {
	Layout Layout
	// Screen is the terminal; nil opens the process's terminal
	// (tcell.NewScreen). Tests pass tcell.NewSimulationScreen.
	Screen tcell.Screen
	// Clock times events, long presses and LED flashing; nil means the
	// system clock.
	Clock clock.Clock
	// LongPress is the long-press threshold; 0 means DefaultLongPress.
	LongPress time.Duration
	// Events is the capacity of the event channel; 0 means 64. Events that
	// do not fit are dropped: the board never blocks.
	Events int
}

type button struct {
	key   hw.Key
	index int
}

// Board is a faceplate in a terminal. It implements hw.Board and is safe
// for concurrent use.
type Board struct {
	layout Layout
	scr    tcell.Screen
	clk    clock.Clock
	long   time.Duration
	events chan hw.Event
	quit   chan struct{}
	done   chan struct{} // closed when the input goroutine ends
	stop   chan struct{} // stops the blink goroutine

	mu       sync.Mutex // guards the fields below and all drawing
	closed   bool
	frame    hw.TextFrame
	leds     map[hw.LED]hw.LEDState
	down     map[button]*held // keys held by the mouse
	hook     bool             // the handset is lifted
	help     bool             // the help overlay is up
	notices  []string
	tick     int
	quitOnce sync.Once
	hits     []hit // where the keys are drawn, for the mouse
	dropped  uint64
}

type held struct {
	timer clock.Timer
	long  bool
}

// New opens the terminal (or cfg.Screen) and starts reading it.
func New(cfg Config) (*Board, error) {
	l := cfg.Layout
	if l.Screen.Cols <= 0 || l.Screen.Rows <= 0 {
		return nil, fmt.Errorf("term: layout has a %dx%d screen", l.Screen.Cols, l.Screen.Rows)
	}
	scr := cfg.Screen
	if scr == nil {
		s, err := tcell.NewScreen()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoTerminal, err)
		}
		scr = s
	}
	if err := scr.Init(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTerminal, err)
	}
	scr.EnableMouse(tcell.MouseButtonEvents | tcell.MouseDragEvents)
	scr.HideCursor()
	if cfg.LongPress <= 0 {
		cfg.LongPress = DefaultLongPress
	}
	if cfg.Events <= 0 {
		cfg.Events = 64
	}
	b := &Board{
		layout: l,
		scr:    scr,
		clk:    clock.OrReal(cfg.Clock),
		long:   cfg.LongPress,
		events: make(chan hw.Event, cfg.Events),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		stop:   make(chan struct{}),
		frame:  hw.TextFrame{Rows: make([]string, l.Screen.Rows), Highlight: -1, Backlight: 31},
		leds:   map[hw.LED]hw.LEDState{},
		down:   map[button]*held{},
	}
	b.mu.Lock()
	b.drawLocked()
	b.mu.Unlock()
	go b.read()
	go b.blink()
	return b, nil
}

// Geometry implements hw.Display.
func (b *Board) Geometry() hw.Geometry { return b.layout.Screen }

// Events implements hw.Keypad.
func (b *Board) Events() <-chan hw.Event { return b.events }

// Quit is closed when the user asks to quit (Ctrl-C, Ctrl-Q).
func (b *Board) Quit() <-chan struct{} { return b.quit }

// LongPressThreshold returns how long a key must stay down to long-press.
func (b *Board) LongPressThreshold() time.Duration { return b.long }

// Dropped counts events lost because nobody read them in time.
func (b *Board) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// SetNotices shows lines under the faceplate, such as a missing sound
// card, one at a time, turning every few seconds; none removes them.
func (b *Board) SetNotices(lines ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notices = slices.DeleteFunc(slices.Clone(lines), func(s string) bool { return s == "" })
	b.drawLocked()
}

// noticeTurn is how many blink ticks (250 ms) each notice stays.
const noticeTurn = 16

// Held reports whether key k (index: of a programmable or function key)
// is held down with the mouse.
func (b *Board) Held(k hw.Key, index int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.down[button{k, index}]
	return ok
}

// OffHook reports whether the handset is lifted.
func (b *Board) OffHook() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hook
}

// SetLED implements hw.LEDs.
func (b *Board) SetLED(id hw.LED, s hw.LEDState) error {
	if !slices.Contains(b.layout.LEDs, id) {
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
	if b.leds[id] == s {
		return nil
	}
	b.leds[id] = s
	b.drawLocked()
	return nil
}

// LED returns the state of LED id.
func (b *Board) LED(id hw.LED) hw.LEDState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.leds[id]
}

// ShowText implements hw.Display: rows too long are cut, extra rows
// dropped, missing rows blank.
func (b *Board) ShowText(f hw.TextFrame) error {
	g := b.layout.Screen
	rows := make([]string, g.Rows)
	for i := range min(len(f.Rows), g.Rows) {
		rows[i] = cutRunes(f.Rows[i], g.Cols)
	}
	out := hw.TextFrame{Rows: rows, Highlight: f.Highlight, Backlight: min(max(f.Backlight, 0), 31)}
	if out.Highlight < 0 || out.Highlight >= g.Rows {
		out.Highlight = -1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hw.ErrClosed
	}
	b.frame = out
	b.drawLocked()
	return nil
}

// Frame returns the screen as shown.
func (b *Board) Frame() hw.TextFrame {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.frame
	f.Rows = slices.Clone(f.Rows)
	return f
}

func cutRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// Close blanks the faceplate, restores the terminal and closes the event
// channel. A second Close does nothing.
func (b *Board) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for k, h := range b.down {
		if h.timer != nil {
			h.timer.Stop()
		}
		delete(b.down, k)
	}
	b.frame = hw.TextFrame{Rows: make([]string, b.layout.Screen.Rows), Highlight: -1}
	b.leds = map[hw.LED]hw.LEDState{}
	close(b.events)
	close(b.stop)
	b.scr.Fini()
	b.mu.Unlock()
	<-b.done
	return nil
}

// sendLocked delivers an event without ever blocking.
func (b *Board) sendLocked(k button, a hw.Action, at time.Time) {
	if b.closed {
		return
	}
	select {
	case b.events <- hw.Event{Key: k.key, Index: k.index, Action: a, At: at}:
	default:
		b.dropped++
	}
}

// tapLocked is a key from the keyboard: a press and a release, or with
// long a press, a long press and a release.
func (b *Board) tapLocked(k button, long bool) {
	now := b.clk.Now()
	b.sendLocked(k, hw.Press, now)
	if long {
		b.sendLocked(k, hw.LongPress, now)
	}
	b.sendLocked(k, hw.Release, now)
}

// toggleHookLocked lifts or replaces the handset.
func (b *Board) toggleHookLocked() {
	b.hook = !b.hook
	a := hw.Release
	if b.hook {
		a = hw.Press
	}
	b.sendLocked(button{key: hw.KeyHook}, a, b.clk.Now())
	b.drawLocked()
}

// pressLocked puts a key down with the mouse; it long-presses if it stays
// down past the threshold.
func (b *Board) pressLocked(k button) {
	if _, ok := b.down[k]; ok {
		return
	}
	h := &held{}
	b.down[k] = h
	b.sendLocked(k, hw.Press, b.clk.Now())
	h.timer = b.clk.AfterFunc(b.long, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.down[k] == h && !h.long {
			h.long = true
			b.sendLocked(k, hw.LongPress, b.clk.Now())
		}
	})
	b.drawLocked()
}

func (b *Board) releaseLocked(k button) {
	h, ok := b.down[k]
	if !ok {
		return
	}
	delete(b.down, k)
	if h.timer != nil {
		h.timer.Stop()
	}
	b.sendLocked(k, hw.Release, b.clk.Now())
	b.drawLocked()
}

// read turns the terminal's input into key events until Close.
func (b *Board) read() {
	defer close(b.done)
	for {
		ev := b.scr.PollEvent()
		if ev == nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return
		}
		switch ev := ev.(type) {
		case *tcell.EventResize:
			b.scr.Sync()
			b.drawLocked()
		case *tcell.EventKey:
			b.keyLocked(ev)
		case *tcell.EventMouse:
			b.mouseLocked(ev)
		}
		b.mu.Unlock()
	}
}

// mouseLocked presses the key under the button and releases it when the
// button comes up; a click on the handset lifts or replaces it.
func (b *Board) mouseLocked(ev *tcell.EventMouse) {
	x, y := ev.Position()
	k, onKey := b.hitLocked(x, y)
	if ev.Buttons()&tcell.Button1 != 0 {
		switch {
		case !onKey:
		case k.key == hw.KeyHook:
			if _, ok := b.down[k]; !ok {
				b.down[k] = &held{}
				b.toggleHookLocked()
			}
		case k.key == helpKey:
			b.help = !b.help
			b.drawLocked()
		default:
			b.pressLocked(k)
		}
		return
	}
	if ev.Buttons() != tcell.ButtonNone {
		return // other buttons and the wheel do nothing
	}
	if _, ok := b.down[k]; onKey && ok {
		if k.key == hw.KeyHook {
			delete(b.down, k)
			return
		}
		b.releaseLocked(k)
		return
	}
	// The pointer moved off the key it pressed: let every key go.
	for k := range b.down {
		if k.key == hw.KeyHook {
			delete(b.down, k)
			continue
		}
		b.releaseLocked(k)
	}
}

// blink redraws flashing LEDs: slow ones every 500 ms, fast ones every
// 250 ms.
func (b *Board) blink() {
	t := b.clk.NewTimer(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C():
		}
		b.mu.Lock()
		b.tick++
		flashing := false
		for _, s := range b.leds {
			if s.Color != hw.Off && s.Pattern != hw.Steady {
				flashing = true
			}
		}
		if (flashing || len(b.notices) > 1 && b.tick%noticeTurn == 0) && !b.closed {
			b.drawLocked()
		}
		b.mu.Unlock()
		t.Reset(250 * time.Millisecond)
	}
}
