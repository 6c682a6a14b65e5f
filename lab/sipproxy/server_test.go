package sipproxy_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/logtest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// TestMain sets sipgo's process-wide UDP size as the composition root does:
// relayed INVITEs with softphone SDP pass 1300 bytes.
func TestMain(m *testing.M) {
	sip.SetMaxUDPMessage(8192)
	os.Exit(m.Run())
}

func start(t *testing.T, cfg sipproxy.Config) *sipproxy.Server {
	t.Helper()
	if os.Getenv("SIP_DEBUG") != "" {
		cfg.Logger = logtest.New(t, slog.LevelDebug)
	}
	if cfg.Users == nil {
		cfg.Users = sipproxy.Numbered(1001, 1010, "pass")
	}
	s, err := sipproxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func TestRegisterWithSIPp(t *testing.T) {
	s := start(t, sipproxy.Config{})
	port := testpeer.FreePort(t, "udp") // one contact address for register and unregister
	run := func(user, pass, scenario, expires string) error {
		p := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: "testdata/sipp/" + scenario, Remote: s.Addr().String(), Port: port,
			Service: user, AuthUser: user, AuthPass: pass, Keys: map[string]string{"expires": expires}})
		return p.Wait(t, 10*time.Second)
	}
	if err := run("1003", "pass1003", "register.xml", "300"); err != nil {
		t.Fatal(err)
	}
	bs := s.Bindings("1003")
	if len(bs) != 1 || time.Until(bs[0].Expires) < 290*time.Second {
		t.Fatalf("bindings %+v", bs)
	}
	if err := run("1004", "wrong", "register.xml", "300"); err == nil {
		t.Fatal("a wrong password registered")
	}
	if len(s.Bindings("1004")) != 0 {
		t.Fatal("bound with a wrong password")
	}
	if err := run("1005", "pass1005", "register-brief.xml", "10"); err != nil {
		t.Fatal(err)
	}
	// Expires 0 removes the binding: the 200 lists no contact any more, which
	// fails the scenario's Contact check.
	if err := run("1003", "pass1003", "register.xml", "0"); err == nil {
		t.Fatal("unregister answered with a contact list")
	}
	if len(s.Bindings("1003")) != 0 {
		t.Fatal("binding kept after Expires: 0")
	}
}

func TestRoutingAnswersWithSIPp(t *testing.T) {
	s := start(t, sipproxy.Config{})
	p := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: "testdata/sipp/options.xml", Remote: s.Addr().String()})
	if err := p.Wait(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Two independent softphones register with the lab and call each other
// through it (Record-Route, loose routing of ACK and BYE).
func TestBaresipCallsThroughLab(t *testing.T) {
	s := start(t, sipproxy.Config{AuthCalls: true})
	reg := s.Addr().String()
	a := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1001", Registrar: reg})
	b := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1002", Registrar: reg})
	a.Dial(t, "sip:1002@"+s.Domain())
	b.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	a.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	a.Hangup(t)
	b.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	if st := s.Stats(); st.Forwarded < 2 { // INVITE and BYE (the ACK goes statelessly)
		t.Fatalf("the call did not go through the proxy: %+v", st)
	}
}

// linphonec (liblinphone) calls baresip through the lab.
func TestLinphoneCallsBaresipThroughLab(t *testing.T) {
	s := start(t, sipproxy.Config{})
	reg := s.Addr().String()
	b := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1002", Registrar: reg})
	l := testpeer.StartLinphone(t, testpeer.LinphoneConfig{User: "1006", Domain: s.Domain(), Registrar: reg})
	l.Command(t, "call sip:1002@"+s.Domain())
	b.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	mark := len(l.Output())
	b.Hangup(t)
	l.WaitOutputAfter(t, mark, "ended", 10*time.Second)
}

// The lab is a voice-quality collector: linphonec (liblinphone), set to
// send RFC 6035 reports to it, PUBLISHes one when its call through the lab
// ends; the lab challenges it, reads the report and keeps it: the call's
// Call-ID, the two parties, the codec and linphone's own measurements.
func TestLinphoneQualityReportToLab(t *testing.T) {
	s := start(t, sipproxy.Config{})
	reg := s.Addr().String()
	b := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1002", Registrar: reg})
	l := testpeer.StartLinphone(t, testpeer.LinphoneConfig{User: "1006", Domain: s.Domain(), Registrar: reg,
		QualityCollector: "sip:collector@" + s.Domain()})
	l.Command(t, "call sip:1002@"+s.Domain())
	b.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(time.Second)
	mark := len(l.Output())
	b.Hangup(t)
	l.WaitOutputAfter(t, mark, "ended", 10*time.Second)
	var reports []sipproxy.QualityReport
	deadline := time.Now().Add(10 * time.Second)
	for len(reports) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		reports = s.QualityReports()
	}
	if len(reports) == 0 {
		t.Fatal("no report from linphone")
	}
	r := reports[0]
	if r.User != "1006" || !r.Report.CallTerm || r.Report.CallID == "" ||
		!strings.Contains(r.Report.LocalID, "1006@") || !strings.Contains(r.Report.RemoteID, "1002@") {
		t.Errorf("report from %s: %+v", r.User, r.Report)
	}
	if l := r.Report.Local; map[string]int{"PCMU": 0, "PCMA": 8}[l.Codec] != l.PayloadType || l.SampleRate != 8000 || l.MOSLQ == 0 {
		t.Errorf("linphone reported codec %s/%d/%d MOS-LQ %.1f", l.Codec, l.PayloadType, l.SampleRate, l.MOSLQ)
	}
	// liblinphone writes its SSRCs in decimal (RFC 6035 says hex): read
	// either way.
	if r.Report.LocalAddr.SSRC == 0 || r.Report.RemoteAddr.SSRC == 0 || r.Report.Remote == nil {
		t.Errorf("addresses %v %v, remote metrics %v", r.Report.LocalAddr, r.Report.RemoteAddr, r.Report.Remote)
	}
}

