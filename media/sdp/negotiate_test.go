package sdp

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func answerSDP(mline string, attrs ...string) []byte {
	s := "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n" + mline + "\r\n"
	for _, a := range attrs {
		s += a + "\r\n"
	}
	return []byte(s)
}

// TestNegotiateAnswer covers the phone as offerer reading the far end's
// answer.
//
// behaviour: MEDIA-2
// behaviour: MEDIA-8
func TestNegotiateAnswer(t *testing.T) {
	hold := phoneLocal(SecurityNone)
	hold.Direction = SendOnly
	cases := []struct {
		name    string
		local   Local
		answer  []byte
		wantErr error
		check   func(t *testing.T, r Result)
	}{
		{
			name:   "answerer picks PCMA, the phone sends and expects 8",
			local:  phoneLocal(SecurityNone),
			answer: answerSDP("m=audio 5000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000"),
			check: func(t *testing.T, r Result) {
				if r.Codec.Name != "PCMA" || r.Codec.PayloadType != 8 || r.Receive[0].PayloadType != 8 {
					t.Errorf("codec %+v receive %+v", r.Codec, r.Receive)
				}
				if r.Remote != netip.MustParseAddrPort("192.0.2.9:5000") || r.RemoteRTCP != netip.MustParseAddrPort("192.0.2.9:5001") {
					t.Errorf("remote %v %v", r.Remote, r.RemoteRTCP)
				}
				if r.DTMFSend != 101 || r.DTMFRecv != 101 || r.Ptime != 20 || r.Direction != SendRecv {
					t.Errorf("dtmf %d/%d ptime %d dir %s", r.DTMFSend, r.DTMFRecv, r.Ptime, r.Direction)
				}
			},
		},
		{
			name:   "answer renumbers telephone-event: send with theirs, expect ours",
			local:  phoneLocal(SecurityNone),
			answer: answerSDP("m=audio 5000 RTP/AVP 0 96", "a=rtpmap:96 telephone-event/8000", "a=ptime:40"),
			check: func(t *testing.T, r Result) {
				if r.DTMFSend != 96 || r.DTMFRecv != 101 {
					t.Errorf("dtmf send %d recv %d, want 96/101", r.DTMFSend, r.DTMFRecv)
				}
				if r.Ptime != 40 {
					t.Errorf("ptime %d, want the answerer's 40", r.Ptime)
				}
			},
		},
		{
			name:   "several codecs answered: the answerer's first is sent, all received",
			local:  phoneLocal(SecurityNone),
			answer: answerSDP("m=audio 5000 RTP/AVP 0 9"),
			check: func(t *testing.T, r Result) {
				if r.Codec.Name != "PCMU" || len(r.Receive) != 2 || r.Receive[1].Name != "G722" {
					t.Errorf("codec %+v receive %+v", r.Codec, r.Receive)
				}
			},
		},
		{
			name:   "hold: sendonly answered recvonly",
			local:  hold,
			answer: answerSDP("m=audio 5000 RTP/AVP 9", "a=recvonly"),
			check: func(t *testing.T, r Result) {
				if r.Direction != SendOnly {
					t.Errorf("direction %s, want sendonly", r.Direction)
				}
			},
		},
		{
			name:   "inactive answer stops both directions",
			local:  phoneLocal(SecurityNone),
			answer: answerSDP("m=audio 5000 RTP/AVP 9", "a=inactive"),
			check: func(t *testing.T, r Result) {
				if r.Direction != Inactive {
					t.Errorf("direction %s", r.Direction)
				}
			},
		},
		{
			name:   "optional SRTP: answer picks tag 2",
			local:  phoneLocal(SecurityOptional),
			answer: answerSDP("m=audio 5000 RTP/AVP 9", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"+keyB64(30, 50)),
			check: func(t *testing.T, r Result) {
				if r.SRTP == nil || r.SRTP.Suite != SuiteAES128SHA1_32 || !bytes.Equal(r.SRTP.LocalKey, fixedKey(30, 101)) || !bytes.Equal(r.SRTP.RemoteKey, fixedKey(30, 50)) {
					t.Errorf("srtp %+v", r.SRTP)
				}
			},
		},
		{
			name:   "optional SRTP: plain answer gives plain RTP",
			local:  phoneLocal(SecurityOptional),
			answer: answerSDP("m=audio 5000 RTP/AVP 9"),
			check: func(t *testing.T, r Result) {
				if r.SRTP != nil {
					t.Errorf("srtp %+v, want none", r.SRTP)
				}
			},
		},
		{
			name:    "required SRTP: plain answer fails",
			local:   phoneLocal(SecurityRequired),
			answer:  answerSDP("m=audio 5000 RTP/AVP 9"),
			wantErr: ErrSecurity,
		},
		{
			name:    "answer's crypto tag was never offered",
			local:   phoneLocal(SecurityRequired),
			answer:  answerSDP("m=audio 5000 RTP/SAVP 9", "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:"+keyB64(30, 50)),
			wantErr: ErrSecurity,
		},
		{
			name:    "SAVP answer without a key",
			local:   phoneLocal(SecurityOptional),
			answer:  answerSDP("m=audio 5000 RTP/SAVP 9"),
			wantErr: ErrSecurity,
		},
		{
			name:    "no common codec",
			local:   phoneLocal(SecurityNone),
			answer:  answerSDP("m=audio 5000 RTP/AVP 18"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "stream refused",
			local:   phoneLocal(SecurityNone),
			answer:  answerSDP("m=audio 0 RTP/AVP 9"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "garbage",
			local:   phoneLocal(SecurityNone),
			answer:  []byte("SIP/2.0 200 OK\r\n"),
			wantErr: ErrMalformed,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Negotiate(c.local, c.answer)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r)
		})
	}
}

func keyB64(n int, seed byte) string {
	return Crypto{Key: fixedKey(n, seed)}.String()[len("0  inline:"):]
}

// TestOfferAnswerRoundTrip runs two phones against each other: the keys
// each side protects with are the keys the other side checks with.
//
// behaviour: MEDIA-8
func TestOfferAnswerRoundTrip(t *testing.T) {
	for _, sec := range []Security{SecurityOptional, SecurityRequired} {
		a := phoneLocal(sec)
		b := phoneLocal(sec)
		b.Addr, b.Port = netip.MustParseAddr("127.0.0.2"), 6000
		b.Codecs = b.Codecs[1:] // PCMU, PCMA
		var err error
		if b.Crypto, err = DefaultCrypto(); err != nil {
			t.Fatal(err)
		}
		offer, err := Offer(a)
		if err != nil {
			t.Fatal(err)
		}
		answer, rb, err := Answer(b, offer)
		if err != nil {
			t.Fatal(err)
		}
		ra, err := Negotiate(a, answer)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Codec.Name != "PCMU" || rb.Codec.Name != "PCMU" {
			t.Errorf("%s: codecs %s/%s, want PCMU both", sec, ra.Codec.Name, rb.Codec.Name)
		}
		if ra.SRTP == nil || rb.SRTP == nil || !bytes.Equal(ra.SRTP.LocalKey, rb.SRTP.RemoteKey) || !bytes.Equal(rb.SRTP.LocalKey, ra.SRTP.RemoteKey) {
			t.Fatalf("%s: keys do not cross: %+v %+v", sec, ra.SRTP, rb.SRTP)
		}
		if ra.Remote != netip.MustParseAddrPort("127.0.0.2:6000") || rb.Remote != netip.MustParseAddrPort("127.0.0.1:4000") {
			t.Errorf("%s: remotes %v %v", sec, ra.Remote, rb.Remote)
		}
	}
}

func TestLocalErrors(t *testing.T) {
	good := phoneLocal(SecurityNone)
	cases := map[string]func(*Local){
		"no address":       func(l *Local) { l.Addr = netip.Addr{} },
		"no port":          func(l *Local) { l.Port = 0 },
		"no codecs":        func(l *Local) { l.Codecs = nil },
		"srtp without key": func(l *Local) { l.Security, l.Crypto = SecurityRequired, nil },
		"short key":        func(l *Local) { l.Crypto[0].Key = l.Crypto[0].Key[:10] },
	}
	for name, mutate := range cases {
		l := good
		l.Crypto = append([]Crypto(nil), good.Crypto...)
		mutate(&l)
		if _, err := Offer(l); !errors.Is(err, ErrBadLocal) {
			t.Errorf("%s: Offer err %v, want ErrBadLocal", name, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	base := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	cases := []struct {
		name, body string
		line       int
	}{
		{"empty", "", 0},
		{"not sdp", "hello", 1},
		{"version 1", "v=1\r\n", 1},
		{"no v first", "o=- 1 1 IN IP4 1.2.3.4\r\n", 1},
		{"short origin", "v=0\r\no=- 1 IN IP4 1.2.3.4\r\n", 2},
		{"bad connection", "v=0\r\nc=IN IP4 not-an-ip\r\n", 2},
		{"ip6 marked ip4", "v=0\r\nc=IN IP4 ::1\r\n", 2},
		{"bad port", base + "m=audio 70000 RTP/AVP 0\r\n", 6},
		{"bad payload type", base + "m=audio 4000 RTP/AVP 200\r\n", 6},
		{"bad rtpmap", base + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n", 7},
		{"bad ptime", base + "m=audio 4000 RTP/AVP 0\r\na=ptime:abc\r\n", 7},
		{"bad rtcp", base + "m=audio 4000 RTP/AVP 0\r\na=rtcp:x\r\n", 7},
		{"bad crypto key", base + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n", 7},
		{"stream without address", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", 5},
		{"too big", "v=0\r\n" + strings.Repeat("a=x\r\n", MaxSize/5+1), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.body))
			var pe *ParseError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &pe) {
				t.Fatalf("err %v, want a ParseError", err)
			}
			if pe.Line != c.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, c.line, err)
			}
		})
	}
}

func TestParseKeepsUnknownAndSkipsUnusableCrypto(t *testing.T) {
	body := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nx=whatever\r\n" +
		"m=audio 4000 RTP/SAVP 0\r\na=weird\r\n" +
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:AAAA\r\n" +
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" + keyB64(30, 9) + "|2^20|1:4\r\n" +
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" + keyB64(30, 9) + "|2^31\r\n"
	s, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := s.Audio()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Crypto) != 1 || m.Crypto[0].Tag != 3 {
		t.Errorf("usable crypto %+v, want only tag 3 (no MKI, known suite)", m.Crypto)
	}
	if m.Attributes[0].Name != "weird" {
		t.Errorf("attributes %+v", m.Attributes)
	}
}

func TestParseSecurity(t *testing.T) {
	for in, want := range map[string]Security{
		"":                       SecurityNone,
		"DONOTSUPPORTENCRYPTION": SecurityNone,
		"DoNotSupportEncryption": SecurityNone,
		"SUPPORTENCRYPTION":      SecurityOptional,
		"Preferable":             SecurityOptional,
		"RequireEncryption":      SecurityRequired,
		"mandatory":              SecurityRequired,
	} {
		got, err := ParseSecurity(in)
		if err != nil || got != want {
			t.Errorf("ParseSecurity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSecurity("sometimes"); !errors.Is(err, ErrBadLocal) {
		t.Errorf("bad mode: err %v", err)
	}
}
