package term

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/hdphone/hdphone/hw"
)

// hit is where a key is drawn, for the mouse.
type hit struct {
	x, y, w int
	b       button
}

func (b *Board) hitLocked(x, y int) (button, bool) {
	for _, h := range b.hits {
		if y == h.y && x >= h.x && x < h.x+h.w {
			return h.b, true
		}
	}
	return button{}, false
}

// Center returns the terminal cell in the middle of the drawn key (for
// tests and tools that click it).
func (b *Board) Center(k hw.Key, index int) (x, y int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range b.hits {
		if h.b.key == k && (h.b.index == index || (k != hw.KeyProgrammable && k != hw.KeyFunction)) {
			return h.x + h.w/2, h.y, true
		}
	}
	return 0, 0, false
}

// The faceplate's parts, in cells.
const (
	keyCol    = 4 // a programmable key "(●)" and a space, each side
	navCell   = 7
	dialCell  = 4
	featCell  = 9
	hardWidth = 3*navCell + 1 + 3*dialCell + 1 + 3*featCell
	sideCell  = 5
)

// size is the faceplate's size in cells, with and without the side keys.
func (b *Board) size() (core, withSide, height int) {
	g := b.layout.Screen
	core = max(g.Cols+2+2*keyCol, hardWidth)
	withSide = core
	if n := len(b.layout.Side); n > 0 {
		per := g.Rows + 2
		withSide += 2 + (n+per-1)/per*sideCell
	}
	return core, withSide, g.Rows + 2 + 8
}

type painter struct {
	scr  tcell.Screen
	w, h int
}

// put writes s from (x, y), clipped to the terminal.
func (p painter) put(x, y int, s string, st tcell.Style) int {
	for _, r := range s {
		if x >= 0 && x < p.w && y >= 0 && y < p.h {
			p.scr.SetContent(x, y, r, nil, st)
		}
		x++
	}
	return x
}

var ledColors = map[hw.Color]tcell.Color{
	hw.Red: tcell.ColorRed, hw.Green: tcell.ColorGreen, hw.Blue: tcell.ColorBlue, hw.Amber: tcell.ColorOrange,
}

// ledLit reports whether an LED shows its colour now, given its pattern.
func (b *Board) ledLit(s hw.LEDState) bool {
	switch {
	case s.Color == hw.Off:
		return false
	case s.Pattern == hw.FlashFast:
		return b.tick%2 == 0
	case s.Pattern == hw.FlashSlow:
		return b.tick%4 < 2
	}
	return true
}

func (b *Board) ledGlyph(id hw.LED) (string, tcell.Style) {
	s := b.leds[id]
	if !b.ledLit(s) {
		return "○", tcell.StyleDefault.Foreground(tcell.ColorGray)
	}
	return "●", tcell.StyleDefault.Foreground(ledColors[s.Color]).Bold(true)
}

