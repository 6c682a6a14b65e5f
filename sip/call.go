package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/clock"
)

// Direction says who placed a call.
type Direction int

// Directions.
const (
	Outgoing Direction = iota + 1
	Incoming
)

func (d Direction) String() string {
	if d == Incoming {
		return "incoming"
	}
	return "outgoing"
}

// CallState is where a call is in its life.
type CallState int

// Call states.
const (
	// CallCalling: an outgoing INVITE is on its way, nothing but 100 back.
	CallCalling CallState = iota
	// CallEarly: ringing (a 18x came back, or an incoming call is offered).
	CallEarly
	// CallAnswering: an incoming call was answered, the ACK is awaited.
	CallAnswering
	// CallConfirmed: the call is up.
	CallConfirmed
	// CallEnded: the call is over.
	CallEnded
)

var callStateNames = [...]string{"calling", "early", "answering", "confirmed", "ended"}

func (s CallState) String() string {
	if int(s) < len(callStateNames) {
		return callStateNames[s]
	}
	return "CallState(" + strconv.Itoa(int(s)) + ")"
}

// Call is one INVITE dialog. Its methods are the integrator's intents; they
// are safe to call from any goroutine and return once the request or
// response is sent (Reinvite and Refer wait for the final response).
type Call struct {
	ua    *UA
	id    string
	dir   Direction
	key   string
	ended chan struct{} // closed when the call ends

	mu    sync.Mutex // guards the following fields
	state CallState
	d     dialog
	// outgoing
	invite       *sipgosip.Request // the INVITE of the current attempt (CANCEL copies it)
	cancelWanted bool
	provisional  bool
	giveUp       context.CancelFunc // ends the INVITE's wait (nil once over)
	giveUpTimer  clock.Timer        // giveUp 64·T1 after the CANCEL
	ack          *sipgosip.Request  // last ACK sent, resent on 2xx retransmissions
	// others are the ACKs of the 2xx of other branches of a forked INVITE,
	// by their To tag: each was acknowledged and ended with a BYE, and gets
	// its ACK again when its 2xx comes again (made by the first).
	others   map[string]*sipgosip.Request
	rseqSeen uint32
	// incoming
	req         *sipgosip.Request
	tx          sipgosip.ServerTransaction
	final       chan struct{} // closed once a final response went to the INVITE
	finalSent   bool
	acked       chan struct{} // closed by the ACK of our 2xx
	peer100rel  bool          // the caller requires reliable provisionals
	rseq        uint32
	prackWait   map[uint32]chan struct{}
	replaces    *Call
	pendingAck  *pendingAck // a 2xx we retransmit until its ACK
	referredBy  string
	localBody   Body
	remoteBody  Body
	reinviteOut bool
	offer       *pendingOffer
	// session timer (RFC 4028)
	se        time.Duration
	refresher bool // we refresh
	stTimer   clock.Timer
	referN    int
	// cause, when set, names why the call ends whatever ends it (a call
	// replaced by another one is ended by BYE or CANCEL).
	cause string
}

// pendingOffer is a re-INVITE from the far end waiting for the
// integrator's AcceptOffer or RejectOffer.
type pendingOffer struct {
	req  *sipgosip.Request
	tx   sipgosip.ServerTransaction
	done chan struct{}
	once sync.Once
}

// pendingAck is a 2xx retransmitted until the ACK with its CSeq arrives.
type pendingAck struct {
	seq  uint32
	done chan struct{}
	once sync.Once
}

func (p *pendingAck) ack() { p.once.Do(func() { close(p.done) }) }

// ID is the call's Call-ID.
func (c *Call) ID() string { return c.id }

// Direction says who placed the call.
func (c *Call) Direction() Direction { return c.dir }

// State is the call's current state.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Remote is the far end's address.
func (c *Call) Remote() Address {
	c.mu.Lock()
	defer c.mu.Unlock()
	return addressOf(c.d.remoteName, c.d.remote)
}

// Focus returns the conference this call is connected to when the far end
// declared itself a conference focus (isfocus in its Contact, RFC 4579):
// the URI others join it by.
func (c *Call) Focus() (uri string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.d.remoteFocus {
		return "", false
	}
	return c.d.remoteTarget.String(), true
}

