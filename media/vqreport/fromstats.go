package vqreport

import (
	"math"
	"time"

	"github.com/hdphone/hdphone/media"
)

// Algorithm names the phone's MOS estimate (the E-model of media.EModel).
const Algorithm = "ITU-T G.107"

// FromStats turns a media session's statistics, taken as the call ends,
// into the phone's LocalMetrics for the time from start to stop: what it
// received, as RFC 3611's VoIP metrics block carries it, with the
// negotiated payload type, clock rate and packet time.
func FromStats(st media.Stats, start, stop time.Time, payloadType, clockRate int, ptime time.Duration) Metrics {
	m := Unknown()
	m.Start, m.Stop = start, stop
	m.PayloadType, m.Codec, m.SampleRate = payloadType, st.Codec, clockRate
	if ptime > 0 {
		m.FrameDuration, m.FramesPerPacket = ptime, 1
		m.PacketsPerSec = int(time.Second / ptime)
	}
	m.PLC = PLCDisabled
	if st.PLC {
		m.PLC = PLCStandard
	}
	metricsFrom(&m, st.Metrics)
	if st.RTT > 0 {
		m.RoundTrip, m.OneWay = st.RTT, st.RTT/2
	}
	m.Jitter = st.Jitter
	return m
}

// FromRemote is the far end's view of the phone's stream from the RTCP-XR
// VoIP metrics it sent, nil when it sent none.
func FromRemote(st media.Stats, start, stop time.Time) *Metrics {
	if st.Remote.XR == nil {
		return nil
	}
	m := Unknown()
	m.Start, m.Stop = start, stop
	metricsFrom(&m, *st.Remote.XR)
	if st.Remote.Jitter > 0 {
		m.Jitter = st.Remote.Jitter
	}
	return &m
}

// metricsFrom copies the VoIP metrics (fractions become percentages; a
// zero delay, R or MOS from a far end means unavailable).
func metricsFrom(m *Metrics, v media.VoIPMetrics) {
	m.JBMode = JBAdaptive
	m.JBNominal, m.JBMax, m.JBAbsMax = v.JBNominal, v.JBMaximum, v.JBAbsMax
	m.LossRate, m.DiscardRate = v.LossRate*100, v.DiscardRate*100
	m.BurstDensity, m.GapDensity = v.BurstDensity*100, v.GapDensity*100
	m.BurstDuration, m.GapDuration = v.BurstDuration, v.GapDuration
	m.Gmin = media.GapMin
	if v.RoundTrip > 0 {
		m.RoundTrip = v.RoundTrip
	}
	if v.EndSystem > 0 {
		m.EndSystem = v.EndSystem
	}
	if v.R >= 0 && v.MOSCQ > 0 {
		m.RCQ = int(math.Round(v.R))
	}
	m.MOSLQ, m.MOSCQ = v.MOSLQ, v.MOSCQ
	if m.MOSLQ > 0 || m.MOSCQ > 0 {
		m.Algorithm = Algorithm
	}
}
