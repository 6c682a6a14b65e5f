package media

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"
)

const (
	// defaultReportInterval is the mean time between RTCP reports (RFC
	// 3550's minimum; they are randomised by ±10% so phones started together
	// drift apart) and how often voice-quality metrics are computed (manual
	// §3.4.16.4: every 5 s).
	defaultReportInterval = 5 * time.Second
	// xrUnavailable is the RFC 3611 value of a metric that is not measured.
	xrUnavailable = 127
)

func jittered(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()-0.5)*0.2*float64(d))
}

// ntpTime converts t to the 64-bit NTP format of RTCP.
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2208988800
	secs := uint64(t.Unix()) + unixToNTP
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// ntpMid is the middle 32 bits of the NTP time, the unit of LSR.
func ntpMid(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }

// maybeReport sends the periodic RTCP and computes the 5-second metrics;
// pacer only.
func (s *Session) maybeReport(p *params, now time.Time) {
	t := &s.tx
	interval := s.e.cfg.ReportInterval
	if t.rtcpDue.IsZero() {
		// The first report goes out early so RTT and the far end's view
		// are known soon (RFC 3550 allows half the interval at start).
		t.rtcpDue = now.Add(jittered(interval / 2))
		t.qualDue = now.Add(interval)
	}
	if !now.Before(t.rtcpDue) {
		s.sendRTCP(p, now, false)
		t.rtcpDue = now.Add(jittered(interval))
	}
	if s.e.cfg.XR != XRDisable && !now.Before(t.qualDue) {
		t.qualDue = now.Add(interval)
		s.rmu.Lock()
		m, q := s.metricsLocked(p)
		s.rmu.Unlock()
		s.emit(Event{Kind: EventQuality, At: now, Quality: q, Metrics: m})
	}
}

// sendRTCP sends one compound report (SR or RR, SDES CNAME, XR VoIP
// metrics in REMOTE_AND_EVENTS mode, BYE at the end).
func (s *Session) sendRTCP(p *params, now time.Time, bye bool) {
	if s.rtcpConn == nil {
		return
	}
	dest := p.res.RemoteRTCP
	if l := s.rtcpTo.Load(); l != nil {
		dest = *l
	}
	if !dest.IsValid() || dest.Addr().IsUnspecified() {
		return
	}
	t := &s.tx
	var reports []rtcp.ReceptionReport
	var xr *rtcp.ExtendedReport
	s.rmu.Lock()
	if s.rx.haveSSRC && s.rx.packets > 0 {
		reports = append(reports, s.receptionReportLocked(now))
		if s.e.cfg.XR == XRRemoteAndEvents {
			m, q := s.metricsLocked(p)
			xr = &rtcp.ExtendedReport{SenderSSRC: t.ssrc, Reports: []rtcp.ReportBlock{s.voipBlockLocked(p, m, q)}}
		}
	}
	s.rmu.Unlock()

	pkts := make([]rtcp.Packet, 0, 4)
	if sent := s.packetsSent.Load(); sent > 0 && t.sentAny {
		clockRate := 8000
		if p.send != nil {
			clockRate = p.send.ClockRate()
		}
		rtpNow := t.ts + uint32(now.Sub(t.tsAt).Seconds()*float64(clockRate))
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC: t.ssrc, NTPTime: ntpTime(now), RTPTime: rtpNow,
			PacketCount: uint32(sent), OctetCount: uint32(s.octetsSent.Load()),
			Reports: reports,
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: t.ssrc, Reports: reports})
	}
	pkts = append(pkts, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: t.ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: s.e.cname}},
	}}})
	if xr != nil {
		pkts = append(pkts, xr)
	}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{t.ssrc}})
	}
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		s.log.Debug("rtcp marshal failed", "err", err)
		return
	}
	s.rtcpMu.Lock()
	defer s.rtcpMu.Unlock()
	if p.keys != nil {
		if raw, err = p.keys.rtcpOut.EncryptRTCP(nil, raw, nil); err != nil {
			s.log.Debug("srtcp protect failed", "err", err)
			return
		}
	}
	if _, err := s.rtcpConn.WriteToUDPAddrPort(raw, dest); err != nil {
		s.log.Debug("rtcp send failed", "dest", dest, "err", err)
		return
	}
	s.rtcpSent.Add(1)
	if xr != nil {
		s.xrSent.Add(1)
	}
}

