package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
)

// screen names what a frame shows, in the order render decides it.
type screen uint8

const (
	scrOff screen = iota
	scrBoot
	scrSaver
	scrPage
	scrLocked
	scrCall
	scrPaging
	scrIdle
)

func which(v view) screen {
	switch {
	case !v.State.Power:
		return scrOff
	case v.State.Stage != device.StageIdle:
		return scrBoot
	case v.UI != nil && v.UI.top() != nil:
		return scrPage
	case len(v.visibleCalls()) > 0 || v.endedRecently():
		return scrCall
	case len(v.State.Pages) > 0:
		return scrPaging
	case v.UI != nil && v.UI.locked:
		return scrLocked
	case v.UI != nil && v.UI.saver:
		return scrSaver
	}
	return scrIdle
}

// endedRecently: a call that just ended stays on screen while the phone
// keeps it (device.EndedLinger) and nothing else is going on.
func (v view) endedRecently() bool {
	if len(v.liveCalls()) > 0 {
		return false
	}
	for _, c := range v.State.Calls {
		if c.State == device.CallEnded && !(c.Discreet && c.Direction == device.Outgoing) {
			return true
		}
	}
	return false
}

// render draws the whole screen.
func render(v view) hw.TextFrame {
	c := newCanvas(v.Geo)
	hl := -1
	switch which(v) {
	case scrOff:
		return c.frame(-1, 0)
	case scrBoot:
		renderBoot(c, v)
		return c.frame(-1, v.Backlight)
	case scrSaver:
		renderSaver(c, v)
		return c.frame(-1, v.Backlight)
	case scrPage:
		renderHeader(c, v)
		hl = renderPage(c, v, v.UI.top())
	case scrLocked:
		renderHeader(c, v)
		renderLocked(c, v)
	case scrCall:
		renderHeader(c, v)
		renderCalls(c, v)
	case scrPaging:
		renderHeader(c, v)
		renderPaging(c, v)
	default:
		renderHeader(c, v)
		renderIdle(c, v)
	}
	renderInfo(c, v)
	renderSoftkeys(c, v)
	return c.frame(hl, v.Backlight)
}

// renderHeader draws the two status rows: the line and the time, the
// registration state with DND and forward, and the date.
func renderHeader(c *canvas, v view) {
	name, status := string(v.State.Model), v.tr("No SIP line")
	if ln, ok := v.line(); ok {
		name = lineName(v, ln)
		status = v.tr(regText(ln.State))
		if ln.DND {
			status += " " + v.tr("DND")
		}
		if ln.Forward != "" {
			status += " " + v.tr("Fwd") + " " + ln.Forward
		}
	}
	if v.UI != nil && v.UI.locked {
		status += " " + v.tr("Locked")
	}
	clock := formatTime(v.Now, v.get("system/ntp/time_display_format"), v.lang())
	date := formatDate(v.Now, v.get("system/ntp/date_display_format"), v.lang())
	c.left(rowHeader, cut(name, c.cols-width(clock)-1))
	c.right(rowHeader, clock)
	c.left(rowStatus, cut(status, c.cols-width(date)-1))
	c.right(rowStatus, date)
}

// lineName is the user or extension the idle screen shows: the
// extension (the line's display: extension_display, else its id), or the
// full number (the line's id) with lync/sign_in/line_type_display/ext=0
// (SIGN-8).
func lineName(v view, ln device.Line) string {
	if !v.flag("lync/sign_in/line_type_display/ext") && ln.ID != "" {
		return ln.ID
	}
	if ln.Display != "" {
		return ln.Display
	}
	return ln.ID
}

func regText(s device.RegState) string {
	switch s {
	case device.RegRegistered:
		return "Registered"
	case device.RegRegistering:
		return "Registering…"
	case device.RegFailed:
		return "Registration failed"
	}
	return "Not registered"
}

