package virtual_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/hwtest"
	"github.com/hdphone/hdphone/hw/virtual"
)

var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// driver lets the conformance suite press the board's keys; a fake clock
// makes the long-press threshold pass at once.
type driver struct {
	b   *virtual.Board
	clk *clocktest.Fake
}

func (d driver) Press(b hwtest.Button) error   { return d.b.Press(virtual.Button(b)) }
func (d driver) Release(b hwtest.Button) error { return d.b.Release(virtual.Button(b)) }
func (d driver) PassLongPress(context.Context) error {
	d.clk.Advance(d.b.LongPressThreshold())
	return nil
}
func (d driver) LEDs() []hw.LED            { return virtual.DefaultLEDs() }
func (d driver) Frame() hw.TextFrame       { return d.b.Frame() }
func (d driver) LED(id hw.LED) hw.LEDState { return d.b.LED(id) }
func (d driver) Buttons() []hwtest.Button  { return allButtons() }
func newFake() *clocktest.Fake             { return clocktest.New(epoch) }
func newBoard(clk *clocktest.Fake) *virtual.Board {
	return virtual.Config{Clock: clk}.New()
}

func allButtons() []hwtest.Button {
	var out []hwtest.Button
	for _, k := range hw.Keys() {
		switch k {
		case hw.KeyProgrammable:
			for n := range 8 {
				out = append(out, hwtest.Button{Key: k, Index: n})
			}
		case hw.KeyFunction:
			for n := 8; n < 48; n++ {
				out = append(out, hwtest.Button{Key: k, Index: n})
			}
		default:
			out = append(out, hwtest.Button{Key: k})
		}
	}
	return out
}

func TestVirtualBoardPassesTheConformanceSuite(t *testing.T) {
	for _, geo := range []hw.Geometry{{}, {Width: 800, Height: 480, Cols: 52, Rows: 14, Color: true, Touch: true}} {
		t.Run(fmt.Sprintf("%dx%d", geo.Cols, geo.Rows), func(t *testing.T) {
			clk := newFake()
			b := virtual.Config{Geometry: geo, Clock: clk}.New()
			hwtest.TestBoard(t, b, driver{b, clk})
		})
	}
}

func TestVirtualBoardWithTheSystemClockPassesToo(t *testing.T) {
	b := virtual.Config{LongPress: 20 * time.Millisecond}.New()
	hwtest.TestBoard(t, b, realDriver{b})
}

type realDriver struct{ b *virtual.Board }

