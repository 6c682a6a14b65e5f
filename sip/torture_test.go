package sip_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// torture reads a corpus message (see testdata/torture/README.md).
func torture(t *testing.T, path, via, ua string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.HasPrefix(s, "#") {
		s = s[strings.IndexByte(s, '\n')+1:]
	}
	s = strings.ReplaceAll(s, "{{VIA}}", via)
	s = strings.ReplaceAll(s, "{{UA}}", ua)
	s = strings.ReplaceAll(s, "\n", "\r\n")
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = strings.ReplaceAll(s, "{{LEN}}", strconv.Itoa(len(s)-i-4))
	}
	return []byte(s)
}

// wire is the test's own UDP socket facing the phone.
type wire struct {
	t    *testing.T
	conn net.PacketConn
	ua   net.Addr
}

func (w *wire) send(b []byte) {
	w.t.Helper()
	if _, err := w.conn.WriteTo(b, w.ua); err != nil {
		w.t.Fatal(err)
	}
}

// responses reads what comes back within d.
func (w *wire) responses(d time.Duration) []string {
	var out []string
	buf := make([]byte, 65536)
	deadline := time.Now().Add(d)
	for {
		w.conn.SetReadDeadline(deadline)
		n, _, err := w.conn.ReadFrom(buf)
		if err != nil {
			return out
		}
		out = append(out, string(buf[:n]))
	}
}

// finalCode waits for a final response to the request with callID
// (ignoring 1xx and other calls' retransmissions) and returns its code; a
// failure of an INVITE is ACKed.
func (w *wire) finalCode(callID string, d time.Duration) int {
	buf := make([]byte, 65536)
	deadline := time.Now().Add(d)
	for {
		w.conn.SetReadDeadline(deadline)
		n, _, err := w.conn.ReadFrom(buf)
		if err != nil {
			return 0
		}
		msg := string(buf[:n])
		if !strings.Contains(msg, "Call-ID: "+callID+"\r\n") && !strings.Contains(msg, "i: "+callID+"\r\n") {
			continue
		}
		f := strings.Fields(msg)
		if len(f) >= 2 && f[0] == "SIP/2.0" {
			if code, _ := strconv.Atoi(f[1]); code >= 200 {
				if code >= 300 && strings.Contains(msg, " INVITE\r\n") {
					w.ack(msg)
				}
				return code
			}
		}
	}
}

// ack acknowledges a failure response to an INVITE (RFC 3261 §17.1.1.3),
// built from the response's own headers.
func (w *wire) ack(res string) {
	var hs []string
	for _, line := range strings.Split(res, "\r\n")[1:] {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v", "from", "f", "to", "t", "call-id", "i":
			hs = append(hs, line)
		case "cseq":
			hs = append(hs, strings.Replace(line, "INVITE", "ACK", 1))
		}
	}
	w.conn.WriteTo([]byte("ACK sip:user@"+w.ua.String()+" SIP/2.0\r\n"+strings.Join(hs, "\r\n")+"\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"), w.ua)
}

