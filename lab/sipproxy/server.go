// Package sipproxy is the lab's SIP registrar and proxy: the server the
// emulated phones register with and call each other through when no real
// PBX is around.
//
// It behaves like a small real server (Kamailio with a location service):
// REGISTER with digest authentication (MD5 or SHA-256, qop=auth, nonce
// reuse with an increasing nonce count, replays refused), 423 Interval Too
// Brief below MinExpires, a location service, and stateful proxying of
// INVITE, SUBSCRIBE, REFER, NOTIFY, MESSAGE and OPTIONS to registered
// contacts with Record-Route, so that the rest of each dialog (ACK, BYE,
// re-INVITE, PRACK, INFO, NOTIFY) flows through it by loose routing.
// CANCEL is forwarded downstream, and an INVITE's branch that rang and then
// went silent is cancelled after Timer C (RFC 3261 §16.6). It listens on UDP,
// and on TCP at the same port when asked.
//
// It never imports the phone: it is the world around the phones.
package sipproxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/internal/sipinorder"
	"github.com/hdphone/hdphone/internal/sockbuf"
	"github.com/hdphone/hdphone/internal/stacklog"
)

// Config describes a lab registrar/proxy. The zero value listens on a
// kernel-chosen UDP port of 127.0.0.1 and lets nobody register.
type Config struct {
	// Addr is the listen address; "" means 127.0.0.1:0.
	Addr string
	// TCP also listens on TCP at the same port.
	TCP bool
	// Domain is the SIP domain and digest realm; "" means the listen IP.
	Domain string
	// Users are the accounts; nil means none.
	Users Users
	// Algorithm is the digest algorithm: "MD5" (default) or "SHA-256".
	Algorithm string
	// AuthCalls challenges INVITE, SUBSCRIBE, REFER and MESSAGE from
	// registered users with 407, as a PBX does.
	AuthCalls bool
	// MinExpires is the shortest registration accepted (423 below it);
	// zero means 60 s.
	MinExpires time.Duration
	// MaxExpires caps registrations; zero means 2 hours.
	MaxExpires time.Duration
	// ReadBuffer is the UDP socket's receive buffer in bytes; 0 keeps the
	// system's default (a fleet's boot storm needs megabytes).
	ReadBuffer int
	// TimerC bounds how long a proxied INVITE waits for a final response
	// after its last provisional one (RFC 3261 §16.6 step 11): then the
	// branch is cancelled and, when it stays silent, the caller gets 408.
	// Zero means DefaultTimerC.
	TimerC time.Duration
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// DefaultTimerC is Config.TimerC's default: RFC 3261 wants more than three
// minutes.
const DefaultTimerC = 3*time.Minute + time.Second

// cancelWait is how long a cancelled branch has for its final response
// (487) before the proxy gives it up: a CANCEL transaction's own time-out
// over UDP (64·T1), or Timer C when that is shorter.
func (s *Server) cancelWait() time.Duration { return min(64*sipgosip.T1, s.cfg.TimerC) }

// Binding is a registered contact.
type Binding struct {
	User    string
	Contact string
	Expires time.Time
	// Source is where the REGISTER came from, Transport how.
	Source    string
	Transport string
	CallID    string
	CSeq      uint32
	UserAgent string

	contact sipgosip.Uri
}

// Server is a running lab registrar/proxy.
type Server struct {
	cfg  Config
	log  *slog.Logger
	auth *authenticator
	ip   net.IP
	port int
	udp  net.PacketConn
	tcp  net.Listener

	sua *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client
	reg *udpRegistrar

	wg      sync.WaitGroup
	stopped chan struct{}
	// done ends with stopped, for the handlers waiting their turn.
	done context.Context
	stop context.CancelFunc

	// what the transport read, in order: the responses of forwarded
	// requests, relayed in that order, and the requests of each dialog,
	// forwarded in that order (see internal/sipinorder)
	responses sipinorder.Responses
	requests  sipinorder.Requests

	// sendMu makes the relay's UDP sends and the socket's closing take
	// turns (fromSocket): a request handed to sipgo once the socket
	// closed would bind the lab's port anew.
	sendMu       sync.Mutex
	socketClosed bool

	mu       sync.Mutex // guards the following fields
	bindings map[string][]*Binding
	stats    Stats
	reports  []QualityReport
}

// errStopped refuses a send once the server's socket has closed.
var errStopped = errors.New("sipproxy: stopped")

// Stats counts what the server did.
type Stats struct {
	Registers, Challenges, Registered, Forwarded int
	// Relaying counts the forwarded requests whose final response the
	// proxy still waits for.
	Relaying int
}

// New binds the server's sockets.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Users == nil {
		cfg.Users = func(string) (string, bool) { return "", false }
	}
	switch strings.ToUpper(cfg.Algorithm) {
	case "", "MD5":
		cfg.Algorithm = "MD5"
	case "SHA-256":
		cfg.Algorithm = "SHA-256"
	default:
		return nil, fmt.Errorf("sipproxy: digest algorithm %q", cfg.Algorithm)
	}
	if cfg.MinExpires <= 0 {
		cfg.MinExpires = 60 * time.Second
	}
	if cfg.MaxExpires <= 0 {
		cfg.MaxExpires = 2 * time.Hour
	}
	if cfg.TimerC <= 0 {
		cfg.TimerC = DefaultTimerC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "sipproxy"), bindings: map[string][]*Binding{}, stopped: make(chan struct{})}
	s.done, s.stop = context.WithCancel(context.Background())
	var err error
	// With a port the kernel chooses, TCP takes the same number after UDP
	// got it, and another socket may hold it for TCP: try another.
	for try := 0; ; try++ {
		err = s.listen(cfg)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || try == 9 || !kernelPort(cfg.Addr) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.Domain == "" {
		s.cfg.Domain = s.ip.String()
	}
	s.auth = newAuthenticator(s.cfg.Domain, cfg.Algorithm, cfg.Users, time.Now)
	sl := slog.New(stacklog.New(s.log.Handler(), s.stopped))
	dg := s.udp.(*datagram.Conn)
	reg := newUDPRegistrar(s, dg.UDP())
	s.reg = reg
	readFilter := func(props sipgosip.TransportReadProps, data []byte) ([]byte, error) {
		data, err := dg.Filter(props, data)
		if len(data) > 0 && props.LocalAddr == dg.LocalAddr() && reg.take(data, props.RemoteAddr) {
			return nil, nil
		}
		return data, err
	}
	s.sua, err = sipgo.NewUA(
		sipgo.WithUserAgent("hdphone-lab"),
		sipgo.WithUserAgentHostname(s.cfg.Domain),
		sipgo.WithUserAgentTransportLayerOptions(sipgosip.WithTransportLayerLogger(sl),
			sipgosip.WithTransportLayerReadFilter(readFilter)),
		sipgo.WithUserAgentTransactionLayerOptions(sipgosip.WithTransactionLayerLogger(sl),
			sipgosip.WithTransactionLayerUnhandledResponseHandler(s.onStrayResponse)),
	)
	if err != nil {
		s.close()
		return nil, err
	}
	s.sua.TransportLayer().OnMessage(s.onRead)
	s.srv, _ = sipgo.NewServer(s.sua, sipgo.WithServerLogger(sl))
	s.cli, _ = sipgo.NewClient(s.sua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(s.ip.String()))
	s.srv.OnRegister(s.inOrder(s.onRegister))
	s.srv.OnAck(s.inOrder(s.onAck))
	s.srv.OnCancel(func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		if s.late() {
			return
		}
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist")
	})
	s.srv.OnPublish(s.inOrder(s.onPublish))
	s.srv.OnNoRoute(s.inOrder(s.onRequest))
	return s, nil
}

