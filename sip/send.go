package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/sipinorder"
)

// requestKind says where an out-of-dialog request goes.
type requestKind int

const (
	toProxy requestKind = iota
	toRegistrar
)

// outTargets resolves the first hop of an out-of-dialog request: the
// outbound proxy when there is one, else the registrar (REGISTER) or proxy,
// else the DHCP servers, else the Request-URI's host. Targets that failed
// recently go last.
func (u *UA) outTargets(ctx context.Context, kind requestKind, ruri sipgosip.Uri, override Server) ([]Target, error) {
	var servers []Server
	switch {
	case !u.cfg.OutboundProxy.IsZero():
		servers = []Server{u.cfg.OutboundProxy}
	case !override.IsZero():
		servers = []Server{override}
	case kind == toRegistrar && !u.cfg.Registrar.IsZero():
		servers = []Server{u.cfg.Registrar}
	case !u.cfg.Proxy.IsZero():
		servers = []Server{u.cfg.Proxy}
	case len(u.cfg.DHCPServers) > 0:
		for _, h := range u.cfg.DHCPServers {
			s, err := ParseServer(h)
			if err == nil && !s.IsZero() {
				servers = append(servers, s)
			}
		}
	default:
		servers = []Server{{Host: ruri.Host, Port: ruri.Port}}
	}
	var out []Target
	var last error
	for _, s := range servers {
		ts, err := u.res.Resolve(ctx, s, u.cfg.Transport)
		if err != nil {
			last = err
			u.log.Debug("resolve failed", "server", s.String(), "err", err)
			continue
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		if last == nil {
			last = ErrNoServer
		}
		return nil, last
	}
	return u.orderTargets(out), nil
}

// orderTargets keeps the resolver's order but moves targets that failed
// within FailbackRetry to the end, so they are tried only when every other
// one failed too.
func (u *UA) orderTargets(ts []Target) []Target {
	now := u.clk.Now()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seldom == nil || len(u.seldom.failed) == 0 {
		return ts
	}
	failed := u.seldom.failed
	var good, bad []Target
	for _, t := range ts {
		if until, ok := failed[t]; ok && now.Before(until) {
			bad = append(bad, t)
			continue
		}
		delete(failed, t)
		good = append(good, t)
	}
	return append(good, bad...)
}

func (u *UA) markFailed(t Target) {
	u.mu.Lock()
	sd := u.seldomLocked()
	if sd.failed == nil {
		sd.failed = map[Target]time.Time{}
	}
	sd.failed[t] = u.clk.Now().Add(u.cfg.FailbackRetry)
	u.mu.Unlock()
}

// dialogTargets is the first hop of an in-dialog request: the outbound
// proxy, else the first Route, else the remote target (RFC 3261 §12.2.1.1,
// loose routing).
func (u *UA) dialogTargets(ctx context.Context, d *dialog) ([]Target, error) {
	if !u.cfg.OutboundProxy.IsZero() {
		return u.res.Resolve(ctx, u.cfg.OutboundProxy, u.cfg.Transport)
	}
	next := d.remoteTarget
	if len(d.routes) > 0 {
		next = d.routes[0]
	}
	t := u.cfg.Transport
	if tp, ok := next.UriParams.Get("transport"); ok {
		if pt, err := ParseTransport(tp); err == nil {
			t = pt
		}
	}
	if next.Scheme == "sips" {
		t = TLS
	}
	port := next.Port
	if port == 0 {
		port = portOr(0, t)
	}
	return u.res.Resolve(ctx, Server{Host: next.Host, Port: port}, t)
}

// newRequest builds a request with the headers every request of the phone
// carries. Via is added per attempt (stamp).
func (u *UA) newRequest(method sipgosip.RequestMethod, ruri sipgosip.Uri, from *sipgosip.FromHeader, to *sipgosip.ToHeader, callID string, seq uint32) *sipgosip.Request {
	req := sipgosip.NewRequest(method, ruri)
	req.AppendHeader(from)
	req.AppendHeader(to)
	cid := sipgosip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipgosip.CSeqHeader{SeqNo: seq, MethodName: method})
	mf := sipgosip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	if method != sipgosip.ACK && method != sipgosip.CANCEL {
		req.AppendHeader(sipgosip.NewHeader("User-Agent", u.cfg.UserAgent))
	}
	return req
}

