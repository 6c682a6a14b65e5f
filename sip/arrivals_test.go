package sip_test

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// startRingAndAnswer runs a UAS written for a test at 127.0.0.1 over UDP or
// TCP: it answers every INVITE with a 180 and the 200 written at once (two
// datagrams back to back, or one TCP segment), so that both wait at the
// phone's socket before it reads the first. Other requests but ACK get a
// 200.
func startRingAndAnswer(t *testing.T, tr sip.Transport) sip.Server {
	return startRawUAS(t, tr, nil)
}

// startRawUAS is startRingAndAnswer that also answers each ACK with what
// afterAck returns for the call's INVITE, written at once.
func startRawUAS(t *testing.T, tr sip.Transport, afterAck func(invite *sipgosip.Request, port int) [][]byte) sip.Server {
	t.Helper()
	var mu sync.Mutex
	invites := map[string]*sipgosip.Request{}
	answer := func(req *sipgosip.Request, port int) [][]byte {
		if req.Method == sipgosip.ACK {
			mu.Lock()
			inv := invites[req.CallID().Value()]
			mu.Unlock()
			if afterAck == nil || inv == nil {
				return nil
			}
			return afterAck(inv, port)
		}
		if req.Method != sipgosip.INVITE {
			return [][]byte{[]byte(sipgosip.NewResponseFromRequest(req, 200, "OK", nil).String())}
		}
		contact := &sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: port}}
		if tr == sip.TCP {
			contact.Address.UriParams = sipgosip.HeaderParams{{K: "transport", V: "tcp"}}
		}
		mu.Lock()
		invites[req.CallID().Value()] = req
		mu.Unlock()
		ring := sipgosip.NewResponseFromRequest(req, 180, "Ringing", nil)
		ring.To().Params.Add("tag", "uas1")
		ok := sipgosip.NewResponseFromRequest(req, 200, "OK", testAnswer)
		ok.To().Params.Add("tag", "uas1")
		ok.AppendHeader(contact)
		ok.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
		return [][]byte{[]byte(ring.String()), []byte(ok.String())}
	}
	if tr == sip.UDP {
		port := serveUDP(t, func(req *sipgosip.Request, port int, send func(string)) {
			for _, d := range answer(req, port) {
				send(string(d))
			}
		})
		return sip.Server{Host: "127.0.0.1", Port: port}
	}
	done := make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	var conns sync.WaitGroup
	var open []net.Conn
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			conns.Go(func() {
				stream := sipgosip.NewParser().NewSIPStream()
				buf := make([]byte, 65535)
				for {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					stream.ParseSIPStream(buf[:n], func(msg sipgosip.Message) {
						if req, ok := msg.(*sipgosip.Request); ok {
							var out []byte
							for _, d := range answer(req, port) {
								out = append(out, d...)
							}
							conn.Write(out)
						}
					})
				}
			})
		}
	}()
	return sip.Server{Host: "127.0.0.1", Port: port}
}

// A 180 that arrives together with the 200 is not lost to it: the phone
// shows the call ringing, then answered. sipgo handles each message it reads
// on a goroutine of its own, and the 200's could reach the INVITE's
// transaction first, which then dropped the 180 (in about half of such calls
// over UDP); the phone takes provisional responses in the order it read
// them. TestRingingRightBeforeTheAnswerFromSIPp checks the same with SIPp,
// whose two sends are most often far enough apart not to race.
//
// behaviour: SIP-1
func TestRingingArrivingWithTheAnswer(t *testing.T) {
	for _, tr := range []sip.Transport{sip.UDP, sip.TCP} {
		t.Run(string(tr), func(t *testing.T) {
			uas := startRingAndAnswer(t, tr)
			p := startUA(t, sip.Config{User: "1001", Domain: "127.0.0.1", Proxy: uas, Transport: tr})
			ringsThenAnswered(t, p, "sip:2000@127.0.0.1", 100)
		})
	}
}

