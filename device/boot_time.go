package device

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/hdphone/hdphone/provisioning/timesync"
)

// stageTime sets the phone's clock from its time servers: DHCP option 42
// (else 4) or system/ntp/*, primary then secondary (BOOT-11, BOOT-12, TIME-1),
// in the zone of option 2 or system/ntp/gmt_offset with daylight saving
// (TIME-3, TIME-4). When every server fails the phone shows "Failed to connect
// to time server" until a later synchronisation works. The "ntp" service
// resynchronises every system/ntp/sync_time period, re-reading the settings
// each time. A phone with no time server at all keeps its own clock and shows
// nothing.
func (p *Phone) stageTime(ctx context.Context, b *Boot) error {
	rt := p.runtime(b)
	s := p.timeSettings(b)
	pc := timesync.NewPhoneClock(p.clk, s)
	if prev := p.phoneClock(); prev != nil {
		// The base clock runs on while the phone is off: keep the last
		// correction until a server answers.
		if _, ok := prev.Synced(); ok {
			pc.SetCorrection(prev.UTC().Sub(p.clk.Now()))
		}
	}
	p.setPhoneClock(rt, pc)
	c := p.ntpClient()
	ok := true
	if len(s.Servers) > 0 {
		res, err := c.Sync(ctx, s.Servers)
		if ctx.Err() != nil {
			return nil
		}
		ok = p.timeResult(b, pc, res, err)
	} else {
		b.Log("no time server configured")
	}
	return p.keepTime(b, c, pc, p.cfg.Network.backoff(), ok)
}

// keepTime schedules the next synchronisation of pc: Resync after a success,
// the retry back-off after a failure. Each one schedules the next.
func (p *Phone) keepTime(b *Boot, c *timesync.Client, pc *timesync.PhoneClock, bo *backoff, ok bool) error {
	wait := pc.Settings().Resync
	if !ok {
		wait = bo.wait()
	}
	if wait <= 0 {
		wait = 12 * time.Hour
	}
	return b.Later(wait, func(ctx context.Context) {
		s := p.timeSettings(b)
		pc.SetSettings(s)
		ok := true
		if len(s.Servers) == 0 {
			b.Clear(NoteTimeServer)
		} else {
			res, err := c.Sync(ctx, s.Servers)
			if ctx.Err() != nil {
				return
			}
			if ok = p.timeResult(b, pc, res, err); ok {
				bo.reset()
			}
		}
		p.keepTime(b, c, pc, bo, ok)
	})
}

// timeSettings weighs the lease against the configuration.
func (p *Phone) timeSettings(b *Boot) timesync.Settings {
	snap := b.Snapshot()
	s, err := timesync.Resolve(snap.Config, timeDHCP(snap.Network))
	if err != nil {
		p.log.Warn("time settings", "err", err, "component", "control_center")
	}
	return s
}

// timeDHCP is what the lease said about time (options 42 or 4, and 2).
func timeDHCP(n Network) timesync.DHCP {
	var d timesync.DHCP
	for _, s := range n.NTPServers {
		if a, err := netip.ParseAddr(s); err == nil {
			d.NTPServers = append(d.NTPServers, a)
		}
	}
	if n.TimeOffset != nil {
		off := time.Duration(*n.TimeOffset) * time.Second
		d.TimeOffset = &off
	}
	return d
}

func (p *Phone) ntpClient() *timesync.Client {
	cfg := timesync.Config{
		Port:    p.cfg.Network.NTPPort,
		Timeout: p.cfg.Network.NTPTimeout,
		Clock:   p.cfg.Clock,
		Logger:  p.ccLog,
	}
	if a := p.localAddr(); a.IsValid() {
		cfg.LocalAddress = a.String()
	}
	return timesync.New(cfg)
}

// timeResult records a synchronisation and shows or clears the
// notification; it reports success.
func (p *Phone) timeResult(b *Boot, pc *timesync.PhoneClock, res timesync.Result, err error) bool {
	if err != nil {
		p.log.Warn("time not synchronised", "err", err, "component", "control_center")
		if errors.Is(err, timesync.ErrTimeServer) {
			b.Notify(NoteTimeServer)
		}
		return false
	}
	pc.SetCorrection(res.Offset)
	b.Clear(NoteTimeServer)
	b.Log("time from " + res.Server)
	return true
}

// localAddr is the address the phone's provisioning and NTP sockets are
// bound to: its own address in UDP mode and without DHCP (Config.Addr), none
// (the host's choice) in raw mode.
func (p *Phone) localAddr() netip.Addr {
	switch p.cfg.Network.mode() {
	case netRaw:
		return netip.Addr{}
	case netUDP:
		return p.ownAddr()
	}
	return p.cfg.Addr
}
