package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// The UA runs its non-INVITE client transactions over its own UDP socket
// itself (RFC 3261 §17.1.2) instead of through sipgo's transaction layer:
// REGISTER above all, which a fleet's thousands of phones send at once.
// sipgo gives each transaction its own objects, channels and three timers,
// parses its responses on the socket's reader and hands each to a goroutine
// of its own; here the reader only matches a response to its transaction
// by the top Via's branch and CSeq's method, and the goroutine that waits
// for it parses it (the reader's stack stays small on an idle phone). The
// bytes on the wire are sipgo's: the request is written as sipgo writes it.
// INVITE transactions (their ACK, provisional responses and dialog
// creation) stay with sipgo, as do TCP and TLS; a CANCEL is the UA's, and
// the INVITE's responses, which share its branch, still reach sipgo (a
// response is matched by branch and method).

// udpTx is one such transaction while it waits for responses.
type udpTx struct {
	method string
	in     chan inbound // responses the reader matched to it
}

// inbound is a datagram the reader took for a transaction: its bytes (the
// reader's own buffer, handed over) and where it came from.
type inbound struct {
	data []byte
	from string
}

// udpTxs are the UA's UDP transactions in progress, by branch: a list, as
// a phone has one or two at a time (a map was made for each REGISTER).
type udpTxs struct {
	n  atomic.Int32 // how many: the reader looks no further when none
	mu sync.Mutex
	m  []branchTx
}

type branchTx struct {
	branch string
	tx     *udpTx
}

// add keeps tx under branch; false if the branch is taken.
func (t *udpTxs) add(branch string, tx *udpTx) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.find(branch) >= 0 {
		return false
	}
	t.m = append(t.m, branchTx{branch, tx})
	t.n.Add(1)
	return true
}

func (t *udpTxs) remove(branch string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := t.find(branch); i >= 0 {
		t.m = slices.Delete(t.m, i, i+1)
		if t.n.Add(-1) == 0 {
			t.m = nil // an idle phone keeps no list (a fleet's thousands)
		}
	}
}

// find is the index of branch's transaction, -1 if none. t.mu held.
func (t *udpTxs) find(branch string) int {
	return slices.IndexFunc(t.m, func(e branchTx) bool { return e.branch == branch })
}

// get is branch's transaction, nil if none.
func (t *udpTxs) get(branch []byte) *udpTx {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.m {
		if e.branch == string(branch) {
			return e.tx
		}
	}
	return nil
}

// take hands a response to the transaction it answers, reporting whether
// one took it. A response it cannot read goes to sipgo, as does any
// response no transaction of ours waits for.
func (t *udpTxs) take(data []byte, from netip.AddrPort) bool {
	if t.n.Load() == 0 {
		return false
	}
	branch, method, ok := responseKey(data)
	if !ok {
		// Rarely: a response written unusually (a folded Via). Parsed
		// here, it still reaches its transaction.
		if branch, method, ok = parsedResponseKey(data); !ok {
			return false
		}
	}
	tx := t.get(branch)
	if tx == nil || string(method) != tx.method {
		return false
	}
	in := inbound{data: data, from: from.String()}
	select {
	case tx.in <- in:
	default:
		// A burst the transaction has not read yet. A provisional response
		// more is not missed, but a final one must get in (dropped, it
		// would cost the request sent again, T2 later): it takes the
		// oldest's place. This reader is the inbox's only sender, so the
		// room it makes stays free.
		if !isProvisional(data) {
			select {
			case <-tx.in:
			default:
			}
			select {
			case tx.in <- in:
			default:
			}
		}
	}
	return true
}

// isProvisional reports whether a response's status line is a 1xx.
func isProvisional(data []byte) bool {
	const version = "SIP/2.0 "
	return len(data) > len(version) && data[len(version)] == '1'
}

// udpTxTarget is where req goes when the UA can run its transaction itself:
// a non-INVITE request over UDP from the UA's own socket to an address.
func (u *UA) udpTxTarget(req *sipgosip.Request, o exchangeOpts) (netip.AddrPort, bool) {
	if u.udpConn == nil || o.sent != nil || req.Transport() != string(UDP) {
		return netip.AddrPort{}, false
	}
	switch req.Method {
	case sipgosip.INVITE, sipgosip.ACK:
		return netip.AddrPort{}, false
	}
	to, err := netip.ParseAddrPort(req.Destination())
	if err != nil {
		return netip.AddrPort{}, false
	}
	if to.Port() == 0 {
		to = netip.AddrPortFrom(to.Addr(), uint16(sipgosip.DefaultUdpPort))
	}
	return to, true
}

