package sip_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hdphone/hdphone/sip"
)

func TestParseMessageSummary(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want *sip.MessageSummary
		err  bool
	}{
		{"RFC 3842 example", "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 2/8 (0/2)\r\n",
			&sip.MessageSummary{Waiting: true, Account: "sip:alice@vmail.example.com", Voice: sip.MessageCounts{2, 8, 0, 2},
				Classes: map[string]sip.MessageCounts{"voice-message": {2, 8, 0, 2}}}, false},
		{"no urgent counts, LF only, case", "messages-waiting: NO\nvoice-message: 0/3\nFax-Message: 1/0\n",
			&sip.MessageSummary{Voice: sip.MessageCounts{0, 3, 0, 0},
				Classes: map[string]sip.MessageCounts{"voice-message": {0, 3, 0, 0}, "fax-message": {1, 0, 0, 0}}}, false},
		{"extension headers ignored", "Messages-Waiting: yes\r\n\r\nTo: <sip:alice@example.com>\r\nSubject: hi\r\n",
			&sip.MessageSummary{Waiting: true, Classes: map[string]sip.MessageCounts{}}, false},
		{"no Messages-Waiting", "Voice-Message: 1/1\r\n", nil, true},
		{"bad yes/no", "Messages-Waiting: maybe\r\n", nil, true},
		{"bad counts", "Messages-Waiting: yes\r\nVoice-Message: two/8\r\n", nil, true},
		{"unclosed urgent", "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2\r\n", nil, true},
		{"negative", "Messages-Waiting: yes\r\nVoice-Message: -1/8\r\n", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sip.ParseMessageSummary([]byte(tc.in))
			if tc.err {
				if !errors.Is(err, sip.ErrParse) {
					t.Fatalf("err = %v, want ErrParse", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

const dialogInfoExample = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:1002@pbx.test">
  <dialog id="as7d900as8" call-id="a84b4c76e66710" local-tag="1928301774" remote-tag="456887766" direction="recipient">
    <state event="replaced" code="200">confirmed</state>
    <local><identity>sip:1002@pbx.test</identity></local>
    <remote><identity display="Bob">sip:1001@pbx.test</identity></remote>
  </dialog>
</dialog-info>`

func TestParseDialogInfo(t *testing.T) {
	di, err := sip.ParseDialogInfo([]byte(dialogInfoExample))
	if err != nil {
		t.Fatal(err)
	}
	want := &sip.DialogInfo{Version: 1, State: "full", Entity: "sip:1002@pbx.test", Dialogs: []sip.DialogInfoDialog{{
		ID: "as7d900as8", CallID: "a84b4c76e66710", LocalTag: "1928301774", RemoteTag: "456887766",
		Direction: "recipient", State: "confirmed", Event: "replaced", Code: 200,
		Local: "sip:1002@pbx.test", Remote: "sip:1001@pbx.test",
	}}}
	if !reflect.DeepEqual(di, want) {
		t.Fatalf("got %+v", di)
	}
	if di.Status() != "busy" {
		t.Errorf("status %s", di.Status())
	}
	status := []struct {
		doc, want string
	}{
		{`<dialog-info version="2" state="full" entity="x"/>`, "idle"},
		{`<dialog-info version="2" state="partial" entity="x"><dialog id="1" direction="recipient"><state>early</state></dialog></dialog-info>`, "ringing"},
		{`<dialog-info version="2" state="partial" entity="x"><dialog id="1" direction="initiator"><state>trying</state></dialog></dialog-info>`, "busy"},
		{`<dialog-info version="3" state="full" entity="x"><dialog id="1"><state>terminated</state></dialog></dialog-info>`, "idle"},
	}
	for _, s := range status {
		di, err := sip.ParseDialogInfo([]byte(s.doc))
		if err != nil || di.Status() != s.want {
			t.Errorf("%s: %v %v, want %s", s.doc, di, err, s.want)
		}
	}
	for _, bad := range []string{"", "<dialog-info", `<dialog-info version="x" state="full"/>`, `<dialog-info version="1" state="half"/>`,
		`<dialog-info version="1" state="full"><dialog><state>dancing</state></dialog></dialog-info>`, `<other/>`} {
		if _, err := sip.ParseDialogInfo([]byte(bad)); !errors.Is(err, sip.ErrParse) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestDTMFBodies(t *testing.T) {
	for _, d := range "0123456789*#ABCD" {
		b, err := sip.DTMFRelayBody(d, 160*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		got, dur, err := sip.ParseDTMFBody(b)
		if err != nil || got != d || dur != 160*time.Millisecond {
			t.Fatalf("%c: %c %s %v", d, got, dur, err)
		}
	}
	if _, err := sip.DTMFRelayBody('x', 0); err == nil {
		t.Fatal("x is a digit")
	}
	cases := []struct {
		b    sip.Body
		want rune
		err  bool
	}{
		{sip.Body{Type: "application/dtmf", Data: []byte("5")}, '5', false},
		{sip.Body{Type: "application/dtmf", Data: []byte("11")}, '#', false},
		{sip.Body{Type: "application/dtmf-relay", Data: []byte("Signal= 10\r\nDuration= 100\r\n")}, '*', false},
		{sip.Body{Type: "application/dtmf-relay", Data: []byte("signal=d\n")}, 'D', false},
		{sip.Body{Type: "application/dtmf-relay", Data: []byte("Duration=100\r\n")}, 0, true},
		{sip.Body{Type: "application/dtmf-relay", Data: []byte("Signal=Q\r\n")}, 0, true},
		{sip.Body{Type: "text/plain", Data: []byte("5")}, 0, true},
	}
	for _, tc := range cases {
		got, _, err := sip.ParseDTMFBody(tc.b)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%+v: %c %v", tc.b, got, err)
		}
	}
}

func TestParseSipfrag(t *testing.T) {
	cases := []struct {
		in     string
		code   int
		reason string
		err    bool
	}{
		{"SIP/2.0 100 Trying\r\n", 100, "Trying", false},
		{"SIP/2.0 200 OK", 200, "OK", false},
		{"SIP/2.0 603 Declined\r\nContent-Length: 0\r\n", 603, "Declined", false},
		{"SIP/2.0 180\r\n", 180, "", false},
		{"HTTP/1.1 200 OK", 0, "", true},
		{"SIP/2.0 OK", 0, "", true},
		{"SIP/2.0 99 Low", 0, "", true},
		{"", 0, "", true},
	}
	for _, tc := range cases {
		code, reason, err := sip.ParseSipfrag([]byte(tc.in))
		if (err != nil) != tc.err || code != tc.code || reason != tc.reason {
			t.Errorf("%q: %d %q %v", tc.in, code, reason, err)
		}
	}
}

func TestReplacesAndReferTo(t *testing.T) {
	r, err := sip.ParseReplaces("425928@bobster.example.org;to-tag=7743;from-tag=6472")
	if err != nil || r != (sip.Replaces{CallID: "425928@bobster.example.org", ToTag: "7743", FromTag: "6472"}) {
		t.Fatalf("%+v %v", r, err)
	}
	if r2, err := sip.ParseReplaces(r.String()); err != nil || r2 != r {
		t.Fatalf("round trip %+v %v", r2, err)
	}
	if r, err := sip.ParseReplaces("x;from-tag=a;to-tag=b;early-only"); err != nil || !r.EarlyOnly || r.ToTag != "b" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, bad := range []string{"", ";to-tag=a;from-tag=b", "x;to-tag=a", "x;to-tag=;from-tag=b", "a b;to-tag=1;from-tag=2"} {
		if _, err := sip.ParseReplaces(bad); !errors.Is(err, sip.ErrParse) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// RFC 5589 §7 style Refer-To with an escaped Replaces.
	rt, err := sip.ParseReferTo(`"Carol" <sip:carol@chicago.example.com?Replaces=090459243588173445%3Bto-tag%3D7553452%3Bfrom-tag%3D31431>;method=INVITE`)
	if err != nil {
		t.Fatal(err)
	}
	if rt.URI != "sip:carol@chicago.example.com" || rt.Replaces == nil || rt.Replaces.CallID != "090459243588173445" || rt.Replaces.ToTag != "7553452" {
		t.Fatalf("%+v %+v", rt, rt.Replaces)
	}
	rt, err = sip.ParseReferTo("sip:1003@pbx.test")
	if err != nil || rt.URI != "sip:1003@pbx.test" || rt.Replaces != nil {
		t.Fatalf("%+v %v", rt, err)
	}
	for _, bad := range []string{"", "<sip:a@b", "<http://x>", "<sip:x@b?Replaces=nope>", "<sip:a@b?Replaces=%zz>"} {
		if _, err := sip.ParseReferTo(bad); !errors.Is(err, sip.ErrParse) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestParseOption120(t *testing.T) {
	names := []byte{0, 3, 's', 'i', 'p', 4, 't', 'e', 's', 't', 0, 2, 'f', 'e', 0}
	got, err := sip.ParseOption120(names)
	if err != nil || !reflect.DeepEqual(got, []string{"sip.test", "fe"}) {
		t.Fatalf("%v %v", got, err)
	}
	got, err = sip.ParseOption120([]byte{1, 10, 0, 0, 1, 10, 0, 0, 2})
	if err != nil || !reflect.DeepEqual(got, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0}, {2, 1, 2, 3, 4}, {1, 10, 0, 0}, {0, 5, 'a'}, {0, 3, 'a', 'b', 'c'}, {0, 0}, {0, 1, ' ', 0}} {
		if _, err := sip.ParseOption120(bad); !errors.Is(err, sip.ErrParse) {
			t.Errorf("% x: %v", bad, err)
		}
	}
}

func TestParseServerAndRejectCode(t *testing.T) {
	cases := []struct {
		in   string
		want sip.Server
		err  bool
	}{
		{"pbx.test", sip.Server{Host: "pbx.test"}, false},
		{"pbx.test:5080", sip.Server{Host: "pbx.test", Port: 5080}, false},
		{"10.0.0.1", sip.Server{Host: "10.0.0.1"}, false},
		{"10.0.0.1:5060", sip.Server{Host: "10.0.0.1", Port: 5060}, false},
		{"[::1]:5060", sip.Server{Host: "::1", Port: 5060}, false},
		{"", sip.Server{}, false},
		{"pbx.test:99999", sip.Server{}, true},
		{":5060", sip.Server{}, true},
	}
	for _, tc := range cases {
		got, err := sip.ParseServer(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%q: %+v %v", tc.in, got, err)
		}
	}
	for in, want := range map[string]int{"CODE_486": 486, "code_603": 603, "480": 480, "": 0} {
		if got, err := sip.ParseRejectCode(in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	if _, err := sip.ParseRejectCode("CODE_200"); err == nil {
		t.Error("200 is not a rejection")
	}
}