// onRead sees every message the transport reads, in order, on its read
// loop.
func (s *Server) onRead(m sipgosip.Message) {
	switch m := m.(type) {
	case *sipgosip.Request:
		s.requests.Read(m)
	case *sipgosip.Response:
		s.responses.Read(m)
	}
}

// inOrder has h take a request once the requests of its dialog read before
// it have been forwarded (forward says so as soon as it has sent its copy)
// or answered.
func (s *Server) inOrder(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		s.requests.Turn(s.done, req)
		defer s.requests.Done(req)
		if s.late() {
			return
		}
		h(req, tx)
	}
}

// late reports whether a request reached its handler after the server
// began to stop, and then closes sipgo's transport again: sipgo hands each
// request to a goroutine of its own, and one that ran after the transport
// closed bound a socket of its own for the answer, which nothing else
// would close.
func (s *Server) late() bool {
	if s.done.Err() == nil {
		return false
	}
	s.sua.TransportLayer().Close()
	return true
}

// listen opens the UDP socket of cfg.Addr and, when asked, the TCP one of
// the same address and port.
func (s *Server) listen(cfg Config) error {
	udp, err := net.ListenPacket("udp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("sipproxy: listen udp: %w", err)
	}
	if cfg.ReadBuffer > 0 {
		// A boot storm's REGISTERs arrive at once.
		if uc, ok := udp.(*net.UDPConn); ok {
			sockbuf.SetReadBuffer(uc, cfg.ReadBuffer)
		}
	}
	// sipgo reads it through a datagram.Conn: its own read buffer is sized
	// for the phones' sockets (SetReadBufferSize), not for any message.
	dg, err := datagram.New(udp.(*net.UDPConn))
	if err != nil {
		udp.Close()
		return fmt.Errorf("sipproxy: %w", err)
	}
	dg.Stray = func(from net.Addr, data []byte) {
		s.log.Debug("datagram that is not SIP dropped", "from", from, "bytes", len(data))
	}
	ua := dg.UDPAddr()
	if cfg.TCP {
		s.tcp, err = net.Listen("tcp", net.JoinHostPort(ua.IP.String(), strconv.Itoa(ua.Port)))
		if err != nil {
			dg.Close()
			return fmt.Errorf("sipproxy: listen tcp: %w", err)
		}
	}
	s.udp, s.ip, s.port = dg, ua.IP, ua.Port
	return nil
}

