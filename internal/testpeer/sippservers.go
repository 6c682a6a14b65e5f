package testpeer

import (
	_ "embed"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// registerContact is the SIPp scenario that registers a user at Kamailio
// with a Contact on another SIPp's port (-key domain, -key cport).
//
//go:embed sipp/register-contact.xml
var registerContact string

// conferenceServer is the SIPp scenario of StartSIPpConferenceServer.
//
//go:embed sipp/uas-conference.xml
var conferenceServer string

// featureServer is the SIPp scenario of StartSIPpFeatureServer.
//
//go:embed sipp/uas-feature-server.xml
var featureServer string

// vqCollector is the SIPp scenario of StartSIPpQoECollector.
//
//go:embed sipp/uas-vq-collector.xml
var vqCollector string

// StartSIPpQoECollector starts SIPp as a voice-quality collector that takes
// reports PUBLISHes of RFC 6035 session reports, each after a digest
// challenge that user and password must answer, and then exits. Its
// Received messages hold the reports.
func StartSIPpQoECollector(t testing.TB, user, password string, reports int) *SIPp {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "uas-vq-collector.xml")
	WriteFile(t, scenario, strings.NewReplacer("@USER@", user, "@PASS@", password).Replace(vqCollector))
	return StartSIPp(t, SIPpConfig{Scenario: scenario, Calls: reports})
}

// StartSIPpFeatureServer starts SIPp as a BroadWorks-style feature server
// (as-feature-event) for the phone of user 1001; give its Addr to Kamailio
// as KamailioConfig.FeatureServer. It accepts the phone's subscription and
// reports DND and forward-all off, then expects the phone to ask for DND
// on and then for forwarding all calls to 1005 (checking each Set request
// and confirming it with a NOTIFY), then turns both off by itself, and
// exits.
func StartSIPpFeatureServer(t testing.TB) *SIPp {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "uas-feature-server.xml")
	WriteFile(t, scenario, featureServer)
	return StartSIPp(t, SIPpConfig{Scenario: scenario, Service: "1001"})
}

// SIPpBehind registers user at k (password pass<user>, as Kamailio's test
// users have) with uas's address as its Contact, so that calls and
// subscriptions for user reach that SIPp through Kamailio.
func SIPpBehind(t testing.TB, k *Kamailio, user string, uas *SIPp) {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "register-contact.xml")
	WriteFile(t, scenario, registerContact)
	reg := StartSIPp(t, SIPpConfig{Scenario: scenario, Remote: k.Addr(), Service: user, AuthUser: user, AuthPass: "pass" + user,
		Keys: map[string]string{"domain": k.Domain, "cport": strconv.Itoa(uas.Port)}})
	if err := reg.Wait(t, 10*time.Second); err != nil {
		t.Fatalf("testpeer: SIPp did not register %s: %v", user, err)
	}
}

// StartSIPpConferenceServer starts SIPp as a conference server registered
// at k as user: it answers calls (the phone that makes the conference,
// then each party it sends there) with PCMU and echoes their RTP, and ends
// each call on the participant's BYE; it exits after calls calls. Its
// Contact is sip:conf@its address, with isfocus when focus is set (RFC
// 4579's conference focus).
func StartSIPpConferenceServer(t testing.TB, k *Kamailio, user string, calls int, focus bool) *SIPp {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "uas-conference.xml")
	WriteFile(t, scenario, conferenceServer)
	param := ""
	if focus {
		param = ";isfocus"
	}
	s := StartSIPp(t, SIPpConfig{Scenario: scenario, Service: user, Calls: calls, Args: []string{"-rtp_echo"},
		Keys: map[string]string{"contact": "conf", "focus": param}})
	SIPpBehind(t, k, user, s)
	return s
}