func renderBoot(c *canvas, v view) {
	c.left(rowHeader, "AudioCodes")
	c.right(rowHeader, string(v.State.Model))
	status := v.State.Status
	if status == "" {
		status = "Please wait…"
	}
	if v.State.Stage == device.StageRecovery && status == "Please wait…" {
		status = "Recovery mode"
	}
	mid := max(c.nrows()/2-1, contentTop)
	c.center(mid, v.tr(status))
	c.center(mid+1, v.State.Firmware)
	row := mid + 3
	for _, n := range v.notes() {
		row = c.wrap(row, c.nrows(), v.tr(n.Text), true)
	}
}

func renderSaver(c *canvas, v view) {
	mid := max(c.nrows()/2-1, 0)
	c.center(mid, formatTime(v.Now, v.get("system/ntp/time_display_format"), v.lang()))
	c.center(mid+1, formatDate(v.Now, v.get("system/ntp/date_display_format"), v.lang()))
}

// renderIdle draws the programmable keys' labels beside the screen and the
// active notifications over the content rows.
func renderIdle(c *canvas, v view) {
	side := c.cols / 2
	for _, s := range v.Slots {
		label := cut(v.keyLabel(s.Index), side-1)
		if s.Left {
			c.at(s.Row, 0, label)
		} else {
			c.right(s.Row, label)
		}
	}
	row := contentTop
	for _, n := range v.notes() {
		row = c.wrap(row, c.nrows()-2, v.tr(n.Text), true)
	}
}

func renderLocked(c *canvas, v view) {
	mid := max(c.nrows()/2-1, contentTop)
	c.center(mid, v.tr("Phone locked"))
	row := mid + 2
	for _, n := range v.notes() {
		row = c.wrap(row, c.nrows()-2, v.tr(n.Text), true)
	}
}

// renderInfo draws the info line above the softkeys: a short note, then
// paging, message waiting and missed calls.
func renderInfo(c *canvas, v view) {
	row := c.nrows() - 2
	if row <= rowStatus {
		return
	}
	var text string
	switch {
	case v.UI != nil && v.UI.noteActive(v.Mono):
		text = v.tr(v.UI.note)
	case which(v) == scrIdle || which(v) == scrLocked:
		text = idleInfo(v)
	}
	if text != "" {
		c.line(row, "")
		c.center(row, cut(text, c.cols))
	}
}

func idleInfo(v view) string {
	mwi := v.State.MWI
	switch {
	case mwi.Waiting && mwi.New > 0:
		return fmt.Sprintf(v.tr("%d new voice messages"), mwi.New)
	case mwi.Waiting:
		return v.tr("Voice message waiting")
	case v.UI != nil && v.UI.unseen > 0:
		return fmt.Sprintf(v.tr("%d missed calls"), v.UI.unseen)
	}
	return ""
}

// callTitle is the heading of a call screen.
func callTitle(v view, c device.Call) string {
	switch c.State {
	case device.CallDialing:
		return "Dialing"
	case device.CallCalling:
		return "Calling"
	case device.CallRinging:
		return "Ringing"
	case device.CallIncoming:
		return "Incoming call"
	case device.CallHeld:
		return "On hold"
	case device.CallEnded:
		return "Call ended"
	}
	if c.Conference {
		return "Conference"
	}
	if strings.HasPrefix(c.Transfer, "blind to ") || strings.HasPrefix(c.Transfer, "attended to ") ||
		strings.HasPrefix(c.Transfer, "semi-attended to ") || strings.HasPrefix(c.Transfer, "transfer: ") {
		return "Transferring"
	}
	return "Connected"
}

