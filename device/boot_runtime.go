package device

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/provisioning"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/timesync"
)

// Notifications of the boot services. The first three are the manual's
// (Table 2-9); the manual does not say what a 400HD shows when provisioning
// fails, so the last three are hdphone's words.
const (
	NoteLinkFailure   = dhcp.NotifyLinkDown    // "LAN Link failure"
	NoteDuplicateIP   = dhcp.NotifyDuplicateIP // "Duplicate IP"
	NoteTimeServer    = timesync.NotifyFailed  // "Failed to connect to time server"
	NoteProvisioning  = "Provisioning failed"  // no usable provisioning source (a bad URL)
	NoteFirmware      = "Firmware upgrade failed"
	NoteConfiguration = "Configuration update failed"
)

// StatusUpgrading is the boot screen text while an image burns; %d is the
// percentage written.
const StatusUpgrading = "Upgrading firmware… %d%%"

// cycleRuntime is what the boot stages and services of one power cycle
// share with each other and with the phone's intents (Check Now, the clock).
type cycleRuntime struct {
	c *cycle

	mu sync.Mutex // guards the fields below
	// located is set by the firmware stage for the configuration stage.
	located   bool
	source    provisioning.Source
	sourceErr error
	// failed is set while the last provisioning check failed: the
	// provisioning service retries with back-off until one works.
	failed bool
	// configURL is where the running configuration came from (the base of
	// relative side-file names).
	configURL string
	// fetch is the firmware stage's downloader, handed to the
	// configuration stage of the same boot: one HTTP connection (where the
	// server keeps it alive) for the image header and the configuration.
	fetch *bootFetch
	clock *timesync.PhoneClock
	// factory hands out the factory certificate to every TLS client of
	// the cycle, so that they present one identity even when it has to
	// be made; a new cycle reads the flash again.
	factory *factorycert.Keeper
	// checks is the boot whose provisioning service runs (Check Now is
	// refused before).
	checks *Boot

	checkMu sync.Mutex // one provisioning check at a time; guards the fields below
	backoff *backoff   // the retries after failed checks
	// retryGen counts checks: a retry armed before a later check is stale.
	retryGen int
}

// bootRuntime is the Phone's handle on the current cycle's runtime.
type bootRuntime struct {
	mu  sync.Mutex
	cur *cycleRuntime
	// clock outlives its cycle, so LocalTime keeps the last correction.
	clock *timesync.PhoneClock
}

// runtime returns the runtime of b's cycle, making it on first use.
func (p *Phone) runtime(b *Boot) *cycleRuntime {
	p.rt.mu.Lock()
	defer p.rt.mu.Unlock()
	if p.rt.cur == nil || p.rt.cur.c != b.c {
		p.rt.cur = &cycleRuntime{c: b.c}
	}
	return p.rt.cur
}

// factoryCertificate returns what gives b's cycle's factory certificate
// to a server that asks; the keeper is made on the first ask, so a phone
// that never meets mutual TLS holds none.
func (p *Phone) factoryCertificate(b *Boot) func() (*tls.Certificate, error) {
	r := p.runtime(b)
	return func() (*tls.Certificate, error) {
		r.mu.Lock()
		if r.factory == nil {
			r.factory = factorycert.NewKeeper(p.cfg.Flash.Certificates(), p.cfg.MAC)
		}
		k := r.factory
		r.mu.Unlock()
		return k.Certificate()
	}
}

func (r *cycleRuntime) setSource(src provisioning.Source, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.located, r.source, r.sourceErr = true, src, err
}

func (r *cycleRuntime) foundSource() (provisioning.Source, error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.source, r.sourceErr, r.located
}

// bootFetch is a provisioner and its fetch client, made for cfg.
type bootFetch struct {
	cfg *config.Config
	pr  *provisioning.Provisioner
	fc  *fetch.Client
}

// handFetch keeps the firmware stage's downloader for the configuration
// stage.
func (r *cycleRuntime) handFetch(f *bootFetch) {
	r.mu.Lock()
	r.fetch = f
	r.mu.Unlock()
}

// takeFetch returns the downloader the firmware stage left for cfg, once;
// nil when there is none or it was made for another configuration.
func (r *cycleRuntime) takeFetch(cfg *config.Config) *bootFetch {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.fetch
	r.fetch = nil
	if f == nil || f.cfg != cfg {
		if f != nil {
			f.fc.CloseIdleConnections()
		}
		return nil
	}
	return f
}

func (r *cycleRuntime) setFailed(f bool) {
	r.mu.Lock()
	r.failed = f
	r.mu.Unlock()
}

func (r *cycleRuntime) isFailed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *cycleRuntime) setConfigURL(u string) {
	r.mu.Lock()
	r.configURL = u
	r.mu.Unlock()
}

