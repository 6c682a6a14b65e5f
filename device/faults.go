package device

import (
	"context"
	"sync"
)

// Faults a test or a fleet injects from outside the phone: pulling the
// Ethernet cable. (Cutting power is PowerOff.)

// linkFault is the state of the emulated cable; the zero value is plugged
// in.
type linkFault struct {
	mu   sync.Mutex
	down bool
	// up is closed when the cable is plugged in again (nil while in).
	up chan struct{}
}

// SetLink pulls the phone's Ethernet cable out (up=false) or plugs it back
// in. Pulling it drops the network at once: the power cycle's services stop
// (registration, calls, provisioning, the lease), and the boot starts over
// at the Link stage, which shows "LAN Link failure" (BOOT-17) until the
// cable is back; then the phone acquires its address, provisions and
// registers again. The phone stays powered: BootCount counts the restart of
// the network, but no EventReboot is sent. A phone that is off only
// remembers the cable's state for its next power-on.
func (p *Phone) SetLink(ctx context.Context, up bool) error {
	return p.do(ctx, func(s *state) {
		lf := &p.link
		lf.mu.Lock()
		changed := lf.down == up
		if changed && !up {
			lf.down, lf.up = true, make(chan struct{})
		} else if changed {
			lf.down = false
			close(lf.up)
			lf.up = nil
		}
		lf.mu.Unlock()
		if !changed {
			return
		}
		if up {
			p.log.Info("LAN cable plugged in")
			p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "LAN cable plugged in"})
			return
		}
		p.log.Warn("LAN cable pulled out")
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "LAN cable pulled out"})
		if s.Power {
			p.endCycleLocked(s, func(s *state) { p.startCycleLocked(s) })
		}
	})
}

// LinkUp reports whether the emulated cable is plugged in.
func (p *Phone) LinkUp() bool {
	p.link.mu.Lock()
	defer p.link.mu.Unlock()
	return !p.link.down
}

// waitCable holds the Link stage while the cable is out, showing "LAN Link
// failure"; it returns false if the cycle ends first.
func (p *Phone) waitCable(b *Boot) bool {
	p.link.mu.Lock()
	up := p.link.up
	p.link.mu.Unlock()
	if up == nil {
		return true
	}
	b.Notify(NoteLinkFailure)
	select {
	case <-up:
		b.Clear(NoteLinkFailure)
		b.Log("LAN link up")
		return true
	case <-b.Context().Done():
		return false
	}
}