// kernelPort reports whether addr (host:port) leaves the port to the
// kernel.
func kernelPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && (port == "" || port == "0")
}

// Addr is the UDP address (and TCP, when enabled) the server listens on.
func (s *Server) Addr() netip.AddrPort {
	ip, _ := netip.AddrFromSlice(s.ip.To4())
	return netip.AddrPortFrom(ip, uint16(s.port))
}

// Domain is the server's SIP domain and realm.
func (s *Server) Domain() string { return s.cfg.Domain }

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	s.wg.Go(s.reg.run)
	s.wg.Go(func() {
		s.srv.ServeUDP(s.udp)
		close(s.reg.queue) // the read loop, its only sender, is over
	})
	if s.tcp != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.srv.ServeTCP(s.tcp)
		}()
	}
	<-ctx.Done()
	close(s.stopped)
	s.stop()
	s.close()
	s.wg.Wait()
	return ctx.Err()
}

func (s *Server) close() {
	s.sendMu.Lock()
	s.socketClosed = true
	s.sendMu.Unlock()
	s.udp.Close()
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.sua != nil {
		s.sua.Close()
	}
}

// Bindings returns the live bindings of user.
func (s *Server) Bindings(user string) []Binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Binding
	for _, b := range s.live(user) {
		out = append(out, *b)
	}
	return out
}

// Stats returns what the server did so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Registered = 0
	for u := range s.bindings {
		if len(s.live(u)) > 0 {
			st.Registered++
		}
	}
	return st
}

