package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// HeaderField is an extra header to send.
type HeaderField struct {
	Name, Value string
}

// InviteOptions tune an outgoing INVITE.
type InviteOptions struct {
	// Replaces makes the INVITE replace a dialog at the target (attended
	// transfer: take it from ReferEvent.Refer.Replaces).
	Replaces *Replaces
	// ReferredBy is the Referred-By header of a transferred call.
	ReferredBy string
	// Headers are sent as they are.
	Headers []HeaderField
}

// Invite places a call to target ("1002", "1002@host", "sip:…") with the
// integrator's SDP offer. It returns once the INVITE is on its way; the
// rest arrives as CallProgressEvent, CallAnsweredEvent or CallEndedEvent.
// Digest challenges (401/407) are answered, 422 gets a longer session
// interval, and a server that does not answer is replaced by the next
// target.
func (u *UA) Invite(ctx context.Context, target string, offer Body, opt InviteOptions) (*Call, error) {
	if err := u.waitRunning(ctx); err != nil {
		return nil, err
	}
	ruri, err := u.parseTarget(target)
	if err != nil {
		return nil, err
	}
	c := &Call{ua: u, id: newCallID(), dir: Outgoing, ended: make(chan struct{})}
	toURI := *ruri.Clone()
	toURI.UriParams = nil
	toURI.Headers = nil
	c.d = dialog{
		callID:       c.id,
		localTag:     newTag(),
		local:        u.aor,
		localName:    u.cfg.DisplayName,
		remote:       toURI,
		remoteTarget: ruri,
		localSeq:     1,
	}
	c.key = dialogKey(c.id, c.d.localTag)
	c.localBody = offer
	if u.cfg.SessionExpires > 0 {
		c.se = u.cfg.SessionExpires
	}
	req := u.newRequest(sipgosip.INVITE, ruri, u.fromHeader(c.d.localTag), &sipgosip.ToHeader{Address: toURI}, c.id, 1)
	req.AppendHeader(u.contactHeader())
	req.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgosip.NewHeader("Supported", supportedExtensions))
	if c.se > 0 {
		req.AppendHeader(sipgosip.NewHeader("Session-Expires", strconv.Itoa(int(c.se/time.Second))))
		req.AppendHeader(sipgosip.NewHeader("Min-SE", strconv.Itoa(int(u.cfg.MinSE/time.Second))))
	}
	if opt.Replaces != nil {
		req.AppendHeader(sipgosip.NewHeader("Replaces", opt.Replaces.String()))
		req.AppendHeader(sipgosip.NewHeader("Require", "replaces"))
	}
	if opt.ReferredBy != "" {
		req.AppendHeader(sipgosip.NewHeader("Referred-By", opt.ReferredBy))
	}
	for _, h := range opt.Headers {
		req.AppendHeader(sipgosip.NewHeader(h.Name, h.Value))
	}
	setBody(req, offer)
	targets, err := u.outTargets(ctx, toProxy, ruri, Server{})
	if err != nil {
		return nil, fmt.Errorf("sip: INVITE %s: %w", ruri.String(), err)
	}
	u.addDialog(c.key, c)
	u.spawn(func() { c.runInvite(req, targets) })
	return c, nil
}

