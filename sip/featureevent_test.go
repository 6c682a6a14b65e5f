package sip_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/sip"
)

const dndOnEvent = `<?xml version="1.0" encoding="ISO-8859-1"?>
<DoNotDisturbEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <device>1001</device>
  <doNotDisturbOn>true</doNotDisturbOn>
</DoNotDisturbEvent>`

const forwardEvent = `<?xml version="1.0" encoding="ISO-8859-1"?>
<ForwardingEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <device>1001</device>
  <forwardingType>forwardNoAns</forwardingType>
  <forwardStatus>true</forwardStatus>
  <forwardTo>1005</forwardTo>
  <ringCount>3</ringCount>
</ForwardingEvent>`

// The initial NOTIFY of a BroadWorks server carries every feature at once
// as multipart/mixed.
const multipartEvents = "--b1\r\nContent-Type: application/x-as-feature-event+xml\r\n\r\n" + dndOnEvent +
	"\r\n--b1\r\nContent-Type: application/x-as-feature-event+xml\r\n\r\n" + forwardEvent +
	"\r\n--b1\r\nContent-Type: application/x-as-feature-event+xml\r\n\r\n<CallCenterAgentEvent xmlns=\"x\"/>\r\n--b1--\r\n"

func TestParseFeatureEvent(t *testing.T) {
	fe, err := sip.ParseFeatureEvent(sip.Body{Type: sip.FeatureEventType, Data: []byte(dndOnEvent)})
	if err != nil || fe.DND == nil || !*fe.DND || len(fe.Forwarding) != 0 {
		t.Fatalf("DND event: %+v, %v", fe, err)
	}
	fe, err = sip.ParseFeatureEvent(sip.Body{Type: "multipart/mixed;boundary=b1", Data: []byte(multipartEvents)})
	if err != nil {
		t.Fatal(err)
	}
	want := sip.Forwarding{Type: sip.ForwardNoAnswer, On: true, To: "1005", RingCount: 3}
	if fe.DND == nil || !*fe.DND || len(fe.Forwarding) != 1 || fe.Forwarding[0] != want {
		t.Fatalf("multipart: DND %v, forwarding %+v", fe.DND, fe.Forwarding)
	}
	for _, bad := range []struct{ name, ct, body string }{
		{"not XML", sip.FeatureEventType, "DND=on"},
		{"no known event", sip.FeatureEventType, `<CallCenterAgentEvent xmlns="x"/>`},
		{"bad boolean", sip.FeatureEventType, strings.Replace(dndOnEvent, ">true<", ">maybe<", 1)},
		{"bad forwarding type", sip.FeatureEventType, strings.Replace(forwardEvent, "forwardNoAns", "forwardSometimes", 1)},
		{"bad ring count", sip.FeatureEventType, strings.Replace(forwardEvent, ">3<", ">-3<", 1)},
		{"bad content type", "multipart/mixed;boundary=", multipartEvents},
		{"broken multipart", "multipart/mixed;boundary=b1", "--b1\r\nno end"},
	} {
		if _, err := sip.ParseFeatureEvent(sip.Body{Type: bad.ct, Data: []byte(bad.body)}); !errors.Is(err, sip.ErrParse) {
			t.Errorf("%s: err %v, want ErrParse", bad.name, err)
		}
	}
}

// The Set requests a server reads (BroadWorks Device Feature Key
// Synchronization), escaped where needed.
func TestFeatureSetRequests(t *testing.T) {
	b := sip.SetDoNotDisturbBody("1001", true)
	if b.Type != sip.FeatureEventType || !strings.Contains(string(b.Data),
		`<SetDoNotDisturb xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><device>1001</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>`) {
		t.Errorf("SetDoNotDisturb: %s", b.Data)
	}
	b = sip.SetForwardingBody("a&b", sip.Forwarding{Type: sip.ForwardImmediate, On: true, To: "1005"})
	if !strings.Contains(string(b.Data), `<device>a&amp;b</device><activateForward>true</activateForward><forwardingType>forwardImmediate</forwardingType><forwardDN>1005</forwardDN></SetForwarding>`) {
		t.Errorf("SetForwarding: %s", b.Data)
	}
}

func FuzzParseFeatureEvent(f *testing.F) {
	f.Add("application/x-as-feature-event+xml", []byte(dndOnEvent))
	f.Add("application/x-as-feature-event+xml", []byte(forwardEvent))
	f.Add("multipart/mixed;boundary=b1", []byte(multipartEvents))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		fe, err := sip.ParseFeatureEvent(sip.Body{Type: ct, Data: b})
		if err != nil {
			if !errors.Is(err, sip.ErrParse) {
				t.Fatalf("error %v is not an ErrParse", err)
			}
			return
		}
		if fe.DND == nil && len(fe.Forwarding) == 0 {
			t.Fatal("an event that reports nothing")
		}
		for _, f := range fe.Forwarding {
			if f.RingCount < 0 {
				t.Fatalf("ring count %d", f.RingCount)
			}
		}
	})
}