// Local is the phone's own address in this call.
func (c *Call) Local() Address {
	c.mu.Lock()
	defer c.mu.Unlock()
	return addressOf(c.d.localName, c.d.local)
}

// Tags returns the dialog's local and remote tags (for logs and for
// building Replaces by hand).
func (c *Call) Tags() (local, remote string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.d.localTag, c.d.remoteTag
}

// Done is closed when the call has ended.
func (c *Call) Done() <-chan struct{} { return c.ended }

// RemoteBody is the far end's last SDP.
func (c *Call) RemoteBody() Body {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteBody
}

// end ends the call once: timers stop, the dialog is forgotten, the event
// goes out.
func (c *Call) end(ev CallEndedEvent) {
	c.mu.Lock()
	if c.state == CallEnded {
		c.mu.Unlock()
		return
	}
	c.state = CallEnded
	if c.cause != "" {
		ev.Cause = c.cause
	}
	if c.stTimer != nil {
		c.stTimer.Stop()
	}
	if c.offer != nil {
		c.offer.once.Do(func() { close(c.offer.done) })
	}
	if c.pendingAck != nil {
		c.pendingAck.ack()
	}
	c.mu.Unlock()
	close(c.ended)
	c.ua.removeDialog(c.key, c)
	ev.Call = c
	c.ua.emit(ev)
}

// drop forgets the call at shutdown without signalling.
func (c *Call) drop() { c.end(CallEndedEvent{Cause: "shutdown", Err: ErrNotRunning}) }

// Hangup ends the call whatever its state: CANCEL for an outgoing call not
// answered yet, the reject code for an incoming one, BYE for an
// established call.
func (c *Call) Hangup(ctx context.Context) error {
	c.mu.Lock()
	st, dir := c.state, c.dir
	c.mu.Unlock()
	switch {
	case st == CallEnded:
		return ErrCallEnded
	case dir == Outgoing && st < CallConfirmed:
		return c.Cancel(ctx)
	case dir == Incoming && st == CallEarly:
		return c.Reject(ctx, 0, "")
	default:
		return c.Bye(ctx)
	}
}