// A TCP port already taken at a fixed address is a clear error, and the UDP
// socket opened before it is given back.
func TestTCPPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	_, err = sipproxy.New(sipproxy.Config{Addr: addr, TCP: true})
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "listen tcp") {
		t.Fatalf("New with the TCP port taken: %v", err)
	}
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP port kept after the failure: %v", err)
	}
	u.Close()
}

// rawRegister is a REGISTER for user 1001 with top Via branch and sent-by
// port viaPort, asking for rport when rport is set.
func rawRegister(s *sipproxy.Server, branch string, viaPort int, rport bool) []byte {
	via := "SIP/2.0/UDP 127.0.0.1:" + strconv.Itoa(viaPort) + ";branch=" + branch
	if rport {
		via += ";rport"
	}
	return []byte("REGISTER sip:" + s.Domain() + " SIP/2.0\r\n" +
		"Via: " + via + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:1001@" + s.Domain() + ">;tag=raw1\r\n" +
		"To: <sip:1001@" + s.Domain() + ">\r\n" +
		"Call-ID: raw-" + branch + "\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"Contact: <sip:1001@127.0.0.1:" + strconv.Itoa(viaPort) + ">\r\n" +
		"Content-Length: 0\r\n\r\n")
}

func readDatagram(t *testing.T, c net.PacketConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	return string(buf[:n])
}

// A retransmitted REGISTER (the same top Via branch) gets the response the
// first one got, word for word — the same nonce, the same To tag — and is
// counted once; the UDP registrar keeps no sipgo transaction but must
// behave as one (RFC 3261 §17.2.2).
func TestRegisterRetransmissionGetsSameAnswer(t *testing.T) {
	s := start(t, sipproxy.Config{})
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	dst := net.UDPAddrFromAddrPort(s.Addr())
	req := rawRegister(s, "z9hG4bK-retrans-1", port, false)
	var answers []string
	for range 2 {
		if _, err := c.WriteTo(req, dst); err != nil {
			t.Fatal(err)
		}
		answers = append(answers, readDatagram(t, c))
	}
	if !strings.HasPrefix(answers[0], "SIP/2.0 401 ") || !strings.Contains(answers[0], "WWW-Authenticate:") {
		t.Fatalf("first answer:\n%s", answers[0])
	}
	if answers[1] != answers[0] {
		t.Fatalf("the retransmission got another answer:\n%s\nfirst:\n%s", answers[1], answers[0])
	}
	if st := s.Stats(); st.Registers != 1 || st.Challenges != 1 {
		t.Fatalf("stats after a request and its retransmission: %+v", st)
	}
	// A new transaction is a new request: a new challenge.
	if _, err := c.WriteTo(rawRegister(s, "z9hG4bK-retrans-2", port, false), dst); err != nil {
		t.Fatal(err)
	}
	if third := readDatagram(t, c); third == answers[0] || !strings.HasPrefix(third, "SIP/2.0 401 ") {
		t.Fatalf("a new REGISTER got:\n%s", third)
	}
	if st := s.Stats(); st.Registers != 2 || st.Challenges != 2 {
		t.Fatalf("stats after two requests: %+v", st)
	}
}

