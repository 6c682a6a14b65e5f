package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// registration is one registration loop (RFC 3261 §10.2): one Call-ID and
// an increasing CSeq for all its REGISTERs.
type registration struct {
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	first   chan error // the first attempt's result, then closed
	kick    chan struct{}
	callID  string
	fromTag string
	seq     uint32
}

// Register starts registering and keeps the binding fresh until Unregister
// or the end of Run: refresh at half the granted time, 423 answered with
// Min-Expires, failures retried after RetryInterval doubling up to 32 times
// as long, every change reported as RegistrationEvent. It returns the
// result of the first attempt (a *ResponseError for a final failure);
// the loop keeps trying after a failure either way. Calling it while
// registered registers again at once.
func (u *UA) Register(ctx context.Context) error {
	if err := u.live(); err != nil {
		return err
	}
	u.mu.Lock()
	if r := u.reg; r != nil {
		u.mu.Unlock()
		select {
		case r.kick <- struct{}{}:
		default:
		}
		return nil
	}
	rctx, cancel := context.WithCancel(u.runCtx)
	r := &registration{
		ctx: rctx, cancel: cancel,
		done:    make(chan struct{}),
		first:   make(chan error, 1),
		kick:    make(chan struct{}, 1),
		callID:  newCallID(),
		fromTag: newTag(),
		seq:     1,
	}
	u.reg = r
	u.mu.Unlock()
	u.spawn(func() { u.registerLoop(r) })
	select {
	case err := <-r.first:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NetworkChanged tells the UA its network changed (new address, link back):
// it registers again at once.
func (u *UA) NetworkChanged() {
	u.mu.Lock()
	r := u.reg
	u.mu.Unlock()
	if r != nil {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

func (u *UA) setRegState(ev RegistrationEvent) {
	u.mu.Lock()
	changed := u.regState != ev.State
	u.regState = ev.State
	u.mu.Unlock()
	// Failures are reported every time (the reason may differ); other states
	// only when they change.
	if changed || ev.State == RegFailed || ev.State == RegRegistered {
		u.emit(ev)
	}
}

func (u *UA) registerLoop(r *registration) {
	defer close(r.done)
	base := u.cfg.RetryInterval
	retry := base
	expires := u.cfg.RegisterExpires
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			r.first <- err
			close(r.first)
		}
	}
	defer report(ErrNotRunning)
	tooBrief := 0
	mwiStarted := false
	for {
		if u.RegistrationState() != RegRegistered {
			u.setRegState(RegistrationEvent{State: RegRegistering})
		}
		res, target, err := u.sendRegister(r, expires, false)
		if r.ctx.Err() != nil {
			return
		}
		var wait time.Duration
		switch {
		case err != nil:
			wait = retry
			u.setRegState(RegistrationEvent{State: RegFailed, Server: target.String(), Err: err, Retry: wait})
			report(err)
			retry = min(retry*2, 32*base)
		case res.StatusCode == 423 && tooBrief < 3:
			// RFC 3261 §10.2.8: ask again with at least Min-Expires.
			tooBrief++
			if me, ok := parseExpires(headerValue(res, "Min-Expires")); ok && me > expires {
				expires = me
			} else {
				expires *= 2
			}
			continue
		case res.StatusCode >= 200 && res.StatusCode < 300:
			tooBrief = 0
			granted := u.grantedExpires(res, expires)
			retry = base
			wait = refreshAfter(granted)
			u.setRegState(RegistrationEvent{State: RegRegistered, Code: res.StatusCode, Reason: res.Reason, Expires: granted, Server: target.String()})
			report(nil)
			if u.cfg.MWI.Subscribe && !mwiStarted {
				mwiStarted = true
				u.spawn(u.subscribeMWI)
			}
		default:
			tooBrief = 0
			wait = retry
			rerr := &ResponseError{Method: "REGISTER", Code: res.StatusCode, Reason: res.Reason}
			if res.StatusCode == 401 || res.StatusCode == 403 || res.StatusCode == 407 {
				u.auth.forget()
			}
			if ra, ok := parseExpires(strings.Split(headerValue(res, "Retry-After"), ";")[0]); ok && ra > wait {
				wait = ra
			}
			u.setRegState(RegistrationEvent{State: RegFailed, Code: res.StatusCode, Reason: res.Reason, Server: target.String(), Err: rerr, Retry: wait})
			report(rerr)
			retry = min(retry*2, 32*base)
		}
		t := u.clk.NewTimer(wait)
		select {
		case <-t.C():
		case <-r.kick:
			t.Stop()
		case <-r.ctx.Done():
			t.Stop()
			return
		}
	}
}

// refreshAfter is when to refresh a binding granted for d: at half time, as
// real phones do, but never sooner than a second.
func refreshAfter(d time.Duration) time.Duration {
	return max(d/2, time.Second)
}

// sendRegister sends one REGISTER (with digest handling and failover).
func (u *UA) sendRegister(r *registration, expires time.Duration, remove bool) (*sipgosip.Response, Target, error) {
	ruri := sipgosip.Uri{Scheme: "sip", Host: u.cfg.Domain}
	to := &sipgosip.ToHeader{DisplayName: u.cfg.DisplayName, Address: u.aor}
	r.seq++
	req := u.newRequest(sipgosip.REGISTER, ruri, u.fromHeader(r.fromTag), to, r.callID, r.seq)
	contact := u.contactHeader()
	secs := int(expires / time.Second)
	if remove {
		secs = 0
	}
	contact.Params.Add("expires", strconv.Itoa(secs))
	req.AppendHeader(contact)
	exp := sipgosip.ExpiresHeader(secs)
	req.AppendHeader(&exp)
	req.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgosip.NewHeader("Supported", supportedExtensions))
	req.SetBody(nil)
	if u.auth.has() {
		// Reuse the registrar's nonce with the next nonce count.
		_ = u.auth.authorize(req, 401, u.cfg.AuthName, string(u.cfg.Password))
	}
	targets, err := u.outTargets(r.ctx, toRegistrar, ruri, Server{})
	if err != nil {
		return nil, Target{}, err
	}
	res, t, err := u.roundTrip(r.ctx, req, targets, exchangeOpts{})
	r.seq = req.CSeq().SeqNo
	return res, t, err
}

// grantedExpires reads the time the registrar granted our contact: its
// expires parameter in the 2xx, else the Expires header, else what was
// asked.
func (u *UA) grantedExpires(res *sipgosip.Response, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sipgosip.ContactHeader)
		if !ok {
			continue
		}
		if c.Address.User != u.contact.Address.User || c.Address.Host != u.contact.Address.Host || c.Address.Port != u.contact.Address.Port {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if d, ok := parseExpires(v); ok && d > 0 {
				return d
			}
		}
	}
	if d, ok := parseExpires(headerValue(res, "Expires")); ok && d > 0 {
		return d
	}
	return asked
}