// Bye ends an established call. An incoming call answered but not yet
// ACKed waits for the ACK first (RFC 3261 §15).
func (c *Call) Bye(ctx context.Context) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	if c.state == CallAnswering && c.acked != nil {
		acked := c.acked
		c.mu.Unlock()
		select {
		case <-acked:
		case <-c.ended:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
	}
	if c.state != CallConfirmed && c.state != CallAnswering {
		st := c.state
		c.mu.Unlock()
		if st == CallEnded {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: BYE in state %s", ErrCallState, st)
	}
	req := c.d.request(c.ua, sipgosip.BYE)
	req.SetBody(nil)
	d := c.d.clone()
	c.mu.Unlock()
	c.end(CallEndedEvent{Cause: "hangup"})
	res, err := c.ua.sendInDialog(ctx, &d, req, exchangeOpts{})
	if err != nil {
		return fmt.Errorf("sip: BYE: %w", err)
	}
	if res.StatusCode >= 300 && res.StatusCode != 481 {
		return &ResponseError{Method: "BYE", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// Reinvite sends a re-INVITE with a new offer (hold: a=sendonly or
// a=inactive; resume: a=sendrecv; the SDP comes from the integrator) and
// returns the far end's answer. A 491 (glare) comes back as a
// *ResponseError for the integrator to retry after a random pause; 408 and
// 481 end the call (RFC 3261 §14.1).
func (c *Call) Reinvite(ctx context.Context, offer Body) (Body, error) {
	if err := c.ua.waitRunning(ctx); err != nil {
		return Body{}, err
	}
	c.mu.Lock()
	if c.state != CallConfirmed {
		st := c.state
		c.mu.Unlock()
		return Body{}, fmt.Errorf("%w: re-INVITE in state %s", ErrCallState, st)
	}
	if c.reinviteOut || c.offer != nil {
		c.mu.Unlock()
		return Body{}, fmt.Errorf("%w: an offer is already pending", ErrCallState)
	}
	c.reinviteOut = true
	req := c.inviteRequest(offer)
	d := c.d.clone()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reinviteOut = false
		c.mu.Unlock()
	}()
	res, err := c.ua.sendInDialog(ctx, &d, req, exchangeOpts{})
	c.mu.Lock()
	c.d.localSeq = max(c.d.localSeq, req.CSeq().SeqNo)
	c.mu.Unlock()
	if err != nil {
		return Body{}, fmt.Errorf("sip: re-INVITE: %w", err)
	}
	if res.StatusCode >= 300 {
		rerr := &ResponseError{Method: "INVITE", Code: res.StatusCode, Reason: res.Reason}
		if res.StatusCode == 408 || res.StatusCode == 481 {
			c.end(CallEndedEvent{Code: res.StatusCode, Reason: res.Reason, Cause: "failed", Err: rerr})
		}
		return Body{}, rerr
	}
	answer := bodyOf(res)
	c.mu.Lock()
	c.d.fromResponse(res, true)
	ack := c.d.request(c.ua, sipgosip.ACK)
	ack.CSeq().SeqNo = req.CSeq().SeqNo
	copyAuth(req, ack)
	ack.SetBody(nil)
	c.ack = ack.Clone() // kept as built: sending stamps ack, unlocked
	c.localBody = offer
	if !answer.IsZero() {
		c.remoteBody = answer
	}
	ad := c.d.clone()
	c.mu.Unlock()
	if err := c.ua.sendAck(ctx, &ad, ack); err != nil {
		return answer, err
	}
	c.sessionTimerFromResponse(res)
	return answer, nil
}

// sessionExpires is the Session-Expires header of a message we send as the
// UAC of its transaction (asUAC) or as its UAS: the refresher is named from
// that transaction's point of view, so it is our role when we refresh and
// the other side's when it does. The caller holds c.mu.
func (c *Call) sessionExpires(asUAC bool) sipgosip.Header {
	ours, theirs := "uac", "uas"
	if !asUAC {
		ours, theirs = theirs, ours
	}
	who := theirs
	if c.refresher {
		who = ours
	}
	return sipgosip.NewHeader("Session-Expires", strconv.Itoa(int(c.se/time.Second))+";refresher="+who)
}

// inviteRequest builds an in-dialog INVITE; the caller holds c.mu.
func (c *Call) inviteRequest(offer Body) *sipgosip.Request {
	req := c.d.request(c.ua, sipgosip.INVITE)
	req.AppendHeader(c.ua.contactHeader())
	req.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgosip.NewHeader("Supported", supportedExtensions))
	if c.se > 0 {
		req.AppendHeader(c.sessionExpires(true))
		req.AppendHeader(sipgosip.NewHeader("Min-SE", strconv.Itoa(int(c.ua.cfg.MinSE/time.Second))))
	}
	setBody(req, offer)
	return req
}

// AcceptOffer answers the pending re-INVITE of an OfferEvent with 200 OK
// and the integrator's SDP.
func (c *Call) AcceptOffer(ctx context.Context, answer Body) error {
	c.mu.Lock()
	p := c.offer
	if p == nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: no offer pending", ErrCallState)
	}
	res := c.okResponse(p.req, answer)
	c.localBody = answer
	if off := bodyOf(p.req); !off.IsZero() {
		c.remoteBody = off
	}
	pa := &pendingAck{seq: p.req.CSeq().SeqNo, done: make(chan struct{})}
	c.pendingAck = pa
	// Answered: the next re-INVITE, which may follow the ACK at once, is a
	// new offer (onReinvite's goroutine clears this too, but later).
	c.offer = nil
	c.mu.Unlock()
	c.ua.respond(p.tx, res)
	p.once.Do(func() { close(p.done) })
	c.retransmit2xx(p.tx, res, pa)
	return nil
}

// RejectOffer refuses the pending re-INVITE (488 Not Acceptable Here when
// code is 0); the call goes on with the old session.
func (c *Call) RejectOffer(ctx context.Context, code int) error {
	if code == 0 {
		code = 488
	}
	c.mu.Lock()
	p := c.offer
	if p == nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: no offer pending", ErrCallState)
	}
	c.offer = nil
	c.mu.Unlock()
	c.ua.respond(p.tx, c.ua.reply(p.req, code, reasonPhrase(code), nil))
	p.once.Do(func() { close(p.done) })
	return nil
}

