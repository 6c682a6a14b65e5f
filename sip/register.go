package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/clock"
)

// registration is one registration (RFC 3261 §10.2): one Call-ID and an
// increasing CSeq for all its REGISTERs. Between attempts it holds no
// goroutine, only a timer: an idle phone costs no stack for it.
type registration struct {
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed once stopped with no attempt in flight
	first   chan error    // the first attempt's result, then closed
	callID  string
	fromTag string
	seq     uint32 // owned by the attempt in flight

	mu       sync.Mutex // guards the following fields
	timer    clock.Timer
	running  bool // an attempt is in flight
	kicked   bool // register again as soon as the attempt ends
	stopped  bool
	reported bool
	expires  time.Duration
	retry    time.Duration
	tooBrief int
	mwi      bool // the MWI subscription was started
}

// Register starts registering and keeps the binding fresh until Unregister
// or the end of Run: refresh at half the granted time, 423 answered with
// Min-Expires, failures retried after RetryInterval doubling up to 32 times
// as long, every change reported as RegistrationEvent. It returns the
// result of the first attempt (a *ResponseError for a final failure);
// registration goes on trying after a failure either way. Calling it while
// registered registers again at once. The first attempt runs on the
// caller's goroutine (which waits for it anyway: a fleet booting thousands
// of phones holds one goroutine less each); it ends with the UA, not with
// ctx, which only bounds the wait for Run to start.
func (u *UA) Register(ctx context.Context) error {
	if err := u.waitStarted(ctx); err != nil {
		return err
	}
	u.mu.Lock()
	if r := u.reg; r != nil {
		u.mu.Unlock()
		u.kick(r)
		return nil
	}
	rctx, cancel := context.WithCancel(u.runCtx)
	r := &registration{
		ctx: rctx, cancel: cancel,
		done:    make(chan struct{}),
		first:   make(chan error, 1),
		callID:  newCallID(),
		fromTag: newTag(),
		seq:     0, // the first REGISTER has CSeq 1
		expires: u.cfg.RegisterExpires,
		retry:   u.cfg.RetryInterval,
		running: true,
	}
	u.reg = r
	u.mu.Unlock()
	if !u.inline(func() { u.registerOnce(r) }) {
		return ErrNotRunning
	}
	return <-r.first
}

// NetworkChanged tells the UA its network changed (new address, link back):
// it registers again at once.
func (u *UA) NetworkChanged() {
	u.mu.Lock()
	r := u.reg
	u.mu.Unlock()
	if r != nil {
		u.kick(r)
	}
}

// kick registers again now, or right after the attempt in flight.
func (u *UA) kick(r *registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if r.running {
		r.kicked = true
		return
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	r.running = u.spawn(func() { u.registerOnce(r) })
}

// stop ends the registration's attempts and waits for the one in flight.
func (r *registration) stop(ctx context.Context) error {
	r.cancel()
	r.mu.Lock()
	if !r.stopped {
		r.stopped = true
		if r.timer != nil {
			r.timer.Stop()
		}
		if !r.running {
			close(r.done)
		}
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
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

// report hands the first attempt's result to Register.
func (r *registration) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.reported {
		r.reported = true
		r.first <- err
		close(r.first)
	}
}

// registerOnce sends one REGISTER (again at once after a 423) and arms the
// timer of the next one.
func (u *UA) registerOnce(r *registration) {
	var wait time.Duration
	for {
		if u.RegistrationState() != RegRegistered {
			u.setRegState(RegistrationEvent{State: RegRegistering})
		}
		r.mu.Lock()
		expires := r.expires
		r.mu.Unlock()
		res, target, err := u.sendRegister(r, expires, false)
		if r.ctx.Err() != nil {
			r.report(ErrNotRunning)
			break
		}
		r.mu.Lock()
		retry := r.retry
		switch {
		case err != nil:
			wait = retry
			r.retry = min(retry*2, 32*u.cfg.RetryInterval)
			r.mu.Unlock()
			u.setRegState(RegistrationEvent{State: RegFailed, Server: target.String(), Err: err, Retry: wait})
			r.report(err)
		case res.StatusCode == 423 && r.tooBrief < 3:
			// RFC 3261 §10.2.8: ask again with at least Min-Expires.
			r.tooBrief++
			if me, ok := parseExpires(headerValue(res, "Min-Expires")); ok && me > r.expires {
				r.expires = me
			} else {
				r.expires *= 2
			}
			r.mu.Unlock()
			continue
		case res.StatusCode >= 200 && res.StatusCode < 300:
			r.tooBrief = 0
			r.retry = u.cfg.RetryInterval
			startMWI := u.cfg.MWI.Subscribe && !r.mwi
			r.mwi = r.mwi || startMWI
			r.mu.Unlock()
			granted := u.grantedExpires(res, expires)
			wait = refreshAfter(granted)
			u.setRegState(RegistrationEvent{State: RegRegistered, Code: res.StatusCode, Reason: res.Reason, Expires: granted, Server: target.String()})
			r.report(nil)
			if startMWI {
				u.spawn(u.subscribeMWI)
			}
		default:
			r.tooBrief = 0
			wait = retry
			r.retry = min(retry*2, 32*u.cfg.RetryInterval)
			r.mu.Unlock()
			rerr := &ResponseError{Method: "REGISTER", Code: res.StatusCode, Reason: res.Reason}
			if res.StatusCode == 401 || res.StatusCode == 403 || res.StatusCode == 407 {
				u.auth.forget()
			}
			if ra, ok := parseExpires(strings.Split(headerValue(res, "Retry-After"), ";")[0]); ok && ra > wait {
				wait = ra
			}
			u.setRegState(RegistrationEvent{State: RegFailed, Code: res.StatusCode, Reason: res.Reason, Server: target.String(), Err: rerr, Retry: wait})
			r.report(rerr)
		}
		break
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = false
	switch {
	case r.stopped:
		close(r.done)
	case r.kicked:
		r.kicked = false
		r.running = u.spawn(func() { u.registerOnce(r) })
	default:
		r.timer = u.clk.AfterFunc(wait, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.stopped || r.running {
				return
			}
			r.running = u.spawn(func() { u.registerOnce(r) })
		})
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
		r = &registration{callID: newCallID(), fromTag: newTag()}
	} else if err := r.stop(ctx); err != nil {
		return err
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
