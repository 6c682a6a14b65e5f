package sip

import (
	"context"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Redirect answers an incoming call with 302 Moved Temporarily and a Contact
// naming target ("1005", "1005@host", "sip:…"): the phone's call forwarding.
// The caller's side places the new call.
func (c *Call) Redirect(ctx context.Context, target string) error {
	if err := c.ua.waitRunning(ctx); err != nil {
		return err
	}
	uri, err := c.ua.parseTarget(target)
	if err != nil {
		return err
	}
	return c.refuse(302, "Moved Temporarily", "redirected", &sipgosip.ContactHeader{Address: uri})
}
