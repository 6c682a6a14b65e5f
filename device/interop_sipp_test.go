package device_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/vqreport"
)

func sippScenario(name string) string { return "testdata/sipp/" + name }

// sippBehind starts a SIPp UAS scenario and registers it at Kamailio as
// user, so that calls and subscriptions for user reach it through Kamailio.
func sippBehind(t *testing.T, k *testpeer.Kamailio, user, scenario string) *testpeer.SIPp {
	t.Helper()
	uas := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(scenario), Service: user})
	testpeer.SIPpBehind(t, k, user, uas)
	return uas
}

// The voicemail server is SIPp (voip/services/msg_waiting_ind/subscribe
// with its address): once registered at Kamailio the phone subscribes to
// message-summary, and the NOTIFYs show in State.MWI (2 new, 8 old, waiting;
// then all heard).
//
// behaviour: FEAT-3
func TestMWIFromSIPpVoicemail(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	vm := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-mwi-summary.xml")})
	o := kamIx(t, k, "1001", 1000, "UDP",
		"voip/services/msg_waiting_ind/enabled=AUDC_VM",
		"voip/services/msg_waiting_ind/subscribe=1",
		"voip/services/msg_waiting_ind/subscribe_address=127.0.0.1",
		"voip/services/msg_waiting_ind/subscribe_port="+strconv.Itoa(vm.Port),
		"voip/services/msg_waiting_ind/voice_mail_number=*97")
	o.watch = true // the first NOTIFY follows registration at once
	p := startIxPhone(t, o)
	events := p.events
	waitState(t, p.Phone, "registered", registered)
	events.wait(t, device.EventMWI, "waiting=true new=2 old=8", 10*time.Second)
	s := waitState(t, p.Phone, "all messages heard", func(s device.State) bool { return !s.MWI.Waiting && s.MWI.Old == 10 })
	if s.MWI.New != 0 || s.MWI.LastChanged.IsZero() {
		t.Errorf("MWI %+v", s.MWI)
	}
	if err := vm.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := vm.Received(); len(got) == 0 || !strings.Contains(got[0], "Event: message-summary") || !strings.Contains(got[0], "sip:1001@") {
		t.Errorf("SIPp's first message %q, want the phone's message-summary SUBSCRIBE", got)
	}
}