// drawLocked draws the whole faceplate.
func (b *Board) drawLocked() {
	if b.closed {
		return
	}
	scr := b.scr
	scr.Clear()
	b.hits = b.hits[:0]
	w, h := scr.Size()
	p := painter{scr, w, h}
	l := b.layout
	g := l.Screen
	core, withSide, height := b.size()
	width, side := withSide, len(l.Side) > 0
	if w < withSide && w >= core {
		width, side = core, false // leave the sidecar out first
	}
	if w < width || h < height {
		msg := fmt.Sprintf("The terminal is too small for the %s: it needs %d columns and %d rows, this one has %d×%d.", l.Name, core, height, w, h)
		lines := wrap(msg, max(w, 1))
		y := max((h-len(lines))/2, 0)
		for i, ln := range lines {
			p.put(max((w-len([]rune(ln)))/2, 0), y+i, ln, tcell.StyleDefault.Foreground(tcell.ColorYellow))
		}
		scr.Show()
		return
	}
	ox, oy := (w-width)/2, (h-height)/2
	plain := tcell.StyleDefault

	// Title and the message LED.
	p.put(ox, oy, "AudioCodes "+l.Name, plain.Bold(true))
	msg := hw.LED{Kind: hw.LEDRinger}
	if b.hasLED(msg) {
		glyph, st := b.ledGlyph(msg)
		p.put(ox+core-5, oy, glyph, st)
		p.put(ox+core-3, oy, "MSG", plain)
	}

	// The screen in its frame.
	sx, sy := ox+keyCol, oy+1
	border := plain.Foreground(tcell.ColorGray)
	p.put(sx, sy, "┌"+strings.Repeat("─", g.Cols)+"┐", border)
	p.put(sx, sy+g.Rows+1, "└"+strings.Repeat("─", g.Cols)+"┘", border)
	text := plain
	switch bl := b.frame.Backlight; {
	case bl == 0:
		text = plain.Foreground(tcell.ColorBlack).Background(tcell.ColorBlack)
	case bl < 16:
		text = plain.Dim(true)
	}
	for r := range g.Rows {
		p.put(sx, sy+1+r, "│", border)
		p.put(sx+g.Cols+1, sy+1+r, "│", border)
		st := text
		row := ""
		if r < len(b.frame.Rows) {
			row = b.frame.Rows[r]
		}
		if r == b.frame.Highlight && b.frame.Backlight > 0 {
			st = text.Reverse(true)
			row += strings.Repeat(" ", max(g.Cols-len([]rune(row)), 0))
		}
		p.put(sx+1, sy+1+r, row, st)
	}
	// Programmable keys beside the rows their labels are on.
	for _, s := range l.Left {
		b.drawKey(p, ox, sy+1+s.Row, button{hw.KeyProgrammable, s.Index})
	}
	for _, s := range l.Right {
		b.drawKey(p, sx+g.Cols+3, sy+1+s.Row, button{hw.KeyProgrammable, s.Index})
	}
	// Sidecar / expansion-module keys in columns to the right.
	if side {
		per := g.Rows + 2
		x0 := ox + core + 2
		for i, k := range l.Side {
			x, y := x0+i/per*sideCell, sy+i%per
			glyph, st := b.ledGlyph(hw.LED{Kind: hw.LEDKey, Index: k.Index})
			p.put(x, y, glyph, st)
			p.put(x+1, y, fmt.Sprintf("%-3d", k.Number), plain)
			b.hits = append(b.hits, hit{x, y, sideCell - 1, button{hw.KeyFunction, k.Index}})
		}
	}
	// Softkeys under the screen's quarters.
	y := sy + g.Rows + 2
	q := g.Cols / 4
	for i := range 4 {
		k := hw.KeySoft1 + hw.Key(i)
		if b.hasKey(k) {
			b.drawButton(p, sx+1+i*q+(q-4)/2, y, fmt.Sprintf("F%d", i+1), button{key: k}, plain)
		}
	}
	// The hard keys: navigation, dial pad, features.
	y++
	nav := [][]hw.Key{{hw.KeyMenu, hw.KeyUp, hw.KeyBack}, {hw.KeyLeft, hw.KeyOK, hw.KeyRight},
		{hw.KeyVolumeDown, hw.KeyDown, hw.KeyVolumeUp}}
	dial := [][]hw.Key{{hw.Key1, hw.Key2, hw.Key3}, {hw.Key4, hw.Key5, hw.Key6}, {hw.Key7, hw.Key8, hw.Key9},
		{hw.KeyStar, hw.Key0, hw.KeyPound}}
	feat := [][]hw.Key{{hw.KeyHold, hw.KeyTransfer, hw.KeyConference}, {hw.KeyRedial, hw.KeyVoicemail, hw.KeyContacts},
		{hw.KeyMute, hw.KeySpeaker, hw.KeyHeadset}}
	for r, row := range nav {
		for c, k := range row {
			b.drawHard(p, ox+c*navCell, y+r, k)
		}
	}
	for r, row := range dial {
		for c, k := range row {
			b.drawHard(p, ox+3*navCell+1+c*dialCell, y+r, k)
		}
	}
	fx := ox + 3*navCell + 1 + 3*dialCell + 1
	for r, row := range feat {
		for c, k := range row {
			b.drawHard(p, fx+c*featCell, y+r, k)
		}
	}
	if b.hasKey(hw.KeyHook) {
		state, st := "on-hook ", plain
		if b.hook {
			state, st = "OFF-HOOK", plain.Foreground(tcell.ColorGreen).Bold(true)
		}
		b.drawButton(p, fx, y+3, "HANDSET "+state, button{key: hw.KeyHook}, st)
	}
	// The notice and the help hint.
	y += 4
	if n := len(b.notices); n > 0 {
		p.put(ox, y, cutRunes(b.notices[b.tick/noticeTurn%n], width), plain.Foreground(tcell.ColorYellow))
	}
	hx := p.put(ox, y+1, "[?]", plain.Foreground(tcell.ColorGray))
	b.hits = append(b.hits, hit{ox, y + 1, 3, button{key: helpKey}})
	hint := " help · space handset · mouse presses keys · Ctrl-C quit"
	p.put(hx, y+1, cutRunes(hint, max(width-3, 0)), plain.Foreground(tcell.ColorGray))
	if b.help {
		b.drawHelp(p, ox, oy, width, height)
	}
	scr.Show()
}

