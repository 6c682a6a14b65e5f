package sipproxy

import (
	"bytes"
	"net"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// answerKeep is how long the answer to a REGISTER over UDP is kept for its
// retransmissions: Timer J, 64*T1 (RFC 3261 §17.2.2).
const answerKeep = 64 * 500 * time.Millisecond

// udpRegistrar answers the REGISTERs that reach the UDP socket, before
// sipgo sees them. A registrar's transaction is one request and one final
// response, and all it needs of a server transaction is that a
// retransmission gets the same response again; with sipgo's transactions
// (a state machine, timers, a goroutine for the handler, a context) the
// registrar was about a fifth of a 10,000-phone lab storm's CPU, without
// them about an eighth (the parsing, the digest and the answers). The
// socket's read loop parses a REGISTER (take) and queues it; one worker
// (run) answers the queue in order, so that the read loop drains the
// socket as fast as before while the digest checks and answers go on.
// Only the worker uses the answers.
type udpRegistrar struct {
	s       *Server
	conn    *net.UDPConn
	parser  *sipgosip.Parser
	now     func() time.Time
	queue   chan udpRegister
	answers map[string]*udpAnswer // by the top Via's branch
	order   []*udpAnswer          // oldest first from head, for expiry
	head    int
}

// udpRegister is a parsed REGISTER waiting for the worker.
type udpRegister struct {
	req    *sipgosip.Request
	branch string
	to     *net.UDPAddr // where its responses go
}

// udpQueue is how many REGISTERs wait for the worker before the read loop
// waits (and the socket's buffer fills instead).
const udpQueue = 1024

// udpAnswer is a final response sent, kept for retransmissions.
type udpAnswer struct {
	branch string
	data   []byte
	to     *net.UDPAddr
	until  time.Time
}

func newUDPRegistrar(s *Server, conn *net.UDPConn) *udpRegistrar {
	return &udpRegistrar{s: s, conn: conn, parser: sipgosip.NewParser(), now: time.Now,
		queue: make(chan udpRegister, udpQueue), answers: map[string]*udpAnswer{}}
}

// take queues data for the worker when it is a REGISTER and reports
// whether it did; any other datagram, or one that does not parse or has no
// transaction to key it by, is left to sipgo. The read loop calls it with a
// datagram of its own (datagram.Conn reads each into a new buffer).
func (r *udpRegistrar) take(data []byte, from net.Addr) bool {
	src, ok := from.(*net.UDPAddr)
	if !ok || !strings.HasPrefix(string(data), "REGISTER ") {
		return false
	}
	msg, err := r.parser.ParseSIP(data)
	if err != nil {
		return false
	}
	req, ok := msg.(*sipgosip.Request)
	if !ok {
		return false
	}
	via := req.Via()
	if via == nil {
		return false
	}
	branch, _ := via.Params.Get("branch")
	if branch == "" {
		return false
	}
	req.SetTransport("UDP")
	req.SetSource(src.String())
	r.queue <- udpRegister{req: req, branch: branch, to: responseAddr(via, src)}
	return true
}

// run answers the queued REGISTERs until the queue is closed.
func (r *udpRegistrar) run() {
	for q := range r.queue {
		r.answer(q)
	}
}

func (r *udpRegistrar) answer(q udpRegister) {
	r.expire(r.now())
	if a := r.answers[q.branch]; a != nil {
		// A retransmission: the same answer again, without counting the
		// REGISTER again or replaying its credentials.
		r.write(a.data, a.to)
		return
	}
	r.s.register(q.req, &udpResponse{r: r, branch: q.branch, to: q.to})
}

// expire forgets the answers whose time is over. The kept ones move to
// the front only once the expired ones are half the slice, so that each
// answer is copied a bounded number of times.
func (r *udpRegistrar) expire(now time.Time) {
	for r.head < len(r.order) {
		a := r.order[r.head]
		if now.Before(a.until) {
			break
		}
		if r.answers[a.branch] == a {
			delete(r.answers, a.branch)
		}
		r.order[r.head] = nil
		r.head++
	}
	if r.head > 0 && r.head >= len(r.order)/2 {
		n := copy(r.order, r.order[r.head:])
		clear(r.order[n:])
		r.order, r.head = r.order[:n], 0
	}
}

func (r *udpRegistrar) write(data []byte, to *net.UDPAddr) error {
	_, err := r.conn.WriteToUDP(data, to)
	return err
}

// udpResponse sends a REGISTER's response and keeps the final one.
type udpResponse struct {
	r      *udpRegistrar
	branch string
	to     *net.UDPAddr
}

func (t *udpResponse) Respond(res *sipgosip.Response) error {
	var b bytes.Buffer
	res.StringWrite(&b)
	data := b.Bytes()
	if res.StatusCode >= 200 {
		a := &udpAnswer{branch: t.branch, data: data, to: t.to, until: t.r.now().Add(answerKeep)}
		t.r.answers[t.branch] = a
		t.r.order = append(t.r.order, a)
	}
	return t.r.write(data, t.to)
}

// responseAddr is where a response to a request over UDP goes (RFC 3261
// §18.2.2, RFC 3581 §4): the address it came from, at the top Via's port,
// or at the port it came from when the Via asks for rport.
func responseAddr(via *sipgosip.ViaHeader, src *net.UDPAddr) *net.UDPAddr {
	port := via.Port
	if via.Params.Has("rport") {
		port = src.Port
	}
	if port == 0 {
		port = 5060
	}
	return &net.UDPAddr{IP: src.IP, Port: port, Zone: src.Zone}
}