// live prunes and returns user's unexpired bindings; s.mu is held.
func (s *Server) live(user string) []*Binding {
	now := time.Now()
	bs := s.bindings[user]
	out := bs[:0]
	for _, b := range bs {
		if now.Before(b.Expires) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		delete(s.bindings, user)
		return nil
	}
	s.bindings[user] = out
	return out
}

// responder sends a request's response: a sipgo server transaction, or
// the UDP registrar's own (udpRegistrar).
type responder interface {
	Respond(*sipgosip.Response) error
}

func (s *Server) respond(tx responder, req *sipgosip.Request, code int, reason string, hs ...sipgosip.Header) {
	res := sipgosip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sipgosip.NewHeader("Server", "hdphone-lab"))
	for _, h := range hs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("respond failed", "code", code, "err", err)
	}
}

// onRegister is the registrar (RFC 3261 §10.3) for the REGISTERs that reach
// sipgo: those over TCP (the UDP ones are udpRegistrar's).
func (s *Server) onRegister(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	s.register(req, tx)
}

// register is the registrar (RFC 3261 §10.3).
func (s *Server) register(req *sipgosip.Request, tx responder) {
	s.mu.Lock()
	s.stats.Registers++
	s.mu.Unlock()
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		s.respond(tx, req, 400, "Bad Request")
		return
	}
	user := to.Address.User
	name, ok := s.authorize(req, tx)
	if !ok {
		return
	}
	if name != user {
		s.respond(tx, req, 403, "Forbidden") // only your own address of record
		return
	}
	defExp := time.Duration(0)
	hasDefault := false
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			defExp, hasDefault = time.Duration(n)*time.Second, true
		}
	}
	if !hasDefault {
		defExp = time.Hour
	}
	code, reason, hs := s.bind(req, user, defExp)
	s.respond(tx, req, code, reason, hs...)
}

// authorize checks a request's digest credentials (Authorization, as a
// registrar asks for them): it returns the user, or answers the request
// itself — 401 with a challenge (counted in Stats), or 403 for a wrong
// answer — and reports false.
func (s *Server) authorize(req *sipgosip.Request, tx responder) (string, bool) {
	res, name := s.auth.check(headerValues(req, "Authorization"), string(req.Method))
	switch res {
	case authMissing, authStale:
		s.mu.Lock()
		s.stats.Challenges++
		s.mu.Unlock()
		s.respond(tx, req, 401, "Unauthorized", sipgosip.NewHeader("WWW-Authenticate", s.auth.challenge(res == authStale)))
		return "", false
	case authBad:
		s.respond(tx, req, 403, "Forbidden")
		return "", false
	}
	return name, true
}

// bind applies a REGISTER's contacts to user's bindings and returns the
// response to send.
func (s *Server) bind(req *sipgosip.Request, user string, defExp time.Duration) (int, string, []sipgosip.Header) {
	contacts := req.GetHeaders("Contact")
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.live(user)
	for _, h := range contacts {
		c, ok := h.(*sipgosip.ContactHeader)
		if !ok {
			continue
		}
		exp := defExp
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				exp = time.Duration(n) * time.Second
			}
		}
		if c.Address.Wildcard {
			if exp != 0 || len(contacts) != 1 {
				return 400, "Invalid Wildcard", nil
			}
			cur = nil
			continue
		}
		if exp > 0 && exp < s.cfg.MinExpires {
			return 423, "Interval Too Brief", []sipgosip.Header{sipgosip.NewHeader("Min-Expires", strconv.Itoa(int(s.cfg.MinExpires/time.Second)))}
		}
		exp = min(exp, s.cfg.MaxExpires)
		key := c.Address.String()
		kept := cur[:0]
		for _, b := range cur {
			if b.Contact != key {
				kept = append(kept, b)
			}
		}
		cur = kept
		if exp > 0 {
			cur = append(cur, &Binding{
				User: user, Contact: key, contact: *c.Address.Clone(), Expires: now.Add(exp),
				Source: req.Source(), Transport: req.Transport(), CallID: string(*req.CallID()),
				CSeq: req.CSeq().SeqNo, UserAgent: headerValue(req, "User-Agent"),
			})
		}
	}
	if len(cur) == 0 {
		delete(s.bindings, user)
	} else {
		s.bindings[user] = cur
	}
	hs := []sipgosip.Header{sipgosip.NewHeader("Date", now.UTC().Format(time.RFC1123))}
	for _, b := range cur {
		secs := int(b.Expires.Sub(now).Round(time.Second) / time.Second)
		hs = append(hs, sipgosip.NewHeader("Contact", "<"+b.Contact+">;expires="+strconv.Itoa(secs)))
	}
	return 200, "OK", hs
}