func (b *Board) hasLED(id hw.LED) bool {
	for _, l := range b.layout.LEDs {
		if l == id {
			return true
		}
	}
	return false
}

// drawKey draws a programmable key with its LED: "(●)".
func (b *Board) drawKey(p painter, x, y int, k button) {
	glyph, st := b.ledGlyph(hw.LED{Kind: hw.LEDKey, Index: k.index})
	pressed := b.down[k] != nil
	br := tcell.StyleDefault.Reverse(pressed)
	p.put(x, y, "(", br)
	p.put(x+1, y, glyph, st)
	p.put(x+2, y, ")", br)
	b.hits = append(b.hits, hit{x, y, 3, k})
}

var hardLabels = map[hw.Key]string{
	hw.KeyMenu: "MENU", hw.KeyUp: "▲", hw.KeyBack: "BACK", hw.KeyLeft: "◄", hw.KeyOK: "OK", hw.KeyRight: "►",
	hw.KeyVolumeDown: "VOL-", hw.KeyDown: "▼", hw.KeyVolumeUp: "VOL+", hw.KeyHold: "HOLD",
	hw.KeyTransfer: "XFER", hw.KeyConference: "CONF", hw.KeyRedial: "REDIAL", hw.KeyVoicemail: "VMAIL",
	hw.KeyContacts: "DIR", hw.KeyMute: "MUTE", hw.KeySpeaker: "SPKR", hw.KeyHeadset: "HDST",
}

var keyLEDs = map[hw.Key]hw.LEDKind{hw.KeyMute: hw.LEDMute, hw.KeySpeaker: hw.LEDSpeaker, hw.KeyHeadset: hw.LEDHeadset}

// drawHard draws a hard key the model has; keys with an LED take its
// colour.
func (b *Board) drawHard(p painter, x, y int, k hw.Key) {
	if !b.hasKey(k) {
		return
	}
	label := hardLabels[k]
	if d, ok := k.Digit(); ok {
		label = string(d)
	}
	st := tcell.StyleDefault
	if kind, ok := keyLEDs[k]; ok {
		if s := b.leds[hw.LED{Kind: kind}]; b.ledLit(s) {
			st = st.Foreground(ledColors[s.Color]).Bold(true)
		}
	}
	b.drawButton(p, x, y, label, button{key: k}, st)
}

func (b *Board) drawButton(p painter, x, y int, label string, k button, st tcell.Style) {
	s := "[" + label + "]"
	if b.down[k] != nil && k.key != hw.KeyHook {
		st = st.Reverse(true)
	}
	p.put(x, y, s, st)
	b.hits = append(b.hits, hit{x, y, len([]rune(s)), k})
}

func (b *Board) drawHelp(p painter, ox, oy, width, height int) {
	w := 0
	for _, l := range HelpLines {
		w = max(w, len([]rune(l)))
	}
	w += 4
	hgt := len(HelpLines) + 3
	x, y := ox+max((width-w)/2, 0), oy+max((height-hgt)/2, 0)
	box := tcell.StyleDefault.Background(tcell.ColorNavy).Foreground(tcell.ColorWhite)
	for r := range hgt {
		p.put(x, y+r, strings.Repeat(" ", w), box)
	}
	p.put(x+2, y, "Keys (? or Esc closes)", box.Bold(true))
	for i, l := range HelpLines {
		p.put(x+2, y+2+i, l, box)
	}
}

func wrap(text string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