// runInvite drives the INVITE client transaction(s) of an outgoing call.
func (c *Call) runInvite(req *sipgosip.Request, targets []Target) {
	u := c.ua
	ctx, giveUp := context.WithCancel(u.runCtx)
	c.mu.Lock()
	c.giveUp = giveUp
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.giveUp = nil
		if c.giveUpTimer != nil {
			c.giveUpTimer.Stop()
		}
		c.mu.Unlock()
		giveUp()
	}()
	tooSmall := 0
	for {
		res, _, err := u.roundTrip(ctx, req, targets, exchangeOpts{
			provisional: c.onProvisional,
			sent: func(r *sipgosip.Request, _ sipgosip.ClientTransaction) {
				c.mu.Lock()
				c.invite = r.Clone()
				c.d.localSeq = r.CSeq().SeqNo
				c.mu.Unlock()
			},
		})
		if err != nil {
			ev := CallEndedEvent{Code: 408, Reason: "Request Timeout", Cause: "failed", Err: err}
			switch {
			case u.runCtx.Err() != nil:
				ev.Cause = "shutdown"
			case ctx.Err() != nil:
				// Cancelled, and no final response came within 64·T1.
				ev.Code, ev.Reason, ev.Cause = 487, "Request Terminated", "cancel"
				ev.Err = fmt.Errorf("sip: INVITE: %w after its CANCEL", ErrNoResponse)
			case errors.Is(err, ErrNoResponse):
				ev.Cause = "timeout"
			}
			c.end(ev)
			if ev.Cause == "cancel" {
				u.rememberGivenUp(c)
			}
			return
		}
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			c.onAnswered(req, res)
			return
		case res.StatusCode == 422 && tooSmall < 2:
			// RFC 4028 §7.4: ask again with at least the server's Min-SE.
			tooSmall++
			if me, ok := parseExpires(strings.Split(headerValue(res, "Min-SE"), ";")[0]); ok {
				c.mu.Lock()
				c.se = max(c.se, me)
				se := c.se
				c.mu.Unlock()
				req.RemoveHeader("Session-Expires")
				req.RemoveHeader("Min-SE")
				req.AppendHeader(sipgosip.NewHeader("Session-Expires", strconv.Itoa(int(se/time.Second))))
				req.AppendHeader(sipgosip.NewHeader("Min-SE", strconv.Itoa(int(se/time.Second))))
				req.CSeq().SeqNo++
				continue
			}
		}
		cause := "rejected"
		c.mu.Lock()
		if c.cancelWanted && res.StatusCode == 487 {
			cause = "cancel"
		}
		c.mu.Unlock()
		ev := CallEndedEvent{Code: res.StatusCode, Reason: res.Reason, Cause: cause,
			Err: &ResponseError{Method: "INVITE", Code: res.StatusCode, Reason: res.Reason}}
		if res.StatusCode >= 300 && res.StatusCode < 400 {
			for _, h := range res.GetHeaders("Contact") {
				if ch, ok := h.(*sipgosip.ContactHeader); ok {
					ev.Redirect = append(ev.Redirect, ch.Address.String())
				}
			}
		}
		c.end(ev)
		return
	}
}

// onProvisional takes a 1xx: an early dialog, early media, PRACK for a
// reliable provisional (RFC 3262), and a CANCEL that was waiting for it.
func (c *Call) onProvisional(res *sipgosip.Response) {
	u := c.ua
	c.mu.Lock()
	if c.state == CallEnded {
		c.mu.Unlock()
		return
	}
	c.provisional = true
	cancelNow := c.cancelWanted && c.invite != nil
	inv := c.invite
	if res.StatusCode == 100 {
		c.mu.Unlock()
		if cancelNow {
			u.spawn(func() { c.sendCancel(inv) })
		}
		return
	}
	if toTag(res) != "" && (c.d.remoteTag == "" || c.d.remoteTag == toTag(res)) {
		c.d.fromResponse(res, true)
		if c.state == CallCalling {
			c.state = CallEarly
		}
	}
	var prack *sipgosip.Request
	var pd dialog
	if hasToken(res, "Require", "100rel") {
		rseq, err := strconv.ParseUint(headerValue(res, "RSeq"), 10, 32)
		if err == nil && uint32(rseq) > c.rseqSeen && toTag(res) == c.d.remoteTag {
			c.rseqSeen = uint32(rseq)
			prack = c.d.request(u, sipgosip.PRACK)
			prack.AppendHeader(sipgosip.NewHeader("RAck", fmt.Sprintf("%d %d INVITE", rseq, res.CSeq().SeqNo)))
			prack.SetBody(nil)
			pd = c.d.clone()
		} else if err == nil && uint32(rseq) <= c.rseqSeen {
			c.mu.Unlock()
			return // a retransmission: its PRACK is on its way
		}
	}
	early := bodyOf(res)
	if !early.IsZero() {
		c.remoteBody = early
	}
	c.mu.Unlock()
	if prack != nil {
		u.spawn(func() {
			res, err := u.sendInDialog(u.runCtx, &pd, prack, exchangeOpts{})
			if err != nil || res.StatusCode >= 300 {
				u.log.Info("PRACK failed", "call", c.id, "err", err)
			}
		})
	}
	if cancelNow {
		u.spawn(func() { c.sendCancel(inv) })
	}
	u.emit(CallProgressEvent{Call: c, Code: res.StatusCode, Reason: res.Reason, Early: early})
}