// A speed-dial key with BLF on watches extension 1005; the notifier is
// SIPp, registered at Kamailio as 1005, so the phone's dialog SUBSCRIBE
// goes through Kamailio (with its 407 challenge) and the NOTIFYs come back
// the same way. The key's lamp follows idle, ringing, busy, idle.
//
// behaviour: SIP-1
func TestBLFKeyFollowsSIPpNotifier(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	notifier := sippBehind(t, k, "1005", "uas-blf-states.xml")
	o := kamIx(t, k, "1001", 1000, "UDP",
		"voip/services/busy_lamp_field/enabled=1",
		"personal_settings/functional_key/0/type=SPEED_DIAL",
		"personal_settings/functional_key/0/speed_dial_number=1005",
		"personal_settings/functional_key/0/key_label=Boss")
	o.watch = true // the first NOTIFY follows registration at once
	p := startIxPhone(t, o)
	events := p.events
	waitState(t, p.Phone, "registered", registered)
	for _, lamp := range []string{device.BLFIdle, device.BLFRinging, device.BLFBusy, device.BLFIdle} {
		events.wait(t, device.EventKey, "key 0 BLF "+lamp, 10*time.Second)
		// wait returns the first matching event; drop what came before it
		// so the second "idle" is the last NOTIFY's.
		events.seen = nil
	}
	s := p.Snapshot()
	if len(s.Keys) == 0 || s.Keys[0].BLF != device.BLFIdle || s.Keys[0].Label != "Boss" {
		t.Errorf("keys %+v", s.Keys)
	}
	if err := notifier.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// DTMF as SIP INFO to a far end without telephone-event (SIPp behind
// Kamailio): the phone's digit arrives as an application/dtmf-relay INFO
// (the scenario checks Signal=5), and SIPp's INFO with # arrives as the
// phone's DTMF event.
//
// behaviour: SIP-1
// behaviour: SIP-3
func TestInfoDTMFWithSIPp(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	far := sippBehind(t, k, "1008", "uas-info-dtmf.xml")
	p := kamPhone(t, k, "1001", 1000, "UDP")
	waitState(t, p.Phone, "registered", registered)
	events := watchEvents(t, p.Phone)
	id, err := p.Dial(bg, "1008")
	if err != nil {
		t.Fatal(err)
	}
	s := waitState(t, p.Phone, "answered", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	if c := callOf(s, id); c.Codec != "PCMU" {
		t.Errorf("codec %q, want PCMU (all SIPp answers)", c.Codec)
	}
	// Kamailio's workers may pass an INFO sent at once ahead of the ACK, and
	// SIPp takes that as an unexpected message: press the key as a person
	// does, a moment after the answer.
	time.Sleep(300 * time.Millisecond)
	if err := p.Key(bg, '5'); err != nil { // the dial pad during a call sends DTMF
		t.Fatal(err)
	}
	events.wait(t, device.EventDTMF, id+" #", 10*time.Second)
	if err := p.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	if err := far.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A check-sync NOTIFY (SIPp, through Kamailio, to the registered phone)
// with provisioning/check_sync/enabled makes the phone fetch its
// configuration at once; with check_sync/force_reboot_enabled it restarts
// instead; without check_sync the NOTIFY is refused (489) and nothing is
// fetched.
func TestCheckSyncFromSIPpThroughKamailio(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	for _, tc := range []struct {
		name     string
		extra    []string
		scenario string
	}{
		{"check", []string{"provisioning/check_sync/enabled=1"}, "uac-check-sync.xml"},
		{"reboot", []string{"provisioning/check_sync/enabled=1", "voip/services/notify/check_sync/force_reboot_enabled=1"}, "uac-check-sync.xml"},
		{"off", nil, "uac-check-sync-refused.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var port shared[string]
			port.set("6104")
			var fetches atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, ".cfg") {
					http.NotFound(w, r)
					return
				}
				fetches.Add(1)
				w.Write([]byte("voip/media/media_port=" + port.get() + "\n"))
			}))
			t.Cleanup(srv.Close)
			user := map[string]string{"check": "1001", "reboot": "1002", "off": "1003"}[tc.name]
			p := kamPhone(t, k, user, 1000, "UDP", append([]string{"provisioning/method=STATIC",
				"provisioning/firmware/url=" + srv.URL, "provisioning/configuration/url=" + srv.URL + "/phone.cfg"}, tc.extra...)...)
			waitState(t, p.Phone, "registered and configured", func(s device.State) bool {
				return registered(s) && s.Config.Get("voip/media/media_port") == "6104"
			})
			before, boots := fetches.Load(), p.Snapshot().BootCount
			port.set("6110")
			s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(tc.scenario), Remote: k.Addr(), Service: user})
			if err := s.Wait(t, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			switch tc.name {
			case "check":
				st := waitState(t, p.Phone, "the new configuration", func(s device.State) bool {
					return s.Config.Get("voip/media/media_port") == "6110"
				})
				if st.BootCount != boots {
					t.Errorf("boot %d after the check, want %d: a check-sync without force_reboot restarted the phone", st.BootCount, boots)
				}
			case "reboot":
				waitState(t, p.Phone, "restarted and configured", func(s device.State) bool {
					return s.BootCount == boots+1 && registered(s) && s.Config.Get("voip/media/media_port") == "6110"
				})
			case "off":
				time.Sleep(300 * time.Millisecond) // a wrongly started check would have fetched by now
				if got := fetches.Load(); got != before {
					t.Errorf("%d fetches after a refused check-sync", got-before)
				}
			}
		})
	}
}