// renderCalls draws the focused call and a line for each other call.
func renderCalls(c *canvas, v view) {
	f, ok := v.focused()
	if !ok || (f.Discreet && f.Direction == device.Outgoing) {
		// Only an ended call lingers.
		for i := len(v.State.Calls) - 1; i >= 0; i-- {
			if v.State.Calls[i].State == device.CallEnded {
				f = v.State.Calls[i]
				break
			}
		}
	}
	title := v.tr(callTitle(v, f))
	c.left(contentTop, title)
	if n := len(v.visibleCalls()); n > 1 {
		c.right(contentTop, fmt.Sprintf("%d %s", n, v.tr("calls")))
	}
	row := contentTop + 2
	if f.State == device.CallDialing {
		c.center(row, f.Number+"_")
		return
	}
	name := v.callerName(f)
	c.center(row, name)
	row++
	if f.Number != "" && f.Number != name {
		c.center(row, f.Number)
		row++
	}
	var detail []string
	switch f.State {
	case device.CallConnected, device.CallHeld:
		if !f.Answered.IsZero() {
			detail = append(detail, formatDuration(v.Mono.Sub(f.Answered)))
		}
		if f.Codec != "" {
			detail = append(detail, f.Codec)
		}
		if f.Muted {
			detail = append(detail, v.tr("Muted"))
		}
		if f.RemoteHeld {
			detail = append(detail, v.tr("Held by far end"))
		}
	case device.CallEnded:
		if f.EndReason != "" {
			detail = append(detail, f.EndReason)
		}
	}
	if len(detail) > 0 {
		c.center(row, strings.Join(detail, "  "))
		row++
	}
	if f.Transfer != "" {
		c.center(row, transferText(v, f.Transfer))
		row++
	}
	row++
	for _, o := range v.visibleCalls() {
		if o.ID == f.ID || row >= c.nrows()-2 {
			continue
		}
		label := "Held"
		switch {
		case o.State == device.CallIncoming:
			label = "Waiting"
		case o.State == device.CallConnected:
			label = "Connected"
		case o.State == device.CallCalling || o.State == device.CallRinging:
			label = "Calling"
		}
		text := v.tr(label) + ": " + v.callerName(o)
		if o.Transfer != "" {
			text += " (" + transferText(v, o.Transfer) + ")"
		}
		c.left(row, cut(text, c.cols))
		row++
	}
	if pg, ok := pendingPage(v); ok && row < c.nrows()-2 {
		c.left(row, cut(v.tr("Page")+": "+pageLabel(v, pg), c.cols))
	}
}

// transferText translates the phone's transfer progress ("blind to 1003",
// "consulting 1003", "transfer failed: …").
func transferText(v view, t string) string {
	for _, p := range []string{"blind to ", "consulting ", "attended to ", "semi-attended to ", "transfer failed: ", "transfer: ", "transferred by "} {
		if rest, ok := strings.CutPrefix(t, p); ok {
			return v.tr(strings.TrimSpace(p)) + " " + rest
		}
	}
	return t
}

func pendingPage(v view) (device.Page, bool) {
	for _, p := range v.State.Pages {
		if p.Pending {
			return p, true
		}
	}
	return device.Page{}, false
}

// pageLabel is what a page shows: its group name and the label of its key
// (PAGE-2).
func pageLabel(v view, p device.Page) string {
	name := p.Name
	if label := strings.TrimSpace(v.get(keyPath(p.Group, "key_label"))); label != "" && label != name {
		if name == "" {
			return label
		}
		name += " - " + label
	}
	return name
}

func renderPaging(c *canvas, v view) {
	p := v.State.Pages[len(v.State.Pages)-1]
	title := "Paging"
	if !p.Sending {
		title = "Page received"
	}
	c.left(contentTop, v.tr(title))
	c.center(contentTop+2, pageLabel(v, p))
	if p.Address != "" {
		c.center(contentTop+3, p.Address)
	}
}