// onAnswered takes the 2xx of an outgoing INVITE: the dialog is confirmed
// and ACKed; a call the integrator had cancelled meanwhile is hung up.
func (c *Call) onAnswered(req *sipgosip.Request, res *sipgosip.Response) {
	u := c.ua
	c.mu.Lock()
	if c.state == CallEnded {
		c.mu.Unlock()
		return
	}
	c.d.fromAnswer(res)
	c.state = CallConfirmed
	ack := c.d.request(u, sipgosip.ACK)
	ack.CSeq().SeqNo = req.CSeq().SeqNo
	copyAuth(req, ack)
	ack.SetBody(nil)
	c.ack = ack.Clone() // kept as built: sending stamps ack, unlocked
	answer := bodyOf(res)
	if !answer.IsZero() {
		c.remoteBody = answer
	}
	cancelled := c.cancelWanted
	d := c.d.clone()
	c.mu.Unlock()
	if err := u.sendAck(u.runCtx, &d, ack); err != nil {
		level := slog.LevelWarn
		if u.runCtx.Err() != nil {
			level = slog.LevelDebug // the UA is stopping: its socket is gone
		}
		u.log.Log(u.runCtx, level, "ACK failed", "call", c.id, "err", err)
	}
	if cancelled {
		// The 2xx crossed our CANCEL: the call exists, end it properly.
		u.emit(CallAnsweredEvent{Call: c, Answer: answer})
		_ = c.Bye(u.runCtx)
		return
	}
	c.sessionTimerFromResponse(res)
	u.emit(CallAnsweredEvent{Call: c, Answer: answer})
}

// Cancel abandons an outgoing call that has not been answered (RFC 3261
// §9.1). If nothing but silence came back yet, the CANCEL goes as soon as a
// provisional response arrives.
func (c *Call) Cancel(ctx context.Context) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	if c.dir != Outgoing || c.state >= CallConfirmed {
		st := c.state
		c.mu.Unlock()
		if st == CallEnded {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: CANCEL in state %s", ErrCallState, st)
	}
	if c.cancelWanted {
		c.mu.Unlock()
		return nil
	}
	c.cancelWanted = true
	inv := c.invite
	now := c.provisional && inv != nil
	c.mu.Unlock()
	if now {
		return c.sendCancel(inv)
	}
	return nil
}

