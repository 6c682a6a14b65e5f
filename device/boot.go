package device

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/provisioning/dot1x"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/pcport"
	"github.com/hdphone/hdphone/provisioning/vlan"
)

// StageFunc performs one boot stage. It runs on a worker goroutine of the
// current power cycle and reaches the phone only through b. Returning nil moves
// the boot on; an error wrapping ErrReboot restarts the phone; any other error
// is reported (EventStageFailed) and the boot moves on, so a stage that must
// not be skipped retries by itself until ctx ends.
type StageFunc func(ctx context.Context, b *Boot) error

// Boot is a stage's handle on its phone for one power cycle. Its methods are
// safe to call from any goroutine of the cycle; after the cycle ends they
// return ErrPoweredOff and change nothing.
type Boot struct {
	p *Phone
	c *cycle
	// voice is the voice VLAN policy the switch gave (CDP or LLDP), nil
	// for none; vlanAgent keeps advertising the phone to the switch. Both
	// are set by the VLAN stage, before the network stage reads them.
	voice     *vlan.Policy
	vlanAgent *vlan.Agent
	// dot1x is the port's 802.1X state for Network.Dot1X.
	dot1x string
	// finished is set once the owner has made the phone idle at the
	// first registration outcome (signedIn), before the boot would.
	finished atomic.Bool
}

// Context is cancelled when the power cycle ends.
func (b *Boot) Context() context.Context { return b.c.ctx }

// Phone returns the phone being booted (for its MAC, model, flash, clock and
// logger).
func (b *Boot) Phone() *Phone { return b.p }

func (b *Boot) do(f func(*state)) error {
	return b.cycleErr(b.p.doIn(b.c.ctx, b.c.ctx, f))
}

// post is do without waiting for f to run, for changes a stage makes and
// never reads back (its stage, screen texts, log lines): the stage goes on
// while the owner catches up, in order with every other command.
func (b *Boot) post(f func(*state)) error {
	return b.cycleErr(b.p.post(b.c.ctx, f))
}

// cycleErr is ErrPoweredOff for a failure that the cycle's end caused.
func (b *Boot) cycleErr(err error) error {
	if err != nil && b.c.ctx.Err() != nil {
		return ErrPoweredOff
	}
	return err
}

// Snapshot returns the phone's current state.
func (b *Boot) Snapshot() State { return b.p.Snapshot() }

// Config returns the current configuration. Treat it as read-only; Clone it
// to make changes.
func (b *Boot) Config() *config.Config { return b.p.Snapshot().Config }

// Status sets the boot screen text ("Acquiring IP…"); "" clears it.
func (b *Boot) Status(text string) error {
	return b.post(func(s *state) { b.setStatus(s, text) })
}

// setStatus is Status on the owner goroutine.
func (b *Boot) setStatus(s *state, text string) {
	if s.Status == text {
		return
	}
	s.Status = text
	b.p.emit(Event{Kind: EventStatus, Stage: s.Stage, Text: text})
}

// Notify shows a notification until Clear is called with the same text.
func (b *Boot) Notify(text string) error {
	return b.do(func(s *state) { b.p.addNote(s, text) })
}

// Clear removes a notification.
func (b *Boot) Clear(text string) error {
	return b.do(func(s *state) { b.p.clearNote(s, text) })
}

func (p *Phone) addNote(s *state, text string) {
	if s.HasNotification(text) {
		return
	}
	s.Notifications = append(s.Notifications, Notification{Text: text, Since: p.clk.Now()})
	p.log.Warn("notification", "text", text)
	p.emit(Event{Kind: EventNotification, Stage: s.Stage, Text: text})
}

func (p *Phone) clearNote(s *state, text string) {
	i := slices.IndexFunc(s.Notifications, func(n Notification) bool { return n.Text == text })
	if i < 0 {
		return
	}
	s.Notifications = slices.Delete(slices.Clone(s.Notifications), i, i+1)
	p.emit(Event{Kind: EventNotificationEnd, Stage: s.Stage, Text: text})
}

// Log records a noteworthy step as an event and in the log.
func (b *Boot) Log(text string) error {
	return b.post(func(s *state) {
		b.p.log.Info(text, "stage", string(s.Stage))
		b.p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: text})
	})
}