// Two requests of a dialog that arrive together are taken in that order: two
// INFO digits written at once after the ACK come out as the two digits, in
// order, each answered 200 (one taken before the other had been answered 500
// as out of order, its digit lost).
//
// behaviour: SIP-1
func TestRequestsArrivingTogether(t *testing.T) {
	for _, tr := range []sip.Transport{sip.UDP, sip.TCP} {
		t.Run(string(tr), func(t *testing.T) {
			uas := startRawUAS(t, tr, func(inv *sipgosip.Request, port int) [][]byte {
				var out [][]byte
				for i, digit := range []string{"1", "2"} {
					info := sipgosip.NewRequest(sipgosip.INFO, inv.Contact().Address)
					info.AppendHeader(&sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: string(tr), Host: "127.0.0.1", Port: port,
						Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.GenerateBranch()}}})
					from := &sipgosip.FromHeader{Address: inv.To().Address, Params: sipgosip.HeaderParams{{K: "tag", V: "uas1"}}}
					info.AppendHeader(from)
					info.AppendHeader(&sipgosip.ToHeader{Address: inv.From().Address, Params: inv.From().Params})
					info.AppendHeader(inv.CallID())
					info.AppendHeader(&sipgosip.CSeqHeader{SeqNo: uint32(i + 1), MethodName: sipgosip.INFO})
					info.AppendHeader(sipgosip.NewHeader("Content-Type", "application/dtmf-relay"))
					info.SetBody([]byte("Signal=" + digit + "\r\nDuration=160\r\n"))
					out = append(out, []byte(info.String()))
				}
				return out
			})
			p := startUA(t, sip.Config{User: "1001", Domain: "127.0.0.1", Proxy: uas, Transport: tr})
			p.ev.Timeout = 2 * time.Second
			for i := range 50 {
				call, err := p.Invite(ctxT(t), "sip:2000@127.0.0.1", sip.SDP(testOffer), sip.InviteOptions{})
				if err != nil {
					t.Fatal(err)
				}
				twoDigits(t, p, call, i+1)
				if err := call.Hangup(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// startUDPPeer runs a SIP peer written for a test on a UDP socket at
// 127.0.0.1: invite answers each INVITE (send writes a message back; port
// is the peer's own); every other request goes to the channel returned,
// answered 200 unless it is an ACK.
func startUDPPeer(t *testing.T, invite func(req *sipgosip.Request, port int, send func(string))) (sip.Server, <-chan *sipgosip.Request) {
	t.Helper()
	got := make(chan *sipgosip.Request, 16)
	port := serveUDP(t, func(req *sipgosip.Request, port int, send func(string)) {
		if req.Method == sipgosip.INVITE {
			invite(req, port, send)
			return
		}
		got <- req
		if req.Method != sipgosip.ACK {
			send(sipgosip.NewResponseFromRequest(req, 200, "OK", nil).String())
		}
	})
	return sip.Server{Host: "127.0.0.1", Port: port}, got
}

// serveUDP reads SIP requests on a UDP socket at 127.0.0.1, for the test:
// handle takes each (send writes a message back to its source; port is the
// socket's own). It returns the port.
func serveUDP(t *testing.T, handle func(req *sipgosip.Request, port int, send func(string))) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := sipgosip.NewParser().ParseSIP(append([]byte(nil), buf[:n]...))
			if req, ok := msg.(*sipgosip.Request); ok && err == nil {
				handle(req, port, func(m string) { c.WriteTo([]byte(m), from) })
			}
		}
	}()
	return port
}