// fromHeader is the phone's own address with a tag.
func (u *UA) fromHeader(tag string) *sipgosip.FromHeader {
	return &sipgosip.FromHeader{DisplayName: u.cfg.DisplayName, Address: u.aor, Params: sipgosip.HeaderParams{{K: "tag", V: tag}}}
}

func (u *UA) contactHeader() *sipgosip.ContactHeader { return u.contact.Clone() }

// stamp prepares req for one attempt towards t: a fresh Via (new branch),
// the destination and the transport.
func (u *UA) stamp(req *sipgosip.Request, t Target) {
	req.RemoveHeader("Via")
	via := &sipgosip.ViaHeader{
		ProtocolName:    "SIP",
		ProtocolVersion: "2.0",
		Transport:       string(t.Transport),
		Host:            u.cfg.LocalAddr.String(),
		Port:            u.port,
		Params:          sipgosip.HeaderParams{{K: "branch", V: sipgosip.GenerateBranchN(16)}, {K: "rport", V: ""}},
	}
	if t.Transport != u.cfg.Transport {
		via.Port = 0 // the connection's own port, filled in by the transport
	}
	req.PrependHeader(via)
	req.SetTransport(string(t.Transport))
	req.SetDestination(t.Addr.String())
	if t.Transport == TLS && t.Host != "" {
		u.tlsNames.Store(t.Addr.Addr().String(), t.Host)
	}
}

// fromSocket hands a request to sipgo with send, unless the UA's listening
// socket has closed. sipgo sends a UDP request from the socket it holds for
// the request's local address and port (laddr), and binds a socket of its
// own there when it holds none: a request sent once the UA's socket had
// closed, as the UA stopped, left such a socket bound to the phone's
// address and port 5060, where the next power cycle's agent could not bind
// (a phone powered off and on again came up with no line). The request is
// sent under spawnMu, which closeListeners takes before it closes the
// socket; a TCP or TLS request, sent from a port of its own, is not held
// (its connection may take a while to open).
func (u *UA) fromSocket(req *sipgosip.Request, send func() error) error {
	if req.Transport() != string(UDP) {
		return send()
	}
	u.spawnMu.Lock()
	defer u.spawnMu.Unlock()
	if u.socketClosed {
		return ErrNotRunning
	}
	return send()
}

// laddr makes sipgo send from the phone's own socket (UDP) or address
// (TCP/TLS connections).
func (u *UA) laddr(_ *sipgo.Client, r *sipgosip.Request) error {
	if r.Transport() == string(UDP) && u.udpConn != nil {
		r.Laddr = sipgosip.Addr{IP: u.ip, Port: u.port}
	} else {
		r.Laddr = sipgosip.Addr{IP: u.ip}
	}
	return nil
}

// exchangeOpts tunes roundTrip.
type exchangeOpts struct {
	// provisional receives 1xx responses (INVITE).
	provisional func(*sipgosip.Response)
	// sent learns each request as it goes out (INVITE: for CANCEL).
	sent func(*sipgosip.Request, sipgosip.ClientTransaction)
	// noAuth stops digest retries.
	noAuth bool
}

// errTransport marks failures that make the UA try the next target.
var errTransport = errors.New("sip: transport failure")

