package device

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/provisioning"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// stageFirmware is the first half of provisioning (PROV-1): find the source
// (DHCP option 160 or 66/67, static URLs, the Static DNS record, the redirect
// server), read only the image header, and when its version differs from the
// running one (newer or older) download it, verifying it while it burns into
// the flash slot, and restart into it. A failure shows "Firmware upgrade
// failed", keeps the running firmware, and the provisioning service retries
// with back-off. An image the server does not have is no failure: there is
// simply nothing to install.
func (p *Phone) stageFirmware(ctx context.Context, b *Boot) error {
	rt := p.runtime(b)
	cfg := b.Config()
	pr, fc, err := p.provisioner(b, cfg)
	if err != nil {
		rt.setSource(provisioning.Source{}, err)
		return err
	}
	// The configuration stage goes on with this downloader (and its
	// connection); a restart for new firmware closes it.
	rt.handFetch(&bootFetch{cfg: cfg, pr: pr, fc: fc})
	src, err := p.locate(ctx, b, pr, cfg)
	rt.setSource(src, err)
	if err != nil {
		p.sourceProblem(b, rt, err)
		return nil
	}
	b.Clear(NoteProvisioning)
	v, err := p.provisionFirmware(ctx, b, pr, src, cfg)
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		p.provisioningFailed(b, rt, NoteFirmware, err)
	case v != "":
		if f := rt.takeFetch(cfg); f != nil {
			f.fc.CloseIdleConnections()
		}
		return RebootError("firmware upgrade to " + v)
	}
	return nil
}

// stageConfiguration is the second half (PROV-1): reached only when there is
// no firmware to install, it fetches the per-MAC then the per-model
// configuration, decrypts a .cfx, checks it is for this model and applies it
// on top of the running one (delta provisioning, PROV-13), restarting when a
// changed parameter needs it. A bad file is rejected, the last good
// configuration kept, "Configuration update failed" shown and the check
// retried with back-off. Then come the side files (certificates, speed
// dials, ring tones, music on hold) and the services that outlive the boot:
// periodic provisioning (PER-1, PER-2) with Check Now, and the Device Manager
// keep-alive (PROV-7).
func (p *Phone) stageConfiguration(ctx context.Context, b *Boot) error {
	rt := p.runtime(b)
	cfg := b.Config()
	var pr *provisioning.Provisioner
	var fc *fetch.Client
	if f := rt.takeFetch(cfg); f != nil {
		pr, fc = f.pr, f.fc
	} else {
		var err error
		if pr, fc, err = p.provisioner(b, cfg); err != nil {
			return err
		}
	}
	defer fc.CloseIdleConnections()
	src, serr, found := rt.foundSource()
	if !found {
		src, serr = p.locate(ctx, b, pr, cfg)
		rt.setSource(src, serr)
		if serr != nil {
			p.sourceProblem(b, rt, serr)
		}
	}
	if serr == nil {
		reboot, err := p.provisionConfig(ctx, b, rt, pr, src)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			p.provisioningFailed(b, rt, NoteConfiguration, err)
		case reboot:
			return RebootError("a changed parameter needs a restart")
		}
	}
	if p.sideFiles(ctx, b, rt, true) {
		return RebootError("new speed-dial list")
	}
	if ctx.Err() != nil {
		return nil
	}
	p.startProvisioning(b, rt)
	p.startKeepAlive(b, b.Config())
	return nil
}

// sourceProblem reports a provisioning source that could not be found.
// Having none (or provisioning disabled) is normal; a malformed URL is a
// failure to show and retry.
func (p *Phone) sourceProblem(b *Boot, rt *cycleRuntime, err error) {
	switch {
	case errors.Is(err, provisioning.ErrDisabled):
		b.Log("automatic provisioning disabled")
	case errors.Is(err, provisioning.ErrNoSource):
		b.Log("no provisioning source: " + err.Error())
	default:
		p.provisioningFailed(b, rt, NoteProvisioning, err)
	}
}

// provisioningFailed shows note, logs why and marks the cycle's provisioning
// for a retry.
func (p *Phone) provisioningFailed(b *Boot, rt *cycleRuntime, note string, err error) {
	p.log.Warn(note, "err", err, "component", "control_center")
	b.Notify(note)
	b.Log(note + ": " + err.Error())
	rt.setFailed(true)
}