// SetNetwork records the phone's IP configuration.
func (b *Boot) SetNetwork(n Network) error {
	n = n.Clone()
	return b.do(func(s *state) { s.Network = n })
}

// SetFirmware records a newly burnt firmware version; it runs after the next
// reboot.
func (b *Boot) SetFirmware(version string) error {
	if err := b.p.cfg.Flash.Firmware().SetVersion(version); err != nil {
		return fmt.Errorf("device: record firmware: %w", err)
	}
	return nil
}

// ApplyConfig makes next the phone's configuration, keeps it in flash and
// reports whether a changed parameter needs a reboot. source names where it
// came from (a URL or "web").
func (b *Boot) ApplyConfig(source string, next *config.Config) (reboot bool, err error) {
	err2 := b.do(func(s *state) { reboot, err = b.p.storeConfigLocked(s, source, next) })
	if err2 != nil {
		return false, err2
	}
	return reboot, err
}

// RejectConfig reports a configuration that was not applied.
func (b *Boot) RejectConfig(source string, cause error) error {
	return b.do(func(s *state) {
		b.p.log.Warn("configuration rejected", "source", source, "err", cause)
		b.p.emit(Event{Kind: EventConfigRejected, Stage: s.Stage, Text: source, Err: cause.Error()})
	})
}

// Go runs f on a goroutine owned by the power cycle: f must return when ctx
// is done. Services that outlive the boot (periodic provisioning, registration
// refresh, lease renewal) run this way.
func (b *Boot) Go(name string, f func(ctx context.Context)) error {
	return b.do(func(*state) { b.p.goCycle(b.c, f) })
}

// Later runs f on a goroutine owned by the power cycle after d on the phone's
// clock, unless the cycle ends first; f must return when ctx is done. Unlike
// a Go that sleeps first, nothing waits meanwhile: periodic services (time
// resynchronisation) of thousands of idle phones hold no goroutines.
func (b *Boot) Later(d time.Duration, f func(ctx context.Context)) error {
	// Posted, not waited for: nothing comes back, and the owner runs it
	// before any command the stage sends next.
	return b.post(func(s *state) {
		b.p.after(s, d, func(s *state) { b.p.async(s, f) })
	})
}

// AtEnd runs f once the power cycle ends, as part of the work the cycle's end
// waits for. Unlike a Go that only waits for ctx, it holds no goroutine
// meanwhile (thousands of idle phones in a fleet). If the cycle is already
// over, f runs before AtEnd returns ErrPoweredOff.
func (b *Boot) AtEnd(f func()) error {
	return b.doThenAtEnd(nil, f)
}

// doThenAtEnd runs change (if not nil) on the owner goroutine and has f run
// once the power cycle ends, in one hand-off; as AtEnd, f runs before it
// returns ErrPoweredOff when the cycle is already over.
func (b *Boot) doThenAtEnd(change func(*state), f func()) error {
	registered := false
	err := b.do(func(s *state) {
		if change != nil {
			change(s)
		}
		b.atEndLocked(f)
		registered = true
	})
	if !registered {
		f()
		if err == nil {
			err = ErrPoweredOff
		}
	}
	return err
}

// atEndLocked has f run once the power cycle ends, as part of the work
// the cycle's end waits for. On the owner goroutine, in a command of the
// cycle (which runs only while the cycle lasts).
func (b *Boot) atEndLocked(f func()) {
	c := b.c
	c.wg.Add(1)
	context.AfterFunc(c.ctx, func() {
		defer c.wg.Done()
		f()
	})
}

// Reboot restarts the phone (from a service; stages return ErrReboot).
func (b *Boot) Reboot(reason string) error {
	return b.do(func(s *state) { b.p.rebootLocked(s, reason) })
}

// Sleep waits d on the phone's clock, or until the cycle ends.
func (b *Boot) Sleep(d time.Duration) error {
	t := b.p.clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-b.c.ctx.Done():
		return ErrPoweredOff
	}
}

// RebootError wraps ErrReboot with the reason.
func RebootError(reason string) error { return fmt.Errorf("%w: %s", ErrReboot, reason) }

func (b *Boot) enter(st Stage) error {
	return b.post(func(s *state) { b.p.setStage(s, st) })
}