// okResponse is a 2xx to an INVITE in this call, with the dialog's tag,
// Contact, capabilities and session timer; the caller holds c.mu.
func (c *Call) okResponse(req *sipgosip.Request, body Body) *sipgosip.Response {
	res := c.ua.reply(req, 200, "OK", nil)
	if to := res.To(); to != nil {
		to.Params.Add("tag", c.d.localTag)
	}
	res.AppendHeader(c.ua.contactHeader())
	res.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sipgosip.NewHeader("Supported", supportedExtensions))
	if c.se > 0 {
		res.AppendHeader(c.sessionExpires(false))
		if hasToken(req, "Supported", "timer") {
			res.AppendHeader(sipgosip.NewHeader("Require", "timer"))
		}
	}
	setBody(res, body)
	return res
}

// retransmit2xx resends a 2xx over UDP until its ACK arrives (RFC 3261
// §13.3.1.4: T1 doubling up to T2, for 64*T1); without an ACK the call
// ends with a BYE.
func (c *Call) retransmit2xx(tx sipgosip.ServerTransaction, res *sipgosip.Response, pa *pendingAck) {
	u := c.ua
	c.retransmit(res, pa.done, nil, func() {
		if err := tx.Respond(res); err != nil {
			// The transaction is gone (Timer L): write the 2xx
			// directly, as the UAS core owns its retransmission.
			_ = u.srv.WriteResponse(res)
		}
	}, func() {
		u.log.Info("no ACK for 2xx, ending call", "call", c.id)
		c.mu.Lock()
		if c.state == CallAnswering {
			c.state = CallConfirmed
		}
		c.mu.Unlock()
		go c.Bye(u.runCtx)
	})
}

// retransmit sends res again over UDP, T1 doubling up to T2, until acked or
// final closes (a nil channel never does), the call ends or the agent
// stops; after 64*T1 without any of these it calls giveUp. Over a reliable
// transport it does nothing.
func (c *Call) retransmit(res *sipgosip.Response, acked, final <-chan struct{}, send, giveUp func()) {
	if sipgosip.IsReliable(res.Transport()) {
		return
	}
	u := c.ua
	u.spawn(func() {
		interval := sipgosip.T1
		deadline := time.NewTimer(64 * sipgosip.T1)
		defer deadline.Stop()
		t := time.NewTimer(interval)
		defer t.Stop()
		for {
			select {
			case <-acked:
				return
			case <-final:
				return
			case <-c.ended:
				return
			case <-u.done:
				return
			case <-deadline.C:
				giveUp()
				return
			case <-t.C:
				send()
				interval = min(2*interval, sipgosip.T2)
				t.Reset(interval)
			}
		}
	})
}