// roundTrip sends req to the targets in order until one gives a final
// response: a target that does not answer within NoResponseTimeout, fails
// at the transport or answers 503 is marked failed and the next one is
// tried. 401 and 407 are answered with digest credentials (twice at most,
// more when the nonce was stale). Each new transaction gets a new CSeq;
// req's CSeq is the last one used.
func (u *UA) roundTrip(ctx context.Context, req *sipgosip.Request, targets []Target, o exchangeOpts) (*sipgosip.Response, Target, error) {
	var last error = ErrNoServer
	var lastTarget Target
	var authTries [2]int // per challenge kind: 401, 407
	for i := 0; i < len(targets); {
		t := targets[i]
		lastTarget = t
		u.stamp(req, t)
		res, err := u.transact(ctx, req, o)
		if err != nil {
			if ctx.Err() != nil {
				return nil, t, ctx.Err()
			}
			last = err
			if errors.Is(err, errTransport) || errors.Is(err, ErrNoResponse) {
				u.log.Debug("target failed", "target", t.String(), "method", req.Method, "err", err)
				u.markFailed(t)
				i++
				req.CSeq().SeqNo++
				continue
			}
			return nil, t, err
		}
		if res.StatusCode == 503 && i+1 < len(targets) {
			u.markFailed(t)
			i++
			req.CSeq().SeqNo++
			last = &ResponseError{Method: string(req.Method), Code: res.StatusCode, Reason: res.Reason}
			continue
		}
		if (res.StatusCode == 401 || res.StatusCode == 407) && !o.noAuth && u.cfg.Password != "" {
			// Answer each kind of challenge once; again only when the server
			// says the nonce was merely stale. A second plain challenge means
			// the credentials are wrong.
			stale := u.auth.challenge(res)
			kind := 0
			if res.StatusCode == 407 {
				kind = 1
			}
			if n := authTries[kind]; n < 1 || (stale && n < 3) {
				if err := u.auth.authorize(req, res.StatusCode, u.cfg.AuthName, string(u.cfg.Password)); err == nil {
					authTries[kind]++
					req.CSeq().SeqNo++
					continue
				} else {
					u.log.Warn("cannot answer challenge", "err", err)
				}
			}
		}
		return res, t, nil
	}
	return nil, lastTarget, last
}