// boot runs the stages of one power cycle.
func (p *Phone) boot(b *Boot) {
	ctx := b.c.ctx
	seq := BootStages
	if _, recovery, _ := p.cfg.Flash.Firmware().Recovery(); recovery {
		seq = []Stage{StageRecovery}
	}
	for _, st := range seq {
		if b.enter(st) != nil {
			return
		}
		f := p.stage(st)
		if f == nil {
			continue
		}
		err := f(ctx, b)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrReboot):
			b.Reboot(err.Error())
			return
		case err != nil:
			b.do(func(s *state) {
				p.log.Error("stage failed", "stage", string(st), "err", err)
				s.Failure = string(st) + ": " + err.Error()
				p.emit(Event{Kind: EventStageFailed, Stage: st, Err: err.Error()})
			})
		}
	}
	if seq[0] == StageRecovery {
		return
	}
	if b.finished.Load() {
		return // at the registration's outcome, in its step
	}
	b.post(b.finishLocked)
}

// finishLocked ends the boot: the boot text goes with the idle screen, in
// one change.
func (b *Boot) finishLocked(s *state) {
	b.setStatus(s, "")
	b.p.setStage(s, StageIdle)
}

// stage returns the implementation of st: Config.Stages' when it gives one,
// else the built-in. Looked up per boot rather than kept in a map per phone
// (a fleet's thousands of phones share the built-ins).
func (p *Phone) stage(st Stage) StageFunc {
	if f, ok := p.cfg.Stages[st]; ok {
		return f
	}
	switch st {
	case StageLink:
		return p.stageLink
	case StageVLAN:
		return p.stageVLAN
	case StageNetwork:
		return p.stageNetwork
	case StageTime:
		return p.stageTime
	case StageFirmware:
		return p.stageFirmware
	case StageConfiguration:
		return p.stageConfiguration
	case StageSignIn:
		return p.stageSignIn
	case StageRecovery:
		return p.stageRecovery
	}
	return nil
}

// stageVLAN applies a manual VLAN, or asks the switch for the voice VLAN
// with CDP and LLDP-MED (BOOT-15): on an Ethernet port (raw mode) the phone
// advertises itself, waits NetConfig.VLANWait for the switch's answer (an
// LLDP policy beats a CDP one) and goes on advertising every
// network/lan/vlan/period seconds. Without a port (fleets in UDP mode, the
// demo) only the screen texts show.
func (p *Phone) stageVLAN(ctx context.Context, b *Boot) error {
	cfg := b.Config()
	p.startPCPort(b, cfg)
	p.authenticatePort(ctx, b, cfg)
	mode := cfg.Get("network/lan/vlan/mode")
	switch mode {
	case "Manual":
		return b.Log(fmt.Sprintf("VLAN %d priority %d", cfg.Int("network/lan/vlan/id"), cfg.Int("network/lan/vlan/priority")))
	case "CDP", "LLDP", "CDP_LLDP":
	default:
		return nil
	}
	// Both texts in one change: the screen shows the last, and the
	// events tell both (on a port the discovery that follows takes its
	// time; without one the boot goes on at once).
	b.post(func(s *state) {
		if mode != "LLDP" {
			b.setStatus(s, "Discovering CDP…")
		}
		if mode != "CDP" {
			b.setStatus(s, "Discovering LLDP…")
		}
	})
	nc := p.cfg.Network
	if nc.mode() != netRaw {
		return nil
	}
	a, err := openInPort(nc, func() (*vlan.Agent, error) {
		return vlan.Open(vlan.Config{Interface: nc.Interface, LLDP: mode != "CDP", CDP: mode != "LLDP",
			Identity: p.vlanIdentity(), Logger: p.log})
	})
	if err != nil {
		return b.Log("VLAN discovery: " + err.Error()) // the phone boots untagged
	}
	voice, ok, err := a.Discover(ctx, orDuration(nc.VLANWait, defaultVLANWait))
	if err != nil {
		a.Close()
		if ctx.Err() != nil {
			return nil
		}
		return b.Log("VLAN discovery: " + err.Error())
	}
	if ok {
		b.voice = &voice
		b.Log(fmt.Sprintf("voice VLAN %d priority %d from %s", voice.VLAN, voice.Priority, voice.Source))
	} else {
		b.Log("no voice VLAN from " + strings.ReplaceAll(mode, "_", " or "))
	}
	period := time.Duration(max(cfg.Int("network/lan/vlan/period"), 1)) * time.Second
	if err := b.Go("vlan", func(ctx context.Context) {
		a.Run(ctx, period, func(v vlan.Policy) {
			b.Log(fmt.Sprintf("the switch now gives voice VLAN %d (%s); it applies from the next start", v.VLAN, v.Source))
		})
	}); err != nil {
		a.Close()
		return nil
	}
	b.vlanAgent = a
	return nil
}

