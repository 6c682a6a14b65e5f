package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// KeySlot is where a programmable key sits beside the screen: its cfg
// index, its side, and the text row its label is drawn on. A terminal or
// hardware faceplate draws the key itself beside that row.
type KeySlot struct {
	Index int
	Left  bool
	Row   int
}

// KeySlots lays out model m's programmable keys on a screen of geometry g:
// the first half on the left, the rest on the right (the 450HD's four and
// four, the 445HD's three and three), spread over the rows between the
// status lines and the softkeys. Models whose keys are reached through a
// menu (RX50) have none.
func KeySlots(m *model.Model, g hw.Geometry) []KeySlot {
	if m == nil || m.Caps.KeysInMenu {
		return nil
	}
	var idx []int
	for _, r := range m.Programmable {
		for n := r.First; n <= r.Last; n++ {
			idx = append(idx, n)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	left := (len(idx) + 1) / 2
	first, avail := contentTop, g.Rows-contentTop-2 // keep the info line free
	step := max(avail/max(left, 1), 1)
	out := make([]KeySlot, 0, len(idx))
	for i, n := range idx {
		side, pos := i < left, i
		if !side {
			pos = i - left
		}
		row := first + pos*step + (step-1)/2
		if row > g.Rows-3 {
			row = g.Rows - 3
		}
		out = append(out, KeySlot{Index: n, Left: side, Row: row})
	}
	return out
}

// Rows of every screen: two status rows, the content, the softkey row.
const (
	rowHeader  = 0
	rowStatus  = 1
	contentTop = 2
)

// canvas is a text grid being drawn.
type canvas struct {
	cols int
	rows [][]rune
}

func newCanvas(g hw.Geometry) *canvas {
	c := &canvas{cols: max(g.Cols, 1), rows: make([][]rune, max(g.Rows, 1))}
	for i := range c.rows {
		c.rows[i] = []rune(strings.Repeat(" ", c.cols))
	}
	return c
}

func (c *canvas) nrows() int { return len(c.rows) }

// at writes s from column col of row, cut at the right edge.
func (c *canvas) at(row, col int, s string) {
	if row < 0 || row >= len(c.rows) || col >= c.cols {
		return
	}
	for _, r := range s {
		if col >= c.cols {
			return
		}
		if col >= 0 {
			if r < 0x20 {
				r = ' '
			}
			c.rows[row][col] = r
		}
		col++
	}
}

func (c *canvas) left(row int, s string) { c.at(row, 0, s) }

func (c *canvas) right(row int, s string) { c.at(row, c.cols-width(s), s) }

func (c *canvas) center(row int, s string) {
	w := width(s)
	if w >= c.cols {
		c.at(row, 0, s)
		return
	}
	c.at(row, (c.cols-w)/2, s)
}

// line replaces a whole row.
func (c *canvas) line(row int, s string) {
	if row < 0 || row >= len(c.rows) {
		return
	}
	c.rows[row] = []rune(strings.Repeat(" ", c.cols))
	c.at(row, 0, s)
}

// wrap writes text from row on, word-wrapped to the width, and returns the
// next free row; it stops before row limit.
func (c *canvas) wrap(row, limit int, text string, centered bool) int {
	for _, l := range wrapText(text, c.cols) {
		if row >= limit {
			break
		}
		if centered {
			c.line(row, "")
			c.center(row, l)
		} else {
			c.line(row, l)
		}
		row++
	}
	return row
}

func (c *canvas) frame(highlight, backlight int) hw.TextFrame {
	rows := make([]string, len(c.rows))
	for i, r := range c.rows {
		rows[i] = strings.TrimRight(string(r), " ")
	}
	return hw.TextFrame{Rows: rows, Highlight: highlight, Backlight: backlight}
}

func width(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to n runes.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if width(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// wrapText breaks text into lines of at most n runes at spaces.
func wrapText(text string, n int) []string {
	var out []string
	var cur string
	for _, w := range strings.Fields(text) {
		for width(w) > n {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			out = append(out, cut(w, n))
			w = string([]rune(w)[n:])
		}
		switch {
		case cur == "":
			cur = w
		case width(cur)+1+width(w) <= n:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