// provisioner makes the fetch client and the provisioner of one check, with
// the phone's User-Agent, address and HTTPS policy (the CA slots and the
// provisioning client certificate from flash).
func (p *Phone) provisioner(b *Boot, cfg *config.Config) (*provisioning.Provisioner, *fetch.Client, error) {
	fw := b.Snapshot().Firmware
	fc, err := p.fetchClient(cfg, fw, p.factoryCertificate(b))
	if err != nil {
		return nil, nil, err
	}
	pc := provisioning.Config{
		Identity:   p.identity(),
		Running:    fw,
		Fetcher:    fc,
		LookupHost: p.cfg.Network.LookupHost,
		Logger:     p.ccLog,
	}
	if p.cfg.Network.mode() != netNone {
		pc.HTTP = fc
	}
	pr, err := provisioning.New(pc)
	if err != nil {
		return nil, nil, fmt.Errorf("device: provisioning: %w", err)
	}
	return pr, fc, nil
}

func (p *Phone) identity() provisioning.Identity {
	return provisioning.Identity{Model: string(p.cfg.Model.Name), MAC: p.mac}
}

// fetchClient is the phone's downloader, presenting identity's certificate
// where no autoupdate certificate is configured. Certificates in flash that
// no longer parse are left out (and logged) rather than stopping
// provisioning.
func (p *Phone) fetchClient(cfg *config.Config, fw string, identity func() (*tls.Certificate, error)) (*fetch.Client, error) {
	nc := p.cfg.Network
	base := fetch.Config{
		UserAgent:   UserAgent(p.cfg.Model.Name, fw),
		Timeout:     nc.FetchTimeout,
		IdleTimeout: nc.FetchTimeout,
		Clock:       p.cfg.Clock,
		Logger:      p.ccLog,
	}
	if a := p.localAddr(); a.IsValid() {
		base.LocalAddr = a.String()
	}
	base.TLS.Roots = nc.TrustRoots
	certs := p.cfg.Flash.Certificates()
	for n := range flash.CASlots {
		if pem, err := certs.CA(n); err == nil {
			base.TLS.CAs = append(base.TLS.CAs, pem)
		}
	}
	if c, err := certs.ClientCert(flash.SlotProvisioning); err == nil {
		if k, err := certs.ClientKey(flash.SlotProvisioning); err == nil {
			base.TLS.ClientCert, base.TLS.ClientKey = c, k
		}
	}
	// Without an autoupdate certificate the phone presents its factory
	// one to servers that ask (the redirect server, mutual TLS).
	base.TLS.Identity = identity
	fc, err := fetch.New(fetch.FromSettings(cfg, base))
	if err != nil {
		p.log.Warn("certificates in flash not usable; fetching without them", "err", err, "component", "control_center")
		base.TLS.CAs, base.TLS.ClientCert, base.TLS.ClientKey = nil, nil, nil
		fc, err = fetch.New(fetch.FromSettings(cfg, base))
	}
	if err != nil {
		return nil, fmt.Errorf("device: fetch client: %w", err)
	}
	return fc, nil
}

// locate finds the provisioning source. A phone with a lease goes through
// every fallback (Static DNS record, redirect server); one without a network
// of its own decides from the configuration alone.
func (p *Phone) locate(ctx context.Context, b *Boot, pr *provisioning.Provisioner, cfg *config.Config) (provisioning.Source, error) {
	n := b.Snapshot().Network
	opts := map[int]string{66: n.TFTPServer, 67: n.BootFile}
	opt := cfg.Int("provisioning/url_option_value")
	if opt <= 0 || opt > 254 {
		opt = 160
	}
	opts[opt] = n.ProvisioningURL
	d := provisioning.DHCP{Options: opts}
	if p.cfg.Network.mode() == netNone || !n.DHCPServer.IsValid() {
		return provisioning.Decide(cfg, p.identity(), d)
	}
	return pr.Locate(ctx, cfg, d)
}

