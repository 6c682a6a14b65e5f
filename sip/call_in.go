package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// onInvite takes an INVITE. One with a To tag belongs to a dialog; a new
// one becomes a Call and an IncomingCallEvent. The handler stays until the
// INVITE has a final response, because sipgo ends the transaction when it
// returns.
func (u *UA) onInvite(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.check(req, tx) {
		return
	}
	if toTag(req) != "" {
		u.inDialog(req, tx)
		return
	}
	var replaced *Call
	if v := headerValue(req, "Replaces"); v != "" {
		rp, err := ParseReplaces(v)
		if err != nil {
			u.respond(tx, u.reply(req, 400, "Bad Replaces Header", nil))
			return
		}
		replaced = u.matchReplaces(rp)
		if replaced == nil {
			u.respond(tx, u.reply(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		replaced.mu.Lock()
		st := replaced.state
		replaced.mu.Unlock()
		if st == CallEnded || (rp.EarlyOnly && st == CallConfirmed) {
			u.respond(tx, u.reply(req, 486, "Busy Here", nil))
			return
		}
	}
	d, err := dialogFromRequest(req, newTag())
	if err != nil {
		u.respond(tx, u.reply(req, 400, "Bad Request", nil))
		return
	}
	c := &Call{
		ua: u, id: d.callID, dir: Incoming,
		ended:    make(chan struct{}),
		state:    CallEarly,
		d:        d,
		req:      req,
		tx:       tx,
		final:    make(chan struct{}),
		acked:    make(chan struct{}),
		replaces: replaced,
	}
	c.key = dialogKey(c.id, d.localTag)
	c.peer100rel = hasToken(req, "Require", "100rel")
	c.remoteBody = bodyOf(req)
	c.referredBy = headerValue(req, "Referred-By")
	c.mu.Lock()
	code := c.sessionTimerFromRequest(req)
	c.mu.Unlock()
	if code != 0 {
		res := u.reply(req, code, reasonPhrase(code), nil)
		res.AppendHeader(sipgosip.NewHeader("Min-SE", minSEHeader(u.cfg.MinSE)))
		u.respond(tx, res)
		return
	}
	// CANCEL: sipgo answers it and sends 487; the callback runs under the
	// transaction's lock, so the call is ended from another goroutine.
	if !tx.OnCancel(func(*sipgosip.Request) { go c.onCancelled() }) {
		return
	}
	u.addDialog(c.key, c)
	u.respond(tx, u.reply(req, 100, "Trying", nil))
	u.emit(IncomingCallEvent{
		Call:       c,
		From:       addressOf(d.remoteName, d.remote),
		To:         addressOf(d.localName, d.local),
		Offer:      c.remoteBody,
		Replaces:   replaced,
		ReferredBy: c.referredBy,
		AlertInfo:  headerValue(req, "Alert-Info"),
	})
	select {
	case <-c.final:
	case <-c.ended:
	case <-tx.Done():
		c.end(CallEndedEvent{Code: 408, Reason: "Request Timeout", Cause: "timeout", Err: tx.Err()})
	case <-u.done:
	}
}

// onCancelled ends an incoming call the caller cancelled.
func (c *Call) onCancelled() {
	c.mu.Lock()
	answered := c.finalSent
	c.mu.Unlock()
	if answered {
		return // our final response crossed the CANCEL: it wins
	}
	c.end(CallEndedEvent{Code: 487, Reason: "Request Terminated", Cause: "cancel"})
}

// matchReplaces finds the dialog a Replaces header names (RFC 3891 §3):
// its to-tag is our tag, its from-tag the far end's; the reverse is
// accepted too, as some transferors build it from the other side.
func (u *UA) matchReplaces(r Replaces) *Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, d := range u.dialogs {
		c, ok := d.(*Call)
		if !ok || c.id != r.CallID {
			continue
		}
		c.mu.Lock()
		lt, rt := c.d.localTag, c.d.remoteTag
		c.mu.Unlock()
		if (lt == r.ToTag && rt == r.FromTag) || (lt == r.FromTag && rt == r.ToTag) {
			return c
		}
	}
	return nil
}

// Ring sends a provisional response to an incoming call: 180 Ringing, or
// 183 Session Progress when early media SDP is given. When the caller
// requires 100rel (RFC 3262) the response is sent reliably and repeated
// until its PRACK arrives.
func (c *Call) Ring(ctx context.Context, early Body) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	code, reason := 180, "Ringing"
	if !early.IsZero() {
		code, reason = 183, "Session Progress"
	}
	c.mu.Lock()
	if c.dir != Incoming || c.state != CallEarly || c.finalSent {
		st := c.state
		c.mu.Unlock()
		return fmt.Errorf("%w: ring in state %s", ErrCallState, st)
	}
	res := c.ua.reply(c.req, code, reason, nil)
	if to := res.To(); to != nil {
		to.Params.Add("tag", c.d.localTag)
	}
	res.AppendHeader(c.ua.contactHeader())
	res.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	var wait chan struct{}
	if c.peer100rel {
		c.rseq++
		res.AppendHeader(sipgosip.NewHeader("Require", "100rel"))
		res.AppendHeader(sipgosip.NewHeader("RSeq", strconv.FormatUint(uint64(c.rseq), 10)))
		if c.prackWait == nil {
			c.prackWait = map[uint32]chan struct{}{}
		}
		wait = make(chan struct{})
		c.prackWait[c.rseq] = wait
	}
	setBody(res, early)
	tx := c.tx
	c.mu.Unlock()
	if err := tx.Respond(res); err != nil {
		return fmt.Errorf("sip: %d: %w", code, err)
	}
	if wait != nil {
		c.retransmitReliable(tx, res, wait)
	}
	return nil
}

// retransmitReliable repeats a reliable provisional until its PRACK (T1
// doubling, RFC 3262 §3); after 64*T1 without one the INVITE is refused
// with 504, as the RFC asks.
func (c *Call) retransmitReliable(tx sipgosip.ServerTransaction, res *sipgosip.Response, prack chan struct{}) {
	c.retransmit(res, prack, c.final, func() { _ = tx.Respond(res) }, func() { _ = c.Reject(c.ua.runCtx, 504, "") })
}

// onPrack acknowledges a reliable provisional response.
func (c *Call) onPrack(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := c.ua
	f := strings.Fields(headerValue(req, "RAck"))
	if len(f) != 3 {
		u.respond(tx, u.reply(req, 400, "Bad RAck", nil))
		return
	}
	rseq, err1 := strconv.ParseUint(f[0], 10, 32)
	cseq, err2 := strconv.ParseUint(f[1], 10, 32)
	c.mu.Lock()
	w, ok := c.prackWait[uint32(rseq)]
	match := ok && err1 == nil && err2 == nil && c.req != nil && uint32(cseq) == c.req.CSeq().SeqNo && strings.EqualFold(f[2], "INVITE")
	c.mu.Unlock()
	if !match {
		u.respond(tx, u.reply(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	// Answer the PRACK before releasing a waiting 2xx, so that the far end
	// sees them in that order. The provisional stays unacknowledged until
	// then: an Answer that starts meanwhile waits for it too.
	u.respond(tx, u.reply(req, 200, "OK", nil))
	c.mu.Lock()
	release := c.prackWait[uint32(rseq)] == w // not by a PRACK that came twice
	if release {
		delete(c.prackWait, uint32(rseq))
	}
	c.mu.Unlock()
	if release {
		close(w)
	}
}

// Answer accepts an incoming call with the integrator's SDP (the answer to
// the caller's offer, or an offer when the INVITE had none). The 2xx is
// repeated until the ACK arrives (CallConfirmedEvent). Answering a call
// that replaces another ends the other one (RFC 3891).
func (c *Call) Answer(ctx context.Context, sdp Body) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	if c.dir != Incoming || c.state != CallEarly || c.finalSent {
		st := c.state
		c.mu.Unlock()
		if st == CallEnded {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: answer in state %s", ErrCallState, st)
	}
	waits := make([]chan struct{}, 0, len(c.prackWait))
	for _, w := range c.prackWait {
		waits = append(waits, w)
	}
	c.mu.Unlock()
	// RFC 3262 §3: no 2xx before the PRACKs of reliable provisionals.
	for _, w := range waits {
		select {
		case <-w:
		case <-c.ended:
			return ErrCallEnded
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(64 * sipgosip.T1):
		}
	}
	c.mu.Lock()
	if c.state != CallEarly || c.finalSent {
		c.mu.Unlock()
		return ErrCallEnded
	}
	res := c.okResponse(c.req, sdp)
	c.localBody = sdp
	c.finalSent = true
	c.state = CallAnswering
	pa := &pendingAck{seq: c.req.CSeq().SeqNo, done: make(chan struct{})}
	c.pendingAck = pa
	tx := c.tx
	replaced := c.replaces
	c.mu.Unlock()
	err := tx.Respond(res)
	close(c.final)
	if err != nil || tx.Err() == sipgosip.ErrTransactionCanceled {
		c.end(CallEndedEvent{Code: 487, Reason: "Request Terminated", Cause: "cancel", Err: err})
		return ErrCallEnded
	}
	c.retransmit2xx(tx, res, pa)
	c.armSessionTimer()
	if replaced != nil {
		c.ua.spawn(func() { replaced.endReplaced() })
	}
	return nil
}

// endReplaced ends a call another one replaced: BYE when it was up, CANCEL
// or a 487 when it was still ringing.
func (c *Call) endReplaced() {
	u := c.ua
	c.mu.Lock()
	st, dir := c.state, c.dir
	c.cause = "replaced"
	c.mu.Unlock()
	var err error
	switch {
	case st == CallEnded:
		return
	case dir == Outgoing && st < CallConfirmed:
		err = c.Cancel(u.runCtx)
	case dir == Incoming && st == CallEarly:
		err = c.Reject(u.runCtx, 487, "")
	default:
		err = c.Bye(u.runCtx)
	}
	if err != nil {
		u.log.Debug("ending replaced call", "call", c.id, "err", err)
	}
	c.end(CallEndedEvent{Cause: "replaced"})
}

// Reject refuses an incoming call with code (0 means the configured
// voip/services/reject_code: 486 Busy Here by default; 603 Decline is the
// other common one) and reason ("" means the standard phrase).
func (c *Call) Reject(ctx context.Context, code int, reason string) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	if code == 0 {
		code = c.ua.cfg.RejectCode
	}
	if code < 300 || code > 699 {
		return fmt.Errorf("%w: %d is not a rejection", ErrConfig, code)
	}
	if reason == "" {
		reason = reasonPhrase(code)
	}
	return c.refuse(code, reason, "rejected", nil)
}

// refuse ends an incoming call that is not answered with a final response
// (a rejection, or a 3xx carrying a Contact) and reports it ended with cause.
func (c *Call) refuse(code int, reason, cause string, extra sipgosip.Header) error {
	c.mu.Lock()
	if c.dir != Incoming || c.state != CallEarly || c.finalSent {
		st := c.state
		c.mu.Unlock()
		if st == CallEnded {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: %d in state %s", ErrCallState, code, st)
	}
	c.finalSent = true
	res := c.ua.reply(c.req, code, reason, nil)
	if to := res.To(); to != nil {
		to.Params.Add("tag", c.d.localTag)
	}
	if extra != nil {
		res.AppendHeader(extra)
	}
	tx := c.tx
	c.mu.Unlock()
	err := tx.Respond(res)
	close(c.final)
	c.end(CallEndedEvent{Code: code, Reason: reason, Cause: cause})
	if err != nil {
		return fmt.Errorf("sip: %d: %w", code, err)
	}
	return nil
}