// A talk NOTIFY (SIPp, through Kamailio) with voip/talk_event/enabled
// answers the ringing call, and later resumes the held one; with
// talk_event off it is refused (489) and the phone keeps ringing.
func TestTalkEventFromSIPpThroughKamailio(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{})
	a := kamPhone(t, k, "1001", 1000, "UDP")
	b := kamPhone(t, k, "1002", 600, "UDP", "voip/talk_event/enabled=1")
	c := kamPhone(t, k, "1003", 800, "UDP")
	for _, p := range []*labPhone{a, b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	talk := func(user, scenario string) {
		t.Helper()
		s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario(scenario), Remote: k.Addr(), Service: user})
		if err := s.Wait(t, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	id, err := a.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, "1001")
	talk("1002", "uac-talk.xml")
	waitState(t, a.Phone, "answered by the talk event", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	phoneHears(t, a, id, 600)
	if err := b.Hold(bg, in); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "held", func(s device.State) bool { return callState(s, in) == device.CallHeld })
	talk("1002", "uac-talk.xml")
	waitState(t, b.Phone, "resumed by the talk event", func(s device.State) bool { return callState(s, in) == device.CallConnected })
	phoneHears(t, b, in, 1000)

	// Off: refused, and the phone keeps ringing.
	id, err = a.Dial(bg, "1003")
	if err != nil {
		t.Fatal(err)
	}
	in = ringing(t, c, "1001")
	talk("1003", "uac-talk-refused.xml")
	if st := callState(c.Snapshot(), in); st != device.CallIncoming {
		t.Errorf("call %s after a refused talk event, want still ringing", st)
	}
}

