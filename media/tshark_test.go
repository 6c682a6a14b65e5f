//go:build linux

package media

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

// TestWireDecodedByWireshark captures a call in a namespace and has
// Wireshark's dissectors (tshark) read it: the DS byte of RTP, RFC 4733
// events with the configured volume, RTCP reports with the CNAME, and the
// RTCP-XR VoIP metrics block with its MOS, R factor, Gmin and adaptive
// jitter buffer.
//
// behaviour: MEDIA-4
// behaviour: MEDIA-6
// behaviour: MEDIA-9
func TestWireDecodedByWireshark(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	ns := testpeer.Netns(t, "tshark")
	capture := testpeer.StartCapture(t, ns, "lo", "udp")

	e := startEngine(t, Config{XR: XRRemoteAndEvents, ReportInterval: 300 * time.Millisecond, DTMFLevel: 20, CNAME: "phone@test"})
	var a, b party
	if err := ns.Do(func() error {
		var err error
		a, err = tryParty(e, 1000)
		if err != nil {
			return err
		}
		b, err = tryParty(e, 600)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.s.Close(); b.s.Close() })
	connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, "PCMU"), localFor(t, b.s, sdp.SecurityNone, "PCMU"))
	time.Sleep(300 * time.Millisecond)
	if err := a.s.SendDTMF('9', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "XR at both ends and 1.5 s of RTP", func() bool {
		return a.s.Stats().Remote.XR != nil && b.s.Stats().Remote.XR != nil && b.s.Stats().PacketsReceived > 75
	})
	capture.Stop(t)

	var decode []string
	for _, s := range []*Session{a.s, b.s} {
		decode = append(decode,
			fmt.Sprintf("udp.port==%d,rtp", s.LocalAddr().Port()),
			fmt.Sprintf("udp.port==%d,rtcp", s.LocalRTCP().Port()))
	}
	rtpRows := capture.Fields(t, decode, "rtp", "ip.dsfield.dscp", "rtp.p_type")
	if len(rtpRows) < 50 {
		t.Fatalf("tshark decoded %d RTP packets", len(rtpRows))
	}
	for _, r := range rtpRows {
		if r[0] != "46" {
			t.Fatalf("RTP with DSCP %s, want 46 (EF, the DS byte 0xb8)", r[0])
		}
	}
	events := capture.Fields(t, decode, "rtpevent", "rtpevent.event_id", "rtpevent.volume", "rtpevent.end_of_event")
	ends := 0
	for _, r := range events {
		if r[0] != "9" || r[1] != "12" {
			t.Errorf("telephone-event %v, want event 9 at volume 12 (level 20)", r)
		}
		if r[2] == "1" || r[2] == "True" {
			ends++
		}
	}
	if len(events) == 0 || ends != 3 {
		t.Errorf("%d event packets, %d with the end bit; want three ends", len(events), ends)
	}
	sdes := capture.Fields(t, decode, "rtcp.sdes.text", "rtcp.sdes.text")
	if len(sdes) == 0 || sdes[0][0] != "phone@test" {
		t.Errorf("RTCP SDES %v, want CNAME phone@test", sdes)
	}
	xr := capture.Fields(t, decode, "rtcp.xr.voipmetrics.moscq",
		"rtcp.xr.voipmetrics.moscq", "rtcp.xr.voipmetrics.rfactor", "rtcp.xr.voipmetrics.gmin", "rtcp.xr.voipmetrics.jba")
	if len(xr) == 0 {
		t.Fatal("tshark found no RTCP-XR VoIP metrics block")
	}
	for _, r := range xr {
		mos, err1 := strconv.ParseFloat(r[0], 64)
		rf, err2 := strconv.Atoi(r[1])
		if err1 != nil || err2 != nil || mos < 4 || mos > 4.5 || rf < 80 || r[2] != "16" || r[3] != "3" {
			t.Errorf("XR as Wireshark reads it: MOS-CQ %s, R %s, Gmin %s, JBA %s; want MOS 4-4.5, R >= 80, Gmin 16, adaptive (3)", r[0], r[1], r[2], r[3])
		}
	}
}

// tryParty is newParty for use inside a namespace (no testing calls).
func tryParty(e *Engine, freq float64) (party, error) {
	p := party{src: mediatest.NewSine(freq, 8000, 8000), rec: &audio.Recorder{}}
	s, err := e.NewSession(SessionConfig{Codecs: registry(), Source: p.src, Sink: p.rec})
	p.s = s
	return p, err
}
