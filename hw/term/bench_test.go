package term_test

import (
	"fmt"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/term"
)

// BenchmarkShowText is a new frame drawn into the terminal: the whole
// 450HD faceplate with its expansion module, as on every screen change.
func BenchmarkShowText(b *testing.B) {
	sim := tcell.NewSimulationScreen("UTF-8")
	board, err := term.New(term.Config{Layout: layout450(), Screen: sim})
	if err != nil {
		b.Fatal(err)
	}
	defer board.Close()
	sim.SetSize(100, 30)
	frames := make([]hw.TextFrame, 2)
	for i := range frames {
		rows := make([]string, 14)
		for r := range rows {
			rows[r] = fmt.Sprintf("row %d of frame %d ....................................", r, i)
		}
		frames[i] = hw.TextFrame{Rows: rows, Highlight: i + 3, Backlight: 31}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		board.ShowText(frames[i%2])
		i++
	}
}