// receptionReportLocked builds the report block about the far end's
// stream; rmu is held.
func (s *Session) receptionReportLocked(now time.Time) rtcp.ReceptionReport {
	rx := &s.rx
	lost := rx.seq.lost()
	lost = min(max(lost, 0), 0x7fffff)
	var dlsr uint32
	if !rx.lastSRAt.IsZero() {
		dlsr = uint32(now.Sub(rx.lastSRAt).Seconds() * 65536)
	}
	return rtcp.ReceptionReport{
		SSRC:               rx.ssrc,
		FractionLost:       rx.seq.fractionLost(),
		TotalLost:          uint32(lost),
		LastSequenceNumber: uint32(rx.seq.extendedMax()),
		Jitter:             rx.jitter.units(),
		LastSenderReport:   rx.lastSRMid,
		Delay:              dlsr,
	}
}

// metricsLocked computes the voice-quality metrics of what the phone
// receives; rmu is held.
func (s *Session) metricsLocked(p *params) (VoIPMetrics, Quality) {
	rx := &s.rx
	var m VoIPMetrics
	expected := float64(rx.seq.expected())
	if expected > 0 {
		m.LossRate = math.Max(float64(rx.seq.lost()), 0) / expected
		m.DiscardRate = float64(s.jb.late+s.jb.shrinkDrop) / expected
	}
	bd, gd, bl, gl := s.jb.bg.metrics()
	m.BurstDensity, m.GapDensity = bd, gd
	m.BurstDuration = time.Duration(bl * float64(s.jb.pktDur))
	m.GapDuration = time.Duration(gl * float64(s.jb.pktDur))
	m.RoundTrip = rx.rtt
	ptime := s.jb.pktDur
	if p.send != nil && p.sendTicks > 0 {
		ptime = time.Duration(p.sendTicks) * tickPeriod
	}
	m.EndSystem = s.jb.target + ptime
	m.JBNominal, m.JBMaximum, m.JBAbsMax = s.jb.target, s.jb.maxTarget, s.jb.maxDelay
	name := p.res.Codec.Name
	if name == "" {
		for _, c := range p.recv {
			name = c.Name()
			break
		}
	}
	q := EModel(Impairments{
		Codec:  name,
		Loss:   m.LossRate + m.DiscardRate,
		BurstR: s.jb.bg.burstRatio(),
		Delay:  m.RoundTrip/2 + m.EndSystem,
	})
	m.R, m.MOSLQ, m.MOSCQ = q.R, q.MOSLQ, q.MOSCQ
	return m, q
}

func frac256(f float64) uint8 { return uint8(math.Min(math.Max(f*256, 0), 255)) }

func ms16(d time.Duration) uint16 {
	return uint16(min(max(d.Milliseconds(), 0), 0xfffe))
}

// voipBlockLocked encodes the metrics as an RFC 3611 §4.7 block.
func (s *Session) voipBlockLocked(p *params, m VoIPMetrics, q Quality) *rtcp.VoIPMetricsReportBlock {
	var plc uint8 = 0x40 // PLC disabled
	if p.plc {
		plc = 0xc0 // standard PLC
	}
	return &rtcp.VoIPMetricsReportBlock{
		SSRC:           s.rx.ssrc,
		LossRate:       frac256(m.LossRate),
		DiscardRate:    frac256(m.DiscardRate),
		BurstDensity:   frac256(m.BurstDensity),
		GapDensity:     frac256(m.GapDensity),
		BurstDuration:  ms16(m.BurstDuration),
		GapDuration:    ms16(m.GapDuration),
		RoundTripDelay: ms16(m.RoundTrip),
		EndSystemDelay: ms16(m.EndSystem),
		SignalLevel:    xrUnavailable,
		NoiseLevel:     xrUnavailable,
		RERL:           xrUnavailable,
		Gmin:           GapMin,
		RFactor:        uint8(math.Round(q.R)),
		ExtRFactor:     xrUnavailable,
		MOSLQ:          uint8(math.Round(q.MOSLQ * 10)),
		MOSCQ:          uint8(math.Round(q.MOSCQ * 10)),
		RXConfig:       plc | 0x30, // adaptive jitter buffer
		JBNominal:      ms16(m.JBNominal),
		JBMaximum:      ms16(m.JBMaximum),
		JBAbsMax:       ms16(m.JBAbsMax),
	}
}