// With voip/services/conference/mode=REMOTE the Conf key makes a network
// conference: A, talking to C with B on hold, holds C, calls the
// conference server (voip/services/conference/conf_ms_addr=1009: SIPp
// registered at Kamailio, answering with RTP echo) and, once it answers,
// sends B and C there by REFER. B and C each end up in a call with the
// server, hearing their own tone echoed (their audio reaches it), and
// their calls with A end; A is left with one call, to the conference.
// They join the focus URI the server's Contact declares with isfocus (RFC
// 4579), or, from a server that declares none, the address A called.
func TestRemoteConferenceAtSIPpServer(t *testing.T) {
	t.Parallel()
	for _, focus := range []bool{true, false} {
		name, joins := "focus", "conf"
		if !focus {
			name, joins = "plain", "1009"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
			server := testpeer.StartSIPpConferenceServer(t, k, "1009", 3, focus)
			a := kamPhone(t, k, "1001", 1000, "UDP",
				"voip/services/conference/mode=REMOTE", "voip/services/conference/conf_ms_addr=1009")
			b := kamPhone(t, k, "1002", 600, "UDP")
			c := kamPhone(t, k, "1003", 1400, "UDP")
			for _, p := range []*labPhone{a, b, c} {
				waitState(t, p.Phone, p.user+" registered", registered)
			}
			aToB, bID := connect(t, a, b)
			aToC, err := a.Dial(bg, "1003") // holds B
			if err != nil {
				t.Fatal(err)
			}
			cID := ringing(t, c, "1001")
			if err := c.Answer(bg, cID); err != nil {
				t.Fatal(err)
			}
			talkingTo(t, a, "1003")
			if err := a.Conference(bg); err != nil {
				t.Fatal(err)
			}
			conf := talkingTo(t, a, "1009")
			if !conf.Conference {
				t.Errorf("A's call to the server %+v is not marked as the conference", conf)
			}
			for _, x := range []struct {
				p    *labPhone
				old  string
				tone float64
			}{{b, bID, 600}, {c, cID, 1400}} {
				joined := talkingTo(t, x.p, joins)
				phoneHears(t, x.p, joined.ID, x.tone) // its own tone, echoed by the server
				ended(t, x.p, x.old)
			}
			ended(t, a, aToB)
			ended(t, a, aToC)
			phoneHears(t, a, conf.ID, 1000)
			// Everyone leaves; the server saw three calls end with a BYE.
			for _, p := range []*labPhone{a, b, c} {
				for _, x := range p.Snapshot().Calls {
					if x.State == device.CallConnected {
						if err := p.Hangup(bg, x.ID); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if err := server.Wait(t, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A feature server may send its first NOTIFY before it accepts the
// subscription (RFC 6665 §4.1.2.4): here SIPp, the phone's registrar too,
// answers the SUBSCRIBE only after the phone answered that NOTIFY. The
// phone still takes the state it reports: its line knows the subscription
// from the moment the SUBSCRIBE leaves, not only once it is accepted.
func TestFeatureSyncNotifyBeforeAccept(t *testing.T) {
	t.Parallel()
	server := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-feature-notify-first.xml"), Service: "1001", Calls: 2})
	// Watched from power-on: the NOTIFY follows registration within
	// milliseconds (a CI run's test subscribed after it had been logged).
	p := startIxPhone(t, ixPhone{user: "1001", freq: 1000, cfg: append(proxyLine("1001", "127.0.0.1", server.Port, "sip.test", "UDP"),
		"system/feature_key_synchronization/enabled=1"), watch: true})
	events := p.events
	waitState(t, p.Phone, "registered", registered)
	events.wait(t, device.EventLog, "feature sync: dnd=0", 10*time.Second)
	if err := server.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// With system/feature_key_synchronization/enabled the phone keeps do not
// disturb and call forward in step with a feature server (SIPp as a
// BroadWorks application server, to which Kamailio passes the
// as-feature-event SUBSCRIBE): it shows the state the server reports, the
// DnD and Forward keys send Set requests (checked by the scenario) rather
// than change the phone, the phone changes once the server's NOTIFY says
// so, and changes made at the server show on the phone.
func TestFeatureKeySyncWithSIPpServer(t *testing.T) {
	t.Parallel()
	server := testpeer.StartSIPpFeatureServer(t)
	// One worker: the phone answers a NOTIFY and then sends its next Set
	// request, both through Kamailio (which record-routes the NOTIFY);
	// two workers could pass them on in the other order, which the
	// scenario, strict about order, takes for a failure.
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true, FeatureServer: server.Addr(), Children: 1})
	o := kamIx(t, k, "1001", 1000, "UDP", "system/feature_key_synchronization/enabled=1")
	o.watch = true // the first NOTIFY follows registration at once
	p := startIxPhone(t, o)
	events := p.events
	waitState(t, p.Phone, "registered", registered)
	events.wait(t, device.EventLog, "feature sync: dnd=0", 10*time.Second)

	if err := p.SetDND(bg, true); err != nil {
		t.Fatal(err)
	}
	// The phone asks; the server's NOTIFY turns DND on.
	events.wait(t, device.EventLog, "feature sync: dnd=1", 10*time.Second)
	s := waitState(t, p.Phone, "DND on", func(s device.State) bool { return len(s.Lines) > 0 && s.Lines[0].DND })
	if s.Config.Get("voip/line/0/do_not_disturb/activated") != "1" {
		t.Errorf("DND on the line but not in the configuration")
	}
	if err := p.SetForward(bg, "1005"); err != nil {
		t.Fatal(err)
	}
	waitState(t, p.Phone, "forward to 1005", func(s device.State) bool { return s.Lines[0].Forward == "1005" })
	// The server turns both off by itself.
	waitState(t, p.Phone, "DND and forward off", func(s device.State) bool { return !s.Lines[0].DND && s.Lines[0].Forward == "" })
	if err := server.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The refreshes follow the dialog's route set: through Kamailio, which
	// record-routed the SUBSCRIBE and the NOTIFY.
	subs := 0
	for _, m := range server.Received() {
		if strings.HasPrefix(m, "SUBSCRIBE ") {
			subs++
			if !strings.Contains(m, "Via: SIP/2.0/UDP "+k.Addr()) {
				t.Errorf("a SUBSCRIBE reached the feature server without passing Kamailio:\n%s", m)
			}
		}
	}
	if subs != 3 {
		t.Errorf("the feature server received %d SUBSCRIBEs, want 3", subs)
	}
}

// With voip/rtcp_xr/vq_statistics/mode other than DISABLE and
// voip/qoe/qoe_publish_enabled=1, the phone PUBLISHes an RFC 6035 session
// report to voip/qoe/qoe_server_address when each call ends (SIPp as the
// collector, which challenges it and checks the event, type and first
// line); the report describes that call: its Call-ID and tags, who called
// whom, the phone's RTP port and SSRC, the codec, and the quality of a
// clean call. The other phone, without the keys, sends nothing.
//
// behaviour: MEDIA-6
func TestQoEReportsToSIPpCollector(t *testing.T) {
	t.Parallel()
	collector := testpeer.StartSIPpQoECollector(t, "1007", "pass1007", 2)
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	a := kamPhone(t, k, "1007", 1000, "UDP", append(onlyCodec("PCMU"),
		"voip/rtcp_xr/vq_statistics/mode=EVENTS_ONLY", "voip/qoe/qoe_publish_enabled=1",
		"voip/qoe/qoe_server_address="+collector.Addr())...)
	b := kamPhone(t, k, "1008", 600, "UDP")
	events := watchEvents(t, a.Phone)
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}

	// A calls B and B hangs up; then B calls A and A hangs up.
	aID, bID := connect(t, a, b)
	phoneHears(t, a, aID, 600)
	if err := b.Hangup(bg, bID); err != nil {
		t.Fatal(err)
	}
	first := ended(t, a, aID)
	events.wait(t, device.EventLog, "qoe: "+aID+" report published", 10*time.Second)
	_, aID2 := connect(t, b, a)
	phoneHears(t, a, aID2, 600)
	if err := a.Hangup(bg, aID2); err != nil {
		t.Fatal(err)
	}
	second := ended(t, a, aID2)
	events.wait(t, device.EventLog, "qoe: "+aID2+" report published", 10*time.Second)
	if err := collector.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	var reports []*vqreport.Report
	for _, m := range collector.Received() {
		if !strings.HasPrefix(m, "PUBLISH ") || !strings.Contains(m, "Authorization:") {
			continue
		}
		_, body, _ := strings.Cut(strings.ReplaceAll(m, "\r\n", "\n"), "\n\n")
		r, err := vqreport.Parse([]byte(body))
		if err != nil {
			t.Fatalf("the collector's report does not parse: %v\n%s", err, m)
		}
		reports = append(reports, r)
	}
	if len(reports) != 2 {
		t.Fatalf("the collector took %d authenticated reports, want 2 (A's two calls; B sends none)", len(reports))
	}
	for i, c := range []struct {
		call       device.Call
		orig, peer string
	}{{first, "1007", "1008"}, {second, "1008", "1008"}} {
		r := reports[i]
		if !r.CallTerm || r.CallID == "" || !strings.HasPrefix(r.DialogID, r.CallID+";to-tag=") || !strings.Contains(r.DialogID, ";from-tag=") {
			t.Errorf("report %d: CallTerm %v, CallID %q, DialogID %q", i, r.CallTerm, r.CallID, r.DialogID)
		}
		if !strings.Contains(r.LocalID, "sip:1007@") || !strings.Contains(r.RemoteID, "sip:"+c.peer+"@") || !strings.Contains(r.OrigID, "sip:"+c.orig+"@") {
			t.Errorf("report %d: LocalID %q RemoteID %q OrigID %q; want 1007, %s, placed by %s", i, r.LocalID, r.RemoteID, r.OrigID, c.peer, c.orig)
		}
		// (The test phones' RTP ports are the kernel's choice.)
		if !r.LocalAddr.IP.IsLoopback() || r.LocalAddr.Port == 0 || r.LocalAddr.SSRC == 0 || !r.RemoteAddr.IP.IsLoopback() || r.RemoteAddr.Port == 0 || r.RemoteAddr.SSRC == 0 {
			t.Errorf("report %d: LocalAddr %v RemoteAddr %v", i, r.LocalAddr, r.RemoteAddr)
		}
		if !strings.EqualFold(strings.ReplaceAll(r.LocalMAC, ":", ""), a.MAC()) {
			t.Errorf("report %d: LocalMAC %q, want the phone's %s", i, r.LocalMAC, a.MAC())
		}
		l := r.Local
		if l.Codec != "PCMU" || l.PayloadType != 0 || l.SampleRate != 8000 || l.FrameDuration != 20*time.Millisecond {
			t.Errorf("report %d: SessionDesc PT=%d PD=%s SR=%d FD=%v, want PCMU/0/8000/20ms", i, l.PayloadType, l.Codec, l.SampleRate, l.FrameDuration)
		}
		if talk := l.Stop.Sub(l.Start); talk < 0 || talk > c.call.Ended.Sub(c.call.Answered)+2*time.Second {
			t.Errorf("report %d: %s to %s, the call was answered at %s and ended at %s", i, l.Start, l.Stop, c.call.Answered, c.call.Ended)
		}
		if l.LossRate != 0 || l.MOSLQ < 4 || l.MOSCQ < 4 || l.JBMode != vqreport.JBAdaptive || l.JBNominal <= 0 {
			t.Errorf("report %d: a clean call reported NLR=%.1f MOSLQ=%.1f MOSCQ=%.1f JBA=%d JBN=%v", i, l.LossRate, l.MOSLQ, l.MOSCQ, l.JBMode, l.JBNominal)
		}
	}
	if reports[0].CallID == reports[1].CallID {
		t.Errorf("both reports name call %s", reports[0].CallID)
	}
}