// startPCPort bridges the PC port (NetConfig.PCInterface) to the LAN port
// for the power cycle, on models that have one, unless
// network/pc/port_mode is DISABLE (BOOT-18); with
// network/pc_port_mirroring/enabled it passes every LAN frame (BOOT-19).
// A computer behind the phone authenticates itself with 802.1X through it,
// and is logged off when its link drops (BOOT-21).
func (p *Phone) startPCPort(b *Boot, cfg *config.Config) {
	nc := p.cfg.Network
	if nc.mode() != netRaw || nc.PCInterface == "" || !p.cfg.Model.Caps.PCPort {
		return
	}
	if strings.EqualFold(cfg.Get("network/pc/port_mode"), "DISABLE") {
		b.Log("PC port disabled")
		return
	}
	port, err := openInPort(nc, func() (*pcport.Port, error) {
		return pcport.Open(pcport.Config{LAN: nc.Interface, PC: nc.PCInterface, Mirror: cfg.Bool("network/pc_port_mirroring/enabled"),
			LinkPoll: nc.LinkPoll, Logger: p.log,
			OnLogoff: func(m net.HardwareAddr) { b.Log("802.1X proxy logoff for " + m.String()) }})
	})
	if err != nil {
		b.Log("PC port: " + err.Error())
		return
	}
	if err := b.Go("pc-port", port.Run); err != nil {
		port.Close()
	}
}

// The port's 802.1X states (Network.Dot1X).
const (
	Dot1XAuthenticated   = "Authenticated"
	Dot1XRejected        = "Rejected"
	Dot1XNoAuthenticator = "No authenticator"
	Dot1XFailed          = "Failed" // the exchange broke off (see the log)
)

// authenticatePort runs 802.1X on an Ethernet port when
// network/lan/_802_1x/eap_type asks for it (manual §3.5.5-3.5.6): EAP-MD5
// with md5_identity and md5_password, or EAP-TLS with the phone's
// certificate (dot1xTLS), before VLAN discovery and DHCP, then
// answers re-authentications for the rest of the power cycle. The phone
// boots on whatever the verdict: a switch that refuses it keeps the port
// closed, which the phone cannot tell apart from a slow DHCP server.
func (p *Phone) authenticatePort(ctx context.Context, b *Boot, cfg *config.Config) {
	nc := p.cfg.Network
	eap := strings.ToUpper(cfg.Get("network/lan/_802_1x/eap_type"))
	if nc.mode() != netRaw || eap == "" || eap == "DISABLE" {
		return
	}
	dc := dot1x.Config{Interface: nc.Interface, Identity: cfg.Get("network/lan/_802_1x/md5_identity"),
		Timeout: nc.Dot1XTimeout, Logger: p.log}
	method := "EAP-MD5"
	if eap == "EAP_TLS" {
		method = "EAP-TLS"
		dc.TLS, dc.Identity = p.dot1xTLS(b, cfg)
	} else {
		dc.Password, _ = cfg.Secret("network/lan/_802_1x/md5_password")
	}
	s, err := openInPort(nc, func() (*dot1x.Supplicant, error) { return dot1x.Open(dc) })
	if err != nil {
		b.Log("802.1X: " + err.Error())
		return
	}
	err = s.Authenticate(ctx)
	switch {
	case ctx.Err() != nil:
		s.Close()
		return
	case err == nil:
		b.dot1x = Dot1XAuthenticated
	case errors.Is(err, dot1x.ErrRejected):
		b.dot1x = Dot1XRejected
		b.Log("802.1X: " + err.Error())
	case errors.Is(err, dot1x.ErrNoAuthenticator):
		b.dot1x = Dot1XNoAuthenticator
	default:
		b.dot1x = Dot1XFailed
		b.Log("802.1X: " + err.Error())
	}
	b.Log("802.1X " + method + ": " + strings.ToLower(b.dot1x))
	if err := b.Go("802.1x", func(ctx context.Context) {
		s.Run(ctx, func(err error) {
			state := Dot1XAuthenticated
			if err != nil {
				state = Dot1XRejected
			}
			b.Log("802.1X re-authentication: " + strings.ToLower(state))
		})
	}); err != nil {
		s.Close()
	}
}

