package syslog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hdphone/hdphone/clock"
)

// Options are the parts of a Handler that do not come from the phone's
// configuration. The zero value works.
type Options struct {
	// Hostname is the HOSTNAME field: the phone's MAC or IP. "" sends "-".
	Hostname string
	// AppName names the APP-NAME of records without a component; "" means
	// "ipphone". Records with a component use the component's name.
	AppName string
	// Facility is the syslog facility; 0 means 16 (local0).
	Facility int
	// Console receives the lines of modes Serial and All; nil drops them.
	Console io.Writer
	// Local receives the lines of mode Local (the phone's flash log); nil
	// drops them.
	Local io.Writer
	// Queue is how many lines may wait for the sender; 0 means 1024. When
	// it is full new lines are dropped and counted.
	Queue int
	// Clock, if set, stamps records instead of their own time.
	Clock clock.Clock
}

// line is one formatted record on its way to its destinations.
type line struct {
	b       []byte
	network bool
	console bool
	local   bool
}

// core is what every Handler derived from one New shares.
type core struct {
	opts     Options
	settings atomic.Pointer[Settings]
	queue    chan line
	wake     chan struct{} // a reconfiguration for Run
	flush    chan chan struct{}
	dropped  atomic.Uint64
	sent     atomic.Uint64
	failed   atomic.Uint64
}

// Handler is an slog.Handler that writes RFC 5424 syslog lines according to
// the phone's syslog settings. Handle never blocks: lines wait in a queue for
// Run, which sends them, and are dropped (and counted) when it is full.
// Handlers from WithAttrs and WithGroup share the queue and settings. All
// methods are safe for concurrent use.
type Handler struct {
	c         *core
	component string // from a "component" attribute given to WithAttrs
	prefix    string // preformatted attributes
	groups    []string
}

var _ slog.Handler = (*Handler)(nil)

// New returns a handler with settings s. Start Run to deliver its lines.
func New(s Settings, o Options) *Handler {
	if o.Queue <= 0 {
		o.Queue = 1024
	}
	if o.Facility == 0 {
		o.Facility = 16
	}
	if o.AppName == "" {
		o.AppName = "ipphone"
	}
	c := &core{opts: o, queue: make(chan line, o.Queue), wake: make(chan struct{}, 1), flush: make(chan chan struct{})}
	c.settings.Store(cloneSettings(s))
	return &Handler{c: c}
}

func cloneSettings(s Settings) *Settings {
	if s.Components != nil {
		m := make(map[string]Level, len(s.Components))
		for k, v := range s.Components {
			m[k] = v
		}
		s.Components = m
	}
	return &s
}

// Reconfigure applies new settings from the next record on; Run redials
// the server if it changed.
func (h *Handler) Reconfigure(s Settings) {
	h.c.settings.Store(cloneSettings(s))
	select {
	case h.c.wake <- struct{}{}:
	default:
	}
}

// Settings returns the settings in force.
func (h *Handler) Settings() Settings { return *cloneSettings(*h.c.settings.Load()) }

// Dropped is the number of lines lost because the queue was full.
func (h *Handler) Dropped() uint64 { return h.c.dropped.Load() }

// Sent is the number of lines sent to the syslog server.
func (h *Handler) Sent() uint64 { return h.c.sent.Load() }

// Failed is the number of lines whose sending failed.
func (h *Handler) Failed() uint64 { return h.c.failed.Load() }

// Enabled reports whether a record of level could be logged by some
// component.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	s := h.c.settings.Load()
	if h.component != "" {
		min, off := s.threshold(h.component)
		return !off && level >= min
	}
	min, off := s.lowest()
	return !off && level >= min
}

// WithAttrs returns a handler that adds attrs to every record. A
// "component" attribute also selects the component level.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	n := *h
	var b strings.Builder
	b.WriteString(h.prefix)
	for _, a := range attrs {
		if len(h.groups) == 0 && a.Key == "component" {
			n.component = a.Value.Resolve().String()
		}
		appendAttr(&b, h.groups, a)
	}
	n.prefix = b.String()
	return &n
}

// WithGroup returns a handler that qualifies later attributes with name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.groups = append(slices.Clone(h.groups), name)
	return &n
}