// onRequest routes every other request.
func (s *Server) onRequest(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if tx == nil {
		return
	}
	// Routing edits the request (Route, Max-Forwards, Via); the transaction
	// keeps reading the original (its timers answer 100 Trying from it), so
	// work on a copy.
	read := req
	req = req.Clone()
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
		s.respond(tx, req, 483, "Too Many Hops")
		return
	}
	if req.To() == nil || req.From() == nil || req.CallID() == nil || req.CSeq() == nil {
		s.respond(tx, req, 400, "Bad Request")
		return
	}
	if route, ok := s.popRoute(req); ok && (req.Route() != nil || toTag(req) != "") {
		// Loose routing (RFC 3261 §16.4): the request is in a dialog we
		// record-routed, or names a next hop after us. An initial request
		// that only pre-loaded us as its outbound proxy goes on below.
		s.forward(read, req, tx, route, false)
		return
	}
	if toTag(req) != "" {
		s.respond(tx, req, 404, "Not Here") // an in-dialog request that is not ours to route
		return
	}
	user := req.Recipient.User
	if user == "" {
		if req.Method == sipgosip.OPTIONS {
			s.respond(tx, req, 200, "OK", sipgosip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, REFER, INFO, PRACK, MESSAGE"))
			return
		}
		s.respond(tx, req, 404, "Not Found")
		return
	}
	if s.cfg.AuthCalls && req.Method != sipgosip.ACK && req.Method != sipgosip.PRACK && req.Method != sipgosip.BYE {
		if _, known := s.cfg.Users(req.From().Address.User); known {
			res, _ := s.auth.check(headerValues(req, "Proxy-Authorization"), string(req.Method))
			switch res {
			case authMissing, authStale:
				s.respond(tx, req, 407, "Proxy Authentication Required", sipgosip.NewHeader("Proxy-Authenticate", s.auth.challenge(res == authStale)))
				return
			case authBad:
				s.respond(tx, req, 403, "Forbidden")
				return
			}
		}
	}
	if req.Method == sipgosip.SUBSCRIBE && user == req.From().Address.User && req.Recipient.Host == s.cfg.Domain {
		// Nobody serves the user's own events here (no voicemail server).
		s.respond(tx, req, 489, "Bad Event")
		return
	}
	s.mu.Lock()
	bs := s.live(user)
	var b *Binding
	if len(bs) > 0 {
		b = bs[len(bs)-1]
	}
	s.mu.Unlock()
	if b == nil {
		if _, known := s.cfg.Users(user); known {
			s.respond(tx, req, 480, "Temporarily Unavailable")
		} else {
			s.respond(tx, req, 404, "Not Found")
		}
		return
	}
	req = req.Clone()
	req.Recipient = *b.contact.Clone()
	rr := req.Method == sipgosip.INVITE || req.Method == sipgosip.SUBSCRIBE || req.Method == sipgosip.REFER
	s.forward(read, req, tx, hop{uri: b.contact, binding: b}, rr)
}

// hop is where a request goes next.
type hop struct {
	uri     sipgosip.Uri
	binding *Binding
}

