package device

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/vqreport"
	"github.com/hdphone/hdphone/sip"
)

// The QoE report's keys: the 400HD manual names qoe_publish_enabled
// without a path; the 420HD manual gives voip/qoe/… (Table 45-2), which is
// read first.
const (
	keyQoEPublish       = "voip/qoe/qoe_publish_enabled"
	keyQoEPublishShort  = "qoe_publish_enabled"
	keyQoEServerAddress = "voip/qoe/qoe_server_address"
)

// qoeCollector says where the phone sends voice-quality reports: target
// is "" when it sends none (the XR mode is DISABLE, publishing is off, or no
// QoE server is configured); an address it cannot use is an error.
func qoeCollector(c *config.Config, xr media.XRMode) (target string, server sip.Server, err error) {
	on := c.Bool(keyQoEPublish) || c.Bool(keyQoEPublishShort)
	addr := strings.TrimSpace(c.Get(keyQoEServerAddress))
	if xr == media.XRDisable || !on || addr == "" {
		return "", sip.Server{}, nil
	}
	lower := strings.ToLower(addr)
	if strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:") {
		// A URI: it goes where any request to that address goes.
		return addr, sip.Server{}, nil
	}
	srv, err := sip.ParseServer(addr)
	if err == nil && srv.IsZero() {
		err = errors.New("no host")
	}
	if err != nil {
		return "", sip.Server{}, fmt.Errorf("%s=%q: %w", keyQoEServerAddress, addr, err)
	}
	return "sip:" + addr, srv, nil
}

// reportQuality PUBLISHes the RFC 6035 report of call r as it ends (manual
// §3.4.16.4: the summarized RTCP-XR events at the end of the session),
// before its media is closed. Calls that never had media negotiated have
// nothing to report.
func (p *Phone) reportQuality(s *state, r *callRec) {
	m, ok := r.media.(*sessionMedia)
	if !ok || !m.nego || r.leg == nil || r.leg.call == nil || s.calls.line == nil {
		return
	}
	if s.media == nil {
		return
	}
	target, server, err := qoeCollector(s.Config, s.media.settings.XR)
	if err != nil {
		p.log.Warn("no QoE report", "err", err)
	}
	if target == "" {
		return
	}
	rep := p.qualityReport(r, m, p.clk.Now())
	ua, id := s.calls.line.ua, r.view.ID
	q := &QualityReport{Call: id, CallID: rep.CallID, To: target, Codec: rep.Local.Codec,
		MOSLQ: rep.Local.MOSLQ, MOSCQ: rep.Local.MOSCQ, Loss: rep.Local.LossRate}
	s.Quality = q
	p.async(s, func(ctx context.Context) {
		err := ua.Publish(ctx, sip.PublishOptions{Event: vqreport.EventPackage, Target: target, Server: server,
			Body: sip.Body{Type: vqreport.ContentType, Data: rep.Marshal()}})
		p.post(ctx, func(s *state) {
			done := *q
			text := fmt.Sprintf("qoe: %s report published to %s", id, target)
			if err != nil {
				text = fmt.Sprintf("qoe: %s report to %s failed: %v", id, target, err)
				done.Error = err.Error()
			} else {
				done.Sent = true
			}
			if s.Quality == q { // not overtaken by a later call's report
				s.Quality = &done
			}
			p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: text})
		})
	})
}

// qualityReport builds the session report of a call ending at stop.
func (p *Phone) qualityReport(r *callRec, m *sessionMedia, stop time.Time) *vqreport.Report {
	st := m.sess.Stats()
	c := r.leg.call
	local, remote := c.Local(), c.Remote()
	localTag, remoteTag := c.Tags()
	orig, fromTag, toTag := local, localTag, remoteTag
	if r.view.Direction == Incoming {
		orig, fromTag, toTag = remote, remoteTag, localTag
	}
	start := r.view.Answered
	if start.IsZero() {
		start = r.view.Started
	}
	remoteRTP := st.SendTo
	if !remoteRTP.IsValid() {
		remoteRTP = m.result.Remote
	}
	res := m.result
	rep := &vqreport.Report{
		CallTerm:   true,
		CallID:     c.ID(),
		LocalID:    nameAddr(local),
		RemoteID:   nameAddr(remote),
		OrigID:     nameAddr(orig),
		LocalGroup: string(p.cfg.Model.Name) + "-" + p.mac,
		LocalAddr:  endpoint(m.sess.LocalAddr(), st.LocalSSRC),
		RemoteAddr: endpoint(remoteRTP, st.RemoteSSRC),
		LocalMAC:   p.cfg.MAC.String(),
		Local: vqreport.FromStats(st, start, stop, int(res.Codec.PayloadType), res.Codec.ClockRate,
			time.Duration(res.Ptime)*time.Millisecond),
		Remote:   vqreport.FromRemote(st, start, stop),
		DialogID: fmt.Sprintf("%s;to-tag=%s;from-tag=%s", c.ID(), toTag, fromTag),
	}
	if p.cfg.Model.Name == model.MRX50 {
		// The RX50's reports follow RFC 6035 except for these (MEDIA-6).
		rep.Local.Omit = vqreport.JitterBufferLine | vqreport.BurstGapLossLine | vqreport.SignalLine | vqreport.QualityEstLine
		rep.Local.MOSLQ, rep.Local.MOSCQ = 0, 0
	}
	return rep
}

func endpoint(a netip.AddrPort, ssrc uint32) vqreport.Endpoint {
	return vqreport.Endpoint{IP: a.Addr().Unmap(), Port: int(a.Port()), SSRC: ssrc}
}

// nameAddr writes an address as a report's LocalID/RemoteID: a quoted
// display name, when there is one, and the URI in angle brackets.
func nameAddr(a sip.Address) string {
	if a.Display == "" {
		return "<" + a.URI + ">"
	}
	return fmt.Sprintf("%q <%s>", a.Display, a.URI)
}