// Handle formats r and queues it for its destinations.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	s := h.c.settings.Load()
	component := h.component
	if component == "" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "component" {
				component = a.Value.Resolve().String()
				return false
			}
			return true
		})
	}
	min, off := s.threshold(component)
	if off || r.Level < min {
		return nil
	}
	l := line{network: s.network() && s.Server.IsValid(), console: s.console(), local: s.local()}
	if !l.network && !(l.console && h.c.opts.Console != nil) && !(l.local && h.c.opts.Local != nil) {
		return nil
	}
	l.b = h.format(r, component)
	select {
	case h.c.queue <- l:
	default:
		h.c.dropped.Add(1)
	}
	return nil
}

// severity maps slog levels onto syslog severities (RFC 5424 §6.2.1).
func severity(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return 3 // error
	case l >= slog.LevelWarn:
		return 4 // warning
	case l >= slog.LevelInfo:
		return 6 // informational
	}
	return 7 // debug
}

// format writes r as an RFC 5424 message:
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
//
// with the attributes appended to MSG as key=value pairs.
func (h *Handler) format(r slog.Record, component string) []byte {
	o := &h.c.opts
	var b strings.Builder
	fmt.Fprintf(&b, "<%d>1 ", o.Facility*8+severity(r.Level))
	switch {
	case r.Time.IsZero():
		b.WriteString("-")
	case o.Clock != nil:
		b.WriteString(o.Clock.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
	default:
		b.WriteString(r.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
	}
	b.WriteByte(' ')
	b.WriteString(header(o.Hostname, 255))
	b.WriteByte(' ')
	app := o.AppName
	if component != "" {
		app = component
	}
	b.WriteString(header(app, 48))
	b.WriteString(" - - - ")
	b.WriteString(strings.ToValidUTF8(strings.ReplaceAll(r.Message, "\n", " "), "?"))
	b.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.groups, a)
		return true
	})
	return []byte(b.String())
}

// header makes a header field: printable US-ASCII without spaces, at most
// max bytes, "-" when empty (RFC 5424 §6).
func header(s string, max int) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < max; i++ {
		if c := s[i]; c > 32 && c < 127 {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return string(out)
}

func appendAttr(b *strings.Builder, groups []string, a slog.Attr) {
	v := a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return
		}
		g := groups
		if a.Key != "" {
			g = append(slices.Clone(groups), a.Key)
		}
		for _, ga := range attrs {
			appendAttr(b, g, ga)
		}
		return
	}
	b.WriteByte(' ')
	for _, g := range groups {
		b.WriteString(g)
		b.WriteByte('.')
	}
	b.WriteString(a.Key)
	b.WriteByte('=')
	var s string
	if v.Kind() == slog.KindTime {
		s = v.Time().Format(time.RFC3339Nano)
	} else {
		s = v.String()
	}
	if s == "" || strings.ContainsAny(s, " =\"\n\\") || !utf8.ValidString(s) {
		s = strconv.Quote(s)
	}
	b.WriteString(s)
}

// Flush waits until Run has delivered every line queued before the call
// (before a reboot, say), or ctx ends.
func (h *Handler) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case h.c.flush <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run delivers queued lines until ctx ends: to the syslog server over UDP,
// to the console, or to the local log. It redials when the server changes
// and returns ctx's error.
func (h *Handler) Run(ctx context.Context) error {
	var conn net.Conn
	var dialed netip.AddrPort
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	redial := func() {
		s := h.c.settings.Load()
		if s.Server == dialed && conn != nil {
			return
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
		dialed = s.Server
		if s.Server.IsValid() {
			c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(s.Server))
			if err == nil {
				conn = c
			}
		}
	}
	deliver := func(l line) {
		if l.network {
			redial()
			if conn == nil {
				h.c.failed.Add(1)
			} else if _, err := conn.Write(l.b); err != nil {
				h.c.failed.Add(1)
			} else {
				h.c.sent.Add(1)
			}
		}
		if l.console && h.c.opts.Console != nil {
			h.c.opts.Console.Write(append(l.b, '\n'))
		}
		if l.local && h.c.opts.Local != nil {
			h.c.opts.Local.Write(append(l.b, '\n'))
		}
	}
	drain := func() {
		for {
			select {
			case l := <-h.c.queue:
				deliver(l)
			default:
				return
			}
		}
	}
	redial()
	for {
		select {
		case <-ctx.Done():
			// The last lines before a restart or power-off are the ones an
			// administrator looks for: send what is queued.
			drain()
			return ctx.Err()
		case <-h.c.wake:
			redial()
		case l := <-h.c.queue:
			deliver(l)
		case done := <-h.c.flush:
			drain()
			close(done)
		}
	}
}