// readRTCP is the RTCP receive goroutine.
func (s *Session) readRTCP() {
	s.readLoop(s.rtcpConn, func(pkt []byte, oversize bool, from netip.AddrPort, evs []Event) []Event {
		if oversize {
			s.dropOversize.Add(1)
			return evs
		}
		p := s.params.Load()
		if p == nil {
			s.dropBefore.Add(1)
			return evs
		}
		return s.receiveRTCP(p, pkt, from, evs)
	})
}

// receiveRTCP reads one compound RTCP packet.
func (s *Session) receiveRTCP(p *params, pkt []byte, from netip.AddrPort, evs []Event) []Event {
	now := s.e.clk.Now()
	if p.keys != nil {
		// RTCP may arrive on both sockets (RFC 5761 multiplexing), so two
		// readers can get here; the context is not safe for that.
		s.rtcpInMu.Lock()
		plain, err := p.keys.rtcpIn.DecryptRTCP(nil, pkt, nil)
		s.rtcpInMu.Unlock()
		if err != nil {
			if errors.Is(err, srtp.ErrFailedToVerifyAuthTag) {
				s.dropAuth.Add(1)
			} else {
				s.dropRTCP.Add(1)
			}
			return evs
		}
		pkt = plain
	}
	pkts, err := rtcp.Unmarshal(pkt)
	if err != nil {
		s.dropRTCP.Add(1)
		return evs
	}
	// Symmetric RTCP: answer where the far end's reports come from (the
	// first source that differs from its SDP, as for RTP).
	if s.mode == modeCall && from != p.res.RemoteRTCP && s.rtcpTo.Load() == nil {
		f := from
		s.rtcpTo.Store(&f)
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	rx := &s.rx
	rx.rtcpIn++
	clockRate := 8000
	if p.send != nil {
		clockRate = p.send.ClockRate()
	}
	for _, pk := range pkts {
		switch r := pk.(type) {
		case *rtcp.SenderReport:
			rx.lastSRMid = uint32(r.NTPTime >> 16)
			rx.lastSRAt = now
			s.remoteReportsLocked(r.Reports, now, clockRate)
		case *rtcp.ReceiverReport:
			s.remoteReportsLocked(r.Reports, now, clockRate)
		case *rtcp.ExtendedReport:
			for _, b := range r.Reports {
				if v, ok := b.(*rtcp.VoIPMetricsReportBlock); ok && v.SSRC == s.tx.ssrc {
					m := decodeVoIPBlock(v)
					rx.remote.XR = &m
				}
			}
		case *rtcp.Goodbye:
			evs = append(evs, Event{Kind: EventBye, At: now, Remote: from})
		}
	}
	return evs
}

func (s *Session) remoteReportsLocked(reports []rtcp.ReceptionReport, now time.Time, clockRate int) {
	for _, rr := range reports {
		if rr.SSRC != s.tx.ssrc {
			continue
		}
		rem := &s.rx.remote
		rem.At = now
		rem.FractionLost = float64(rr.FractionLost) / 256
		lost := int64(rr.TotalLost & 0xffffff)
		if lost&0x800000 != 0 {
			lost -= 0x1000000
		}
		rem.Lost = lost
		rem.Jitter = time.Duration(float64(rr.Jitter) * float64(time.Second) / float64(clockRate))
		if rr.LastSenderReport != 0 {
			rtt := int64(ntpMid(now)) - int64(rr.LastSenderReport) - int64(rr.Delay)
			if rtt < 0 {
				rtt += 1 << 32
			}
			if d := time.Duration(rtt * int64(time.Second) / 65536); d >= 0 && d < 10*time.Second {
				s.rx.rtt = d
			}
		}
	}
}

func decodeVoIPBlock(v *rtcp.VoIPMetricsReportBlock) VoIPMetrics {
	ms := func(x uint16) time.Duration { return time.Duration(x) * time.Millisecond }
	m := VoIPMetrics{
		LossRate:      float64(v.LossRate) / 256,
		DiscardRate:   float64(v.DiscardRate) / 256,
		BurstDensity:  float64(v.BurstDensity) / 256,
		GapDensity:    float64(v.GapDensity) / 256,
		BurstDuration: ms(v.BurstDuration),
		GapDuration:   ms(v.GapDuration),
		RoundTrip:     ms(v.RoundTripDelay),
		EndSystem:     ms(v.EndSystemDelay),
		R:             -1,
		JBNominal:     ms(v.JBNominal),
		JBMaximum:     ms(v.JBMaximum),
		JBAbsMax:      ms(v.JBAbsMax),
	}
	if v.RFactor != xrUnavailable {
		m.R = float64(v.RFactor)
	}
	if v.MOSLQ != xrUnavailable {
		m.MOSLQ = float64(v.MOSLQ) / 10
	}
	if v.MOSCQ != xrUnavailable {
		m.MOSCQ = float64(v.MOSCQ) / 10
	}
	return m
}

// Stats returns a snapshot of the session.
func (s *Session) Stats() Stats {
	st := Stats{
		LocalSSRC:     s.tx.ssrc,
		PacketsSent:   s.packetsSent.Load(),
		OctetsSent:    s.octetsSent.Load(),
		DTMFSent:      s.dtmfSent.Load(),
		RTCPSent:      s.rtcpSent.Load(),
		XRSent:        s.xrSent.Load(),
		EventsDropped: s.eventsDrop.Load(),
	}
	p := s.params.Load()
	if p != nil {
		st.Codec = p.res.Codec.Name
		st.PLC = p.plc
		st.SendTo = s.destination(p)
		st.Latched = s.latched.Load() != nil
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	rx := &s.rx
	st.RemoteSSRC = rx.ssrc
	st.PacketsReceived = rx.packets
	st.OctetsReceived = rx.octets
	st.Lost = rx.seq.lost()
	if exp := rx.seq.expected(); exp > 0 {
		st.LossRate = math.Max(float64(st.Lost), 0) / float64(exp)
	}
	st.Discarded = s.jb.late + s.jb.shrinkDrop
	st.Concealed = rx.concealed
	st.PlayoutDelay = s.jb.target
	st.RTT = rx.rtt
	st.DTMFReceived = rx.dtmfCount
	st.RTCPReceived = rx.rtcpIn
	st.Remote = rx.remote
	if p != nil {
		st.Jitter = rx.jitter.duration(max(p.recvClock, 1))
		st.Metrics, st.Quality = s.metricsLocked(p)
	}
	st.Drops = Drops{
		Malformed:      s.dropMalform.Load(),
		Oversize:       s.dropOversize.Load(),
		BeforeStart:    s.dropBefore.Load(),
		UnknownPayload: s.dropUnknown.Load(),
		WrongSource:    s.dropSource.Load(),
		WrongSSRC:      rx.dropSSRC,
		SequenceJump:   rx.dropJump,
		SRTPAuth:       s.dropAuth.Load(),
		SRTPReplay:     s.dropReplay.Load(),
		Duplicate:      rx.dropDup,
		Late:           s.jb.late,
		RTCPMalformed:  s.dropRTCP.Load(),
	}
	return st
}
