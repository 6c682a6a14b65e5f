package sip

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/clock"
)

// SubscribeOptions describe a subscription (RFC 6665).
type SubscribeOptions struct {
	// Event is the event package: "message-summary" (MWI, RFC 3842) or
	// "dialog" (BLF, RFC 4235).
	Event string
	// Target is the resource: the user's own address for MWI, the watched
	// extension for BLF.
	Target string
	// Accept is the body type asked for; "" picks the package's usual one.
	Accept string
	// Expires is the subscription duration asked for; zero means one hour.
	Expires time.Duration
	// Server, when set, receives the SUBSCRIBE instead of the proxy
	// (msg_waiting_ind/subscribe_address and port).
	Server Server
	// Started, when set, is called with the subscription before its
	// SUBSCRIBE is sent. A notifier may send its first NOTIFY before its
	// 2xx (RFC 6665 §4.1.2.4), and the NotifyEvent that carries it names
	// a subscription Subscribe has not yet returned: Started lets the
	// caller know it first.
	Started func(*Subscription)
}

// Subscription is an active SUBSCRIBE dialog; the UA refreshes it at half
// its duration until Unsubscribe or the notifier ends it.
type Subscription struct {
	ua    *UA
	event string
	key   string
	opts  SubscribeOptions

	mu      sync.Mutex // guards the following fields
	d       dialog
	state   string
	expires time.Duration
	timer   clock.Timer
	ended   bool
	// unsubscribing: Unsubscribe sent Expires 0, the final NOTIFY is due.
	unsubscribing bool
}

// Event is the subscription's event package.
func (s *Subscription) Event() string { return s.event }

// State is the last Subscription-State (pending, active, terminated).
func (s *Subscription) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Subscribe sends a SUBSCRIBE and returns once it is accepted (2xx). The
// NOTIFYs arrive as NotifyEvent; the end as SubscriptionEvent.
func (u *UA) Subscribe(ctx context.Context, o SubscribeOptions) (*Subscription, error) {
	if err := u.waitRunning(ctx); err != nil {
		return nil, err
	}
	if o.Event == "" {
		return nil, fmt.Errorf("%w: subscription without event package", ErrConfig)
	}
	if o.Accept == "" {
		switch o.Event {
		case "message-summary":
			o.Accept = "application/simple-message-summary"
		case "dialog":
			o.Accept = "application/dialog-info+xml"
		case FeatureEventPackage:
			o.Accept = FeatureEventType
		}
	}
	if o.Expires <= 0 {
		o.Expires = time.Hour
	}
	ruri, err := u.parseTarget(o.Target)
	if err != nil {
		return nil, err
	}
	s := &Subscription{ua: u, event: o.Event, opts: o, state: "pending"}
	remote := *ruri.Clone()
	remote.UriParams, remote.Headers = nil, nil
	s.d = dialog{callID: newCallID(), localTag: newTag(), local: u.aor, localName: u.cfg.DisplayName, remote: remote, remoteTarget: ruri}
	s.key = dialogKey(s.d.callID, s.d.localTag)
	// Registered before sending: the first NOTIFY may beat the 2xx.
	u.addDialog(s.key, s)
	if o.Started != nil {
		o.Started(s)
	}
	if err := s.send(ctx, o.Expires, true, Body{}); err != nil {
		u.removeDialog(s.key, s)
		return nil, err
	}
	return s, nil
}

// Request sends a refresh of the subscription carrying body: a request to
// the notifier, such as a feature event's Set request. It returns once the
// notifier accepted it; what changed comes back in a NOTIFY.
func (s *Subscription) Request(ctx context.Context, body Body) error {
	s.mu.Lock()
	exp, ended := s.expires, s.ended
	s.mu.Unlock()
	if ended {
		return fmt.Errorf("%w: %s has ended", ErrSubscription, s.event)
	}
	if exp <= 0 {
		exp = s.opts.Expires
	}
	return s.send(ctx, exp, false, body)
}

// send sends the initial SUBSCRIBE (out of dialog) or a refresh or removal
// (in the dialog), with body when there is one.
func (s *Subscription) send(ctx context.Context, expires time.Duration, initial bool, body Body) error {
	u := s.ua
	s.mu.Lock()
	req := s.d.request(u, sipgosip.SUBSCRIBE)
	req.AppendHeader(sipgosip.NewHeader("Event", s.event))
	req.AppendHeader(sipgosip.NewHeader("Accept", s.opts.Accept))
	exp := sipgosip.ExpiresHeader(uint32(expires / time.Second))
	req.AppendHeader(&exp)
	req.AppendHeader(u.contactHeader())
	req.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	if body.IsZero() {
		req.SetBody(nil)
	} else {
		req.AppendHeader(sipgosip.NewHeader("Content-Type", body.Type))
		req.SetBody(body.Data)
	}
	d := s.d.clone()
	s.mu.Unlock()

	var res *sipgosip.Response
	var err error
	if initial || d.remoteTag == "" {
		var targets []Target
		targets, err = u.outTargets(ctx, toProxy, d.remoteTarget, s.opts.Server)
		if err == nil {
			res, _, err = u.roundTrip(ctx, req, targets, exchangeOpts{})
		}
	} else {
		res, err = u.sendInDialog(ctx, &d, req, exchangeOpts{})
	}
	s.mu.Lock()
	s.d.localSeq = max(s.d.localSeq, req.CSeq().SeqNo)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sip: SUBSCRIBE %s: %w", s.event, err)
	}
	if res.StatusCode >= 300 {
		return &ResponseError{Method: "SUBSCRIBE", Code: res.StatusCode, Reason: res.Reason}
	}
	granted := expires
	if g, ok := parseExpires(headerValue(res, "Expires")); ok {
		granted = g
	}
	s.mu.Lock()
	s.d.fromResponse(res, true)
	s.expires = granted
	if s.state == "pending" && res.StatusCode == 200 {
		s.state = "active"
	}
	st := s.state
	s.mu.Unlock()
	if expires > 0 && granted > 0 && !s.isUnsubscribing() {
		s.schedule(granted)
	}
	if initial {
		u.emit(SubscriptionEvent{Sub: s, State: st, Code: res.StatusCode, Reason: res.Reason})
	}
	return nil
}

