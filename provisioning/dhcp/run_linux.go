//go:build linux

package dhcp

import (
	"context"
	"errors"
	"time"

	"github.com/hdphone/hdphone/clock"
)

// minRetransmit is the shortest wait between renew (or rebind) attempts
// (RFC 2131 §4.4.5).
const minRetransmit = 60 * time.Second

// Run keeps the phone's lease until ctx ends, reporting every change through
// Config.OnEvent: it acquires a lease if the client has none, renews it at T1
// (unicast to its server), rebinds at T2 (broadcast), and starts over with a
// DISCOVER when the lease expires or a server refuses it. In raw mode it
// watches the carrier and reports link loss. Run returns ctx's error; it does
// not release the lease (a phone losing power does not either).
func (c *Client) Run(ctx context.Context) error {
	linkDown := false // report link loss once, not at every poll
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := c.current()
		if l == nil {
			var err error
			if l, err = c.Acquire(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				kind, wait := EventFailed, c.cfg.RetryWait
				switch {
				case errors.Is(err, ErrLinkDown):
					kind, wait = EventLinkDown, c.cfg.LinkPoll
				case errors.Is(err, ErrDuplicateIP):
					kind = EventDeclined
				}
				if kind != EventLinkDown || !linkDown {
					c.emit(Event{Kind: kind, Err: err})
				}
				linkDown = kind == EventLinkDown
				if err := c.sleepUntil(ctx, c.clk.Now().Add(wait), false); err != nil {
					return err
				}
				continue
			}
			linkDown = false
			c.emit(Event{Kind: EventBound, Lease: l})
		}
		next, err := c.keep(ctx, l)
		if err != nil {
			return err
		}
		linkDown = next.Kind == EventLinkDown
		c.emit(next)
	}
}

// keep holds lease l through renewing and rebinding and returns the event
// that ends its stretch: renewed or rebound (with the new lease), or the loss
// of the lease (the client then has none).
func (c *Client) keep(ctx context.Context, l *Lease) (Event, error) {
	if err := c.sleepUntil(ctx, l.RenewAt(), true); err != nil {
		return c.lost(ctx, l, err)
	}
	for _, phase := range []struct {
		rebind bool
		until  time.Time
		kind   EventKind
	}{{false, l.RebindAt(), EventRenewed}, {true, l.ExpiresAt(), EventRebound}} {
		for c.clk.Now().Before(phase.until) {
			actx, cancel := c.deadline(ctx, phase.until)
			nl, err := c.extend(actx, phase.rebind)
			cancel()
			switch {
			case err == nil:
				return Event{Kind: phase.kind, Lease: nl}, nil
			case ctx.Err() != nil:
				return Event{}, ctx.Err()
			case errors.Is(err, ErrNak):
				return Event{Kind: EventNak, Lease: l, Err: err}, nil
			}
			c.log.Info("DHCP lease not extended yet", "rebind", phase.rebind, "err", err)
			wait := phase.until.Sub(c.clk.Now()) / 2
			if wait < minRetransmit {
				wait = minRetransmit
			}
			at := c.clk.Now().Add(wait)
			if at.After(phase.until) {
				at = phase.until
			}
			if err := c.sleepUntil(ctx, at, true); err != nil {
				return c.lost(ctx, l, err)
			}
		}
	}
	c.setLease(nil)
	return Event{Kind: EventExpired, Lease: l, Err: ErrLeaseExpired}, nil
}

// lost turns a failed wait into the event that ends the lease.
func (c *Client) lost(ctx context.Context, l *Lease, err error) (Event, error) {
	if ctx.Err() != nil {
		return Event{}, ctx.Err()
	}
	c.setLease(nil)
	return Event{Kind: EventLinkDown, Lease: l, Err: err}, nil
}

// sleepUntil waits on the client's clock until at. With watchLink it also
// polls the carrier (raw mode) and returns ErrLinkDown when it goes.
func (c *Client) sleepUntil(ctx context.Context, at time.Time, watchLink bool) error {
	watchLink = watchLink && c.link.hasCarrier()
	for {
		d := at.Sub(c.clk.Now())
		if d <= 0 {
			return nil
		}
		if watchLink && d > c.cfg.LinkPoll {
			d = c.cfg.LinkPoll
		}
		if err := clock.Sleep(ctx, c.clk, d); err != nil {
			return err
		}
		if watchLink {
			if err := c.link.carrier(); err != nil {
				return err
			}
		}
	}
}

// deadline returns a context that ends at t on the client's clock, so a
// renew attempt never runs past T2 (nor a rebind past expiry).
func (c *Client) deadline(ctx context.Context, t time.Time) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	timer := c.clk.AfterFunc(t.Sub(c.clk.Now()), cancel)
	return ctx, func() {
		timer.Stop()
		cancel()
	}
}

func (c *Client) emit(e Event) {
	e.At = c.clk.Now()
	switch e.Kind {
	case EventBound, EventRenewed, EventRebound:
		c.log.Info("DHCP "+string(e.Kind), "addr", e.Lease.Address.String())
	default:
		c.log.Warn("DHCP "+string(e.Kind), "err", e.Err)
	}
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
}
