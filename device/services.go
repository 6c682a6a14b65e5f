package device

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/diag/syslog"
	"github.com/hdphone/hdphone/provisioning"
)

// syslogQueue is how many lines a phone's System Logging keeps waiting for
// the network; small, since a fleet runs thousands of phones.
const syslogQueue = 128

// syslogTap is the phone's System Logging (DIAG-1..3): a diag/syslog
// handler beside the logger the phone was given. It exists only once
// system/syslog/* sends lines somewhere (a fleet of phones logging locally
// costs nothing), and is kept for the phone's life and reconfigured whenever
// a configuration is applied.
type syslogTap struct {
	hostname string
	// console and local receive the lines of the Serial and Local modes
	// (Config.SyslogConsole, Config.SyslogLocal); nil drops them.
	console, local io.Writer
	h              atomic.Pointer[syslog.Handler]
	mu             sync.Mutex // serialises making h
}

// handler returns the System Logging handler, making it when s needs one.
func (t *syslogTap) handler(s syslog.Settings) *syslog.Handler {
	if h := t.h.Load(); h != nil {
		return h
	}
	if !t.wants(s) {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.h.Load(); h != nil {
		return h
	}
	h := syslog.New(s, syslog.Options{Hostname: t.hostname, Queue: syslogQueue, Console: t.console, Local: t.local})
	t.h.Store(h)
	return h
}

// wants reports whether s sends lines somewhere, so that a handler is
// needed.
func (t *syslogTap) wants(s syslog.Settings) bool {
	network := (s.Mode == syslog.ModeNetwork || s.Mode == syslog.ModeAll) && s.Server.IsValid()
	console := (s.Mode == syslog.ModeSerial || s.Mode == syslog.ModeAll) && t.console != nil
	local := (s.Mode == syslog.ModeLocal || s.Mode == "") && t.local != nil
	return s.LogLevel != syslog.LevelNone && (network || console || local)
}

// startSyslog applies system/syslog/* for a new power cycle; every
// configuration applied afterwards applies it again (storeConfigLocked).
// It waits for that, so that no line the boot logs next is lost to System
// Logging; a phone that has no handler and whose configuration wants none
// has nothing to apply (applySyslog would do nothing), and skips the
// hand-off (a fleet's phones, which log nowhere, boot so).
func (p *Phone) startSyslog(b *Boot) {
	if s, err := syslog.SettingsFrom(b.Config()); err == nil && p.sys.h.Load() == nil && !p.sys.wants(s) {
		return
	}
	b.do(p.applySyslog)
}

// applySyslog reconfigures System Logging from the running configuration
// and, once it exists, delivers its lines on a goroutine of the cycle. It
// runs on the owner goroutine, so an idle phone holds no goroutine waiting
// for configuration changes.
func (p *Phone) applySyslog(s *state) {
	settings, err := syslog.SettingsFrom(s.Config)
	if err != nil {
		p.log.Warn("syslog settings", "err", err, "component", "control_center")
	}
	h := p.sys.handler(settings)
	if h == nil {
		return
	}
	h.Reconfigure(settings)
	if c := s.cycle; c != nil && !c.syslogRunning {
		c.syslogRunning = true
		p.async(s, func(ctx context.Context) { h.Run(ctx) })
	}
}

// teeHandler sends each record to the phone's given logger and to its System
// Logging, when that exists.
type teeHandler struct {
	main slog.Handler
	sys  *syslogBranch
}

func newTee(main slog.Handler, t *syslogTap) slog.Handler {
	return teeHandler{main: main, sys: &syslogBranch{tap: t}}
}

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.main.Enabled(ctx, l) || t.sys.enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if t.main.Enabled(ctx, r.Level) {
		err = t.main.Handle(ctx, r)
	}
	if h := t.sys.current(); h != nil && h.Enabled(ctx, r.Level) {
		h.Handle(ctx, r) // formats at once: no Clone needed
	}
	return err
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{main: t.main.WithAttrs(as), sys: t.sys.with(syslogOp{attrs: as})}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{main: t.main.WithGroup(name), sys: t.sys.with(syslogOp{group: name})}
}

