package ui_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/uitest"
)

// t0 is a Sunday morning.
var t0 = time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC)

// rig is a screen application on a virtual board of the model, driving a
// fake phone on a fake clock.
type rig struct {
	t     *testing.T
	app   *ui.App
	board *virtual.Board
	phone *uitest.Fake
	clk   *clocktest.Fake
}

func newRig(t *testing.T, m *model.Model, cfg ...string) *rig {
	t.Helper()
	clk := clocktest.New(t0)
	ph := uitest.New(m, clk)
	if len(cfg) > 0 {
		ph.Configure(cfg...)
	}
	return startRig(t, ph, clk, ui.Config{})
}

func startRig(t *testing.T, ph *uitest.Fake, clk *clocktest.Fake, c ui.Config) *rig {
	t.Helper()
	m := ph.Model()
	b := virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs(), Clock: clk, Events: 256}.New()
	c.Phone, c.Board = ph, b
	app, err := ui.New(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
		b.Close()
	})
	r := &rig{t: t, app: app, board: b, phone: ph, clk: clk}
	r.see("Registered")
	return r
}

// flat joins the screen's rows with spaces, so that a text wrapped over
// rows is still found.
func flat(f hw.TextFrame) string {
	return strings.Join(strings.Fields(strings.Join(f.Rows, " ")), " ")
}

// wait waits until cond holds for the screen.
func (r *rig) wait(what string, cond func(hw.TextFrame) bool) hw.TextFrame {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f := r.board.Frame()
		if cond(f) {
			return f
		}
		if time.Now().After(deadline) {
			var intents []string
			if r.phone != nil {
				intents = r.phone.Intents()
			}
			r.t.Fatalf("waiting for %s; screen:\n%s\nintents: %v", what, f.Text(), intents)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		r.board.WaitScreen(ctx, "\x00never")
		cancel()
	}
}

// see waits until the screen shows text (whitespace-insensitive).
func (r *rig) see(text string) hw.TextFrame {
	r.t.Helper()
	want := strings.Join(strings.Fields(text), " ")
	return r.wait("screen showing "+text, func(f hw.TextFrame) bool { return strings.Contains(flat(f), want) })
}

// gone waits until the screen no longer shows text.
func (r *rig) gone(text string) {
	r.t.Helper()
	r.wait("screen without "+text, func(f hw.TextFrame) bool { return !strings.Contains(flat(f), text) })
}

func (r *rig) tap(keys ...hw.Key) {
	r.t.Helper()
	for _, k := range keys {
		if err := r.board.Tap(virtual.Key(k)); err != nil {
			r.t.Fatal(err)
		}
		r.settle()
	}
}

func (r *rig) dial(digits string) {
	r.t.Helper()
	if err := r.board.Dial(digits); err != nil {
		r.t.Fatal(err)
	}
	r.settle()
}

func (r *rig) pkey(n int) {
	r.t.Helper()
	if err := r.board.Tap(virtual.Programmable(n)); err != nil {
		r.t.Fatal(err)
	}
	r.settle()
}

// softkey presses the softkey labelled label.
func (r *rig) softkey(label string) {
	r.t.Helper()
	r.settle()
	f := r.see(label)
	row := f.Rows[len(f.Rows)-1]
	cols := r.board.Geometry().Cols
	i := strings.Index(row, label)
	if i < 0 {
		r.t.Fatalf("no softkey %q in %q", label, row)
	}
	slot := len([]rune(row[:i])) / (cols / 4)
	r.tap(hw.KeySoft1 + hw.Key(slot))
}

// scrollTo moves the highlight down until its row holds text.
func (r *rig) scrollTo(text string) {
	r.t.Helper()
	for i := 0; !strings.Contains(r.board.Frame().Rows[r.board.Frame().Highlight], text); i++ {
		if i == 50 {
			r.t.Fatalf("no row with %q under the highlight:\n%s", text, strings.Join(r.board.Frame().Rows, "\n"))
		}
		r.tap(hw.KeyDown)
	}
}

// intent waits until the fake phone was asked for an intent starting with
// prefix.
func (r *rig) intent(prefix string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.phone.WaitIntent(ctx, prefix); err != nil {
		r.t.Fatal(err)
	}
}

// noIntent checks that no intent starting with prefix was called.
func (r *rig) noIntent(prefix string) {
	r.t.Helper()
	for _, in := range r.phone.Intents() {
		if strings.HasPrefix(in, prefix) {
			r.t.Fatalf("intent %q was called; intents: %v", in, r.phone.Intents())
		}
	}
}

// led waits until LED id is in state s.
func (r *rig) led(id hw.LED, s hw.LEDState) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.board.WaitLED(ctx, id, s); err != nil {
		r.t.Fatalf("LED %v: %v (now %v)", id, err, r.board.LED(id))
	}
}

// backlight waits until the screen's backlight is level.
func (r *rig) backlight(level int) {
	r.t.Helper()
	r.wait("backlight "+string(rune('0'+level/10))+string(rune('0'+level%10)), func(f hw.TextFrame) bool { return f.Backlight == level })
}

// settle waits until the App has taken the keys sent so far (for checks
// that something did not happen).
func (r *rig) settle() {
	r.t.Helper()
	for i := 0; len(r.board.Events()) > 0; i++ {
		if i > 2500 {
			r.t.Fatal("the screen application does not take its keys")
		}
		time.Sleep(2 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ui.RoundTrip(ctx, r.app); err != nil {
		r.t.Fatal(err)
	}
}

var ringer = hw.LED{Kind: hw.LEDRinger}

func virtualFunction(n int) virtual.Button { return virtual.Function(n) }
