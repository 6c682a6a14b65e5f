package device_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media/vqreport"
)

// The lab's proxy is also a QoE collector: a phone with
// voip/qoe/qoe_server_address set to it reports each call it ends or the
// far end ends, as the user it registered with; with
// voip/rtcp_xr/vq_statistics/mode=DISABLE (the factory value) it sends
// nothing, whatever voip/qoe/qoe_publish_enabled says.
//
// behaviour: MEDIA-6
func TestQoEReportsToTheLab(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1021", 1000, qoeKeys(srv, "REMOTE_AND_EVENTS")...)
	b := newLabPhone(t, srv, "1022", 600, qoeKeys(srv, "DISABLE")...)
	events := watchEvents(t, a.Phone)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	aID, bID := connect(t, a, b)
	phoneHears(t, a, aID, 600)
	if err := b.Hangup(bg, bID); err != nil {
		t.Fatal(err)
	}
	call := ended(t, a, aID)
	events.wait(t, device.EventLog, "qoe: "+aID+" report published", 10*time.Second)
	time.Sleep(300 * time.Millisecond) // B's report, if it (wrongly) sent one
	got := srv.QualityReports()
	if len(got) != 1 || got[0].User != "1021" {
		t.Fatalf("the lab holds %+v, want one report from 1021", got)
	}
	r := got[0].Report
	if !strings.Contains(r.LocalID, "1021@lab.test") || !strings.Contains(r.RemoteID, "1022@lab.test") || r.OrigID != r.LocalID {
		t.Errorf("LocalID %q RemoteID %q OrigID %q", r.LocalID, r.RemoteID, r.OrigID)
	}
	if l := r.Local; l.Codec != call.Codec || l.MOSCQ < 4 || l.Stop.Before(l.Start) {
		t.Errorf("local metrics %+v for a clean %s call", l, call.Codec)
	}
}

// The RX50's reports follow RFC 6035 except for the jitter buffer,
// burst/gap, signal and quality estimates, which it leaves out.
//
// behaviour: MEDIA-6
func TestRX50QoEReportLeavesOutMetrics(t *testing.T) {
	srv := startProxy(t)
	rx := newLabPhoneModel(t, srv, model.MRX50, "1041", 1000, qoeKeys(srv, "EVENTS_ONLY")...)
	desk := newLabPhone(t, srv, "1042", 600)
	for _, p := range []*labPhone{rx, desk} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	id, _ := connect(t, rx, desk)
	phoneHears(t, rx, id, 600)
	if err := rx.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	l := lastReport(t, srv, rx).Local
	if n := len(srv.QualityReports()); n != 1 {
		t.Errorf("the lab holds %d reports, want the RX50's one", n)
	}
	if l.Codec == "" || l.PayloadType < 0 {
		t.Errorf("the RX50 left out its session description: %+v", l)
	}
	if l.JBMode != vqreport.JBUnknown || l.JBNominal != -1 || l.BurstDuration != -1 || l.MOSLQ != 0 || l.MOSCQ != 0 || l.RCQ != -1 {
		t.Errorf("the RX50 reported metrics it does not have: %+v", l)
	}
}

// In REMOTE_AND_EVENTS mode both phones send RTCP-XR VoIP metrics in
// their RTCP reports (the first within about 2.5 s), so the report of a
// call between two of them carries the far end's view of the phone's
// stream as RemoteMetrics.
//
// behaviour: MEDIA-6
func TestQoEReportCarriesTheFarEndsView(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1071", 1000, qoeKeys(srv, "REMOTE_AND_EVENTS")...)
	b := newLabPhone(t, srv, "1072", 600, "voip/rtcp_xr/vq_statistics/mode=REMOTE_AND_EVENTS")
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	id, _ := connect(t, a, b)
	time.Sleep(4500 * time.Millisecond) // well past both sides' first RTCP report
	if err := a.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	r := lastReport(t, srv, a)
	if r.Remote == nil || r.Remote.MOSCQ < 4 || r.Remote.LossRate != 0 || r.Remote.JBMode != vqreport.JBAdaptive {
		t.Fatalf("remote metrics %+v, want the far end's view of a clean stream", r.Remote)
	}
	// (The round trip may still be unknown: it needs a report of the far end
	// sent after one of the phone's, which the first exchange does not
	// always give.)
}

// qoeKeys are a phone's keys to report each call's quality to the lab in
// RTCP-XR mode.
func qoeKeys(srv *sipproxy.Server, mode string) []string {
	return []string{"voip/rtcp_xr/vq_statistics/mode=" + mode, "voip/qoe/qoe_publish_enabled=1",
		"voip/qoe/qoe_server_address=" + srv.Addr().String()}
}

// lastReport waits until the lab took p's report of its last call and
// returns it.
func lastReport(t *testing.T, srv *sipproxy.Server, p *labPhone) *vqreport.Report {
	t.Helper()
	s := waitState(t, p.Phone, p.user+"'s report taken", func(s device.State) bool { return s.Quality != nil && s.Quality.Sent })
	q, ok := srv.QualityReport(s.Quality.CallID)
	if !ok {
		t.Fatalf("no report of %s at the lab; it holds %+v", s.Quality.CallID, srv.QualityReports())
	}
	return q.Report
}