// syslogBranch is the System Logging side of a derived logger: the
// WithAttrs/WithGroup step to replay, after its parent's, on the handler once
// it exists. A chain rather than a copied list: a phone derives dozens of
// loggers (its SIP stack's layers among them), and while System Logging is
// off each must cost a few words, not a copy of its ancestors' steps.
type syslogBranch struct {
	tap    *syslogTap
	parent *syslogBranch // nil at the root
	op     syslogOp
	cache  atomic.Pointer[syslogDerived]
}

type syslogOp struct {
	attrs []slog.Attr
	group string
}

type syslogDerived struct {
	root *syslog.Handler
	h    slog.Handler
}

func (s *syslogBranch) with(op syslogOp) *syslogBranch {
	return &syslogBranch{tap: s.tap, parent: s, op: op}
}

func (s *syslogBranch) enabled(ctx context.Context, l slog.Level) bool {
	h := s.current()
	return h != nil && h.Enabled(ctx, l)
}

// current returns the derived handler, or nil while there is no System
// Logging.
func (s *syslogBranch) current() slog.Handler {
	root := s.tap.h.Load()
	if root == nil {
		return nil
	}
	if d := s.cache.Load(); d != nil && d.root == root {
		return d.h
	}
	var h slog.Handler = root
	if s.parent != nil {
		h = s.parent.current()
		if s.op.group != "" {
			h = h.WithGroup(s.op.group)
		} else {
			h = h.WithAttrs(s.op.attrs)
		}
	}
	s.cache.Store(&syslogDerived{root: root, h: h})
	return h
}

// startKeepAlive reports the phone to the Device Manager (ems_server/*,
// PROV-7) every keep_alive_period minutes while it is on.
func (p *Phone) startKeepAlive(b *Boot, cfg *config.Config) {
	k, ok := provisioning.KeepAliveFrom(cfg)
	if !ok {
		return
	}
	if pw, err := cfg.Secret("ems_server/user_password"); err == nil {
		k.Password = pw
	}
	fc, err := p.fetchClient(cfg, b.Snapshot().Firmware, p.factoryCertificate(b))
	if err != nil {
		p.log.Warn("Device Manager keep-alive not started", "err", err, "component", "control_center")
		return
	}
	k.HTTP = fc
	k.Clock = p.cfg.Clock
	k.Logger = p.ccLog
	k.Status = p.managerStatus
	k.OnLink = func(up bool) {
		p.log.Info("Device Manager link", "up", up, "url", k.URL, "component", "control_center")
	}
	b.Go("device-manager", func(ctx context.Context) {
		defer fc.CloseIdleConnections()
		k.Run(ctx)
	})
}

// managerStatus is the keep-alive body: the phone as the Device Manager
// lists it.
func (p *Phone) managerStatus() provisioning.Status {
	s := p.Snapshot()
	st := provisioning.Status{
		MAC:       s.MAC,
		Model:     string(s.Model),
		FWVersion: s.Firmware,
		UserAgent: UserAgent(s.Model, s.Firmware),
		Status:    "started",
	}
	if a := s.Network.Address; a.IsValid() {
		st.IP = a.Addr().String()
		st.Subnet = prefixMask(a)
	} else if a := p.ownAddr(); a.IsValid() {
		st.IP = a.String()
	}
	if s.Config != nil {
		st.SIPProxy = s.Config.Get("voip/signalling/sip/proxy_address")
	}
	for _, l := range s.Lines {
		if l.Index == 0 {
			st.UserName, st.UserID, st.PhoneNumber = l.ID, l.ID, l.ID
			if l.State == RegRegistered {
				st.Status = "registered"
			}
		}
	}
	return st
}

// prefixMask writes a prefix's mask in dotted form.
func prefixMask(p netip.Prefix) string {
	if !p.Addr().Is4() {
		return ""
	}
	var m [4]byte
	for i := range p.Bits() {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(m).String()
}