// A forking proxy's branches: one rings (180, its tag and route), another
// answers (200, a tag and a route of its own). The call is the answering
// branch's dialog: its ACK and BYE carry the 200's tag and follow the 200's
// Record-Route (RFC 3261 §13.2.2.4), not the early dialog's, whose route
// leads nowhere here.
//
// behaviour: SIP-1
func TestAnswerFromAnotherBranchThanTheRinging(t *testing.T) {
	peer, got := startUDPPeer(t, func(req *sipgosip.Request, self int, send func(string)) {
		ring := sipgosip.NewResponseFromRequest(req, 180, "Ringing", nil)
		ring.To().Params.Add("tag", "branch-a")
		ring.AppendHeader(&sipgosip.RecordRouteHeader{Address: sipgosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: 9, UriParams: sipgosip.HeaderParams{{K: "lr", V: ""}}}})
		ring.AppendHeader(&sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1", Port: 9}})
		ok200 := sipgosip.NewResponseFromRequest(req, 200, "OK", testAnswer)
		ok200.To().Params.Add("tag", "branch-b")
		ok200.AppendHeader(&sipgosip.RecordRouteHeader{Address: sipgosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: self, UriParams: sipgosip.HeaderParams{{K: "lr", V: ""}}}})
		ok200.AppendHeader(&sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: "b", Host: "127.0.0.1", Port: self}})
		ok200.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
		send(ring.String())
		time.Sleep(10 * time.Millisecond)
		send(ok200.String())
	})
	port := peer.Port
	p := startUA(t, sip.Config{User: "1001", Domain: "127.0.0.1", Proxy: peer, Transport: sip.UDP})
	call, err := p.Invite(ctxT(t), "sip:2000@127.0.0.1", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	wantRoute := fmt.Sprintf("<sip:127.0.0.1:%d;lr>", port)
	for _, method := range []sipgosip.RequestMethod{sipgosip.ACK, sipgosip.BYE} {
		select {
		case req := <-got:
			tag, _ := req.To().Params.Get("tag")
			route := ""
			if r := req.GetHeader("Route"); r != nil {
				route = r.Value()
			}
			if req.Method != method || tag != "branch-b" || route != wantRoute || req.Recipient.User != "b" {
				t.Errorf("%s to %s, To tag %q, Route %q; want %s to b, tag branch-b, Route %s", req.Method, req.Recipient.String(), tag, route, method, wantRoute)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s from the phone", method)
		}
	}
}

// Two branches of a forking proxy both answer. The phone keeps one call and
// ends the other dialog as RFC 3261 §13.2.2.4 wants: it acknowledges the
// other 2xx (again when it comes again) and sends it a BYE, once; the call
// it keeps is acknowledged and, hung up, gets its BYE.
//
// behaviour: SIP-1
func TestTwoBranchesAnswer(t *testing.T) {
	peer, got := startUDPPeer(t, func(req *sipgosip.Request, port int, send func(string)) {
		var answers []string
		for _, branch := range []string{"a", "b"} {
			ok := sipgosip.NewResponseFromRequest(req, 200, "OK", testAnswer)
			ok.To().Params.Add("tag", branch)
			ok.AppendHeader(&sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: branch, Host: "127.0.0.1", Port: port}})
			ok.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
			answers = append(answers, ok.String())
		}
		for _, a := range answers {
			send(a)
		}
		// Sent again, as a UAS does until its ACK comes (the phone's
		// requests wait at the socket meanwhile).
		time.Sleep(600 * time.Millisecond)
		for _, a := range answers {
			send(a)
		}
	})
	p := startUA(t, sip.Config{User: "1001", Domain: "127.0.0.1", Proxy: peer, Transport: sip.UDP})
	call, err := p.Invite(ctxT(t), "sip:2000@127.0.0.1", sip.SDP(testOffer), sip.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	siptest.WaitMatch(p.ev, func(e sip.CallAnsweredEvent) bool { return e.Call == call })
	// What each branch receives, by the tag in To, until nothing more
	// comes: the answers are sent again after 600 ms.
	acks, byes := map[string]int{}, map[string]int{}
	byeBranches := map[string]bool{}
	var bye []string // the tags BYEs went to, in order
	drain := func() {
		for {
			select {
			case req := <-got:
				tag, _ := req.To().Params.Get("tag")
				if req.Recipient.User != tag {
					t.Errorf("%s with tag %s sent to %s", req.Method, tag, req.Recipient.String())
				}
				switch req.Method {
				case sipgosip.ACK:
					acks[tag]++
				case sipgosip.BYE:
					if acks[tag] == 0 {
						t.Errorf("BYE to %s before its ACK", tag)
					}
					// A BYE sent again (its 200 waited behind the peer's
					// answers sent again) is the same transaction.
					if branch, _ := req.Via().Params.Get("branch"); !byeBranches[branch] {
						byeBranches[branch] = true
						byes[tag]++
						bye = append(bye, tag)
					}
				}
			case <-time.After(time.Second):
				return
			}
		}
	}
	drain()
	if acks["a"] == 0 || acks["b"] == 0 || len(bye) != 1 {
		t.Fatalf("ACKs %v, BYEs %v; want both answers acknowledged and a BYE to one", acks, byes)
	}
	if err := call.Hangup(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	drain()
	if len(bye) != 2 || bye[0] == bye[1] {
		t.Fatalf("BYEs to %v; want one to the other branch, then one to the call's at hang-up", bye)
	}
}

// The ACK to the phone's 200 and a BYE written right behind it: the call is
// confirmed, then ended, in that order.
//
// behaviour: SIP-1
func TestAckAndByeArrivingTogether(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	port := c.LocalAddr().(*net.UDPAddr).Port
	p := startUA(t, sip.Config{User: "1001", Domain: "127.0.0.1", Transport: sip.UDP})
	p.ev.Timeout = 2 * time.Second
	to := net.UDPAddrFromAddrPort(p.LocalAddr())
	for i := range 30 {
		callID := fmt.Sprintf("ackbye-%d", i)
		via := func() *sipgosip.ViaHeader {
			return &sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: "127.0.0.1", Port: port,
				Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.GenerateBranch()}}}
		}
		request := func(method sipgosip.RequestMethod, seq uint32, toTag string) *sipgosip.Request {
			req := sipgosip.NewRequest(method, sipgosip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1", Port: to.Port})
			req.AppendHeader(via())
			req.AppendHeader(&sipgosip.FromHeader{Address: sipgosip.Uri{Scheme: "sip", User: "2000", Host: "127.0.0.1"}, Params: sipgosip.HeaderParams{{K: "tag", V: "uac1"}}})
			toh := &sipgosip.ToHeader{Address: sipgosip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}}
			if toTag != "" {
				toh.Params = sipgosip.HeaderParams{{K: "tag", V: toTag}}
			}
			req.AppendHeader(toh)
			cid := sipgosip.CallIDHeader(callID)
			req.AppendHeader(&cid)
			req.AppendHeader(&sipgosip.CSeqHeader{SeqNo: seq, MethodName: method})
			req.AppendHeader(&sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: "2000", Host: "127.0.0.1", Port: port}})
			req.AppendHeader(sipgosip.NewHeader("Max-Forwards", "70"))
			return req
		}
		inv := request(sipgosip.INVITE, 1, "")
		inv.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
		inv.SetBody(testOffer)
		c.WriteTo([]byte(inv.String()), to)
		in := siptest.Wait[sip.IncomingCallEvent](p.ev)
		if err := in.Call.Answer(ctxT(t), sip.SDP(testAnswer)); err != nil {
			t.Fatal(err)
		}
		// The 200 (after any provisional), then the ACK and BYE at once.
		var tag string
		buf := make([]byte, 65535)
		for tag == "" {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				t.Fatalf("call %d: no 200: %v", i+1, err)
			}
			msg, err := sipgosip.NewParser().ParseSIP(append([]byte(nil), buf[:n]...))
			if res, ok := msg.(*sipgosip.Response); ok && err == nil && res.StatusCode == 200 &&
				res.CSeq().MethodName == sipgosip.INVITE && res.CallID().Value() == callID {
				tag, _ = res.To().Params.Get("tag")
			}
		}
		c.WriteTo([]byte(request(sipgosip.ACK, 1, tag).String()), to)
		c.WriteTo([]byte(request(sipgosip.BYE, 2, tag).String()), to)
		confirmedThenEnded(t, p, i+1)
	}
}