// popRoute removes our own Route header and returns the next hop: the next
// Route, else the Request-URI.
func (s *Server) popRoute(req *sipgosip.Request) (hop, bool) {
	r := req.Route()
	if r == nil || !s.isUs(r.Address) {
		return hop{}, false
	}
	req.RemoveHeader("Route")
	next := req.Recipient
	if r2 := req.Route(); r2 != nil {
		next = r2.Address
	}
	return hop{uri: next, binding: s.bindingOf(next)}, true
}

func (s *Server) isUs(u sipgosip.Uri) bool {
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return (u.Host == s.ip.String() || u.Host == s.cfg.Domain) && port == s.port
}

// bindingOf finds the binding whose contact is uri, so that a request to a
// TCP phone reuses its connection.
func (s *Server) bindingOf(uri sipgosip.Uri) *Binding {
	key := uri.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, bs := range s.bindings {
		for _, b := range bs {
			if b.Contact == key || (b.contact.Host == uri.Host && b.contact.Port == uri.Port && b.contact.User == uri.User) {
				return b
			}
		}
	}
	return nil
}

// destination is where to send towards h: a registered phone's source
// (its TCP connection) or the URI's host and port.
func (s *Server) destination(h hop) (dest, transport string) {
	transport = "UDP"
	if tp, ok := h.uri.UriParams.Get("transport"); ok {
		transport = strings.ToUpper(tp)
	}
	if h.binding != nil && h.binding.Transport != "UDP" {
		return h.binding.Source, h.binding.Transport
	}
	port := h.uri.Port
	if port == 0 {
		port = 5060
	}
	return net.JoinHostPort(h.uri.Host, strconv.Itoa(port)), transport
}