// renderPage draws an open page and returns the highlighted row.
func renderPage(c *canvas, v view, p *page) int {
	c.left(rowStatus, "")
	c.line(rowStatus, v.tr(p.title))
	switch p.kind {
	case pageList:
		rows := c.nrows() - 1 - contentTop - 1
		if rows <= 0 {
			return -1
		}
		start := 0
		if p.sel >= rows {
			start = p.sel - rows + 1
		}
		if len(p.items) > 0 {
			c.right(rowStatus, fmt.Sprintf("%d/%d", p.sel+1, len(p.items)))
		} else {
			c.center(contentTop+1, v.tr("(empty)"))
		}
		hl := -1
		for i := start; i < len(p.items) && i-start < rows; i++ {
			it := p.items[i]
			row := contentTop + i - start
			mark := "  "
			if it.Mark {
				mark = "* "
			}
			c.left(row, cut(mark+v.tr(it.Label), c.cols-width(it.Value)-1))
			c.right(row, it.Value)
			if i == p.sel {
				hl = row
			}
		}
		return hl
	case pageEntry:
		shown := p.input
		if p.secret {
			shown = strings.Repeat("*", width(p.input))
		}
		if p.alpha {
			mode := "123"
			if p.abc {
				mode = "abc"
			}
			c.right(rowStatus, mode)
		}
		c.left(contentTop+1, cut(shown+"_", c.cols))
		if p.cursor < width(p.input) {
			c.at(contentTop+2, p.cursor, "^")
		}
		if p.hint != "" {
			c.wrap(contentTop+4, c.nrows()-2, v.tr(p.hint), false)
		}
	case pageConfirm:
		row := contentTop + 2
		for _, l := range p.lines {
			row = c.wrap(row, c.nrows()-2, v.tr(l), true)
		}
	case pageInfo:
		row := contentTop
		for _, l := range p.lines {
			if row >= c.nrows()-2 {
				break
			}
			c.line(row, cut(v.tr(l), c.cols))
			row++
		}
	}
	return -1
}

// renderSoftkeys draws the softkey row: each label centred in its quarter.
func renderSoftkeys(c *canvas, v view) {
	keys := visibleSoftkeys(v)
	row := c.nrows() - 1
	if row <= rowStatus || len(keys) == 0 {
		return
	}
	slot := c.cols / len(keys)
	for i, k := range keys {
		if k.Label == "" {
			continue
		}
		l := cut(v.tr(k.Label), slot-1)
		c.at(row, i*slot+(slot-width(l))/2, l)
	}
}

// formatTime writes the clock as system/ntp/time_display_format asks
// (TIME-2): 24Hour "14:05", 12Hour "2:05 PM".
func formatTime(t time.Time, format, lang string) string {
	if strings.EqualFold(format, "12Hour") {
		return t.Format("3:04 PM")
	}
	return t.Format("15:04")
}

// formatDate writes the date as system/ntp/date_display_format asks: a
// pattern of YYYY, YY, MMM, MM, DDD (weekday) and DD, or the named styles
// AMERICAN (MM/DD/YYYY) and EUROPEAN (DD/MM/YYYY, also the default). Day
// and month names are in the screen's language.
func formatDate(t time.Time, pattern, lang string) string {
	switch strings.ToUpper(strings.TrimSpace(pattern)) {
	case "", "EUROPEAN":
		pattern = "DD/MM/YYYY"
	case "AMERICAN":
		pattern = "MM/DD/YYYY"
	}
	var b strings.Builder
	for i := 0; i < len(pattern); {
		rest := pattern[i:]
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			fmt.Fprintf(&b, "%04d", t.Year())
			i += 4
		case strings.HasPrefix(rest, "YY"):
			fmt.Fprintf(&b, "%02d", t.Year()%100)
			i += 2
		case strings.HasPrefix(rest, "MMM"):
			b.WriteString(translate(lang, t.Month().String()[:3]))
			i += 3
		case strings.HasPrefix(rest, "MM"):
			fmt.Fprintf(&b, "%02d", int(t.Month()))
			i += 2
		case strings.HasPrefix(rest, "DDD"):
			b.WriteString(translate(lang, t.Weekday().String()[:3]))
			i += 3
		case strings.HasPrefix(rest, "DD"):
			fmt.Fprintf(&b, "%02d", t.Day())
			i += 2
		default:
			b.WriteByte(pattern[i])
			i++
		}
	}
	return b.String()
}

func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