// transactUDP runs req's transaction to `to`: it sends req, again after T1,
// 2·T1, … up to T2 apart (T2 apart once a provisional response came) until
// a final response, and gives up after 64·T1, or after NoResponseTimeout
// when nothing at all came back.
func (u *UA) transactUDP(ctx context.Context, req *sipgosip.Request, to netip.AddrPort, o exchangeOpts) (*sipgosip.Response, error) {
	var branch string
	if via := req.Via(); via != nil {
		branch, _ = via.Params.Get("branch")
	}
	if branch == "" {
		return nil, fmt.Errorf("%w: %s without a Via branch", errTransport, req.Method)
	}
	tx := &udpTx{method: string(req.Method), in: make(chan inbound, 2)}
	if !u.udpTxs.add(branch, tx) {
		return nil, fmt.Errorf("%w: %s: transaction %s exists", errTransport, req.Method, branch)
	}
	defer u.udpTxs.remove(branch)
	if err := u.writeUDP(req, to); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errTransport, req.Method, err)
	}
	start := time.Now()
	giveUp := 64 * sipgosip.T1
	interval := sipgosip.T1
	resend := interval // since start
	answered := false
	next := func() time.Duration {
		d := min(resend, giveUp)
		if !answered {
			d = min(d, u.cfg.NoResponseTimeout)
		}
		return d - time.Since(start)
	}
	timer := time.NewTimer(next())
	defer timer.Stop()
	for {
		select {
		case in := <-tx.in:
			res, err := parseResponse(in)
			if err != nil {
				u.log.Debug("unreadable response dropped", "method", req.Method, "from", in.from, "err", err)
				continue
			}
			if !res.IsProvisional() {
				return res, nil
			}
			if !answered {
				// Proceeding: the server has it; repeat it only every T2.
				answered = true
				interval = sipgosip.T2
				resend = time.Since(start) + interval
				timer.Reset(next())
			}
			if o.provisional != nil {
				o.provisional(res)
			}
		case <-timer.C:
			elapsed := time.Since(start)
			switch {
			case !answered && elapsed >= u.cfg.NoResponseTimeout:
				return nil, fmt.Errorf("%w: %s to %s after %s", ErrNoResponse, req.Method, to, u.cfg.NoResponseTimeout)
			case elapsed >= giveUp:
				return nil, fmt.Errorf("%w: %s to %s: no final response after %s", ErrNoResponse, req.Method, to, giveUp)
			case u.runCtx.Err() != nil:
				return nil, errStopped(req)
			case elapsed >= resend:
				if err := u.writeUDP(req, to); err != nil {
					return nil, fmt.Errorf("%w: %s: %w", errTransport, req.Method, err)
				}
				if !answered {
					interval = min(2*interval, sipgosip.T2)
				}
				resend = elapsed + interval
			}
			timer.Reset(next())
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-u.runCtx.Done():
			return nil, errStopped(req)
		}
	}
}

// errStopped ends a transaction of a UA that stops: its socket is closed,
// nothing will answer (sipgo ends its transactions when its layers close).
func errStopped(req *sipgosip.Request) error {
	return fmt.Errorf("%w: %s: %w", errTransport, req.Method, ErrNotRunning)
}

// writeBufs are the buffers requests are written into, as sipgo's are.
var writeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeUDP sends req from the UA's socket, refusing what sipgo refuses
// over UDP (see SetMaxUDPMessage).
func (u *UA) writeUDP(req *sipgosip.Request, to netip.AddrPort) error {
	buf := writeBufs.Get().(*bytes.Buffer)
	defer writeBufs.Put(buf)
	buf.Reset()
	writeRequest(buf, req)
	if buf.Len() > sipgosip.UDPMTUSize-200 {
		return sipgosip.ErrUDPMTUCongestion
	}
	_, err := u.udpConn.WriteToUDPAddrPort(buf.Bytes(), to)
	return err
}

// writeRequest writes req as sipgo's Request.StringWrite does, its
// request line without the string sipgo makes of the URI first (a few
// allocations a request, the most of anything a phone's REGISTER wrote).
func writeRequest(buf *bytes.Buffer, req *sipgosip.Request) {
	if req.CompactHeaders || len(req.Headers()) == 0 {
		req.StringWrite(buf)
		return
	}
	buf.WriteString(string(req.Method))
	buf.WriteByte(' ')
	req.Recipient.StringWrite(buf)
	buf.WriteByte(' ')
	buf.WriteString(req.SipVersion)
	buf.WriteString("\r\n")
	for _, h := range req.Headers() {
		h.StringWrite(buf)
		buf.WriteString("\r\n")
	}
	buf.WriteString("\r\n")
	buf.Write(req.Body())
}

// responseParser is sipgo's parser as its transport has it, for a
// response responseKey could not read (a sipgo Parser keeps no state
// between messages).
var responseParser = sipgosip.NewParser()