// provisionFirmware checks src's image and installs it when it differs from
// the running firmware; it returns the version installed ("" for none).
func (p *Phone) provisionFirmware(ctx context.Context, b *Boot, pr *provisioning.Provisioner, src provisioning.Source, cfg *config.Config) (string, error) {
	if src.Firmware == "" {
		b.Clear(NoteFirmware)
		return "", nil
	}
	fc, err := pr.CheckFirmware(ctx, src)
	if errors.Is(err, fetch.ErrNotFound) {
		b.Clear(NoteFirmware)
		return "", b.Log("no firmware image at " + src.Firmware)
	}
	if err != nil {
		return "", err
	}
	if !fc.Upgrade {
		b.Clear(NoteFirmware)
		return "", nil
	}
	if v := cfg.Get("provisioning/firmware/auto_update"); v != "" && !cfg.Bool("provisioning/firmware/auto_update") {
		return "", b.Log(fmt.Sprintf("firmware %s at %s not installed: provisioning/firmware/auto_update=0", fc.Header.Version, fc.URL))
	}
	b.Log(fmt.Sprintf("firmware %s at %s (running %s)", fc.Header.Version, fc.URL, b.Snapshot().Firmware))
	if err := p.burnImage(ctx, b, pr, fc.URL, fc.Header); err != nil {
		return "", err
	}
	return fc.Header.Version, nil
}

// burnImage downloads the image at url into the flash slot, verifying it as
// it streams, and commits it. A broken download is aborted and the running
// firmware kept; a power cut leaves the burn marker, so the next boot is in
// recovery mode (FW-2).
func (p *Phone) burnImage(ctx context.Context, b *Boot, pr *provisioning.Provisioner, url string, h firmware.Header) error {
	burn, err := p.cfg.Flash.Firmware().BeginBurn(h.Version)
	if err != nil {
		return fmt.Errorf("device: firmware burn: %w", err)
	}
	b.Status(fmt.Sprintf(StatusUpgrading, 0))
	w := &progressWriter{w: burn, total: h.Length, report: func(pct int) {
		b.Status(fmt.Sprintf(StatusUpgrading, pct))
	}}
	got, err := pr.DownloadFirmware(ctx, url, w)
	if ctx.Err() != nil {
		return ErrPoweredOff // the marker stays: recovery mode
	}
	if err == nil && got.Version != h.Version {
		err = fmt.Errorf("device: image at %s changed from %s to %s during the download", url, h.Version, got.Version)
	}
	if err == nil {
		_, err = burn.Commit()
	}
	if err != nil {
		burn.Abort()
		b.Status("")
		return err
	}
	return b.Log(fmt.Sprintf("firmware %s burnt", h.Version))
}

// progressWriter passes the image to the flash burn and reports each new
// percentage.
type progressWriter struct {
	w      io.Writer
	total  uint64
	done   uint64
	pct    int
	report func(pct int)
}

func (w *progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.done += uint64(n)
	if w.total > 0 {
		if pct := int(min(w.done*100/w.total, 100)); pct != w.pct {
			w.pct = pct
			w.report(pct)
		}
	}
	return n, err
}

// provisionConfig fetches, checks and applies src's configuration; it
// reports whether the phone must restart.
func (p *Phone) provisionConfig(ctx context.Context, b *Boot, rt *cycleRuntime, pr *provisioning.Provisioner, src provisioning.Source) (bool, error) {
	if len(src.Configs) == 0 {
		b.Clear(NoteConfiguration)
		return false, nil
	}
	res, err := pr.FetchConfig(ctx, src, b.Config())
	if ctx.Err() != nil {
		return false, ErrPoweredOff
	}
	if err != nil {
		u := res.URL
		if u == "" {
			u = strings.Join(src.Configs, ", ")
		}
		b.RejectConfig(u, err)
		return false, err
	}
	for _, is := range res.Issues {
		p.log.Info("configuration file issue", "url", res.URL, "issue", is.Error(), "component", "control_center")
	}
	reboot, err := b.ApplyConfig(res.URL, res.Config)
	if err != nil {
		return false, err
	}
	rt.setConfigURL(res.URL)
	b.Clear(NoteConfiguration)
	return reboot, nil
}

