package sip_test

import (
	"testing"

	"github.com/hdphone/hdphone/sip"
)

func FuzzParseMessageSummary(f *testing.F) {
	f.Add([]byte("Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 2/8 (0/2)\r\n"))
	f.Add([]byte("messages-waiting: no\nfax-message: 1/0\n"))
	f.Add([]byte("Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := sip.ParseMessageSummary(b)
		if err != nil {
			return
		}
		for _, c := range ms.Classes {
			if c.New < 0 || c.Old < 0 || c.NewUrgent < 0 || c.OldUrgent < 0 {
				t.Fatalf("negative counts %+v", c)
			}
		}
	})
}

func FuzzParseDialogInfo(f *testing.F) {
	f.Add([]byte(dialogInfoExample))
	f.Add([]byte(`<dialog-info version="2" state="partial" entity="x"><dialog id="1" direction="recipient"><state>early</state></dialog></dialog-info>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><dialog-info version="1" state="full">&a;</dialog-info>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		di, err := sip.ParseDialogInfo(b)
		if err != nil {
			return
		}
		switch di.Status() {
		case "idle", "ringing", "busy":
		default:
			t.Fatalf("status %q", di.Status())
		}
	})
}

func FuzzParseReplaces(f *testing.F) {
	f.Add("425928@bobster.example.org;to-tag=7743;from-tag=6472")
	f.Add("x;from-tag=a;to-tag=b;early-only")
	f.Add(";;;=")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := sip.ParseReplaces(s)
		if err != nil {
			return
		}
		r2, err := sip.ParseReplaces(r.String())
		if err != nil || r2 != r {
			t.Fatalf("round trip of %q: %+v %+v %v", s, r, r2, err)
		}
	})
}

func FuzzParseReferTo(f *testing.F) {
	f.Add(`<sip:carol@chicago.example.com?Replaces=0904%3Bto-tag%3D75%3Bfrom-tag%3D31>`)
	f.Add(`"B" <sip:b@h;transport=tcp?Replaces=x%3Bto-tag%3Da%3Bfrom-tag%3Db&Require=replaces>;method=INVITE`)
	f.Add(`sip:1003@pbx.test`)
	f.Add(`<tel:+1555>`)
	f.Fuzz(func(t *testing.T, s string) {
		rt, err := sip.ParseReferTo(s)
		if err != nil {
			return
		}
		if rt.URI == "" {
			t.Fatalf("%q parsed without a URI", s)
		}
	})
}

func FuzzParseSipfrag(f *testing.F) {
	f.Add([]byte("SIP/2.0 100 Trying\r\n"))
	f.Add([]byte("SIP/2.0 200 OK"))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, _, err := sip.ParseSipfrag(b)
		if err == nil && (code < 100 || code > 699) {
			t.Fatalf("code %d", code)
		}
	})
}

func FuzzParseDTMFBody(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("11"))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		d, _, err := sip.ParseDTMFBody(sip.Body{Type: ct, Data: b})
		if err != nil {
			return
		}
		if _, err := sip.DTMFRelayBody(d, 0); err != nil {
			t.Fatalf("parsed digit %q cannot be sent: %v", d, err)
		}
	})
}

func FuzzParseOption120(f *testing.F) {
	f.Add([]byte{0, 3, 's', 'i', 'p', 4, 't', 'e', 's', 't', 0})
	f.Add([]byte{1, 10, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := sip.ParseOption120(b)
		if err == nil && len(out) == 0 {
			t.Fatalf("% x: no servers and no error", b)
		}
	})
}

func FuzzParseServer(f *testing.F) {
	f.Add("pbx.test:5080")
	f.Add("[::1]:5060")
	f.Fuzz(func(t *testing.T, s string) {
		sv, err := sip.ParseServer(s)
		if err == nil && (sv.Port < 0 || sv.Port > 65535) {
			t.Fatalf("%q: port %d", s, sv.Port)
		}
	})
}