// txResponseParser parses the responses of the UA's UDP transactions. It
// leaves From and Via as they came (generic headers, written back word for
// word), which is all the UA does with them in a response: the transaction
// was matched by its Via already, and the From is the UA's own (sipgo's
// From() and Via() would still parse them when asked). Parsing
// them was a quarter of what reading a registration's two responses cost
// (BenchmarkParseResponse: 6.2-6.4 µs, 4.7-5.0 without).
var txResponseParser = sipgosip.NewParser(sipgosip.WithHeadersParsers(txHeaderParsers()))

func txHeaderParsers() sipgosip.HeadersParser {
	m := maps.Clone(sipgosip.DefaultHeadersParser())
	for _, name := range []string{"from", "f", "via", "v"} {
		delete(m, name)
	}
	return m
}

// parseResponse reads a response the reader handed over, as sipgo's
// transport would have, From and Via aside (txResponseParser).
func parseResponse(in inbound) (*sipgosip.Response, error) {
	msg, err := txResponseParser.ParseSIP(in.data)
	if err != nil {
		return nil, err
	}
	res, ok := msg.(*sipgosip.Response)
	if !ok {
		return nil, errors.New("a request, not a response")
	}
	res.SetTransport(string(UDP))
	res.SetSource(in.from)
	return res, nil
}

// isResponse reports whether data begins as a SIP response does.
func isResponse(data []byte) bool {
	const version = "SIP/2.0 "
	return len(data) >= len(version) && bytes.EqualFold(data[:len(version)], []byte(version))
}

// responseKey finds, without parsing the message, what matches a response
// to its client transaction (RFC 3261 §17.1.3): the branch of its top Via
// and the method of its CSeq. It reports false for anything but a response
// whose headers it can read plainly (a folded Via, say): the reader then
// leaves the datagram to sipgo's parser.
func responseKey(data []byte) (branch, method []byte, ok bool) {
	if !isResponse(data) {
		return nil, nil, false
	}
	rest := data
	first := true
	inVia := false // the line before was the top Via
	for len(rest) > 0 {
		// Lines end with CRLF, as sipgo's parser has them.
		i := bytes.IndexByte(rest, '\r')
		if i < 0 || i+1 >= len(rest) || rest[i+1] != '\n' {
			return nil, nil, false
		}
		line := rest[:i]
		rest = rest[i+2:]
		if first { // the status line
			first = false
			continue
		}
		if len(line) == 0 {
			break // the end of the headers
		}
		if line[0] == ' ' || line[0] == '\t' {
			if inVia {
				return nil, nil, false // the top Via goes on: let sipgo read it
			}
			continue
		}
		inVia = false
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return nil, nil, false
		}
		name, value := bytes.TrimRight(line[:colon], " \t"), line[colon+1:]
		switch {
		case branch == nil && (bytes.EqualFold(name, []byte("Via")) || bytes.EqualFold(name, []byte("v"))):
			if branch = viaBranch(value); branch == nil {
				return nil, nil, false
			}
			inVia = true
		case method == nil && bytes.EqualFold(name, []byte("CSeq")):
			if method = cseqMethod(value); method == nil {
				return nil, nil, false
			}
		}
	}
	if branch == nil || method == nil {
		return nil, nil, false
	}
	return branch, method, true
}

// parsedResponseKey is responseKey read from the parsed message, for a
// response responseKey cannot read.
func parsedResponseKey(data []byte) (branch, method []byte, ok bool) {
	if len(data) < 4 || !bytes.EqualFold(data[:4], []byte("SIP/")) {
		return nil, nil, false
	}
	msg, err := responseParser.ParseSIP(data)
	if err != nil {
		return nil, nil, false
	}
	res, isRes := msg.(*sipgosip.Response)
	if !isRes || res.Via() == nil || res.CSeq() == nil {
		return nil, nil, false
	}
	b, _ := res.Via().Params.Get("branch")
	if b == "" {
		return nil, nil, false
	}
	return []byte(b), []byte(res.CSeq().MethodName), true
}

// viaBranch is the branch parameter of the first via-parm in v, nil if it
// has none.
func viaBranch(v []byte) []byte {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	_, params, _ := bytes.Cut(v, []byte(";"))
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		name, value, _ := bytes.Cut(p, []byte("="))
		if !bytes.EqualFold(bytes.TrimSpace(name), []byte("branch")) {
			continue
		}
		value = bytes.TrimSpace(value)
		if len(value) == 0 || bytes.ContainsAny(value, " \t\"") {
			return nil
		}
		return value
	}
	return nil
}

// cseqMethod is the method of a CSeq value ("2 REGISTER"), nil if it is not
// one; read as sipgo's parser reads it (one blank after the number).
func cseqMethod(v []byte) []byte {
	v = bytes.TrimSpace(v)
	i := bytes.IndexAny(v, " \t")
	if i < 1 || len(v)-i < 2 {
		return nil
	}
	for _, c := range v[:i] {
		if c < '0' || c > '9' {
			return nil
		}
	}
	return v[i+1:]
}
