package hwtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/hwtest"
	"github.com/hdphone/hdphone/hw/virtual"
)

// The suite must fail boards that break the contracts. Each faulty board
// below is the virtual board with one contract broken; the suite has to name
// that contract, and pass the unbroken board.

type driver struct {
	v   *virtual.Board
	clk *clocktest.Fake
}

func (d driver) Press(b hwtest.Button) error   { return d.v.Press(virtual.Button(b)) }
func (d driver) Release(b hwtest.Button) error { return d.v.Release(virtual.Button(b)) }
func (d driver) PassLongPress(context.Context) error {
	d.clk.Advance(d.v.LongPressThreshold())
	return nil
}
func (d driver) LEDs() []hw.LED            { return []hw.LED{{Kind: hw.LEDRinger}, {Kind: hw.LEDKey, Index: 2}} }
func (d driver) Frame() hw.TextFrame       { return d.v.Frame() }
func (d driver) LED(id hw.LED) hw.LEDState { return d.v.LED(id) }
func (d driver) Buttons() []hwtest.Button {
	return []hwtest.Button{{Key: hw.KeyOK}, {Key: hw.Key1}, {Key: hw.KeyProgrammable, Index: 2}, {Key: hw.KeyFunction, Index: 30}, {Key: hw.KeyHook}}
}

func newVirtual() (*virtual.Board, driver) {
	clk := clocktest.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	v := virtual.Config{Clock: clk, Geometry: hw.Geometry{Cols: 10, Rows: 3}}.New()
	return v, driver{v, clk}
}

// forwarder re-delivers the virtual board's events through f, which may
// drop, reorder or hold them.
type forwarder struct {
	*virtual.Board
	out chan hw.Event
}

func forward(v *virtual.Board, closeOut bool, f func(in <-chan hw.Event, out chan<- hw.Event)) *forwarder {
	fw := &forwarder{Board: v, out: make(chan hw.Event, 64)}
	go func() {
		f(v.Events(), fw.out)
		if closeOut {
			close(fw.out)
		}
	}()
	return fw
}

func (f *forwarder) Events() <-chan hw.Event { return f.out }

func pass(in <-chan hw.Event, out chan<- hw.Event) {
	for e := range in {
		out <- e
	}
}

type refusesWideFrames struct{ *virtual.Board }

func (b refusesWideFrames) ShowText(f hw.TextFrame) error {
	for _, r := range f.Rows {
		if utf8.RuneCountInString(r) > b.Geometry().Cols {
			return errors.New("row too long")
		}
	}
	return b.Board.ShowText(f)
}

type acceptsAnyLED struct{ *virtual.Board }

func (b acceptsAnyLED) SetLED(id hw.LED, s hw.LEDState) error {
	b.Board.SetLED(id, s)
	return nil
}

type closesNothing struct{ *forwarder }

func (b closesNothing) Close() error { return nil }

type blocks struct {
	*virtual.Board
	ch chan hw.Event
}

func (b blocks) Events() <-chan hw.Event { return b.ch }

type blockingDriver struct {
	driver
	ch   chan hw.Event
	stop chan struct{} // closed at the end of the test, to free the injector
}

func (d blockingDriver) send(e hw.Event) error {
	select {
	case d.ch <- e:
		return nil
	case <-d.stop:
		return hw.ErrClosed
	}
}

func (d blockingDriver) Press(b hwtest.Button) error {
	return d.send(hw.Event{Key: b.Key, Index: b.Index, Action: hw.Press, At: time.Now()})
}

func (d blockingDriver) Release(b hwtest.Button) error {
	return d.send(hw.Event{Key: b.Key, Index: b.Index, Action: hw.Release, At: time.Now()})
}

func TestSuiteNamesTheBrokenContract(t *testing.T) {
	old := hwtest.Timeout
	hwtest.Timeout = 300 * time.Millisecond
	defer func() { hwtest.Timeout = old }()

	tests := []struct {
		name string
		make func(t *testing.T) (hw.Board, hwtest.Driver)
		want []string // check names the error must mention; none for a good board
	}{
		{"conforming", func(t *testing.T) (hw.Board, hwtest.Driver) { v, d := newVirtual(); return v, d }, nil},
		{"refuses frames too wide", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return refusesWideFrames{v}, d
		}, []string{"frames: ShowText of a frame too wide"}},
		{"accepts LEDs it lacks", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return acceptsAnyLED{v}, d
		}, []string{"leds: SetLED"}},
		{"swaps events", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return forward(v, true, func(in <-chan hw.Event, out chan<- hw.Event) {
				var held *hw.Event
				for e := range in {
					if held == nil {
						held = &e
						continue
					}
					out <- e
					out <- *held
					held = nil
				}
			}), d
		}, []string{"order:"}},
		{"long press after release", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return forward(v, true, func(in <-chan hw.Event, out chan<- hw.Event) {
				var lp *hw.Event
				for e := range in {
					switch {
					case e.Action == hw.LongPress:
						lp = &e
					case e.Action == hw.Release && lp != nil:
						out <- e
						out <- *lp
						lp = nil
					default:
						out <- e
					}
				}
			}), d
		}, []string{"long press:"}},
		{"hook long-presses", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return forward(v, true, func(in <-chan hw.Event, out chan<- hw.Event) {
				for e := range in {
					out <- e
					if e.Key == hw.KeyHook && e.Action == hw.Press {
						out <- hw.Event{Key: hw.KeyHook, Action: hw.LongPress, At: e.At}
					}
				}
			}), d
		}, []string{"hook:"}},
		{"never closes", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			return closesNothing{forward(v, false, pass)}, d
		}, []string{"close: event channel still open", "close: LED", "close: row 0 still shows", "close: SetLED after Close", "close: ShowText after Close"}},
		{"blocks", func(t *testing.T) (hw.Board, hwtest.Driver) {
			v, d := newVirtual()
			ch, stop := make(chan hw.Event), make(chan struct{})
			t.Cleanup(func() { close(stop) })
			return blocks{v, ch}, blockingDriver{d, ch, stop}
		}, []string{"never blocks:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, d := tt.make(t)
			err := hwtest.Check(t.Context(), b, d)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("conforming board failed:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("the suite passed a broken board")
			}
			t.Logf("report:\n%v", err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("report does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}
