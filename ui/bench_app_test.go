package ui_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/uitest"
)

// BenchmarkKeyToFrame is a key press travelling through the App to a new
// frame on the board: MENU opens the menu, BACK closes it.
func BenchmarkKeyToFrame(b *testing.B) {
	m := model.MustLookup(model.M450HD)
	clk := clocktest.New(t0)
	ph := uitest.New(m, clk)
	board := virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs(), Clock: clk, Events: 256}.New()
	app, err := ui.New(ui.Config{Phone: ph, Board: board})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go app.Run(ctx)
	waitFor := func(s string) {
		wctx, c := context.WithTimeout(ctx, 5*time.Second)
		defer c()
		if _, err := board.WaitScreen(wctx, s); err != nil {
			b.Fatal(err)
		}
	}
	waitFor("Redial")
	b.ReportAllocs()
	for b.Loop() {
		board.Tap(virtual.Key(hw.KeyMenu))
		waitFor("Administration")
		board.Tap(virtual.Key(hw.KeyBack))
		waitFor("Redial")
	}
}

// BenchmarkAppMemory reports what an idle App keeps, with its fake phone
// and virtual board, heap and goroutine stack (bytes/app); run it with
// -benchtime 3x.
func BenchmarkAppMemory(b *testing.B) {
	m := model.MustLookup(model.M450HD)
	clk := clocktest.New(t0)
	const n = 200
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		ctx, cancel := context.WithCancel(context.Background())
		boards := make([]*virtual.Board, n)
		for i := range n {
			ph := uitest.New(m, clk)
			boards[i] = virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs(), Clock: clk}.New()
			app, err := ui.New(ui.Config{Phone: ph, Board: boards[i]})
			if err != nil {
				b.Fatal(err)
			}
			go app.Run(ctx)
		}
		for _, bd := range boards {
			wctx, c := context.WithTimeout(ctx, 5*time.Second)
			bd.WaitScreen(wctx, "Redial")
			c()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
		b.ReportMetric(used/n, "bytes/app")
		cancel()
	}
}