// sendCancel sends the CANCEL of inv: same Request-URI, Call-ID, From, To,
// CSeq number and top Via (RFC 3261 §9.1).
func (c *Call) sendCancel(inv *sipgosip.Request) error {
	u := c.ua
	cancel := sipgosip.NewRequest(sipgosip.CANCEL, *inv.Recipient.Clone())
	if via := inv.Via(); via != nil {
		cancel.AppendHeader(via.Clone())
	}
	for _, name := range []string{"From", "To", "Call-ID", "Route"} {
		sipgosip.CopyHeaders(name, inv, cancel)
	}
	cancel.AppendHeader(&sipgosip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipgosip.CANCEL})
	mf := sipgosip.MaxForwardsHeader(70)
	cancel.AppendHeader(&mf)
	cancel.SetBody(nil)
	cancel.SetTransport(inv.Transport())
	cancel.SetDestination(inv.Destination())
	// RFC 3261 §9.1: an INVITE with no final response 64·T1 after its
	// CANCEL is taken as cancelled (a callee that lost its power while
	// ringing never sends its 487; a proxy's Timer C ends the call only
	// minutes later, and a callee reached directly never).
	c.mu.Lock()
	if c.giveUp != nil && c.giveUpTimer == nil {
		c.giveUpTimer = u.clk.AfterFunc(64*sipgosip.T1, c.giveUp)
	}
	c.mu.Unlock()
	ctx, stop := context.WithTimeout(u.runCtx, 32*time.Second)
	defer stop()
	res, err := u.transact(ctx, cancel, exchangeOpts{})
	if err != nil {
		return fmt.Errorf("sip: CANCEL: %w", err)
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "CANCEL", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// onStrayResponse takes responses no transaction wants: retransmitted 2xx
// of an INVITE whose ACK was lost are ACKed again.
func (u *UA) onStrayResponse(res *sipgosip.Response) {
	if res.CSeq() == nil || res.CSeq().MethodName != sipgosip.INVITE || !res.IsSuccess() {
		return
	}
	key := dialogKey(callIDOf(res), fromTag(res))
	c, ok := u.findDialog(key).(*Call)
	if !ok {
		if c = u.givenUpCall(key); c != nil {
			// The callee answered after all: the answer is taken, and
			// the call it would make ended at once.
			c.mu.Lock()
			c.otherAnswer(res)
		}
		return
	}
	c.mu.Lock()
	ack := c.ack
	var dd dialog
	if ack != nil {
		if tag := toTag(res); tag != "" && tag != c.d.remoteTag && ack.CSeq().SeqNo == res.CSeq().SeqNo {
			c.otherAnswer(res)
			return
		}
		ack = ack.Clone()
		dd = c.d.clone()
	}
	c.mu.Unlock()
	if ack != nil && ack.CSeq().SeqNo == res.CSeq().SeqNo {
		if err := u.sendAck(u.runCtx, &dd, ack); err != nil {
			u.log.Debug("ACK resend failed", "err", err)
		}
	}
}

// givenUpCall is an outgoing call whose INVITE was given up after its
// CANCEL (runInvite), kept for a 2xx that still comes.
type givenUpCall struct {
	c     *Call
	until time.Time
}

// rememberGivenUp keeps c for 64·T1, the time an INVITE's server
// transaction may still answer it: a callee's 2xx that crossed the
// give-up is acknowledged and its call ended with a BYE (RFC 3261 §15),
// rather than left to retransmit until the callee gives up on its ACK.
// Entries are pruned as calls are added; a UA that cancels no such call
// holds none.
func (u *UA) rememberGivenUp(c *Call) {
	now := u.clk.Now()
	u.mu.Lock()
	defer u.mu.Unlock()
	sd := u.seldomLocked()
	for k, g := range sd.givenUp {
		if now.After(g.until) {
			delete(sd.givenUp, k)
		}
	}
	if sd.givenUp == nil {
		sd.givenUp = map[string]givenUpCall{}
	}
	sd.givenUp[c.key] = givenUpCall{c: c, until: now.Add(64 * sipgosip.T1)}
}

// givenUpCall returns the call given up under key, if it is still kept.
func (u *UA) givenUpCall(key string) *Call {
	now := u.clk.Now()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seldom == nil {
		return nil
	}
	g, ok := u.seldom.givenUp[key]
	if !ok || now.After(g.until) {
		return nil
	}
	return g.c
}

// otherAnswer takes the 2xx of another branch of the call's INVITE (a
// forking proxy's): the call keeps the dialog it has, and this one is
// acknowledged and ended with a BYE (RFC 3261 §13.2.2.4); the 2xx sent
// again gets its ACK again. Called with c.mu held; it unlocks it.
func (c *Call) otherAnswer(res *sipgosip.Response) {
	u := c.ua
	tag := toTag(res)
	ack, seen := c.others[tag]
	d := c.d.clone()
	d.fromAnswer(res)
	if !seen {
		ack = d.request(u, sipgosip.ACK)
		ack.CSeq().SeqNo = res.CSeq().SeqNo
		// The ACK carries the INVITE's credentials (RFC 3261 §13.2.2.4),
		// as the call's own ACK does; a call given up has none of its own.
		if c.ack != nil {
			copyAuth(c.ack, ack)
		} else if c.invite != nil {
			copyAuth(c.invite, ack)
		}
		ack.SetBody(nil)
		if c.others == nil {
			c.others = make(map[string]*sipgosip.Request)
		}
		c.others[tag] = ack
	}
	ack = ack.Clone()
	c.mu.Unlock()
	if err := u.sendAck(u.runCtx, &d, ack); err != nil {
		u.log.Debug("ACK to another branch failed", "err", err)
	}
	if seen {
		return
	}
	u.log.Info("an answer the call does not keep (another branch, or after the call was given up): ending it", "call", c.id, "tag", tag)
	bye := d.request(u, sipgosip.BYE)
	bye.SetBody(nil)
	u.spawn(func() {
		if _, err := u.sendInDialog(u.runCtx, &d, bye, exchangeOpts{}); err != nil {
			u.log.Debug("BYE to another branch failed", "err", err)
		}
	})
}