// schedule arms the refresh at half the granted time.
func (s *Subscription) schedule(granted time.Duration) {
	u := s.ua
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = u.clk.AfterFunc(max(granted/2, time.Second), func() {
		if u.runCtx.Err() != nil {
			return
		}
		s.mu.Lock()
		exp := s.opts.Expires
		s.mu.Unlock()
		if err := s.send(u.runCtx, exp, false, Body{}); err != nil {
			u.log.Info("subscription refresh failed", "event", s.event, "err", err)
			s.terminate(responseCode(err), "", err)
		}
	})
}

// Unsubscribe ends the subscription (SUBSCRIBE with Expires 0). The
// notifier's final NOTIFY is still accepted; the subscription is reported
// terminated when it arrives, or after 32 s without it (RFC 6665 §4.1.2.3).
func (s *Subscription) Unsubscribe(ctx context.Context) error {
	s.mu.Lock()
	if s.ended || s.unsubscribing {
		s.mu.Unlock()
		return ErrSubscription
	}
	s.unsubscribing = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	err := s.send(ctx, 0, false, Body{})
	if err != nil {
		s.terminate(responseCode(err), "", err)
		return err
	}
	time.AfterFunc(32*time.Second, func() { s.terminate(0, "unsubscribed", nil) })
	return nil
}

// terminate ends the subscription once and reports it.
func (s *Subscription) terminate(code int, reason string, err error) {
	u := s.ua
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.state = "terminated"
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	u.removeDialog(s.key, s)
	u.emit(SubscriptionEvent{Sub: s, State: "terminated", Code: code, Reason: reason, Err: err})
	u.mu.Lock()
	restart := u.mwi == s && u.reg != nil && u.runCtx.Err() == nil
	if restart {
		u.mwi = nil
	}
	u.mu.Unlock()
	if restart {
		u.spawn(u.subscribeMWI) // the voicemail subscription is kept up
	}
}

func (s *Subscription) isUnsubscribing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unsubscribing
}

func (s *Subscription) drop() {
	s.mu.Lock()
	s.ended = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
}

// handleRequest takes NOTIFYs for the subscription.
func (s *Subscription) handleRequest(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u := s.ua
	if req.Method != sipgosip.NOTIFY {
		u.respond(tx, u.reply(req, 405, "Method Not Allowed", nil))
		return
	}
	if eventPackage(req) != s.event {
		u.respond(tx, u.reply(req, 489, "Bad Event", nil))
		return
	}
	s.mu.Lock()
	if s.d.remoteTag == "" {
		s.d.remoteTag = fromTag(req)
		s.d.remoteTarget = targetOf(req, s.d.remoteTarget)
		for _, h := range req.GetHeaders("Record-Route") {
			if rr, ok := h.(*sipgosip.RecordRouteHeader); ok {
				s.d.routes = append(s.d.routes, *rr.Address.Clone())
			}
		}
	}
	if seq := req.CSeq().SeqNo; seq > s.d.remoteSeq {
		s.d.remoteSeq = seq
	}
	ev := notifyEvent(s, req)
	state := ev.State
	if state != "" {
		s.state = state
	}
	s.mu.Unlock()
	u.respond(tx, u.reply(req, 200, "OK", nil))
	u.emit(ev)
	if strings.EqualFold(state, "terminated") {
		s.terminate(0, "terminated by notifier", nil)
	}
}

// notifyEvent reads a NOTIFY into an event, parsing bodies it knows.
func notifyEvent(s *Subscription, req *sipgosip.Request) NotifyEvent {
	ev := NotifyEvent{Sub: s, Event: eventPackage(req), Body: bodyOf(req)}
	st, _, _ := strings.Cut(headerValue(req, "Subscription-State"), ";")
	ev.State = strings.ToLower(strings.TrimSpace(st))
	if ev.Body.IsZero() {
		return ev
	}
	ct := strings.ToLower(ev.Body.Type)
	switch {
	case strings.HasPrefix(ct, "application/simple-message-summary"):
		ms, err := ParseMessageSummary(ev.Body.Data)
		ev.MessageSummary, ev.Err = ms, err
	case strings.HasPrefix(ct, "application/dialog-info+xml"):
		di, err := ParseDialogInfo(ev.Body.Data)
		ev.DialogInfo, ev.Err = di, err
	case ev.Event == FeatureEventPackage:
		fe, err := ParseFeatureEvent(ev.Body)
		ev.Feature, ev.Err = fe, err
	}
	return ev
}
