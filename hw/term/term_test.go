package term_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/hwtest"
	"github.com/hdphone/hdphone/hw/term"
)

// layout450 is a 450HD faceplate with an expansion module.
func layout450() term.Layout {
	l := term.Layout{
		Name:     "450HD",
		Screen:   hw.Geometry{Width: 800, Height: 480, Cols: 52, Rows: 14},
		HardKeys: hw.Keys(),
		LEDs:     []hw.LED{{Kind: hw.LEDRinger}, {Kind: hw.LEDMute}, {Kind: hw.LEDSpeaker}, {Kind: hw.LEDHeadset}},
	}
	for i := range 8 {
		s := term.Slot{Index: i, Row: 2 + (i%4)*2}
		if i < 4 {
			l.Left = append(l.Left, s)
		} else {
			l.Right = append(l.Right, s)
		}
		l.LEDs = append(l.LEDs, hw.LED{Kind: hw.LEDKey, Index: i})
	}
	for n := 8; n < 48; n++ {
		l.Side = append(l.Side, term.SideKey{Index: n, Number: n + 1})
		l.LEDs = append(l.LEDs, hw.LED{Kind: hw.LEDKey, Index: n})
	}
	return l
}

type rig struct {
	b   *term.Board
	sim tcell.SimulationScreen
	clk *clocktest.Fake
}

func newRig(t *testing.T, l term.Layout, w, h int) *rig {
	t.Helper()
	sim := tcell.NewSimulationScreen("UTF-8")
	clk := clocktest.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	b, err := term.New(term.Config{Layout: l, Screen: sim, Clock: clk, Events: 256})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r := &rig{b, sim, clk}
	r.resize(t, w, h)
	return r
}

// resize gives the terminal a new size and waits until the board has
// redrawn for it: a key typed after the resize event is a barrier in the
// same input queue.
func (r *rig) resize(t *testing.T, w, h int) {
	t.Helper()
	r.sim.SetSize(w, h)
	r.sim.PostEventWait(tcell.NewEventResize(w, h))
	r.sim.InjectKey(tcell.KeyRune, '1', 0)
	for {
		if e := r.next(t); e.Key == hw.Key1 && e.Action == hw.Release {
			return
		}
	}
}

// contents copies the simulation screen's cells while the board does not
// draw.
func (r *rig) contents() ([]tcell.SimCell, int, int) {
	var cells []tcell.SimCell
	var w, h int
	term.WithLock(r.b, func() {
		c, cw, ch := r.sim.GetContents()
		w, h = cw, ch
		cells = make([]tcell.SimCell, len(c))
		for i, x := range c {
			cells[i] = tcell.SimCell{Runes: append([]rune(nil), x.Runes...), Style: x.Style}
		}
	})
	return cells, w, h
}

