package sip

import (
	"strings"
	"testing"

	sipgosip "github.com/emiago/sipgo/sip"
)

const keyedResponse = "SIP/2.0 401 Unauthorized\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5060;rport=5060;branch=z9hG4bKabc;received=127.0.0.1\r\n" +
	"From: <sip:1001@x>;tag=1\r\nTo: <sip:1001@x>;tag=2\r\nCall-ID: c1\r\n" +
	"CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"

func TestResponseKey(t *testing.T) {
	for _, tc := range []struct {
		name, msg      string
		branch, method string // "" when responseKey must leave it to the parser
	}{
		{"plain", keyedResponse, "z9hG4bKabc", "REGISTER"},
		{"compact via, odd case and spacing",
			"SIP/2.0 200 OK\r\nv : SIP/2.0/UDP h;BRANCH = z9hG4bKx ;rport\r\ncseq:  7 SUBSCRIBE\r\n\r\n", "z9hG4bKx", "SUBSCRIBE"},
		{"the top via of several", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP c;branch=z9hG4bK3\r\nCSeq: 2 OPTIONS\r\n\r\n",
			"z9hG4bK1", "OPTIONS"},
		{"the branch of the top hop only", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a, SIP/2.0/UDP b;branch=z9hG4bK2\r\nCSeq: 2 BYE\r\n\r\n", "", ""},
		{"folded top via", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a\r\n ;branch=z9hG4bK1\r\nCSeq: 2 BYE\r\n\r\n", "", ""},
		{"folded other header", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nSubject: a\r\n b\r\nCSeq: 2 BYE\r\n\r\n", "z9hG4bK1", "BYE"},
		{"a request", "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nCSeq: 1 REGISTER\r\n\r\n", "", ""},
		{"no cseq", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\r\nCSeq: 1 REGISTER\r\n", "", ""},
		{"bad cseq", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nCSeq: x REGISTER\r\n\r\n", "", ""},
		{"no branch", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;rport\r\nCSeq: 1 REGISTER\r\n\r\n", "", ""},
		{"bare line feeds", "SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nCSeq: 2 BYE\n\n", "", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, m, ok := responseKey([]byte(tc.msg))
			if ok != (tc.branch != "") || string(b) != tc.branch || string(m) != tc.method {
				t.Fatalf("responseKey = %q %q %v, want %q %q", b, m, ok, tc.branch, tc.method)
			}
		})
	}
}

// What the reader matches a response by is what sipgo's parser reads from
// it: where both read a branch and a method, they read the same. (A Via
// too malformed for the parser to find its branch, or one that spells it
// "BRANCH", can still give responseKey one: such a response reaches the
// transaction whose branch it names, where sipgo's transaction layer would
// have dropped it.)
func FuzzResponseKey(f *testing.F) {
	f.Add([]byte(keyedResponse))
	f.Add([]byte("SIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 7 SUBSCRIBE\r\n\r\n"))
	f.Add([]byte("SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b\nCSeq: 2 OPTIONS\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		branch, method, ok := responseKey(data)
		if !ok {
			parsedResponseKey(data) // must not panic either
			return
		}
		msg, err := sipgosip.NewParser().ParseSIP(data)
		if err != nil {
			return // sipgo refuses it: no transaction gets it either way
		}
		res, isRes := msg.(*sipgosip.Response)
		if !isRes || res.Via() == nil || res.CSeq() == nil {
			return
		}
		want, _ := res.Via().Params.Get("branch")
		if want == "" {
			return
		}
		if string(branch) != want || string(method) != string(res.CSeq().MethodName) {
			t.Fatalf("responseKey %q %q, parser %q %q", branch, method, want, res.CSeq().MethodName)
		}
	})
}

// kamailioRegisterResponses are the two answers Kamailio gives a phone's
// registration (its challenge and its acceptance), as a storm's phones read
// them.
var kamailioRegisterResponses = []string{
	"SIP/2.0 401 Unauthorized\r\n" +
		"Via: SIP/2.0/UDP 127.1.0.7:5060;branch=z9hG4bK.4f2a9c1e7b3d5a60;rport=5060;received=127.1.0.7\r\n" +
		"From: <sip:100006@sip.test>;tag=7d1c3a9b\r\n" +
		"To: <sip:100006@sip.test>;tag=b27e1b5eba2c4be1e1e5cbb6a4f1b5c0.6a1e\r\n" +
		"Call-ID: 5f0e9a1c2b3d4e5f60718293a4b5c6d7\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"ZxY1Zmc2aGdqa2xtbm9wcXJzdHV2d3h5ejAx\", qop=\"auth\"\r\n" +
		"Server: kamailio (5.8.4 (x86_64/linux))\r\n" +
		"Content-Length: 0\r\n\r\n",
	"SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP 127.1.0.7:5060;branch=z9hG4bK.9e8d7c6b5a493827;rport=5060;received=127.1.0.7\r\n" +
		"From: <sip:100006@sip.test>;tag=7d1c3a9b\r\n" +
		"To: <sip:100006@sip.test>;tag=b27e1b5eba2c4be1e1e5cbb6a4f1b5c0.8c2f\r\n" +
		"Call-ID: 5f0e9a1c2b3d4e5f60718293a4b5c6d7\r\n" +
		"CSeq: 2 REGISTER\r\n" +
		"Contact: <sip:100006@127.1.0.7:5060>;expires=3600;received=\"sip:127.1.0.7:5060\"\r\n" +
		"Server: kamailio (5.8.4 (x86_64/linux))\r\n" +
		"Content-Length: 0\r\n\r\n",
}

// BenchmarkParseResponse: what reading the responses of a registration
// costs the UA (two a phone in a storm).
func BenchmarkParseResponse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range kamailioRegisterResponses {
			if _, err := parseResponse(inbound{data: []byte(r), from: "127.0.0.1:5060"}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// The responses of the UA's UDP transactions keep what the UA reads from
// them typed (every Contact with its expires, To and its tag, CSeq,
// Call-ID) and From and Via word for word.
func TestParseResponseKeepsWhatTheUAReads(t *testing.T) {
	raw := kamailioRegisterResponses[1]
	res, err := parseResponse(inbound{data: []byte(raw), from: "127.0.0.1:5060"})
	if err != nil {
		t.Fatal(err)
	}
	if tag, _ := res.To().Params.Get("tag"); tag != "b27e1b5eba2c4be1e1e5cbb6a4f1b5c0.8c2f" {
		t.Errorf("To tag %q", tag)
	}
	// grantedExpires reads every Contact as typed.
	if hs := res.GetHeaders("Contact"); len(hs) != 1 {
		t.Errorf("%d Contact headers", len(hs))
	} else if c, ok := hs[0].(*sipgosip.ContactHeader); !ok || c.Address.User != "100006" {
		t.Errorf("Contact %#v", hs[0])
	} else if exp, _ := c.Params.Get("expires"); exp != "3600" {
		t.Errorf("Contact expires %q", exp)
	}
	if cs := res.CSeq(); cs == nil || cs.SeqNo != 2 || cs.MethodName != "REGISTER" {
		t.Errorf("CSeq %v", cs)
	}
	if res.CallID() == nil || string(*res.CallID()) != "5f0e9a1c2b3d4e5f60718293a4b5c6d7" {
		t.Errorf("Call-ID %v", res.CallID())
	}
	for _, line := range []string{
		"Via: SIP/2.0/UDP 127.1.0.7:5060;branch=z9hG4bK.9e8d7c6b5a493827;rport=5060;received=127.1.0.7\r\n",
		"From: <sip:100006@sip.test>;tag=7d1c3a9b\r\n",
	} {
		if !strings.Contains(res.String(), line) {
			t.Errorf("written back without %q:\n%s", line, res.String())
		}
	}
}
