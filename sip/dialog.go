package sip

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"
)

// dialog is the state RFC 3261 §12 keeps for a dialog. Its owner (Call,
// Subscription, Refer) guards it with its own mutex.
type dialog struct {
	callID       string
	localTag     string
	remoteTag    string
	local        sipgosip.Uri
	localName    string
	remote       sipgosip.Uri
	remoteName   string
	localSeq     uint32
	remoteSeq    uint32
	remoteTarget sipgosip.Uri
	// remoteFocus is set when the far end's Contact carries isfocus: it is
	// a conference focus and remoteTarget the conference (RFC 4579 §3).
	remoteFocus bool
	routes      []sipgosip.Uri
}

// setTarget takes the far end's Contact as the remote target.
func (d *dialog) setTarget(c *sipgosip.ContactHeader) {
	d.remoteTarget = *c.Address.Clone()
	d.remoteFocus = c.Params.Has("isfocus")
}

// request builds the next request in the dialog (RFC 3261 §12.2.1.1):
// Request-URI is the remote target, the route set goes in Route headers,
// CSeq is one more than the last.
func (d *dialog) request(u *UA, method sipgosip.RequestMethod) *sipgosip.Request {
	from := &sipgosip.FromHeader{DisplayName: d.localName, Address: d.local, Params: sipgosip.HeaderParams{{K: "tag", V: d.localTag}}}
	to := &sipgosip.ToHeader{DisplayName: d.remoteName, Address: d.remote}
	if d.remoteTag != "" {
		to.Params = sipgosip.HeaderParams{{K: "tag", V: d.remoteTag}}
	}
	if method != sipgosip.ACK {
		d.localSeq++
	}
	req := u.newRequest(method, d.remoteTarget, from, to, d.callID, d.localSeq)
	for _, r := range d.routes {
		req.AppendHeader(&sipgosip.RouteHeader{Address: r})
	}
	return req
}

// clone copies the dialog so that a request can be sent without the
// owner's lock.
func (d *dialog) clone() dialog {
	c := *d
	c.routes = slices.Clone(d.routes)
	return c
}

// fromResponse fills in what the far end's response tells (UAC side):
// its tag, its Contact as remote target and the reversed Record-Route as
// route set (RFC 3261 §12.1.2). The route set is set once, by the first
// response that establishes the dialog (an early one; fromAnswer sets it
// again from the 2xx that confirms it); a target refresh keeps it.
func (d *dialog) fromResponse(res *sipgosip.Response, target bool) {
	if to := res.To(); to != nil {
		if tag, ok := to.Params.Get("tag"); ok && tag != "" {
			if d.remoteTag == "" {
				d.routes = nil
				rr := res.GetHeaders("Record-Route")
				for i := len(rr) - 1; i >= 0; i-- {
					if h, ok := rr[i].(*sipgosip.RecordRouteHeader); ok {
						d.routes = append(d.routes, *h.Address.Clone())
					}
				}
			}
			d.remoteTag = tag
		}
	}
	if c := res.Contact(); c != nil && target {
		d.setTarget(c)
	}
}

// fromAnswer confirms the dialog with the 2xx to the INVITE that makes it:
// the route set is recomputed from the 2xx (RFC 3261 §13.2.2.4), whatever
// early dialog came before, which may be another branch of a forking proxy
// with a route of its own.
func (d *dialog) fromAnswer(res *sipgosip.Response) {
	if tag := toTag(res); tag != "" {
		d.remoteTag = ""
	}
	d.fromResponse(res, true)
}

// fromRequest builds the UAS side of a dialog from the request that makes
// it (INVITE, SUBSCRIBE, REFER): RFC 3261 §12.1.1.
func dialogFromRequest(req *sipgosip.Request, localTag string) (dialog, error) {
	from, to, cid, cseq := req.From(), req.To(), req.CallID(), req.CSeq()
	if from == nil || to == nil || cid == nil || cseq == nil {
		return dialog{}, fmt.Errorf("%w: missing From, To, Call-ID or CSeq", ErrParse)
	}
	d := dialog{
		callID:     string(*cid),
		localTag:   localTag,
		local:      *to.Address.Clone(),
		localName:  to.DisplayName,
		remote:     *from.Address.Clone(),
		remoteName: from.DisplayName,
		remoteSeq:  cseq.SeqNo,
		localSeq:   0,
	}
	d.remoteTag, _ = from.Params.Get("tag")
	if c := req.Contact(); c != nil {
		d.setTarget(c)
	} else {
		d.remoteTarget = *from.Address.Clone()
	}
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sipgosip.RecordRouteHeader); ok {
			d.routes = append(d.routes, *rr.Address.Clone())
		}
	}
	return d, nil
}

// sendInDialog sends a request built from d and returns the final
// response. The dialog's CSeq is advanced past any retries.
func (u *UA) sendInDialog(ctx context.Context, d *dialog, req *sipgosip.Request, o exchangeOpts) (*sipgosip.Response, error) {
	targets, err := u.dialogTargets(ctx, d)
	if err != nil {
		return nil, err
	}
	res, _, err := u.roundTrip(ctx, req, targets, o)
	return res, err
}

// sendAck sends the ACK of a 2xx (RFC 3261 §13.2.2.4) straight to the
// transport: ACK for 2xx is not a transaction.
func (u *UA) sendAck(ctx context.Context, d *dialog, ack *sipgosip.Request) error {
	targets, err := u.dialogTargets(ctx, d)
	if err != nil {
		return err
	}
	u.stamp(ack, targets[0])
	if err := u.fromSocket(ack, func() error { return u.cli.WriteRequest(ack, u.laddr) }); err != nil {
		return fmt.Errorf("sip: ACK: %w", err)
	}
	return nil
}

// toTag returns the tag of a message's To header.
func toTag(m sipgosip.Message) string {
	if to := m.To(); to != nil {
		t, _ := to.Params.Get("tag")
		return t
	}
	return ""
}

// fromTag returns the tag of a message's From header.
func fromTag(m sipgosip.Message) string {
	if f := m.From(); f != nil {
		t, _ := f.Params.Get("tag")
		return t
	}
	return ""
}

func callIDOf(m sipgosip.Message) string {
	if c := m.CallID(); c != nil {
		return string(*c)
	}
	return ""
}

// eventPackage returns the package of an Event header without parameters.
func eventPackage(m sipgosip.Message) string {
	v := headerValue(m, "Event")
	p, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(p))
}
