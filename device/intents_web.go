package device

import (
	"context"
	"fmt"
	"io"
)

// BurnFirmware installs firmware version from an image the caller streams
// (the Web page's Manual firmware upgrade): burn writes the image to w and
// returns nil only once the whole image is verified. Then the burn is
// committed and the phone restarts into the new version; on any error the
// burn is aborted and the phone keeps running its firmware.
//
// While it burns, the screen shows the upgrade (FW-1). The flash burn writes
// its recovery marker first and clears it last, so a power cut in between
// leaves the phone in recovery mode, as on the real phone (FW-2).
func (p *Phone) BurnFirmware(ctx context.Context, version string, burn func(w io.Writer) error) error {
	status := "Upgrading firmware " + version + "…"
	var on bool
	if err := p.do(ctx, func(s *state) {
		if on = s.Power; on {
			s.Status = status
			p.emit(Event{Kind: EventStatus, Stage: s.Stage, Text: status})
		}
	}); err != nil {
		return err
	}
	if !on {
		return fmt.Errorf("device: burn firmware: %w", ErrPoweredOff)
	}
	fail := func(text string) {
		p.do(context.WithoutCancel(ctx), func(s *state) {
			if s.Status == status {
				s.Status = ""
				p.emit(Event{Kind: EventStatus, Stage: s.Stage})
			}
			p.log.Warn("firmware upgrade failed", "version", version, "err", text)
			p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "firmware " + version + " not installed", Err: text})
		})
	}
	b, err := p.cfg.Flash.Firmware().BeginBurn(version)
	if err != nil {
		fail(err.Error())
		return fmt.Errorf("device: burn firmware: %w", err)
	}
	if err := burn(b); err != nil {
		b.Abort()
		fail(err.Error())
		return err
	}
	if _, err := b.Commit(); err != nil {
		fail(err.Error())
		return fmt.Errorf("device: burn firmware: %w", err)
	}
	return p.do(context.WithoutCancel(ctx), func(s *state) {
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "firmware " + version + " burnt"})
		p.rebootLocked(s, "firmware upgrade to "+version)
	})
}