// dot1xTLS is EAP-TLS's configuration and identity: the 802.1X certificate
// in flash (security/ieee802_1x_certificate_uri and private_key_uri), else
// the factory certificate (manual §3.5.3: the phone presents its factory
// certificate where no other is configured), named by its common name (the
// MAC for the factory one) unless md5_identity names it. With
// security/ieee802_1x/verify_server_certificate the server's chain must
// lead to a CA in flash or the built-in store; there is no name to match.
func (p *Phone) dot1xTLS(b *Boot, cfg *config.Config) (*tls.Config, string) {
	identity := cfg.Get("network/lan/_802_1x/md5_identity")
	conf := &tls.Config{InsecureSkipVerify: true} // the chain is checked below when asked
	if pair, err := p.cfg.Flash.Certificates().KeyPair(flash.Slot8021X); err == nil {
		conf.Certificates = []tls.Certificate{pair}
		if leaf, err := x509.ParseCertificate(pair.Certificate[0]); err == nil && identity == "" {
			identity = leaf.Subject.CommonName
		}
	} else {
		factory := p.factoryCertificate(b)
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return factory() }
	}
	if identity == "" {
		identity = factorycert.CommonName(p.cfg.MAC)
	}
	if cfg.Bool("security/ieee802_1x/verify_server_certificate") {
		roots, _ := p.sipTLS()
		if roots == nil {
			roots = fetch.TrustStore()
		}
		conf.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			var chain []*x509.Certificate
			for _, der := range raw {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return err
				}
				chain = append(chain, c)
			}
			if len(chain) == 0 {
				return errors.New("dot1x: the server sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range chain[1:] {
				inter.AddCert(c)
			}
			_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: p.clk.Now(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			return err
		}
	}
	return conf, identity
}

// defaultVLANWait is how long the phone waits for the switch's voice VLAN
// (our choice; the manual gives none).
const defaultVLANWait = 3 * time.Second

// vlanIdentity is what the phone tells the switch.
func (p *Phone) vlanIdentity() vlan.Identity {
	model := string(p.cfg.Model.Name)
	return vlan.Identity{MAC: p.cfg.MAC, SystemName: p.mac, Description: "AudioCodes " + model + " IP Phone " + p.cfg.Firmware,
		Model: model, Firmware: p.cfg.Firmware, Serial: p.mac}
}

// stageStaticNetwork sets the fixed_ip addresses under network/lan_type=STATIC.
// DHCP needs a client, which provisioning wires in.
func stageStaticNetwork(ctx context.Context, b *Boot) error {
	b.Status("Acquiring IP…")
	cfg := b.Config()
	if cfg.Get("network/lan_type") != "STATIC" {
		return b.Log("no DHCP client wired in; network left unconfigured")
	}
	n, err := StaticNetwork(cfg)
	if err != nil {
		return err
	}
	return b.SetNetwork(n)
}

// StaticNetwork builds the network from network/lan/fixed_ip/*.
func StaticNetwork(cfg *config.Config) (Network, error) {
	var n Network
	ip, err := netip.ParseAddr(cfg.Get("network/lan/fixed_ip/ip_address"))
	if err != nil {
		return n, fmt.Errorf("device: static IP: %w", err)
	}
	bits := 24
	if m, err := netip.ParseAddr(cfg.Get("network/lan/fixed_ip/netmask")); err == nil {
		bits = maskBits(m)
	}
	n.Address = netip.PrefixFrom(ip, bits)
	n.Gateway, _ = netip.ParseAddr(cfg.Get("network/lan/fixed_ip/gateway"))
	for _, k := range []string{"network/lan/fixed_ip/primary_dns", "network/lan/fixed_ip/secondary_dns"} {
		if a, err := netip.ParseAddr(cfg.Get(k)); err == nil {
			n.DNS = append(n.DNS, a)
		}
	}
	n.DomainName = cfg.Get("network/lan/fixed_ip/domain_name")
	return n, nil
}

func maskBits(m netip.Addr) int {
	bits := 0
	for _, b := range m.AsSlice() {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) == 0 {
				return bits
			}
			bits++
		}
	}
	return bits
}
