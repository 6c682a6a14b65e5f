package media

import (
	"fmt"
	"net"
	"net/netip"
)

// DefaultRecordingPort is voip/packet_recording/remote_port's default.
const DefaultRecordingPort = 50000

// Recording is the DSP packet recording of voip/packet_recording/* (manual
// §7.2): when enabled, a UDP copy of every RTP packet the phone sends and
// receives (decrypted, as the DSP sees it) goes to Remote, for capture with a
// sniffer. Only the RTP sub-switch records anything here: the phone has no
// DSP whose echo-canceller, comfort-noise, noise-reduction or TDM stages
// could be recorded.
type Recording struct {
	Enabled bool // voip/packet_recording/enabled
	RTP     bool // voip/packet_recording/rtp_recording/enabled
	// Remote is remote_ip:remote_port.
	Remote netip.AddrPort
}

func (r Recording) active() bool {
	return r.Enabled && r.RTP && r.Remote.IsValid() && !r.Remote.Addr().IsUnspecified() && r.Remote.Port() != 0
}

type recorder struct {
	conn *net.UDPConn
	dst  netip.AddrPort
}

// SetRecording switches packet recording on, off or to another destination;
// it takes effect at once, also for calls in progress (the manual: no reset
// needed).
func (e *Engine) SetRecording(r Recording) error {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !r.active() {
		if old := e.rec.Swap(nil); old != nil {
			old.conn.Close()
		}
		return nil
	}
	if old := e.rec.Load(); old != nil && old.dst == r.Remote {
		return nil
	}
	local := e.cfg.Addr
	if r.Remote.Addr().Is4() != (local.Is4() || local.Is4In6()) {
		local = netip.Addr{}
		if r.Remote.Addr().Is4() {
			local = netip.IPv4Unspecified()
		} else {
			local = netip.IPv6Unspecified()
		}
	}
	c, err := e.listenUDP(netip.AddrPortFrom(local, 0))
	if err != nil {
		return fmt.Errorf("media: recording socket: %w", err)
	}
	if old := e.rec.Swap(&recorder{conn: c, dst: r.Remote}); old != nil {
		old.conn.Close()
	}
	return nil
}

// record sends a copy of an RTP packet to the recorder, if any.
func (e *Engine) record(pkt []byte) {
	if r := e.rec.Load(); r != nil {
		r.conn.WriteToUDPAddrPort(pkt, r.dst)
	}
}
