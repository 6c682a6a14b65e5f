package sip

import (
	"context"
	"fmt"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// PublishOptions describe one PUBLISH (RFC 3903): the phone sends it and
// never receives one (Table G-2).
type PublishOptions struct {
	// Event is the event package (vq-rtcpxr for voice-quality reports).
	Event string
	// Target is the Request-URI and To: the collector ("sip:collector@host",
	// "host:port", or a user at the phone's domain as dialled).
	Target string
	// Server, when set, receives the PUBLISH instead of the proxy (an
	// outbound proxy still comes first).
	Server Server
	Body   Body
	// Expires is the publication's lifetime; zero means one hour.
	Expires time.Duration
}

// Publish sends a PUBLISH outside any dialog, answering digest challenges
// with the line's credentials like every other request, and returns once
// the server accepted it (2xx). A publication is not refreshed: a report
// stands alone.
func (u *UA) Publish(ctx context.Context, o PublishOptions) error {
	if err := u.waitRunning(ctx); err != nil {
		return err
	}
	if o.Event == "" {
		return fmt.Errorf("%w: PUBLISH without event package", ErrConfig)
	}
	if o.Expires <= 0 {
		o.Expires = time.Hour
	}
	ruri, err := u.parseTarget(o.Target)
	if err != nil {
		return err
	}
	to := *ruri.Clone()
	to.UriParams, to.Headers = nil, nil
	req := u.newRequest(sipgosip.PUBLISH, ruri, u.fromHeader(newTag()), &sipgosip.ToHeader{Address: to}, newCallID(), 1)
	req.AppendHeader(sipgosip.NewHeader("Event", o.Event))
	exp := sipgosip.ExpiresHeader(uint32(o.Expires / time.Second))
	req.AppendHeader(&exp)
	req.AppendHeader(u.contactHeader())
	if !o.Body.IsZero() {
		req.AppendHeader(sipgosip.NewHeader("Content-Type", o.Body.Type))
		req.SetBody(o.Body.Data)
	}
	targets, err := u.outTargets(ctx, toProxy, ruri, o.Server)
	if err != nil {
		return fmt.Errorf("sip: PUBLISH %s: %w", o.Event, err)
	}
	res, _, err := u.roundTrip(ctx, req, targets, exchangeOpts{})
	if err != nil {
		return fmt.Errorf("sip: PUBLISH %s: %w", o.Event, err)
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "PUBLISH", Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}