func (r *cycleRuntime) baseURL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.configURL
}

func (p *Phone) setPhoneClock(r *cycleRuntime, pc *timesync.PhoneClock) {
	r.mu.Lock()
	r.clock = pc
	r.mu.Unlock()
	p.rt.mu.Lock()
	p.rt.clock = pc
	p.rt.mu.Unlock()
}

func (p *Phone) phoneClock() *timesync.PhoneClock {
	p.rt.mu.Lock()
	defer p.rt.mu.Unlock()
	return p.rt.clock
}

// LocalTime returns the time the phone shows: its clock corrected by the last
// NTP answer, in the zone of DHCP option 2 or system/ntp/gmt_offset, with
// daylight saving applied. Before the first Time stage it is the phone's clock
// in the configured zone.
func (p *Phone) LocalTime() time.Time {
	if pc := p.phoneClock(); pc != nil {
		return pc.Now()
	}
	s, _ := timesync.Resolve(p.Snapshot().Config, timesync.DHCP{})
	return timesync.LocalTime(p.clk.Now(), s)
}

// ClockText returns the time and date as the idle screen writes them, in
// system/ntp/time_display_format and date_display_format ("14:05",
// "22/02/2024").
func (p *Phone) ClockText() (clock, date string) {
	if pc := p.phoneClock(); pc != nil {
		return pc.TimeString(), pc.DateString()
	}
	s, _ := timesync.Resolve(p.Snapshot().Config, timesync.DHCP{})
	t := timesync.LocalTime(p.clk.Now(), s)
	return timesync.FormatTime(t, s.TimeFormat), timesync.FormatDate(t, s.DateFormat)
}

// TimeSynced reports whether the phone's clock has been set from a time
// server in this power cycle, and when (on the phone's clock).
func (p *Phone) TimeSynced() (time.Time, bool) {
	p.rt.mu.Lock()
	cur := p.rt.cur
	p.rt.mu.Unlock()
	if cur == nil {
		return time.Time{}, false
	}
	cur.mu.Lock()
	pc := cur.clock
	cur.mu.Unlock()
	if pc == nil {
		return time.Time{}, false
	}
	return pc.Synced()
}

// checksRunning returns the current cycle's runtime and the boot whose
// provisioning service runs (nil before the boot has started it).
func (p *Phone) checksRunning() (*cycleRuntime, *Boot) {
	p.rt.mu.Lock()
	cur := p.rt.cur
	p.rt.mu.Unlock()
	if cur == nil {
		return nil, nil
	}
	cur.mu.Lock()
	defer cur.mu.Unlock()
	return cur, cur.checks
}

// onCheckSync answers a check-sync NOTIFY, which the SIP agent passes on
// only with provisioning/check_sync/enabled: a provisioning check at once,
// as Check Now does, or a restart (which provisions at boot) with
// voip/services/notify/check_sync/force_reboot_enabled. Before the phone
// has finished booting there is nothing to do: the boot is provisioning.
func (p *Phone) onCheckSync(s *state) {
	if s.Config.Bool("voip/services/notify/check_sync/force_reboot_enabled") {
		p.rebootLocked(s, "check-sync")
		return
	}
	cur, b := p.checksRunning()
	if b == nil || cur.c != s.cycle || s.cycle.ending {
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "check-sync while booting: nothing more to do"})
		return
	}
	p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "check-sync: checking for new firmware and configuration"})
	p.async(s, func(ctx context.Context) {
		if err := p.runCheck(ctx, b, cur); err != nil && ctx.Err() == nil {
			p.log.Warn("check-sync: provisioning check failed", "err", err, "component", "control_center")
		}
	})
}

// CheckNow runs a provisioning check at once, firmware then configuration, as
// the Web's Automatic Update > Check Now and the console do (FW-7). It
// returns when the check is done: nil when it worked (the phone may then
// restart into new firmware or configuration), the cause otherwise. The phone
// must have finished booting.
func (p *Phone) CheckNow(ctx context.Context) error {
	cur, b := p.checksRunning()
	if b == nil || cur.c.ctx.Err() != nil {
		return fmt.Errorf("%w: provisioning is not running", ErrBadIntent)
	}
	done := make(chan error, 1)
	started := false
	err := p.do(ctx, func(s *state) {
		if s.cycle == cur.c && !cur.c.ending {
			started = true
			p.async(s, func(ctx context.Context) { done <- p.runCheck(ctx, b, cur) })
		}
	})
	switch {
	case err != nil:
		return err
	case !started:
		return fmt.Errorf("device: check now: %w", ErrPoweredOff)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-cur.c.ctx.Done():
		// A check that ends in a restart ends the cycle: that is success.
		return nil
	}
}
