package device_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
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
	qoe := func(mode string) []string {
		return []string{"voip/rtcp_xr/vq_statistics/mode=" + mode, "voip/qoe/qoe_publish_enabled=1",
			"voip/qoe/qoe_server_address=" + srv.Addr().String()}
	}
	a := newLabPhone(t, srv, "1021", 1000, qoe("REMOTE_AND_EVENTS")...)
	b := newLabPhone(t, srv, "1022", 600, qoe("DISABLE")...)
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
