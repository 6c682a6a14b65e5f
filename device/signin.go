package device

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/sip"
)

// Registration notifications (the manual's Table 2-9 strings a generic SIP
// line can hit). While one is shown the ringer LED is red and calls are
// refused.
const (
	NoteBadCredentials = "Invalid address, username or password"
	// NoteNoServer is "Failed to connect <domain> server" with the domain
	// filled in.
	NoteNoServer = "Failed to connect %s server"
	// NoteCertificate is shown when the SIP server's TLS certificate does not
	// verify against the phone's CAs.
	NoteCertificate = "Failed to validate certificate"
)

// signInWait bounds how long the SignIn stage waits for the first
// registration outcome before the phone goes idle anyway (registration
// carries on in the background).
const signInWait = 10 * time.Second

// stageSignIn starts the cycle's media engine and brings up line 0 when it
// is configured, waiting a little for the first registration outcome.
func (p *Phone) stageSignIn(ctx context.Context, b *Boot) error {
	if err := p.startMedia(b, b.Config(), p.address(b.Snapshot())); err != nil {
		return err
	}
	outcome, err := p.startLine(b)
	if err != nil || outcome == nil {
		return err
	}
	t := p.clk.NewTimer(signInWait)
	defer t.Stop()
	select {
	case <-outcome:
	case <-t.C():
		b.Log("registration still in progress")
	case <-ctx.Done():
	}
	return nil
}

// startLine brings up line 0 from the current configuration: a user agent
// on the phone's address, its event pump and registration, all under a
// context of their own so that a configuration change can restart the line.
// It returns a channel closed by the first registration outcome, nil when no
// line is configured.
func (p *Phone) startLine(b *Boot) (<-chan struct{}, error) {
	cfg := b.Config()
	snap := b.Snapshot()
	if cfg.Get("voip/line/0/id") == "" || (cfg.Get("voip/line/0/enabled") != "" && !cfg.Bool("voip/line/0/enabled")) {
		b.do(func(s *state) {
			ln := p.lineLocked(s, 0)
			ln.ID, ln.State, ln.Reason = "", RegDisabled, ""
		})
		return nil, b.Log("no SIP line configured")
	}
	sc, err := sip.ConfigFrom(cfg)
	if err != nil {
		b.Notify(fmt.Sprintf(NoteNoServer, cfg.Get("voip/signalling/sip/proxy_gateway")))
		return nil, fmt.Errorf("device: SIP configuration: %w", err)
	}
	if pw, err := cfg.Secret("voip/line/0/auth_password"); err == nil {
		sc.Password = sip.Secret(pw)
	}
	sc.LocalAddr = p.address(snap)
	sc.SharedUDP = p.cfg.SharedSIP
	if sc.Transport == sip.TLS { // the agent uses them for TLS only
		sc.TLS.RootCAs, sc.TLS.Certificates = p.sipTLS()
		// Without a SIP certificate the phone presents its factory one
		// to a server that asks.
		sc.TLS.Identity = p.factoryCertificate(b)
	}
	sc.UserAgent = UserAgent(p.cfg.Model.Name, snap.Firmware)
	sc.DHCPServers = snap.Network.SIPServers
	sc.Clock = p.cfg.Clock
	sc.Logger = p.log // the agent adds component=sip
	var l *sipLine
	sc.OnEvent = func(ev sip.Event) { p.onSIPEvent(b.Context(), l, ev) }
	sc.TryEvent = func(ev sip.Event) bool { return p.trySIPEvent(b.Context(), l, ev) }
	ua, err := sip.New(sc)
	if err != nil {
		return nil, fmt.Errorf("device: SIP user agent: %w", err)
	}
	// Its maps are made by their first entries: a fleet's idle phones
	// never have calls or BLF keys.
	l = &sipLine{index: 0, ua: ua, done: make(chan struct{})}
	outcome := make(chan struct{})
	running := false
	if err := b.do(func(s *state) {
		s.calls.line = l
		ln := p.lineLocked(s, 0)
		ln.ID = sc.User
		ln.Display = cfg.Get("voip/line/0/extension_display")
		if ln.Display == "" {
			ln.Display = sc.User
		}
		// As the agent's first event (RegRegistering) would set it:
		// that event is not posted (sipLine.skipFirst).
		ln.State, ln.Reason, ln.Registrar = RegRegistering, "", ""
		p.syncLineFeatures(s)
		s.signInDone = outcome
		if s.Stage == StageSignIn {
			s.signInBoot = b
		}
		// The agent's goroutine, in the same hand-off (Boot.Go's).
		p.goCycle(b.c, func(context.Context) {
			defer close(l.done)
			if err := ua.Run(b.Context()); err != nil && !errors.Is(err, context.Canceled) {
				p.log.Warn("SIP user agent stopped", "err", err)
			}
		})
		running = true
	}); err != nil || !running {
		ua.Close()
		return nil, cmp.Or(err, ErrPoweredOff)
	}
	// Register waits for the agent's Run to have started.
	if err := ua.Register(b.Context()); err != nil {
		return nil, fmt.Errorf("device: register: %w", err)
	}
	return outcome, nil
}