// Unregister stops refreshing and removes the binding (REGISTER with
// Expires 0), as the phone does on sign-out and power-off. It also ends the
// MWI subscription. It returns the registrar's refusal, if any.
func (u *UA) Unregister(ctx context.Context) error {
	if err := u.live(); err != nil {
		return err
	}
	u.mu.Lock()
	r := u.reg
	u.reg = nil
	mwi := u.mwi
	u.mwi = nil
	u.mu.Unlock()
	if mwi != nil {
		_ = mwi.Unsubscribe(ctx)
	}
	if r == nil {
		r = &registration{callID: newCallID(), fromTag: newTag(), seq: 1}
	} else {
		r.cancel()
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(u.runCtx, cancel)
	defer stop()
	r.ctx = rctx
	u.setRegState(RegistrationEvent{State: RegUnregistering})
	res, target, err := u.sendRegister(r, 0, true)
	if err != nil {
		u.setRegState(RegistrationEvent{State: RegUnregistered, Server: target.String(), Err: err})
		return err
	}
	ev := RegistrationEvent{State: RegUnregistered, Code: res.StatusCode, Reason: res.Reason, Server: target.String()}
	if res.StatusCode >= 300 {
		err = &ResponseError{Method: "REGISTER", Code: res.StatusCode, Reason: res.Reason}
		ev.Err = err
	}
	u.setRegState(ev)
	return err
}

// subscribeMWI subscribes to message-summary as configured and keeps the
// subscription for the UA's lifetime (retrying after failures).
func (u *UA) subscribeMWI() {
	retry := u.cfg.RetryInterval
	for {
		target := "sip:" + u.cfg.User + "@" + u.cfg.Domain
		sub, err := u.Subscribe(u.runCtx, SubscribeOptions{
			Event:   "message-summary",
			Accept:  "application/simple-message-summary",
			Target:  target,
			Expires: u.cfg.MWI.Expires,
			Server:  u.cfg.MWI.Server,
		})
		if err == nil {
			u.mu.Lock()
			u.mwi = sub
			u.mu.Unlock()
			return
		}
		if errors.Is(err, ErrNotRunning) || u.runCtx.Err() != nil {
			return
		}
		u.log.Info("MWI subscription failed", "err", err)
		t := u.clk.NewTimer(retry)
		select {
		case <-t.C():
		case <-u.runCtx.Done():
			t.Stop()
			return
		}
		retry = min(retry*2, 32*u.cfg.RetryInterval)
	}
}

// String formats a registration event for logs.
func (e RegistrationEvent) String() string {
	s := "registration " + string(e.State)
	if e.Code != 0 {
		s += fmt.Sprintf(" %d %s", e.Code, e.Reason)
	}
	if e.Err != nil {
		s += " error=" + e.Err.Error()
	}
	return s
}
