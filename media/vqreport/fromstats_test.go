package vqreport_test

import (
	"testing"
	"time"

	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/vqreport"
)

// A session's statistics become the report's units: fractions become
// percentages, the round trip gives RTD and half of it SOWD, the packet
// time FD and PPS; what the session could not measure (no RTCP round trip
// yet, no far-end XR) is left out.
func TestFromStats(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	st := media.Stats{
		Codec: "G722", PLC: true, RTT: 40 * time.Millisecond, Jitter: 3 * time.Millisecond,
		Metrics: media.VoIPMetrics{LossRate: 0.02, DiscardRate: 0.005, BurstDensity: 0.25, GapDensity: 0.01,
			BurstDuration: 60 * time.Millisecond, GapDuration: 5 * time.Second, RoundTrip: 40 * time.Millisecond,
			EndSystem: 70 * time.Millisecond, R: 80.4, MOSLQ: 4.05, MOSCQ: 3.98,
			JBNominal: 40 * time.Millisecond, JBMaximum: 80 * time.Millisecond, JBAbsMax: 300 * time.Millisecond},
	}
	m := vqreport.FromStats(st, start, start.Add(time.Minute), 9, 8000, 30*time.Millisecond)
	if m.Codec != "G722" || m.PayloadType != 9 || m.SampleRate != 8000 || m.FrameDuration != 30*time.Millisecond || m.PacketsPerSec != 33 || m.PLC != vqreport.PLCStandard {
		t.Errorf("session description %+v", m)
	}
	if m.LossRate != 2 || m.DiscardRate != 0.5 || m.BurstDensity != 25 || m.GapDensity != 1 || m.Gmin != 16 {
		t.Errorf("loss in percent: NLR %v JDR %v BLD %v GLD %v GMIN %d", m.LossRate, m.DiscardRate, m.BurstDensity, m.GapDensity, m.Gmin)
	}
	if m.RoundTrip != 40*time.Millisecond || m.OneWay != 20*time.Millisecond || m.EndSystem != 70*time.Millisecond || m.Jitter != 3*time.Millisecond {
		t.Errorf("delays RTD %v SOWD %v ESD %v IAJ %v", m.RoundTrip, m.OneWay, m.EndSystem, m.Jitter)
	}
	if m.RCQ != 80 || m.RLQ != -1 || m.MOSLQ != 4.05 || m.MOSCQ != 3.98 || m.Algorithm != vqreport.Algorithm || m.JBMode != vqreport.JBAdaptive {
		t.Errorf("quality RCQ %d RLQ %d MOS %v/%v alg %q JBA %d", m.RCQ, m.RLQ, m.MOSLQ, m.MOSCQ, m.Algorithm, m.JBMode)
	}
	if vqreport.FromRemote(st, start, start) != nil {
		t.Error("remote metrics without the far end's XR")
	}

	// Before any RTCP: no round trip in the report.
	st.RTT, st.Metrics.RoundTrip = 0, 0
	if m := vqreport.FromStats(st, start, start, 9, 8000, 20*time.Millisecond); m.RoundTrip != -1 || m.OneWay != -1 {
		t.Errorf("unmeasured round trip written as %v/%v", m.RoundTrip, m.OneWay)
	}
	st.PLC = false
	if m := vqreport.FromStats(st, start, start, 9, 8000, 20*time.Millisecond); m.PLC != vqreport.PLCDisabled {
		t.Errorf("a codec without concealment reported PLC=%d", m.PLC)
	}
	st.Remote.XR = &media.VoIPMetrics{LossRate: 0.1, MOSLQ: 3.5, MOSCQ: 3.4, R: 70}
	if r := vqreport.FromRemote(st, start, start); r == nil || r.LossRate != 10 || r.MOSCQ != 3.4 || r.RCQ != 70 {
		t.Errorf("remote metrics %+v", r)
	}
}