// callID returns a message's Call-ID.
func callID(msg []byte) string {
	for _, line := range strings.Split(string(msg), "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if n := strings.ToLower(strings.TrimSpace(name)); ok && (n == "call-id" || n == "i") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// alive checks the phone still answers OPTIONS.
func (w *wire) alive(via string) {
	w.t.Helper()
	id := "alive" + strconv.Itoa(rand.Int())
	w.send([]byte("OPTIONS sip:user@" + w.ua.String() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + via + ";branch=z9hG4bK" + strconv.Itoa(rand.Int()) +
		"\r\nTo: <sip:user@x>\r\nFrom: <sip:t@x>;tag=1\r\nCall-ID: " + id + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
	if code := w.finalCode(id, 2*time.Second); code != 200 {
		w.t.Fatalf("phone no longer answers OPTIONS (got %d)", code)
	}
}

// newWire opens a loopback socket that talks raw SIP to p; via is its
// address, for the Via of the requests sent on it.
func newWire(t *testing.T, p *phone) (w *wire, via string) {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &wire{t: t, conn: conn, ua: net.UDPAddrFromAddrPort(p.LocalAddr())}, conn.LocalAddr().String()
}

func TestTortureMessages(t *testing.T) {
	p := startUA(t, directUA(t, "user", "127.0.0.1:9"))
	w, via := newWire(t, p)
	ua := p.LocalAddr().String()

	want := map[string]int{ // the answer the RFC asks for, where it names one
		"regaut.sip": 405, "bext01.sip": 420, "unkscm.sip": 416,
		"noreason.sip": 200, "lwsdisp.sip": 200, "badvers.sip": 505, "longreq.sip": 200, "semiuri.sip": 200,
		"transports.sip": 200, "unksm2.sip": 200,
	}
	valid, _ := filepath.Glob("testdata/torture/valid/*.sip")
	invalid, _ := filepath.Glob("testdata/torture/invalid/*.sip")
	dropped, _ := filepath.Glob("testdata/torture/dropped/*.sip")
	invalid = append(invalid, dropped...)
	if len(valid) < 10 || len(invalid) < 10 {
		t.Fatalf("corpus too small: %d valid, %d invalid", len(valid), len(invalid))
	}
	for _, f := range valid {
		name := filepath.Base(f)
		t.Run("valid/"+name, func(t *testing.T) {
			w.t = t
			msg := torture(t, f, via, ua)
			w.send(msg)
			code := w.finalCode(callID(msg), 500*time.Millisecond)
			if code == 0 {
				// An INVITE: the phone offers the call; the test refuses it.
				in, err := siptest.WaitFor(p.ev, func(sip.IncomingCallEvent) bool { return true })
				if err != nil {
					t.Fatalf("no response and no incoming call: %v", err)
				}
				if err := in.Call.Reject(context.Background(), 486, ""); err != nil {
					t.Fatal(err)
				}
				code = w.finalCode(callID(msg), 2*time.Second)
			}
			if code < 200 {
				t.Fatalf("no final response")
			}
			if wc, ok := want[name]; ok && code != wc {
				t.Fatalf("answered %d, want %d", code, wc)
			}
		})
	}
	for _, f := range invalid {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			w.t = t
			msg := torture(t, f, via, ua)
			w.send(msg)
			answered := ""
			for _, r := range w.responses(300 * time.Millisecond) {
				if callID([]byte(r)) != callID(msg) {
					continue
				}
				f := strings.Fields(r)
				if len(f) > 1 && f[1][0] == '2' {
					t.Errorf("a broken message was accepted:\n%s", r)
				}
				if len(f) > 1 {
					answered = f[1]
				}
			}
			if wc, ok := want[filepath.Base(f)]; ok && answered != strconv.Itoa(wc) {
				t.Errorf("answered %q, want %d", answered, wc)
			}
			p.ev.Drain(10 * time.Millisecond)
			w.alive(via)
		})
	}
}

// Truncated, oversized and garbage datagrams: dropped or refused, and the
// phone goes on answering.
func TestBrokenDatagrams(t *testing.T) {
	p := startUA(t, directUA(t, "user", "127.0.0.1:9"))
	w, via := newWire(t, p)
	msg := torture(t, "testdata/torture/valid/esc01.sip", via, p.LocalAddr().String())
	// Every truncation of a good INVITE.
	for n := 1; n < len(msg); n += 7 {
		cut := bytes.Replace(msg[:n], []byte("esc01."), []byte("cut"+strconv.Itoa(n)+"."), 1)
		w.send(cut)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 1400)
	for range 50 {
		for i := range garbage {
			garbage[i] = byte(rng.UintN(256))
		}
		w.send(garbage)
	}
	w.send([]byte("\r\n\r\n"))                                                                                                                                                                            // a keep-alive
	w.send(make([]byte, 512))                                                                                                                                                                             // NUL bytes
	w.send(append([]byte("INVITE sip:a@b SIP/2.0\r\nVia: "), bytes.Repeat([]byte("x"), 60000)...))                                                                                                        // oversized
	w.send([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " + via + ";branch=z9hG4bKstray\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nContent-Length: 0\r\n\r\n")) // a stray 2xx
	w.responses(500 * time.Millisecond)
	p.ev.Drain(100 * time.Millisecond)
	w.alive(via)
	// Calls still work.
	inv := torture(t, "testdata/torture/valid/unreason.sip", via, p.LocalAddr().String())
	w.send(inv)
	in := siptest.Wait[sip.IncomingCallEvent](p.ev)
	in.Call.Reject(context.Background(), 486, "")
	if code := w.finalCode(callID(inv), 2*time.Second); code != 486 {
		t.Fatalf("after the storm: %d", code)
	}
}

// A datagram far larger than sipgo's read buffer (SetReadBufferSize, 1 KiB
// in these tests) reaches the phone whole: an OPTIONS carrying 20 KB is
// answered, and so is an INVITE whose offer is past the buffer's end.
func TestDatagramsLargerThanTheReadBuffer(t *testing.T) {
	p := startUA(t, directUA(t, "user", "127.0.0.1:9"))
	w, via := newWire(t, p)
	body := strings.Repeat("0123456789abcdef", 1250)
	w.send([]byte("OPTIONS sip:user@" + p.LocalAddr().String() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + via + ";branch=z9hG4bKbig1" +
		"\r\nTo: <sip:user@x>\r\nFrom: <sip:t@x>;tag=1\r\nCall-ID: big-options\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70" +
		"\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body))
	if code := w.finalCode("big-options", 2*time.Second); code != 200 {
		t.Fatalf("a 20 KB OPTIONS answered %d", code)
	}
	var sdp strings.Builder
	sdp.WriteString("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n")
	for i := range 100 {
		fmt.Fprintf(&sdp, "a=x-padding-%d:%s\r\n", i, strings.Repeat("p", 40))
	}
	sdp.WriteString("a=rtpmap:0 PCMU/8000\r\n")
	w.send([]byte("INVITE sip:user@" + p.LocalAddr().String() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + via + ";branch=z9hG4bKbig2" +
		"\r\nTo: <sip:user@x>\r\nFrom: <sip:t@x>;tag=2\r\nCall-ID: big-invite\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70" +
		"\r\nContact: <sip:t@" + via + ">\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(sdp.Len()) + "\r\n\r\n" + sdp.String()))
	in := siptest.Wait[sip.IncomingCallEvent](p.ev)
	if !strings.Contains(string(in.Offer.Data), "a=rtpmap:0 PCMU/8000") {
		t.Errorf("the offer lost its end (%d bytes)", len(in.Offer.Data))
	}
	if err := in.Call.Reject(context.Background(), 486, ""); err != nil {
		t.Fatal(err)
	}
	if code := w.finalCode("big-invite", 2*time.Second); code != 486 {
		t.Fatalf("the large INVITE: %d", code)
	}
}

// SIPp sends requests the phone cannot parse, then an OPTIONS: the broken
// ones are dropped unanswered, the OPTIONS answered.
func TestMalformedRequestsFromSIPp(t *testing.T) {
	p := startUA(t, directUA(t, "1001", "127.0.0.1:9"))
	s := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uac-malformed.xml"), Remote: p.LocalAddr().String(), Service: "1001"})
	if err := s.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if evs := p.ev.Drain(100 * time.Millisecond); len(evs) != 0 {
		t.Fatalf("malformed INVITEs became events: %v", evs)
	}
}

// The UA's writer of its UDP requests writes what sipgo writes: the
// torture corpus's valid requests (bodies, odd URIs, many headers), one
// with compact headers, one with none.
func TestWriteRequestWritesWhatSipgoWrites(t *testing.T) {
	files, err := filepath.Glob("testdata/torture/valid/*.sip")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	var reqs []*sipgosip.Request
	for _, f := range files {
		msg, err := sipgosip.NewParser().ParseSIP(torture(t, f, "127.0.0.1:5070", "127.0.0.1:5060"))
		if req, ok := msg.(*sipgosip.Request); ok && err == nil {
			reqs = append(reqs, req)
		}
	}
	if len(reqs) < 10 {
		t.Fatalf("%d requests read", len(reqs))
	}
	compact := reqs[0].Clone()
	compact.CompactHeaders = true
	bare := sipgosip.NewRequest(sipgosip.OPTIONS, sipgosip.Uri{Scheme: "sip", Host: "example.com"})
	reqs = append(reqs, compact, bare)
	for _, req := range reqs {
		var buf bytes.Buffer
		sip.WriteRequest(&buf, req)
		if want := req.String(); buf.String() != want {
			t.Errorf("wrote\n%q\nsipgo writes\n%q", buf.String(), want)
		}
	}
}
