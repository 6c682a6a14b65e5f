package sip

import (
	"context"
	"fmt"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Redirect answers an incoming call with 302 Moved Temporarily and a Contact
// naming target ("1005", "1005@host", "sip:…"): the phone's call forwarding.
// The caller's side places the new call.
func (c *Call) Redirect(ctx context.Context, target string) error {
	if err := c.ua.live(); err != nil {
		return err
	}
	uri, err := c.ua.parseTarget(target)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.dir != Incoming || c.state != CallEarly || c.finalSent {
		st := c.state
		c.mu.Unlock()
		if st == CallEnded {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: redirect in state %s", ErrCallState, st)
	}
	c.finalSent = true
	res := c.ua.reply(c.req, 302, "Moved Temporarily", nil)
	if to := res.To(); to != nil {
		to.Params.Add("tag", c.d.localTag)
	}
	res.AppendHeader(&sipgosip.ContactHeader{Address: uri})
	tx := c.tx
	c.mu.Unlock()
	err = tx.Respond(res)
	close(c.final)
	c.end(CallEndedEvent{Code: 302, Reason: "Moved Temporarily", Cause: "redirected"})
	if err != nil {
		return fmt.Errorf("sip: 302: %w", err)
	}
	return nil
}
