package device

import (
	"context"
	"fmt"
)

// InstallFirmware burns a firmware version that the caller has already
// verified (the Web page's Manual firmware upgrade, the console) and restarts
// the phone into it. The screen shows the upgrade while it burns; the burn
// marker is written first and removed last, so a power cut in between leaves
// the phone in recovery mode, as on the real phone (FW-2).
func (p *Phone) InstallFirmware(ctx context.Context, version string) error {
	if version == "" {
		return fmt.Errorf("device: install firmware: empty version")
	}
	var err error
	derr := p.do(ctx, func(s *state) {
		if !s.Power {
			err = fmt.Errorf("device: install firmware: %w", ErrPoweredOff)
			return
		}
		s.Status = "Upgrading firmware " + version + "…"
		p.emit(Event{Kind: EventStatus, Stage: s.Stage, Text: s.Status})
		if err = p.cfg.Flash.Write(RecordBurning, []byte(version+"\n")); err != nil {
			err = fmt.Errorf("device: install firmware: %w", err)
			return
		}
		if err = p.cfg.Flash.Write(RecordFirmware, []byte(version+"\n")); err != nil {
			err = fmt.Errorf("device: install firmware: %w", err)
			return
		}
		if err = p.cfg.Flash.Remove(RecordBurning); err != nil {
			err = fmt.Errorf("device: install firmware: %w", err)
			return
		}
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "firmware " + version + " burnt"})
		p.rebootLocked(s, "firmware upgrade to "+version)
	})
	if derr != nil {
		return derr
	}
	return err
}
