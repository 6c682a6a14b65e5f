package sipproxy

import (
	"net"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// answerKeep is how long the answer to a REGISTER over UDP is kept for its
// retransmissions: Timer J, 64*T1 (RFC 3261 §17.2.2).
const answerKeep = 64 * 500 * time.Millisecond

// udpRegistrar answers the REGISTERs that reach the UDP socket in the
// socket's read loop, before sipgo sees them. A registrar's transaction is
// one request and one final response, and all it needs of a server
// transaction is that a retransmission gets the same response again; sipgo's
// transaction (a state machine, timers, a goroutine for the handler, a
// context) cost the lab more per phone than the registration itself in a
// boot storm. Only the read loop uses a udpRegistrar: the REGISTERs of one
// socket are answered in the order they arrive, one at a time.
type udpRegistrar struct {
	s       *Server
	conn    *net.UDPConn
	parser  *sipgosip.Parser
	now     func() time.Time
	answers map[string]*udpAnswer // by the top Via's branch
	order   []*udpAnswer          // oldest first from head, for expiry
	head    int
}

// udpAnswer is a final response sent, kept for retransmissions.
type udpAnswer struct {
	branch string
	data   []byte
	to     *net.UDPAddr
	until  time.Time
}

func newUDPRegistrar(s *Server, conn *net.UDPConn) *udpRegistrar {
	return &udpRegistrar{s: s, conn: conn, parser: sipgosip.NewParser(), now: time.Now, answers: map[string]*udpAnswer{}}
}

// take answers data when it is a REGISTER and reports whether it did; any
// other datagram, or one that does not parse, is left to sipgo.
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
		return false // no transaction to key it by: sipgo's to answer
	}
	now := r.now()
	r.expire(now)
	if a := r.answers[branch]; a != nil {
		// A retransmission: the same answer again, without counting the
		// REGISTER again or replaying its credentials.
		r.write(a.data, a.to)
		return true
	}
	req.SetTransport("UDP")
	req.SetSource(src.String())
	tx := &udpResponse{r: r, branch: branch, to: responseAddr(via, src)}
	r.s.register(req, tx)
	return true
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
	var b strings.Builder
	res.StringWrite(&b)
	data := []byte(b.String())
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