// text returns the terminal's cells as lines.
func (r *rig) text() string {
	cells, w, h := r.contents()
	var b strings.Builder
	for y := range h {
		for x := range w {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteString(string(c.Runes))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// waitText waits until the terminal shows s.
func (r *rig) waitText(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		txt := r.text()
		if strings.Contains(txt, s) {
			return txt
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal does not show %q:\n%s", s, txt)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cell finds the first cell showing s and returns its position and style.
func (r *rig) cell(s string) (int, int, tcell.Style, bool) {
	cells, w, h := r.contents()
	for y := range h {
		line := ""
		for x := range w {
			if len(cells[y*w+x].Runes) > 0 {
				line += string(cells[y*w+x].Runes)
			} else {
				line += " "
			}
		}
		if i := strings.Index(line, s); i >= 0 {
			x := len([]rune(line[:i]))
			return x, y, cells[y*w+x].Style, true
		}
	}
	return 0, 0, tcell.StyleDefault, false
}

func (r *rig) next(t *testing.T) hw.Event {
	t.Helper()
	select {
	case e := <-r.b.Events():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no key event")
	}
	return hw.Event{}
}

// driver presses the drawn keys with the simulated mouse, as a user
// would.
type driver struct {
	r      *rig
	layout term.Layout
	hook   *bool
}

func (d driver) click(k hwtest.Button, buttons tcell.ButtonMask) error {
	x, y, ok := d.r.b.Center(k.Key, k.Index)
	if !ok {
		return nil // after Close nothing is drawn: the click goes nowhere
	}
	d.r.sim.InjectMouse(x, y, buttons, tcell.ModNone)
	return nil
}

// Press clicks the key down and, as a finger would, stays until the
// board feels it (so that the long-press clock starts before the driver
// lets time pass).
func (d driver) Press(k hwtest.Button) error {
	if k.Key == hw.KeyHook {
		if *d.hook {
			return nil
		}
		*d.hook = true
		d.click(k, tcell.Button1)
		return d.click(k, tcell.ButtonNone)
	}
	d.click(k, tcell.Button1)
	d.await(k, true)
	return nil
}

func (d driver) Release(k hwtest.Button) error {
	if k.Key == hw.KeyHook {
		if !*d.hook {
			return nil
		}
		*d.hook = false
		d.click(k, tcell.Button1)
		return d.click(k, tcell.ButtonNone)
	}
	d.click(k, tcell.ButtonNone)
	d.await(k, false)
	return nil
}

// await waits until the board holds k (or lets it go); a closed board
// holds nothing.
func (d driver) await(k hwtest.Button, down bool) {
	deadline := time.Now().Add(time.Second)
	for d.r.b.Held(k.Key, k.Index) != down && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
}

func (d driver) PassLongPress(context.Context) error {
	// Press waited until the board held the key, which it records in the
	// same locked step that arms the long-press timer (waiting for "a
	// pending timer" would not do: the LED blinker always has one).
	d.r.clk.Advance(d.r.b.LongPressThreshold())
	return nil
}

func (d driver) Buttons() []hwtest.Button {
	return []hwtest.Button{{Key: hw.KeyOK}, {Key: hw.Key1}, {Key: hw.KeySoft2}, {Key: hw.KeyMute},
		{Key: hw.KeyProgrammable, Index: 2}, {Key: hw.KeyProgrammable, Index: 6}, {Key: hw.KeyFunction, Index: 30},
		{Key: hw.KeyMenu}, {Key: hw.KeyPound}, {Key: hw.KeyHook}}
}

func (d driver) LEDs() []hw.LED            { return d.layout.LEDs }
func (d driver) Frame() hw.TextFrame       { return d.r.b.Frame() }
func (d driver) LED(id hw.LED) hw.LEDState { return d.r.b.LED(id) }

// The terminal board passes the conformance suite, driven through tcell's
// simulation screen with the mouse.
func TestConformance(t *testing.T) {
	l := layout450()
	r := newRig(t, l, 100, 30)
	r.waitText(t, "AudioCodes 450HD")
	hook := false
	hwtest.TestBoard(t, r.b, driver{r, l, &hook})
}

// The screen text is drawn inside the frame, the highlighted row
// inverted, a dark backlight blanks it; LEDs take their colours.
func TestDrawsScreenAndLEDs(t *testing.T) {
	r := newRig(t, layout450(), 100, 30)
	rows := []string{"1001                                 09:05", "Registered", "Alice", "", "Menu"}
	if err := r.b.ShowText(hw.TextFrame{Rows: rows, Highlight: 4, Backlight: 31}); err != nil {
		t.Fatal(err)
	}
	txt := r.waitText(t, "│1001                                 09:05")
	if !strings.Contains(txt, "│Alice") {
		t.Errorf("row 2 is not drawn:\n%s", txt)
	}
	if _, _, st, ok := r.cell("Menu"); !ok || !hasAttr(st, tcell.AttrReverse) {
		t.Errorf("the highlighted row is not inverted")
	}
	if err := r.b.SetLED(hw.LED{Kind: hw.LEDRinger}, hw.LEDState{Color: hw.Red}); err != nil {
		t.Fatal(err)
	}
	r.waitText(t, "● MSG")
	if _, _, st, _ := r.cell("● MSG"); fg(st) != tcell.ColorRed {
		t.Errorf("the message LED is %v, want red", fg(st))
	}
	if err := r.b.SetLED(hw.LED{Kind: hw.LEDKey, Index: 0}, hw.LEDState{Color: hw.Green}); err != nil {
		t.Fatal(err)
	}
	r.waitText(t, "(●)")
	if _, _, st, _ := r.cell("(●)"); true {
		x, y, _, _ := r.cell("(●)")
		cells, w, _ := r.contents()
		if c := cells[y*w+x+1]; fg(c.Style) != tcell.ColorGreen {
			t.Errorf("key 1's LED is %v, want green", fg(c.Style))
		}
		_ = st
	}
	r.b.SetLED(hw.LED{Kind: hw.LEDMute}, hw.LEDState{Color: hw.Red})
	r.waitText(t, "[MUTE]")
	if _, _, st, _ := r.cell("[MUTE]"); fg(st) != tcell.ColorRed {
		t.Errorf("MUTE is %v, want red", fg(st))
	}
	// A flashing LED goes on and off with the blink.
	r.b.SetLED(hw.LED{Kind: hw.LEDRinger}, hw.LEDState{Color: hw.Blue, Pattern: hw.FlashFast})
	r.waitText(t, "● MSG")
	r.advanceUntilText(t, 250*time.Millisecond, "○ MSG")
	r.advanceUntilText(t, 250*time.Millisecond, "● MSG")
	// Backlight 0: the text is drawn black on black.
	r.b.ShowText(hw.TextFrame{Rows: rows, Highlight: -1, Backlight: 0})
	time.Sleep(20 * time.Millisecond)
	if _, _, st, ok := r.cell("Alice"); !ok || fg(st) != tcell.ColorBlack {
		t.Errorf("a dark screen still shows its text (fg %v)", fg(st))
	}
}

func fg(st tcell.Style) tcell.Color {
	f, _, _ := st.Decompose()
	return f
}

func hasAttr(st tcell.Style, a tcell.AttrMask) bool {
	_, _, at := st.Decompose()
	return at&a != 0
}

// The keyboard map: digits, arrows, Enter, Esc, F-keys, letters; Alt makes
// a long press; space lifts and replaces the handset; keys the model lacks
// do nothing.
func TestKeyboardMap(t *testing.T) {
	l := layout450()
	l.HardKeys = []hw.Key{hw.Key1, hw.Key0, hw.KeyStar, hw.KeyPound, hw.KeyOK, hw.KeyUp, hw.KeyBack,
		hw.KeySoft1, hw.KeySoft4, hw.KeyMenu, hw.KeyMute, hw.KeySpeaker, hw.KeyHeadset, hw.KeyHold,
		hw.KeyTransfer, hw.KeyVolumeUp, hw.KeyHook}
	r := newRig(t, l, 100, 30)
	r.waitText(t, "AudioCodes")
	type in struct {
		k   tcell.Key
		r   rune
		mod tcell.ModMask
	}
	cases := []struct {
		in   in
		want hw.Key
		idx  int
	}{
		{in{tcell.KeyRune, '1', 0}, hw.Key1, 0},
		{in{tcell.KeyRune, '*', 0}, hw.KeyStar, 0},
		{in{tcell.KeyRune, '#', 0}, hw.KeyPound, 0},
		{in{tcell.KeyEnter, 0, 0}, hw.KeyOK, 0},
		{in{tcell.KeyUp, 0, 0}, hw.KeyUp, 0},
		{in{tcell.KeyEscape, 0, 0}, hw.KeyBack, 0},
		{in{tcell.KeyBackspace2, 0, 0}, hw.KeyBack, 0},
		{in{tcell.KeyF1, 0, 0}, hw.KeySoft1, 0},
		{in{tcell.KeyF4, 0, 0}, hw.KeySoft4, 0},
		{in{tcell.KeyF5, 0, 0}, hw.KeyProgrammable, 0},
		{in{tcell.KeyF12, 0, 0}, hw.KeyProgrammable, 7},
		{in{tcell.KeyRune, 'm', 0}, hw.KeyMenu, 0},
		{in{tcell.KeyRune, 'M', 0}, hw.KeyMenu, 0},
		{in{tcell.KeyRune, 'u', 0}, hw.KeyMute, 0},
		{in{tcell.KeyRune, 's', 0}, hw.KeySpeaker, 0},
		{in{tcell.KeyRune, 'e', 0}, hw.KeyHeadset, 0},
		{in{tcell.KeyRune, 'h', 0}, hw.KeyHold, 0},
		{in{tcell.KeyRune, 't', 0}, hw.KeyTransfer, 0},
		{in{tcell.KeyRune, '+', 0}, hw.KeyVolumeUp, 0},
	}
	for _, c := range cases {
		r.sim.InjectKey(c.in.k, c.in.r, c.in.mod)
		p, rel := r.next(t), r.next(t)
		if p.Key != c.want || p.Index != c.idx || p.Action != hw.Press || rel.Key != c.want || rel.Action != hw.Release {
			t.Errorf("%v %q gave %v, %v; want %v%d press, release", c.in.k, c.in.r, p, rel, c.want, c.idx)
		}
	}
	// Alt: a long press.
	r.sim.InjectKey(tcell.KeyRune, '0', tcell.ModAlt)
	if a, b, c := r.next(t), r.next(t), r.next(t); a.Action != hw.Press || b.Action != hw.LongPress || c.Action != hw.Release || a.Key != hw.Key0 {
		t.Errorf("Alt+0 gave %v %v %v", a, b, c)
	}
	// Space: the handset.
	r.sim.InjectKey(tcell.KeyRune, ' ', 0)
	if e := r.next(t); e.Key != hw.KeyHook || e.Action != hw.Press {
		t.Errorf("space gave %v, want the hook lifted", e)
	}
	r.waitText(t, "OFF-HOOK")
	r.sim.InjectKey(tcell.KeyRune, ' ', 0)
	if e := r.next(t); e.Key != hw.KeyHook || e.Action != hw.Release {
		t.Errorf("space again gave %v, want the hook replaced", e)
	}
	// Keys this faceplate lacks (CONFERENCE 'c', REDIAL 'r') and unknown keys do nothing.
	r.sim.InjectKey(tcell.KeyRune, 'c', 0)
	r.sim.InjectKey(tcell.KeyRune, 'r', 0)
	r.sim.InjectKey(tcell.KeyRune, 'z', 0)
	r.sim.InjectKey(tcell.KeyRune, '1', 0)
	if e := r.next(t); e.Key != hw.Key1 {
		t.Errorf("after keys the faceplate lacks, got %v, want 1", e)
	}
	r.next(t)
	// Ctrl-C asks to quit.
	r.sim.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	select {
	case <-r.b.Quit():
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C did not ask to quit")
	}
}

// The help overlay lists the keys; ? or Esc closes it.
func TestHelpOverlay(t *testing.T) {
	r := newRig(t, layout450(), 100, 30)
	r.waitText(t, "AudioCodes")
	r.sim.InjectKey(tcell.KeyRune, '?', 0)
	r.waitText(t, "Keys (? or Esc closes)")
	r.waitText(t, "Alt+key          long press")
	r.sim.InjectKey(tcell.KeyEscape, 0, 0)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(r.text(), "Keys (? or Esc closes)") {
		if time.Now().After(deadline) {
			t.Fatal("Esc did not close the help")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case e := <-r.b.Events():
		t.Errorf("closing the help sent %v", e)
	case <-time.After(50 * time.Millisecond):
	}
}

// A terminal too small says so (and leaves the sidecar out first); a
// resize redraws; a huge terminal centres the faceplate; nothing panics at
// any size.
func TestResizeAndTinyTerminals(t *testing.T) {
	r := newRig(t, layout450(), 100, 30)
	r.waitText(t, "48")
	resize := func(w, h int) { r.resize(t, w, h) }
	resize(70, 25) // room for the faceplate but not the expansion module
	txt := r.waitText(t, "AudioCodes 450HD")
	if strings.Contains(txt, "○48") {
		t.Errorf("the expansion module is drawn in 70 columns:\n%s", txt)
	}
	resize(40, 10)
	r.waitText(t, "too small")
	for _, sz := range [][2]int{{1, 1}, {0, 0}, {3, 200}, {500, 2}, {79, 23}} {
		resize(sz[0], sz[1])
	}
	resize(300, 80)
	txt = r.waitText(t, "AudioCodes 450HD")
	x, y, _, _ := r.cell("AudioCodes 450HD")
	if x < 50 || y < 10 {
		t.Errorf("faceplate at %d,%d in a 300×80 terminal, want it centred:\n%s", x, y, txt)
	}
	// Keys still work after all that.
	r.sim.InjectKey(tcell.KeyRune, '5', 0)
	if e := r.next(t); e.Key != hw.Key5 {
		t.Errorf("got %v after resizing, want 5", e)
	}
}

// A mouse press held past the threshold long-presses; a press that ends
// off the key still releases it.
func TestMouseLongPressAndDragOff(t *testing.T) {
	r := newRig(t, layout450(), 100, 30)
	r.waitText(t, "[MENU]")
	x, y, ok := r.b.Center(hw.KeyMenu, 0)
	if !ok {
		t.Fatal("MENU is not drawn")
	}
	r.sim.InjectMouse(x, y, tcell.Button1, 0)
	if e := r.next(t); e.Key != hw.KeyMenu || e.Action != hw.Press {
		t.Fatalf("got %v", e)
	}
	if e := r.advanceUntilEvent(t, term.DefaultLongPress); e.Action != hw.LongPress {
		t.Fatalf("got %v, want a long press", e)
	}
	r.sim.InjectMouse(0, 0, tcell.ButtonNone, 0)
	if e := r.next(t); e.Key != hw.KeyMenu || e.Action != hw.Release {
		t.Fatalf("got %v, want MENU released", e)
	}
}

// advanceUntilText moves the fake clock on by d until the terminal shows
// text: the blinker re-arms its timer only after it has drawn, so a second
// step at once could find no timer to fire (seen under qemu).
func (r *rig) advanceUntilText(t *testing.T, d time.Duration, text string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		r.clk.Advance(d)
		for until := time.Now().Add(20 * time.Millisecond); time.Now().Before(until); time.Sleep(time.Millisecond) {
			if _, _, _, ok := r.cell(text); ok {
				return
			}
		}
	}
	t.Fatalf("the terminal never showed %q", text)
}

// advanceUntilEvent moves the fake clock on by d until the board sends an
// event. The board arms a press's long-press timer just after sending the
// press, and its LED blinker always has a timer pending, so waiting for "a
// timer" could advance the clock before the long-press timer existed (it
// then never fired: seen under qemu).
func (r *rig) advanceUntilEvent(t *testing.T, d time.Duration) hw.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.clk.Advance(d)
		select {
		case e := <-r.b.Events():
			return e
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("no key event")
	return hw.Event{}
}