// forward relays req statefully (RFC 3261 §16.6) and its responses back,
// in the order they were read. read is the request as the transport read
// it: once its copy is sent, the requests of its dialog read after it may go.
func (s *Server) forward(read, req *sipgosip.Request, tx sipgosip.ServerTransaction, h hop, recordRoute bool) {
	fwd := req.Clone()
	if mf := fwd.MaxForwards(); mf != nil {
		mf.Dec()
	}
	dest, transport := s.destination(h)
	if recordRoute {
		rr := &sipgosip.RecordRouteHeader{Address: sipgosip.Uri{Scheme: "sip", Host: s.ip.String(), Port: s.port,
			UriParams: sipgosip.HeaderParams{{K: "lr", V: ""}}}}
		if transport != "UDP" || req.Transport() != "UDP" {
			rr.Address.UriParams = sipgosip.HeaderParams{{K: "transport", V: strings.ToLower(transport)}, {K: "lr", V: ""}}
		}
		fwd.PrependHeader(rr)
	}
	via := &sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: transport,
		Host: s.ip.String(), Port: s.port, Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.GenerateBranchN(16)}}}
	if top := fwd.Via(); top != nil && top.Params.Has("rport") {
		// RFC 3581: tell the phone where its request really came from.
		if host, port, err := net.SplitHostPort(req.Source()); err == nil {
			top.Params.Add("received", host)
			top.Params.Add("rport", port)
		}
	}
	fwd.PrependHeader(via)
	fwd.SetDestination(dest)
	fwd.SetTransport(transport)
	fwd.Laddr = sipgosip.Addr{IP: s.ip, Port: s.port}
	if transport != "UDP" {
		fwd.Laddr = sipgosip.Addr{IP: s.ip}
	}
	s.mu.Lock()
	s.stats.Forwarded++
	s.stats.Relaying++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.stats.Relaying--
		s.mu.Unlock()
	}()
	// The transaction's own timers bound it; the context only covers
	// connection set-up.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var arrived *sipinorder.Arrivals
	var more <-chan struct{}
	if key, err := sipgosip.ClientTxKeyMake(fwd); err == nil {
		arrived = s.responses.Expect(key)
		more = arrived.More()
		defer s.responses.Forget(key)
	}
	var ctr sipgosip.ClientTransaction
	err := s.fromSocket(fwd, func() (err error) {
		ctr, err = s.cli.TransactionRequest(ctx, fwd, func(*sipgo.Client, *sipgosip.Request) error { return nil })
		return err
	})
	s.requests.Done(read)
	if err != nil {
		s.log.Debug("forward failed", "dest", dest, "err", err)
		s.respond(tx, req, 503, "Service Unavailable")
		return
	}
	defer ctr.Terminate()
	// Timer C and, once the branch is cancelled, the wait for its final
	// response: an INVITE's client transaction has no timer of its own
	// past the first provisional response, and a callee that rang and then
	// went silent (a phone that lost its power while ringing) would hold
	// this relay, its transaction and the caller's ringing for ever.
	var timerC, giveUp <-chan time.Time
	var tc, gu *time.Timer
	cancelled := make(chan struct{}, 1)
	if req.Method == sipgosip.INVITE {
		tc = time.NewTimer(s.cfg.TimerC)
		defer tc.Stop()
		timerC = tc.C
	}
	giveUpIn := func() {
		if gu == nil {
			gu = time.NewTimer(s.cancelWait())
			giveUp = gu.C
		}
	}
	defer func() {
		if gu != nil {
			gu.Stop()
		}
	}()
	rang := false
	relay := func(res *sipgosip.Response) {
		if res.StatusCode == 100 {
			return // hop by hop: we sent our own 100
		}
		if res.IsProvisional() && tc != nil {
			rang = true
			tc.Reset(s.cfg.TimerC)
		}
		up := res.Clone()
		up.RemoveHeader("Via")
		up.SetDestination(req.Source())
		up.SetTransport(req.Transport())
		if err := tx.Respond(up); err != nil {
			s.log.Debug("relay response failed", "code", res.StatusCode, "err", err)
		}
	}
	if req.Method == sipgosip.INVITE {
		tx.OnCancel(func(*sipgosip.Request) {
			go s.cancelDownstream(fwd)
			select {
			case cancelled <- struct{}{}:
			default:
			}
		})
		ctr.OnRetransmission(func(res *sipgosip.Response) { s.relayStateless(req, res) })
	}
	for {
		select {
		case <-more:
			for _, res := range arrived.Provisionals() {
				relay(res)
			}
		case res := <-ctr.Responses():
			if res.IsProvisional() {
				if arrived == nil {
					relay(res)
				}
				continue
			}
			if arrived != nil {
				// Those read before the final response go first.
				for _, p := range arrived.Provisionals() {
					relay(p)
				}
			}
			relay(res)
			return
		case <-ctr.Done():
			if !errors.Is(ctr.Err(), sipgosip.ErrTransactionTerminated) {
				s.respond(tx, req, 408, "Request Timeout")
			}
			return
		case <-timerC:
			// RFC 3261 §16.8: a branch that rang is cancelled; one that
			// never answered at all is taken as having answered 408.
			timerC = nil
			if !rang {
				s.respond(tx, req, 408, "Request Timeout")
				return
			}
			go s.cancelDownstream(fwd)
			giveUpIn()
		case <-cancelled:
			giveUpIn() // the caller has its 487 (sipgo's); the branch has this long
		case <-giveUp:
			s.log.Debug("cancelled branch gave no final response", "dest", dest)
			s.respond(tx, req, 408, "Request Timeout") // refused by a transaction the caller cancelled
			return
		case <-s.stopped:
			return
		}
	}
}

// relayStateless passes a retransmitted 2xx upstream.
func (s *Server) relayStateless(req *sipgosip.Request, res *sipgosip.Response) {
	up := res.Clone()
	up.RemoveHeader("Via")
	up.SetDestination(req.Source())
	up.SetTransport(req.Transport())
	if err := s.srv.WriteResponse(up); err != nil {
		s.log.Debug("relay 2xx retransmission failed", "err", err)
	}
}