// transact runs one client transaction and returns its final response.
func (u *UA) transact(ctx context.Context, req *sipgosip.Request, o exchangeOpts) (*sipgosip.Response, error) {
	if to, ok := u.udpTxTarget(req, o); ok {
		return u.transactUDP(ctx, req, to, o)
	}
	if err := u.useStack(ctx); err != nil {
		return nil, err
	}
	// Provisional responses are taken as they were read (arrivals.go), queued
	// before the request goes out: the first can come back at once.
	var read <-chan struct{}
	var arrived *sipinorder.Arrivals
	if o.provisional != nil {
		if key, err := sipgosip.ClientTxKeyMake(req); err == nil {
			arrived = u.read.responses.Expect(key)
			read = arrived.More()
			defer u.read.responses.Forget(key)
		}
	}
	var tx sipgosip.ClientTransaction
	err := u.fromSocket(req, func() (err error) {
		tx, err = u.cli.TransactionRequest(ctx, req, u.laddr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTransport, err)
	}
	defer tx.Terminate()
	if o.sent != nil {
		o.sent(req, tx)
	}
	noResp := time.NewTimer(u.cfg.NoResponseTimeout)
	defer noResp.Stop()
	answered := false
	for {
		select {
		case <-read:
			for _, res := range arrived.Provisionals() {
				answered = true
				noResp.Stop()
				o.provisional(res)
			}
		case res := <-tx.Responses():
			answered = true
			noResp.Stop()
			if res.IsProvisional() {
				if o.provisional != nil && arrived == nil {
					o.provisional(res)
				}
				continue
			}
			if arrived != nil {
				// Those read before the final response come first.
				for _, p := range arrived.Provisionals() {
					o.provisional(p)
				}
			}
			return res, nil
		case <-tx.Done():
			err := tx.Err()
			if errors.Is(err, sipgosip.ErrTransactionTimeout) {
				return nil, fmt.Errorf("%w: %s: %w", ErrNoResponse, req.Method, err)
			}
			return nil, fmt.Errorf("%w: %s: %w", errTransport, req.Method, err)
		case <-noResp.C:
			if !answered {
				return nil, fmt.Errorf("%w: %s to %s after %s", ErrNoResponse, req.Method, req.Destination(), u.cfg.NoResponseTimeout)
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// respond answers a server transaction, logging a failure (the far end
// retransmits; nothing else to do).
func (u *UA) respond(tx sipgosip.ServerTransaction, res *sipgosip.Response) {
	if err := tx.Respond(res); err != nil {
		u.log.Debug("respond failed", "code", res.StatusCode, "err", err)
	}
}

// reply builds a response to req with the phone's common headers.
func (u *UA) reply(req *sipgosip.Request, code int, reason string, body *Body) *sipgosip.Response {
	var data []byte
	if body != nil {
		data = body.Data
	}
	res := sipgosip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sipgosip.NewHeader("User-Agent", u.cfg.UserAgent))
	if body != nil && len(data) > 0 {
		ct := sipgosip.ContentTypeHeader(body.Type)
		res.AppendHeader(&ct)
	}
	res.SetBody(data)
	return res
}

// parseTarget turns what the user dialled into a URI: "1002" is
// sip:1002@domain, "1002@host" and "sip:…" are taken as they are.
func (u *UA) parseTarget(s string) (sipgosip.Uri, error) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "<>"))
	if s == "" {
		return sipgosip.Uri{}, fmt.Errorf("%w: empty target", ErrConfig)
	}
	if !strings.HasPrefix(strings.ToLower(s), "sip:") && !strings.HasPrefix(strings.ToLower(s), "sips:") {
		if strings.HasPrefix(strings.ToLower(s), "tel:") {
			s = "sip:" + strings.TrimPrefix(s[4:], "+") + "@" + u.cfg.Domain + ";user=phone"
		} else if strings.Contains(s, "@") {
			s = "sip:" + s
		} else {
			s = "sip:" + s + "@" + u.cfg.Domain
		}
	}
	var uri sipgosip.Uri
	if err := sipgosip.ParseUri(s, &uri); err != nil {
		return uri, fmt.Errorf("%w: target %q: %w", ErrParse, s, err)
	}
	if uri.Host == "" {
		return uri, fmt.Errorf("%w: target %q has no host", ErrParse, s)
	}
	return uri, nil
}

// compactNames are the RFC 3261 §7.3.3 (and extension) compact forms of
// headers sipgo does not parse itself and so keeps under the short name.
var compactNames = map[string]string{
	"event": "o", "supported": "k", "referred-by": "b", "subject": "s",
	"allow-events": "u", "session-expires": "x", "require": "",
}

// headersNamed returns the headers called name or its compact form.
func headersNamed(m sipgosip.Message, name string) []sipgosip.Header {
	hs := m.GetHeaders(name)
	if c := compactNames[strings.ToLower(name)]; c != "" {
		hs = append(hs, m.GetHeaders(c)...)
	}
	return hs
}

// headerValue returns the value of the first header called name, or "".
func headerValue(m sipgosip.Message, name string) string {
	if hs := headersNamed(m, name); len(hs) > 0 {
		return strings.TrimSpace(hs[0].Value())
	}
	return ""
}

// headerTokens returns the comma-separated tokens of every header called
// name, lower-cased (Supported, Require, Allow).
func headerTokens(m sipgosip.Message, name string) []string {
	var out []string
	for _, h := range headersNamed(m, name) {
		for _, t := range strings.Split(h.Value(), ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func hasToken(m sipgosip.Message, name, token string) bool {
	for _, t := range headerTokens(m, name) {
		if t == token {
			return true
		}
	}
	return false
}

// parseExpires reads a delta-seconds value.
func parseExpires(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