// A response goes to the request's source address at the Via's port, or at
// the source port when the Via has rport (RFC 3261 §18.2.2, RFC 3581).
func TestRegisterAnswerGoesWhereViaSays(t *testing.T) {
	s := start(t, sipproxy.Config{})
	listen := func() (net.PacketConn, int) {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, c.LocalAddr().(*net.UDPAddr).Port
	}
	sender, _ := listen()
	other, otherPort := listen()
	dst := net.UDPAddrFromAddrPort(s.Addr())
	// No rport: the Via's port, another socket than the sender's.
	if _, err := sender.WriteTo(rawRegister(s, "z9hG4bK-via-1", otherPort, false), dst); err != nil {
		t.Fatal(err)
	}
	if got := readDatagram(t, other); !strings.Contains(got, "branch=z9hG4bK-via-1") {
		t.Fatalf("the Via's port got:\n%s", got)
	}
	// rport: back to the sender, with received and rport filled in.
	if _, err := sender.WriteTo(rawRegister(s, "z9hG4bK-via-2", otherPort, true), dst); err != nil {
		t.Fatal(err)
	}
	got := readDatagram(t, sender)
	sp := sender.LocalAddr().(*net.UDPAddr).Port
	if !strings.Contains(got, "branch=z9hG4bK-via-2") || !strings.Contains(got, "rport="+strconv.Itoa(sp)) || !strings.Contains(got, "received=127.0.0.1") {
		t.Fatalf("the sender got:\n%s", got)
	}
}

// The lab stopping as requests pour in leaves nothing behind. sipgo
// answers a request on a goroutine of its own, and one that ran after the
// transport had closed bound a socket of its own for the answer; and sipgo
// sends a UDP request from the socket it holds for the request's local
// address and port, binding one there when it holds none, so a request
// relayed once the lab's socket had closed bound the lab's own address and
// port again (a lab started again at the same address could not bind).
// Neither socket was ever closed. Each of thirty labs relays a flood of
// OPTIONS to a registered phone as it stops; before, 6 sockets of the first
// kind were left in every run and the port stayed bound in one lab in
// thirty or so.
func TestStoppingLabLeavesNothingBehind(t *testing.T) {
	before := siptest.StackSockets()
	for range 30 {
		s, err := sipproxy.New(sipproxy.Config{Users: sipproxy.Numbered(1001, 1010, "pass")})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		ua, err := sip.New(sip.Config{User: "1001", Password: "pass1001", Domain: s.Domain(), Transport: sip.UDP,
			Registrar: sip.Server{Host: s.Addr().Addr().String(), Port: int(s.Addr().Port())}, LocalAddr: netip.MustParseAddr("127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		uctx, ucancel := context.WithCancel(context.Background())
		udone := make(chan struct{})
		go func() { ua.Run(uctx); close(udone) }()
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = ua.Register(rctx)
		rcancel()
		if err != nil {
			t.Fatal(err)
		}
		stop := siptest.Flood(t, s.Addr()) // OPTIONS for 1001: relayed to the UA
		time.Sleep(20 * time.Millisecond)
		cancel()
		<-done
		stop()
		ucancel()
		<-udone
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(s.Addr()))
		if err != nil {
			t.Fatalf("the stopped lab's port: %v", err)
		}
		c.Close()
	}
	siptest.NoStackSocketsLeft(t, before)
}