// startProvisioning arms the periodic checks (provisioning/period/*, with
// the random delay) and the retries after a failed check, and opens the
// cycle to Check Now. Each check runs on a goroutine of the cycle, one at a
// time; between checks only timers wait.
func (p *Phone) startProvisioning(b *Boot, rt *cycleRuntime) {
	rt.checkMu.Lock()
	rt.mu.Lock()
	rt.checks = b
	rt.mu.Unlock()
	rt.backoff = p.cfg.Network.backoff()
	p.retryCheck(b, rt) // the boot's own check failed
	rt.checkMu.Unlock()
	period, err := provisioning.PeriodFrom(b.Config())
	if err != nil {
		p.log.Warn("provisioning period", "err", err, "component", "control_center")
		b.Log("provisioning period: " + err.Error())
	}
	s := &provisioning.Scheduler{
		Period: period,
		Check:  func(ctx context.Context) error { return p.runCheck(ctx, b, rt) },
		Clock:  p.cfg.Clock,
		Logger: p.ccLog,
	}
	if pc := p.phoneClock(); pc != nil {
		s.Location = pc.Now().Location()
	}
	p.scheduleCheck(b, s, s.Now())
}

// scheduleCheck sets a timer for the periodic check after the one at last;
// each check sets the next.
func (p *Phone) scheduleCheck(b *Boot, s *provisioning.Scheduler, last time.Time) {
	next, wait, ok := s.Due(last)
	if !ok {
		return // power-up checks only
	}
	b.Later(wait, func(ctx context.Context) {
		s.RunCheck(ctx)
		p.scheduleCheck(b, s, next)
	})
}

// runCheck runs one check (Check Now, the schedule and a retry may meet: one
// at a time).
func (p *Phone) runCheck(ctx context.Context, b *Boot, rt *cycleRuntime) error {
	rt.checkMu.Lock()
	defer rt.checkMu.Unlock()
	return p.checkLocked(ctx, b, rt)
}

// checkLocked runs a check with checkMu held and, after a failure, arms its
// retry with back-off.
func (p *Phone) checkLocked(ctx context.Context, b *Boot, rt *cycleRuntime) error {
	rt.retryGen++ // a pending retry is this check
	err := p.check(ctx, b, rt)
	if err == nil {
		rt.backoff.reset()
	}
	if ctx.Err() == nil {
		p.retryCheck(b, rt)
	}
	return err
}

// retryCheck arms a retry while the last check failed. checkMu is held.
func (p *Phone) retryCheck(b *Boot, rt *cycleRuntime) {
	if !rt.isFailed() {
		return
	}
	gen := rt.retryGen
	b.Later(rt.backoff.wait(), func(ctx context.Context) {
		rt.checkMu.Lock()
		defer rt.checkMu.Unlock()
		if rt.retryGen != gen {
			return // a check ran meanwhile and armed its own retry
		}
		b.Log("provisioning: trying again")
		p.checkLocked(ctx, b, rt)
	})
}

// check is one provisioning check after the boot: firmware, then the
// configuration, then the speed-dial file (PER-1, PER-3). It restarts the
// phone when the outcome needs it.
func (p *Phone) check(ctx context.Context, b *Boot, rt *cycleRuntime) error {
	cfg := b.Config()
	pr, fc, err := p.provisioner(b, cfg)
	if err != nil {
		return err
	}
	defer fc.CloseIdleConnections()
	src, err := p.locate(ctx, b, pr, cfg)
	if err != nil {
		p.sourceProblem(b, rt, err)
		return err
	}
	b.Clear(NoteProvisioning)
	v, err := p.provisionFirmware(ctx, b, pr, src, cfg)
	if err != nil {
		if ctx.Err() == nil {
			p.provisioningFailed(b, rt, NoteFirmware, err)
		}
		return err
	}
	if v != "" {
		b.Reboot("firmware upgrade to " + v)
		return nil
	}
	reboot, err := p.provisionConfig(ctx, b, rt, pr, src)
	if err != nil {
		if ctx.Err() == nil {
			p.provisioningFailed(b, rt, NoteConfiguration, err)
		}
		return err
	}
	if reboot {
		b.Reboot("a changed parameter needs a restart")
		return nil
	}
	if p.sideFiles(ctx, b, rt, false) {
		b.Reboot("new speed-dial list")
		return nil
	}
	rt.setFailed(false)
	return nil
}