// onStrayResponse relays responses that match no transaction (2xx
// retransmissions after the transaction ended) by their second Via.
func (s *Server) onStrayResponse(res *sipgosip.Response) {
	vias := res.GetHeaders("Via")
	if len(vias) < 2 {
		return
	}
	top, ok := vias[0].(*sipgosip.ViaHeader)
	if !ok || top.Host != s.ip.String() || top.Port != s.port {
		return
	}
	up := res.Clone()
	up.RemoveHeader("Via")
	if err := s.srv.WriteResponse(up); err != nil {
		s.log.Debug("stray response dropped", "err", err)
	}
}

// cancelDownstream forwards a CANCEL for the INVITE fwd we sent.
func (s *Server) cancelDownstream(fwd *sipgosip.Request) {
	c := sipgosip.NewRequest(sipgosip.CANCEL, *fwd.Recipient.Clone())
	if via := fwd.Via(); via != nil {
		c.AppendHeader(via.Clone())
	}
	for _, n := range []string{"From", "To", "Call-ID", "Route"} {
		sipgosip.CopyHeaders(n, fwd, c)
	}
	c.AppendHeader(&sipgosip.CSeqHeader{SeqNo: fwd.CSeq().SeqNo, MethodName: sipgosip.CANCEL})
	mf := sipgosip.MaxForwardsHeader(70)
	c.AppendHeader(&mf)
	c.SetBody(nil)
	c.SetDestination(fwd.Destination())
	c.SetTransport(fwd.Transport())
	c.Laddr = fwd.Laddr
	ctx, cancel := context.WithTimeout(s.done, 64*sipgosip.T1) // the CANCEL's own time-out, or the server's end
	defer cancel()
	var ctr sipgosip.ClientTransaction
	err := s.fromSocket(c, func() (err error) {
		ctr, err = s.cli.TransactionRequest(ctx, c, func(*sipgo.Client, *sipgosip.Request) error { return nil })
		return err
	})
	if err != nil {
		s.log.Debug("CANCEL downstream failed", "err", err)
		return
	}
	defer ctr.Terminate()
	for {
		select {
		case res := <-ctr.Responses():
			if !res.IsProvisional() {
				return
			}
		case <-ctr.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// fromSocket hands a request to sipgo with send, unless the server's
// socket has closed: sipgo sends a UDP request from the socket it holds for
// the request's local address and port, and binds one there when it holds
// none, which nothing would close (a lab started again at the same address
// could not bind). A TCP request, from a port of its own, is not held.
func (s *Server) fromSocket(req *sipgosip.Request, send func() error) error {
	if req.Transport() != "UDP" {
		return send()
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.socketClosed {
		return errStopped
	}
	return send()
}

// onAck forwards the ACK of a 2xx along the record-routed path (ACKs of
// failures end at their transaction, hop by hop).
func (s *Server) onAck(req *sipgosip.Request, _ sipgosip.ServerTransaction) {
	h, ok := s.popRoute(req)
	if !ok {
		return
	}
	fwd := req.Clone()
	if mf := fwd.MaxForwards(); mf != nil {
		mf.Dec()
	}
	dest, transport := s.destination(h)
	fwd.PrependHeader(&sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: transport,
		Host: s.ip.String(), Port: s.port, Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.GenerateBranchN(16)}}})
	fwd.SetDestination(dest)
	fwd.SetTransport(transport)
	fwd.Laddr = sipgosip.Addr{IP: s.ip, Port: s.port}
	if transport != "UDP" {
		fwd.Laddr = sipgosip.Addr{IP: s.ip}
	}
	if err := s.fromSocket(fwd, func() error {
		return s.cli.WriteRequest(fwd, func(*sipgo.Client, *sipgosip.Request) error { return nil })
	}); err != nil {
		s.log.Debug("ACK forward failed", "err", err)
	}
}

func headerValues(m *sipgosip.Request, name string) []string {
	var out []string
	for _, h := range m.GetHeaders(name) {
		out = append(out, h.Value())
	}
	return out
}

func headerValue(m *sipgosip.Request, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

func toTag(m *sipgosip.Request) string {
	if to := m.To(); to != nil {
		t, _ := to.Params.Get("tag")
		return t
	}
	return ""
}
