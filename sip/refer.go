package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Refer is a REFER the UA accepted with 202 (RFC 3515): the integrator
// places the call it asks for and reports progress with Notify, which
// sends NOTIFYs with message/sipfrag bodies in the REFER's dialog.
type Refer struct {
	// Target is the Refer-To URI without its headers.
	Target string
	// Replaces is set for an attended transfer: pass it to Invite.
	Replaces *Replaces
	// ReferredBy is the Referred-By header (RFC 3892), to pass to Invite.
	ReferredBy string
	// Headers are the other headers of the Refer-To URI.
	Headers map[string]string

	ua   *UA
	call *Call // the dialog, for a REFER inside a call
	id   int   // the REFER's CSeq, the event id of later REFERs in a dialog
	key  string

	mu   sync.Mutex // guards the following fields (and d for out-of-dialog REFERs)
	d    dialog
	done bool
}

// acceptRefer answers a REFER with 202, reports it as ReferEvent and sends
// the first NOTIFY (100 Trying). c is nil for an out-of-dialog REFER, which
// makes its own dialog.
func (u *UA) acceptRefer(req *sipgosip.Request, tx sipgosip.ServerTransaction, c *Call) {
	raw := ""
	if h := req.GetHeader("Refer-To"); h != nil {
		raw = h.Value()
	} else if h := req.GetHeader("r"); h != nil {
		raw = h.Value()
	}
	if raw == "" || len(req.GetHeaders("Refer-To")) > 1 {
		u.respond(tx, u.reply(req, 400, "Bad Refer-To", nil))
		return
	}
	rt, err := ParseReferTo(raw)
	if err != nil {
		u.respond(tx, u.reply(req, 400, "Bad Refer-To", nil))
		return
	}
	r := &Refer{
		Target: rt.URI, Replaces: rt.Replaces, ReferredBy: headerValue(req, "Referred-By"), Headers: rt.Headers,
		ua: u, call: c,
	}
	var localTag string
	if c != nil {
		c.mu.Lock()
		localTag = c.d.localTag
		c.referN++
		if c.referN > 1 {
			r.id = int(req.CSeq().SeqNo)
		}
		c.mu.Unlock()
	} else {
		d, err := dialogFromRequest(req, newTag())
		if err != nil {
			u.respond(tx, u.reply(req, 400, "Bad Request", nil))
			return
		}
		r.d = d
		localTag = d.localTag
		r.key = dialogKey(d.callID, localTag)
		u.addDialog(r.key, r)
	}
	if r.ReferredBy == "" {
		if f := req.From(); f != nil {
			r.ReferredBy = "<" + f.Address.String() + ">"
		}
	}
	res := u.reply(req, 202, "Accepted", nil)
	if to := res.To(); to != nil {
		to.Params.Add("tag", localTag)
	}
	res.AppendHeader(u.contactHeader())
	u.respond(tx, res)
	u.emit(ReferEvent{Call: c, Refer: r})
	u.spawn(func() {
		if err := r.Notify(u.runCtx, 100, "Trying"); err != nil {
			u.log.Debug("first NOTIFY of REFER failed", "err", err)
		}
	})
}

// Notify reports the progress of the referred call (RFC 3515 §2.4.5): a
// 1xx keeps the implicit subscription active, a final code (200 when the
// target answered, the failure otherwise) terminates it.
func (r *Refer) Notify(ctx context.Context, code int, reason string) error {
	u := r.ua
	if err := u.waitRunning(ctx); err != nil {
		return err
	}
	if reason == "" {
		reason = reasonPhrase(code)
	}
	lock, d := &r.mu, &r.d
	if r.call != nil {
		lock, d = &r.call.mu, &r.call.d
	}
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return fmt.Errorf("%w: REFER already reported final", ErrSubscription)
	}
	final := code >= 200
	r.done = final
	r.mu.Unlock()

	lock.Lock()
	req := d.request(u, sipgosip.NOTIFY)
	dd := d.clone()
	lock.Unlock()
	event := "refer"
	if r.id != 0 {
		event += ";id=" + strconv.Itoa(r.id)
	}
	req.AppendHeader(sipgosip.NewHeader("Event", event))
	if final {
		req.AppendHeader(sipgosip.NewHeader("Subscription-State", "terminated;reason=noresource"))
	} else {
		req.AppendHeader(sipgosip.NewHeader("Subscription-State", "active;expires=60"))
	}
	req.AppendHeader(u.contactHeader())
	setBody(req, Body{Type: "message/sipfrag;version=2.0", Data: fmt.Appendf(nil, "SIP/2.0 %d %s\r\n", code, reason)})
	res, err := u.sendInDialog(ctx, &dd, req, exchangeOpts{})
	lock.Lock()
	d.localSeq = max(d.localSeq, req.CSeq().SeqNo)
	lock.Unlock()
	if final && r.key != "" {
		u.removeDialog(r.key, r)
	}
	if err != nil {
		return fmt.Errorf("sip: NOTIFY: %w", err)
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "NOTIFY", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// handleRequest takes requests in an out-of-dialog REFER's dialog: a
// SUBSCRIBE refresh of the implicit subscription is accepted, the rest
// does not exist.
func (r *Refer) handleRequest(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := r.ua
	if req.Method == sipgosip.SUBSCRIBE && eventPackage(req) == "refer" {
		u.respond(tx, u.reply(req, 200, "OK", nil))
		return
	}
	u.respond(tx, u.reply(req, 481, "Call/Transaction Does Not Exist", nil))
}

// Refer asks the far end to call target (blind transfer, RFC 3515). It
// returns after the 202; progress arrives as ReferProgressEvent.
func (c *Call) Refer(ctx context.Context, target string) error {
	uri, err := c.ua.parseTarget(target)
	if err != nil {
		return err
	}
	return c.refer(ctx, "<"+uri.String()+">")
}

// ReferReplaces asks the far end to call the party of consult in its place
// (attended transfer, RFC 5589 §7): the Refer-To carries a Replaces header
// naming the consultation dialog.
func (c *Call) ReferReplaces(ctx context.Context, consult *Call) error {
	consult.mu.Lock()
	rp := Replaces{CallID: consult.d.callID, ToTag: consult.d.remoteTag, FromTag: consult.d.localTag}
	target := *consult.d.remote.Clone()
	target.UriParams = nil
	target.Headers = nil
	st := consult.state
	consult.mu.Unlock()
	if st != CallConfirmed && st != CallEarly {
		return fmt.Errorf("%w: consultation call is %s", ErrCallState, st)
	}
	return c.refer(ctx, "<"+target.String()+"?Replaces="+escapeHeaderValue(rp.String())+">")
}

func (c *Call) refer(ctx context.Context, referTo string) error {
	u := c.ua
	extra := []sipgosip.Header{
		sipgosip.NewHeader("Refer-To", referTo),
		sipgosip.NewHeader("Referred-By", "<"+u.aor.String()+">"),
		u.contactHeader(),
	}
	res, err := c.inDialog(ctx, sipgosip.REFER, Body{}, extra)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "REFER", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// escapeHeaderValue percent-encodes a URI header value (RFC 3261 §25.1
// hvalue): ';', '=', '@' and the like must not appear raw.
func escapeHeaderValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("-_.!~*'()[]/:+$", ch) >= 0:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