// SendDTMF sends one digit in an INFO request (application/dtmf-relay,
// draft-choudhuri-sip-info-digit-00) and waits for its final response.
func (c *Call) SendDTMF(ctx context.Context, digit rune, duration time.Duration) error {
	body, err := DTMFRelayBody(digit, duration)
	if err != nil {
		return err
	}
	res, err := c.inDialog(ctx, sipgosip.INFO, body, nil)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "INFO", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// inDialog sends a non-INVITE request in an established call.
func (c *Call) inDialog(ctx context.Context, method sipgosip.RequestMethod, body Body, extra []sipgosip.Header) (*sipgosip.Response, error) {
	if err := c.ua.waitRunning(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.state != CallConfirmed && c.state != CallAnswering {
		st := c.state
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %s in state %s", ErrCallState, method, st)
	}
	req := c.d.request(c.ua, method)
	for _, h := range extra {
		req.AppendHeader(h)
	}
	setBody(req, body)
	d := c.d.clone()
	c.mu.Unlock()
	res, err := c.ua.sendInDialog(ctx, &d, req, exchangeOpts{})
	c.mu.Lock()
	c.d.localSeq = max(c.d.localSeq, req.CSeq().SeqNo)
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("sip: %s: %w", method, err)
	}
	if res.StatusCode == 481 || res.StatusCode == 408 {
		c.end(CallEndedEvent{Code: res.StatusCode, Reason: res.Reason, Cause: "failed",
			Err: &ResponseError{Method: string(method), Code: res.StatusCode, Reason: res.Reason}})
	}
	return res, nil
}

// handleRequest takes a request inside the call's dialog.
func (c *Call) handleRequest(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := c.ua
	c.mu.Lock()
	if req.Method != sipgosip.ACK && req.Method != sipgosip.CANCEL {
		seq := req.CSeq().SeqNo
		// PRACK during an early dialog may share the remote CSeq space with
		// the INVITE; any lower CSeq is out of order (RFC 3261 §12.2.2).
		if seq < c.d.remoteSeq || (seq == c.d.remoteSeq && req.Method != sipgosip.PRACK) {
			c.mu.Unlock()
			u.respond(tx, u.reply(req, 500, "Server Internal Error", nil))
			return
		}
		c.d.remoteSeq = seq
	}
	c.mu.Unlock()
	switch req.Method {
	case sipgosip.ACK:
		c.onAck(req)
	case sipgosip.BYE:
		u.respond(tx, u.reply(req, 200, "OK", nil))
		c.mu.Lock()
		if c.pendingAck != nil {
			c.pendingAck.ack()
		}
		c.mu.Unlock()
		c.end(CallEndedEvent{Cause: "bye"})
	case sipgosip.INVITE:
		c.onReinvite(req, tx)
	case sipgosip.PRACK:
		c.onPrack(req, tx)
	case sipgosip.INFO:
		c.onInfo(req, tx)
	case sipgosip.REFER:
		u.acceptRefer(req, tx, c)
	case sipgosip.NOTIFY:
		c.onNotify(req, tx)
	case sipgosip.OPTIONS:
		u.onOptions(req, tx)
	default:
		u.notAllowed(req, tx)
	}
}

// onAck confirms an answered call or a re-INVITE's 2xx.
func (c *Call) onAck(req *sipgosip.Request) {
	c.mu.Lock()
	if pa := c.pendingAck; pa != nil && req.CSeq() != nil && req.CSeq().SeqNo == pa.seq {
		pa.ack()
		c.pendingAck = nil
	}
	body := bodyOf(req)
	confirm := c.state == CallAnswering
	if confirm {
		c.state = CallConfirmed
		if c.acked != nil {
			close(c.acked)
			c.acked = nil
		}
	}
	if !body.IsZero() {
		c.remoteBody = body
	}
	c.mu.Unlock()
	if confirm || !body.IsZero() {
		c.ua.emit(CallConfirmedEvent{Call: c, Body: body})
	}
}

// onReinvite handles an INVITE in the dialog: a session refresh with the
// same SDP is answered at once with the last SDP, anything else goes to the
// integrator as an OfferEvent.
func (c *Call) onReinvite(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := c.ua
	c.mu.Lock()
	switch {
	case c.state != CallConfirmed:
		c.mu.Unlock()
		u.respond(tx, u.reply(req, 491, "Request Pending", nil))
		return
	case c.reinviteOut:
		c.mu.Unlock()
		u.respond(tx, u.reply(req, 491, "Request Pending", nil))
		return
	case c.offer != nil:
		c.mu.Unlock()
		res := u.reply(req, 500, "Server Internal Error", nil)
		res.AppendHeader(sipgosip.NewHeader("Retry-After", "1"))
		u.respond(tx, res)
		return
	}
	if c2 := c.sessionTimerFromRequest(req); c2 != 0 {
		c.mu.Unlock()
		res := u.reply(req, c2, reasonPhrase(c2), nil)
		res.AppendHeader(sipgosip.NewHeader("Min-SE", strconv.Itoa(int(u.cfg.MinSE/time.Second))))
		u.respond(tx, res)
		return
	}
	if ct := req.Contact(); ct != nil {
		c.d.setTarget(ct)
	}
	offer := bodyOf(req)
	if !offer.IsZero() && string(offer.Data) == string(c.remoteBody.Data) && !c.localBody.IsZero() {
		// A session refresh (RFC 4028): same offer, same answer.
		res := c.okResponse(req, c.localBody)
		pa := &pendingAck{seq: req.CSeq().SeqNo, done: make(chan struct{})}
		c.pendingAck = pa
		c.mu.Unlock()
		u.respond(tx, res)
		c.retransmit2xx(tx, res, pa)
		c.armSessionTimer()
		return
	}
	p := &pendingOffer{req: req, tx: tx, done: make(chan struct{})}
	c.offer = p
	c.mu.Unlock()
	u.respond(tx, u.reply(req, 100, "Trying", nil))
	u.emit(OfferEvent{Call: c, Offer: offer})
	t := time.NewTimer(32 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-tx.Done():
	case <-u.done:
	case <-t.C:
		u.respond(tx, u.reply(req, 500, "Server Internal Error", nil))
	}
	c.mu.Lock()
	if c.offer == p {
		c.offer = nil
	}
	c.mu.Unlock()
	c.armSessionTimer()
}

// onInfo takes an INFO: DTMF relay bodies become DTMFEvents.
func (c *Call) onInfo(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := c.ua
	b := bodyOf(req)
	u.respond(tx, u.reply(req, 200, "OK", nil))
	if b.IsZero() {
		return // an empty INFO is a keep-alive
	}
	digit, dur, err := ParseDTMFBody(b)
	if err != nil {
		u.log.Debug("INFO body ignored", "type", b.Type, "err", err)
		return
	}
	u.emit(DTMFEvent{Call: c, Digit: digit, Duration: dur})
}

// onNotify takes NOTIFYs of the implicit subscription of a REFER we sent.
func (c *Call) onNotify(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := c.ua
	if eventPackage(req) != "refer" {
		u.respond(tx, u.reply(req, 489, "Bad Event", nil))
		return
	}
	u.respond(tx, u.reply(req, 200, "OK", nil))
	state, _, _ := strings.Cut(headerValue(req, "Subscription-State"), ";")
	final := strings.EqualFold(strings.TrimSpace(state), "terminated")
	code, reason, err := ParseSipfrag(bodyOf(req).Data)
	if err != nil && !final {
		u.log.Debug("bad sipfrag in NOTIFY", "err", err)
		return
	}
	if code >= 200 {
		final = true
	}
	u.emit(ReferProgressEvent{Call: c, Code: code, Reason: reason, Final: final})
}

// bodyOf returns a message's body with its content type.
func bodyOf(m sipgosip.Message) Body {
	b := m.Body()
	if len(b) == 0 {
		return Body{}
	}
	ct := "application/sdp"
	if v := headerValue(m, "Content-Type"); v != "" {
		ct = v
	}
	return Body{Type: ct, Data: b}
}

// setBody puts a body and its Content-Type in a message.
func setBody(m sipgosip.Message, b Body) {
	if len(b.Data) > 0 {
		t := b.Type
		if t == "" {
			t = "application/sdp"
		}
		ct := sipgosip.ContentTypeHeader(t)
		m.AppendHeader(&ct)
		m.SetBody(b.Data)
		return
	}
	m.SetBody(nil)
}

// copyAuth copies the credentials of an INVITE into its ACK (RFC 3261
// §13.2.2.4: proxies may need them).
func copyAuth(from, to *sipgosip.Request) {
	for _, name := range []string{"Authorization", "Proxy-Authorization"} {
		for _, h := range from.GetHeaders(name) {
			to.AppendHeader(sipgosip.NewHeader(name, h.Value()))
		}
	}
}

// targetOf returns the Contact of a target-refresh request, or old.
func targetOf(req *sipgosip.Request, old sipgosip.Uri) sipgosip.Uri {
	if c := req.Contact(); c != nil {
		return *c.Address.Clone()
	}
	return old
}

// reasonPhrase is the standard reason phrase of a code.
func reasonPhrase(code int) string {
	switch code {
	case 180:
		return "Ringing"
	case 183:
		return "Session Progress"
	case 200:
		return "OK"
	case 202:
		return "Accepted"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Unsupported URI Scheme"
	case 420:
		return "Bad Extension"
	case 422:
		return "Session Interval Too Small"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 483:
		return "Too Many Hops"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 489:
		return "Bad Event"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	}
	return "Unknown"
}

// errorsAs is errors.As for *ResponseError.
func responseCode(err error) int {
	var re *ResponseError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}