// lineKey reports whether a change of key concerns the SIP line's set-up
// (servers, credentials, transport, TLS, subscriptions), as opposed to
// features the phone applies itself (DND, forward).
func lineKey(key string) bool {
	switch {
	case strings.HasPrefix(key, "voip/line/0/do_not_disturb/"), strings.HasPrefix(key, "voip/line/0/call_forward/"):
		return false
	}
	for _, prefix := range []string{"voip/line/0/", "voip/signalling/sip/", "voip/services/msg_waiting_ind/",
		"voip/services/busy_lamp_field/", "voip/services/reject_code", "security/sip_", "security/ca_certificate/",
		"security/SSLCertificateErrorsMode"} {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// lineChanged restarts line 0 after a configuration change that concerns it,
// once the boot has passed sign-in: at once when no call is up, else when the
// last call ends (the calls live on the old agent).
func (p *Phone) lineChanged(s *state, changes []config.Change) {
	if s.cycle == nil || s.cycle.ending || s.Stage != StageIdle {
		return // the boot has not signed in yet; SignIn reads the new values
	}
	for _, c := range changes {
		if lineKey(c.Key) {
			s.calls.restartLine = true
			break
		}
	}
	p.restartLineIfIdle(s)
}

// restartLineIfIdle carries out a pending line restart when no call is up:
// the old agent unregisters and stops, and a new one registers.
func (p *Phone) restartLineIfIdle(s *state) {
	if !s.calls.restartLine || len(s.calls.live()) > 0 || s.cycle == nil || s.cycle.ending {
		return
	}
	s.calls.restartLine = false
	old := s.calls.line
	s.calls.line = nil
	b := &Boot{p: p, c: s.cycle}
	p.log.Info("restarting the SIP line for its new configuration")
	p.async(s, func(ctx context.Context) {
		if old != nil {
			uctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			old.ua.Unregister(uctx)
			cancel()
			old.ua.Close()
			select { // the new agent binds the same address and port
			case <-old.done:
			case <-ctx.Done():
				return
			}
		}
		if _, err := p.startLine(b); err != nil && !errors.Is(err, ErrPoweredOff) {
			p.log.Warn("SIP line restart", "err", err)
		}
	})
}

// sipTLS is what SIP over TLS trusts and shows: the system's roots plus the
// CA certificates in flash (security/ca_certificate/{n}/uri), and the SIP
// client certificate (security/sip_certificate_uri) when flash holds one.
// Without CAs in flash the roots are nil (the system's). A certificate that
// no longer parses is left out and logged.
func (p *Phone) sipTLS() (*x509.CertPool, []tls.Certificate) {
	certs := p.cfg.Flash.Certificates()
	var roots *x509.CertPool
	for n := range flash.CASlots {
		pem, err := certs.CA(n)
		if err != nil {
			continue
		}
		if roots == nil {
			if roots, _ = x509.SystemCertPool(); roots == nil {
				roots = x509.NewCertPool()
			}
		}
		if !roots.AppendCertsFromPEM(pem) {
			p.log.Warn("CA certificate in flash not usable for SIP", "slot", n)
		}
	}
	var own []tls.Certificate
	if pair, err := certs.KeyPair(flash.SlotSIP); err == nil {
		own = append(own, pair)
	} else if !errors.Is(err, flash.ErrNotFound) {
		p.log.Warn("SIP client certificate in flash not usable", "err", err)
	}
	return roots, own
}

// address is the phone's own IP: the network stage's, else the one the
// fleet gave it, else loopback.
func (p *Phone) address(s State) netip.Addr {
	if s.Network.Address.IsValid() {
		return s.Network.Address.Addr()
	}
	if p.cfg.Addr.IsValid() {
		return p.cfg.Addr
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// registrationNotes keeps the screen notifications in step with line 0's
// registration: bad credentials and unreachable servers are shown until a
// registration succeeds.
func (p *Phone) registrationNotes(s *state, e sip.RegistrationEvent) {
	noServer := func() string {
		domain := s.Config.Get("voip/signalling/sip/proxy_gateway")
		if domain == "" {
			domain = s.Config.Get("voip/signalling/sip/proxy_address")
		}
		return fmt.Sprintf(NoteNoServer, domain)
	}
	switch {
	case e.State == sip.RegRegistered:
		if len(s.Notifications) > 0 { // the usual registration has none to clear
			p.clearNote(s, NoteBadCredentials)
			p.clearNote(s, noServer())
			p.clearNote(s, NoteCertificate)
		}
	case e.State == sip.RegFailed && badCertificate(e.Err):
		p.addNote(s, NoteCertificate)
	case e.State == sip.RegFailed && (e.Code == 401 || e.Code == 403 || e.Code == 407):
		p.addNote(s, NoteBadCredentials)
	case e.State == sip.RegFailed && (e.Code == 0 || e.Code == 408 || e.Code >= 500):
		p.addNote(s, noServer())
	}
}

// signedIn ends the SignIn stage's wait at line 0's first registration
// outcome. SignIn is the boot's last stage: the boot goes idle here, in
// the outcome's own step, as it would next (one hand-off and snapshot
// fewer a boot; a fleet's phones all boot so).
func (p *Phone) signedIn(s *state) {
	done := s.signInDone
	if done == nil {
		return
	}
	if b := s.signInBoot; b != nil && s.Stage == StageSignIn && s.cycle == b.c {
		b.finishLocked(s)
		b.finished.Store(true)
	}
	s.signInDone, s.signInBoot = nil, nil
	close(done)
}

// badCertificate reports whether err is a TLS server certificate that did
// not verify (unknown CA, expired, wrong name).
func badCertificate(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	return errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn)
}

// startMedia sets up the cycle's media from the configuration. A phone that
// runs its own pacer makes its engine at once and runs the pacer as a
// service of the cycle; a fleet's phone, whose pacer is shared, makes its
// engine when a call or a page first needs it and closes it with the cycle.
func (p *Phone) startMedia(b *Boot, cfg *config.Config, addr netip.Addr) error {
	settings, errs := media.SettingsFromConfig(cfg)
	for _, err := range errs {
		p.log.Warn("media setting ignored", "err", err)
	}
	ec := settings.EngineConfig(addr)
	ec.Clock = p.cfg.Clock
	ec.Pacer = p.cfg.Pacer
	if p.cfg.MediaPorts != 0 {
		ec.PortBase = p.cfg.MediaPorts
	}
	codecs, skipped := settings.OfferCodecs(p.cfg.Codecs)
	for _, err := range skipped {
		p.log.Info("codec not offered", "err", err)
	}
	ec.Logger = p.log // the engine names itself: component=media
	pm := &phoneMedia{settings: settings, codecs: codecs, registry: p.cfg.Codecs}
	if p.cfg.Pacer != nil {
		if err := ec.Check(); err != nil {
			return fmt.Errorf("device: media engine: %w", err)
		}
		pm.make = func() (*media.Engine, error) { return media.NewEngine(ec) }
	} else {
		engine, err := media.NewEngine(ec)
		if err != nil {
			return fmt.Errorf("device: media engine: %w", err)
		}
		pm.engine = engine
	}
	setMedia := func(s *state) { s.media = pm }
	if pm.make != nil && !p.pages(pm) {
		// Posted, not waited for: the engine is made only when a call
		// first asks s.media for it, so a cycle that ends before the
		// owner runs this (which drops it) leaves nothing to close. The
		// line's hand-off, next, then often runs in the same step. (The
		// paging groups' listeners make it at once, below.)
		if err := b.post(func(s *state) {
			setMedia(s)
			b.atEndLocked(pm.close)
		}); err != nil {
			pm.close()
			return err
		}
		return nil
	}
	if pm.make != nil {
		// One hand-off for both (a storm's phones boot side by side).
		if err := b.doThenAtEnd(setMedia, pm.close); err != nil {
			return err
		}
		return p.startPaging(b, pm)
	}
	if err := b.do(setMedia); err != nil {
		pm.close()
		return err
	}
	if err := b.Go("media", func(ctx context.Context) {
		if err := pm.engine.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			p.log.Warn("media engine stopped", "err", err)
		}
		pm.close()
	}); err != nil {
		pm.close()
		return err
	}
	return p.startPaging(b, pm)
}