func (d realDriver) Press(b hwtest.Button) error   { return d.b.Press(virtual.Button(b)) }
func (d realDriver) Release(b hwtest.Button) error { return d.b.Release(virtual.Button(b)) }
func (d realDriver) PassLongPress(ctx context.Context) error {
	select {
	case <-time.After(d.b.LongPressThreshold() + 5*time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (d realDriver) LEDs() []hw.LED            { return virtual.DefaultLEDs() }
func (d realDriver) Frame() hw.TextFrame       { return d.b.Frame() }
func (d realDriver) LED(id hw.LED) hw.LEDState { return d.b.LED(id) }
func (d realDriver) Buttons() []hwtest.Button {
	return []hwtest.Button{{Key: hw.KeyOK}, {Key: hw.Key5}, {Key: hw.KeyProgrammable, Index: 3}, {Key: hw.KeyHook}}
}

func next(t *testing.T, b *virtual.Board) hw.Event {
	t.Helper()
	select {
	case e := <-b.Events():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return hw.Event{}
}

func noEvent(t *testing.T, b *virtual.Board) {
	t.Helper()
	select {
	case e := <-b.Events():
		t.Fatalf("unexpected event %s", e)
	default:
	}
}

func TestLongPressByTimeHeldOnTheBoardsClock(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	ok := virtual.Key(hw.KeyOK)
	b.Press(ok)
	if e := next(t, b); e.Action != hw.Press || !e.At.Equal(epoch) {
		t.Fatalf("got %s at %v", e, e.At)
	}
	clk.Advance(virtual.DefaultLongPress - time.Millisecond)
	noEvent(t, b)
	clk.Advance(time.Millisecond)
	e := next(t, b) // sent while the key is still down
	if e.Action != hw.LongPress || !e.At.Equal(epoch.Add(virtual.DefaultLongPress)) {
		t.Fatalf("got %s at %v, want LongPress at the threshold", e, e.At)
	}
	clk.Advance(time.Hour)
	b.Release(ok)
	if e := next(t, b); e.Action != hw.Release {
		t.Fatalf("got %s", e)
	}
	noEvent(t, b)
}

func TestShortPressHasNoLongPress(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	b.Press(virtual.Programmable(2))
	clk.Advance(virtual.DefaultLongPress / 2)
	b.Release(virtual.Programmable(2))
	for _, want := range []hw.Action{hw.Press, hw.Release} {
		if e := next(t, b); e.Action != want || e.Key != hw.KeyProgrammable || e.Index != 2 {
			t.Fatalf("got %s, want PKEY2 %s", e, want)
		}
	}
	noEvent(t, b)
}

func TestReleaseAfterThresholdOrdersLongPressFirstWithoutTheTimer(t *testing.T) {
	// Advance and Release back to back: the timer's goroutine may not have
	// run yet, and the order must still be Press, LongPress, Release.
	for range 200 {
		clk := newFake()
		b := newBoard(clk)
		b.Press(virtual.Function(30))
		clk.Advance(virtual.DefaultLongPress)
		b.Release(virtual.Function(30))
		var got []hw.Action
		for range 3 {
			got = append(got, next(t, b).Action)
		}
		if !slices.Equal(got, []hw.Action{hw.Press, hw.LongPress, hw.Release}) {
			t.Fatalf("got %v", got)
		}
		// Let a late timer goroutine run: it must not send a second one.
		time.Sleep(time.Millisecond)
		noEvent(t, b)
	}
}

func TestHoldAndLongPressWaitOnTheClock(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	done := make(chan error, 1)
	go func() { done <- b.LongPress(context.Background(), virtual.Key(hw.KeyMenu)) }()
	if e := next(t, b); e.Action != hw.Press {
		t.Fatalf("got %s", e)
	}
	for clk.Pending() < 2 { // the long-press timer and Hold's own
		time.Sleep(time.Millisecond)
	}
	clk.Advance(virtual.DefaultLongPress)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e := next(t, b); e.Action != hw.LongPress {
		t.Fatalf("got %s", e)
	}
	if e := next(t, b); e.Action != hw.Release {
		t.Fatalf("got %s", e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Hold(ctx, virtual.Key(hw.KeyOK), time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hold with a dead context = %v", err)
	}
	if e1, e2 := next(t, b), next(t, b); e1.Action != hw.Press || e2.Action != hw.Release {
		t.Fatalf("got %s, %s: the key must be let go", e1, e2)
	}
}

func TestHookNeverLongPresses(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	b.HookOff()
	clk.Advance(time.Hour)
	b.HookOn()
	e1, e2 := next(t, b), next(t, b)
	if e1.Key != hw.KeyHook || e1.Action != hw.Press || e2.Action != hw.Release {
		t.Fatalf("got %s, %s", e1, e2)
	}
	noEvent(t, b)
}

// Toggle moves a switch to its other position and leaves it there; a key
// that springs back is tapped.
func TestToggleMovesSwitches(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	ehs := virtual.Key(hw.KeyEHS)
	for _, want := range []hw.Action{hw.Press, hw.Release, hw.Press} {
		if err := b.Toggle(ehs); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if e := next(t, b); e.Key != hw.KeyEHS || e.Action != want {
			t.Fatalf("got %s, want EHS %s", e, want)
		}
		noEvent(t, b)
	}
	if err := b.Toggle(virtual.Key(hw.KeyOK)); err != nil {
		t.Fatal(err)
	}
	if e1, e2 := next(t, b), next(t, b); e1.Key != hw.KeyOK || e1.Action != hw.Press || e2.Action != hw.Release {
		t.Fatalf("OK toggled: %s, %s; want a tap", e1, e2)
	}
}

func TestDialTapsDigitsOrNothing(t *testing.T) {
	b := newBoard(newFake())
	if err := b.Dial("12a"); !errors.Is(err, virtual.ErrBadKey) {
		t.Fatalf("Dial(12a) = %v", err)
	}
	noEvent(t, b)
	if err := b.Dial("*90#"); err != nil {
		t.Fatal(err)
	}
	var digits []byte
	for range 8 {
		e := next(t, b)
		if e.Action == hw.Press {
			d, _ := e.Key.Digit()
			digits = append(digits, d)
		}
	}
	if string(digits) != "*90#" {
		t.Fatalf("dialled %q", digits)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	b := newBoard(newFake())
	for _, btn := range []virtual.Button{{}, {Key: hw.Key(999)}, {Key: hw.KeyOK, Index: 1}, virtual.Programmable(-1)} {
		if err := b.Press(btn); !errors.Is(err, virtual.ErrBadKey) {
			t.Errorf("Press(%v) = %v, want ErrBadKey", btn, err)
		}
	}
	if err := b.Release(virtual.Key(hw.KeyOK)); !errors.Is(err, virtual.ErrKeyUp) {
		t.Errorf("Release of a key that is up = %v", err)
	}
	b.Press(virtual.Key(hw.KeyOK))
	if err := b.Press(virtual.Key(hw.KeyOK)); !errors.Is(err, virtual.ErrKeyDown) {
		t.Errorf("second Press = %v", err)
	}
	if err := b.SetLED(hw.LED{Kind: hw.LEDMute}, hw.LEDState{Color: hw.Color(9)}); !errors.Is(err, hw.ErrNotSupported) {
		t.Errorf("unknown colour = %v", err)
	}
}

func TestScreenIsCutToTheGridAndLogged(t *testing.T) {
	clk := newFake()
	b := virtual.Config{Geometry: hw.Geometry{Cols: 5, Rows: 2}, Clock: clk, ScreenLog: 3}.New()
	b.ShowText(hw.TextFrame{Rows: []string{"Hello, world", "ünïcödé", "dropped"}, Highlight: 7, Backlight: 99})
	f := b.Frame()
	if !slices.Equal(f.Rows, []string{"Hello", "ünïcö"}) || f.Highlight != -1 || f.Backlight != 31 {
		t.Fatalf("frame %+v", f)
	}
	for i := range 5 {
		clk.Advance(time.Second)
		b.ShowText(hw.TextFrame{Rows: []string{fmt.Sprint(i)}})
		b.ShowText(hw.TextFrame{Rows: []string{fmt.Sprint(i)}}) // same frame: not a change
	}
	log := b.ScreenLog()
	var got []string
	for _, c := range log {
		got = append(got, c.Frame.Rows[0])
	}
	if strings.Join(got, ",") != "2,3,4" || !log[2].At.Equal(epoch.Add(5*time.Second)) {
		t.Fatalf("log %v, last at %v", got, log[len(log)-1].At)
	}
	if b.Text() != "4\n" {
		t.Fatalf("Text = %q", b.Text())
	}
}

func TestLEDsReadBack(t *testing.T) {
	b := virtual.Config{LEDs: []hw.LED{{Kind: hw.LEDRinger}, {Kind: hw.LEDKey, Index: 12}}}.New()
	if err := b.SetLED(hw.LED{Kind: hw.LEDKey, Index: 13}, hw.LEDState{Color: hw.Red}); !errors.Is(err, hw.ErrNotSupported) {
		t.Fatalf("LED outside Config.LEDs = %v", err)
	}
	b.SetLED(hw.LED{Kind: hw.LEDRinger}, hw.LEDState{Color: hw.Blue, Pattern: hw.FlashSlow})
	b.SetLED(hw.LED{Kind: hw.LEDKey, Index: 12}, hw.LEDState{Color: hw.Green})
	b.SetLED(hw.LED{Kind: hw.LEDKey, Index: 12}, hw.LEDState{Pattern: hw.FlashFast}) // off is off
	got := b.LEDs()
	if len(got) != 1 || got[hw.LED{Kind: hw.LEDRinger}] != (hw.LEDState{Color: hw.Blue, Pattern: hw.FlashSlow}) {
		t.Fatalf("LEDs = %v", got)
	}
}

func TestWaitHelpers(t *testing.T) {
	b := newBoard(newFake())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ringer := hw.LED{Kind: hw.LEDRinger}
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(5 * time.Millisecond)
		b.ShowText(hw.TextFrame{Rows: []string{"Acquiring IP…"}})
		b.ShowText(hw.TextFrame{Rows: []string{"12:00", "LAN Link failure"}})
		b.SetLED(ringer, hw.LEDState{Color: hw.Red})
	})
	f, err := b.WaitScreen(ctx, "LAN Link failure")
	if err != nil || f.Rows[1] != "LAN Link failure" {
		t.Fatalf("WaitScreen = %v, %v", f.Rows, err)
	}
	if err := b.WaitLED(ctx, ringer, hw.LEDState{Color: hw.Red}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	short, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	if _, err := b.WaitScreen(short, "never"); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "LAN Link failure") {
		t.Fatalf("WaitScreen timeout = %v (it should show the screen)", err)
	}
	if err := b.WaitLED(ctx, hw.LED{Kind: hw.LEDKey, Index: 99}, hw.LEDState{}); !errors.Is(err, hw.ErrNotSupported) {
		t.Fatalf("WaitLED of an unknown LED = %v", err)
	}
	go func() { time.Sleep(5 * time.Millisecond); b.Close() }()
	if _, err := b.WaitScreen(ctx, "never"); !errors.Is(err, hw.ErrClosed) {
		t.Fatalf("WaitScreen across Close = %v", err)
	}
}

func TestSlowReaderLosesEventsButNothingBlocks(t *testing.T) {
	b := virtual.Config{Events: 4}.New()
	for range 10 {
		if err := b.Tap(virtual.Key(hw.Key1)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.Dropped(); got != 16 {
		t.Fatalf("Dropped = %d, want 16", got)
	}
}

func TestCloseStopsPendingLongPresses(t *testing.T) {
	clk := newFake()
	b := newBoard(clk)
	b.Press(virtual.Key(hw.KeyOK))
	b.Close()
	clk.Advance(time.Hour)
	var got []hw.Event
	for e := range b.Events() {
		got = append(got, e)
	}
	if len(got) != 1 || got[0].Action != hw.Press {
		t.Fatalf("events after Close: %v", got)
	}
	if clk.Pending() != 0 {
		t.Fatalf("%d timers left armed", clk.Pending())
	}
}

// BenchmarkBoardMemory reports the memory a fleet pays per board: idle
// (made, nothing shown) and in use (a 450HD screen shown, LEDs lit, a few
// key strokes delivered), measured over 10,000 boards.
func BenchmarkBoardMemory(b *testing.B) {
	const fleet = 10000
	geo := hw.Geometry{Width: 800, Height: 480, Cols: 52, Rows: 14, Color: true}
	rows := make([]string, 14)
	for i := range rows {
		rows[i] = fmt.Sprintf("row %2d of the idle screen", i)
	}
	for _, tc := range []struct {
		name string
		use  func(*virtual.Board)
	}{
		{"idle", func(*virtual.Board) {}},
		{"in-use", func(v *virtual.Board) {
			v.ShowText(hw.TextFrame{Rows: rows, Highlight: -1, Backlight: 31})
			v.SetLED(hw.LED{Kind: hw.LEDRinger}, hw.LEDState{Color: hw.Blue})
			v.SetLED(hw.LED{Kind: hw.LEDKey, Index: 3}, hw.LEDState{Color: hw.Green})
			v.Dial("123")
			for range 6 {
				<-v.Events()
			}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var perBoard float64
			for b.Loop() {
				boards := make([]*virtual.Board, fleet)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for i := range boards {
					boards[i] = virtual.New(geo)
					tc.use(boards[i])
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perBoard = float64(after.HeapAlloc-before.HeapAlloc) / fleet
				runtime.KeepAlive(boards)
			}
			b.ReportMetric(perBoard, "B/board")
		})
	}
}

func BenchmarkTap(b *testing.B) {
	v := virtual.New(hw.Geometry{})
	b.ReportAllocs()
	for b.Loop() {
		v.Tap(virtual.Key(hw.Key5))
		<-v.Events()
		<-v.Events()
	}
}

func BenchmarkShowText(b *testing.B) {
	v := virtual.New(hw.Geometry{Cols: 52, Rows: 14})
	frames := [2]hw.TextFrame{{Rows: []string{"a", "b"}}, {Rows: []string{"c", "d"}}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.ShowText(frames[i&1])
		i++
	}
}
