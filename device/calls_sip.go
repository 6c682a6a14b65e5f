package device

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/device/dialing"
	"github.com/hdphone/hdphone/sip"
)

// The SIP half of the call manager: intents become requests on the line's
// user agent, and the agent's events come back to the owner goroutine.
// Requests that wait on the network run on cycle goroutines (async) and post
// their outcome back, so the owner never blocks.

// sipLine is a SIP line: its user agent and the calls it knows.
type sipLine struct {
	index int
	ua    *sip.UA
	// done is closed once the agent's Run has returned (Close ends it, for
	// a line restart) and its socket is free.
	done chan struct{}
	// bySIP maps the agent's calls to the phone's; orphans keeps events for
	// an outgoing call whose Invite has not returned yet. Like blf, each
	// is nil until its first entry.
	bySIP   map[*sip.Call]*callRec
	orphans map[*sip.Call][]sip.Event
	// blf maps the line's dialog subscriptions to key indices.
	blf        map[*sip.Subscription]int
	blfStarted bool
	// features is the line's feature-event subscription (feature key
	// synchronization), nil until the server accepts it.
	features        *sip.Subscription
	featuresStarted bool
	// heard is set by the agent's first event (skipFirst).
	heard atomic.Bool
}

// skipFirst reports whether ev need not reach the owner: the agent's
// first event, RegRegistering, which startLine's hand-off has shown
// already (a step of the owner's fewer a boot). The agent hands its events
// over in order, one at a time.
func (l *sipLine) skipFirst(ev sip.Event) bool {
	if l.heard.Load() || l.heard.Swap(true) {
		return false
	}
	e, ok := ev.(sip.RegistrationEvent)
	return ok && e.State == sip.RegRegistering
}

// track maps the agent's call c to the phone's r.
func (l *sipLine) track(c *sip.Call, r *callRec) {
	if l.bySIP == nil {
		l.bySIP = map[*sip.Call]*callRec{}
	}
	l.bySIP[c] = r
}

// sipLeg is a call's SIP dialog.
type sipLeg struct {
	call *sip.Call
	// offer is the far end's SDP of an incoming call, answered on Answer.
	offer []byte
	// replaces is the call an incoming INVITE with Replaces takes over.
	replaces *callRec
	// refer is a transfer this call carries out for the far end (we are
	// the transferee), reported back with NOTIFYs.
	refer *sip.Refer
}

// onSIPEvent hands an agent's event to the owner goroutine (posting on the
// cycle's ctx). The agent calls it in order from a goroutine of its own
// (sip.Config.OnEvent); onSIP drops the events of a line being replaced.
func (p *Phone) onSIPEvent(ctx context.Context, l *sipLine, ev sip.Event) {
	if l.skipFirst(ev) {
		return
	}
	p.post(ctx, func(s *state) { p.onSIP(s, l, ev) })
}

// trySIPEvent is onSIPEvent when the owner can take the event at once
// (sip.Config.TryEvent).
func (p *Phone) trySIPEvent(ctx context.Context, l *sipLine, ev sip.Event) bool {
	if l.skipFirst(ev) {
		return true
	}
	return p.tryPost(ctx, func(s *state) { p.onSIP(s, l, ev) })
}

func (p *Phone) onSIP(s *state, l *sipLine, ev sip.Event) {
	if l != s.calls.line {
		return // a line being replaced after a configuration change
	}
	if p.log.Enabled(context.Background(), slog.LevelDebug) { // the type's name is made only to be logged
		p.log.Debug("sip event", "type", fmt.Sprintf("%T", ev))
	}
	switch e := ev.(type) {
	case sip.RegistrationEvent:
		p.onRegistration(s, l, e)
	case sip.IncomingCallEvent:
		p.onIncoming(s, l, e)
	case sip.NotifyEvent:
		if !p.onBLF(s, l, e) && !p.onFeatureEvent(s, l, e) {
			p.onNotify(s, e)
		}
	case sip.SubscriptionEvent:
		if e.Sub == l.features && e.State == "terminated" {
			l.features, l.featuresStarted = nil, false
		}
		if n, ok := l.blf[e.Sub]; ok && e.State == "terminated" {
			delete(l.blf, e.Sub)
			for i := range s.Keys {
				if s.Keys[i].Index == n {
					s.Keys[i].BLF = BLFUnknown
				}
			}
		}
	case sip.ReferEvent:
		if e.Call == nil {
			p.transfereeLocked(s, l, nil, e.Refer)
			return
		}
		if r := p.recOf(l, e.Call, ev); r != nil {
			p.transfereeLocked(s, l, r, e.Refer)
		}
	default:
		call := callOf(ev)
		if call == nil {
			return
		}
		r := p.recOf(l, call, ev)
		if r == nil {
			return
		}
		p.onCallEvent(s, r, ev)
	}
}

// callOf returns the call an event is about.
func callOf(ev sip.Event) *sip.Call {
	switch e := ev.(type) {
	case sip.CallProgressEvent:
		return e.Call
	case sip.CallAnsweredEvent:
		return e.Call
	case sip.CallConfirmedEvent:
		return e.Call
	case sip.CallEndedEvent:
		return e.Call
	case sip.OfferEvent:
		return e.Call
	case sip.ReferProgressEvent:
		return e.Call
	case sip.DTMFEvent:
		return e.Call
	}
	return nil
}

// recOf finds the phone's call for an agent's call, keeping the event for
// later when the call's Invite has not returned yet.
func (p *Phone) recOf(l *sipLine, c *sip.Call, ev sip.Event) *callRec {
	if r := l.bySIP[c]; r != nil {
		return r
	}
	if c.Direction() == sip.Outgoing {
		if l.orphans == nil {
			l.orphans = map[*sip.Call][]sip.Event{}
		}
		l.orphans[c] = append(l.orphans[c], ev)
	}
	return nil
}

func (p *Phone) onRegistration(s *state, l *sipLine, e sip.RegistrationEvent) {
	ln := p.lineLocked(s, l.index)
	prev := ln.State
	switch e.State {
	case sip.RegRegistered:
		ln.State = RegRegistered
		ln.Expires = p.clk.Now().Add(e.Expires)
		ln.Reason = ""
	case sip.RegRegistering:
		if ln.State != RegRegistered {
			ln.State = RegRegistering
		}
	case sip.RegFailed:
		ln.State = RegFailed
		ln.Reason = regReason(e)
	case sip.RegUnregistered, sip.RegUnregistering:
		ln.State = RegDisabled
	}
	ln.Registrar = e.Server
	if l.index == 0 {
		p.registrationNotes(s, e)
		if e.State == sip.RegRegistered {
			p.subscribeBLF(s, l)
			p.subscribeFeatures(s, l)
		}
	}
	if ln.State != prev || e.State == sip.RegFailed {
		text := fmt.Sprintf("line %d %s", l.index, ln.State)
		if ln.Reason != "" {
			text += " (" + ln.Reason + ")"
		}
		p.emit(Event{Kind: EventRegistration, Stage: s.Stage, Text: text})
	}
	if l.index == 0 && (e.State == sip.RegRegistered || e.State == sip.RegFailed) {
		p.signedIn(s)
	}
}

func regReason(e sip.RegistrationEvent) string {
	switch {
	case e.Code != 0:
		return fmt.Sprintf("%d %s", e.Code, e.Reason)
	case e.Err != nil:
		return e.Err.Error()
	}
	return "failed"
}

// lineLocked returns the published record of line i, adding it if needed.
func (p *Phone) lineLocked(s *state, i int) *Line {
	for k := range s.Lines {
		if s.Lines[k].Index == i {
			return &s.Lines[k]
		}
	}
	s.Lines = append(s.Lines, Line{Index: i, State: RegDisabled})
	return &s.Lines[len(s.Lines)-1]
}

func (p *Phone) onNotify(s *state, e sip.NotifyEvent) {
	if e.Sub == nil && e.Event == "check-sync" {
		p.onCheckSync(s)
		return
	}
	if e.Sub == nil && e.Event == "talk" {
		p.onTalkEvent(s)
		return
	}
	if ms := e.MessageSummary; ms != nil {
		s.MWI.Waiting = ms.Waiting
		s.MWI.New, s.MWI.Old = ms.Voice.New, ms.Voice.Old
		s.MWI.LastChanged = p.clk.Now()
		p.emit(Event{Kind: EventMWI, Stage: s.Stage, Text: fmt.Sprintf("waiting=%v new=%d old=%d", ms.Waiting, ms.Voice.New, ms.Voice.Old)})
	}
}

// onTalkEvent answers a talk NOTIFY, which the SIP agent passes on only
// with voip/talk_event/enabled: a server's remote control (a CTI client
// clicking Answer) answers the ringing call, or else resumes the held one.
func (p *Phone) onTalkEvent(s *state) {
	if r := s.calls.byState(CallIncoming); r != nil {
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "talk event: answering " + r.view.ID})
		p.answerLocked(s, r)
		return
	}
	if r := s.calls.byState(CallHeld); r != nil {
		p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "talk event: resuming " + r.view.ID})
		p.resumeLocked(s, r)
		return
	}
	p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "talk event: no ringing or held call"})
}

// --- outgoing ---

func (p *Phone) inviteLocked(s *state, r *callRec) {
	target := r.view.Number
	if r.leg != nil && r.leg.refer != nil && r.leg.refer.Target != "" {
		// A transfer's target as the transferor named it, host and all:
		// the screen shows only its user part, which at this phone's own
		// domain may be someone else (a conference server's URI).
		target = r.leg.refer.Target
	}
	p.inviteTo(s, r, target)
}

// maxRedirects bounds how many 3xx a call follows.
const maxRedirects = 3

// inviteTo sends the INVITE of call r to target (the dialed number, or a
// redirect's contact).
func (p *Phone) inviteTo(s *state, r *callRec, target string) {
	l := s.calls.line
	m, err := p.newMedia(s, r)
	if err != nil {
		p.setCallState(s, r, CallEnded, "media: "+err.Error())
		return
	}
	r.media = m
	offer, err := m.Offer(false)
	if err != nil {
		p.setCallState(s, r, CallEnded, "media: "+err.Error())
		return
	}
	number := target
	opts := sip.InviteOptions{}
	if r.view.Discreet {
		opts.Headers = append(opts.Headers, autoAnswerHeader)
	}
	if r.consultFor == "" && r.leg != nil && r.leg.refer != nil && !r.plainRetry {
		opts.Replaces, opts.ReferredBy = r.leg.refer.Replaces, r.leg.refer.ReferredBy
	}
	p.async(s, func(ctx context.Context) {
		c, err := l.ua.Invite(ctx, number, sip.SDP(offer), opts)
		p.post(ctx, func(s *state) {
			if err != nil {
				p.setCallState(s, r, CallEnded, err.Error())
				return
			}
			if r.view.State == CallEnded {
				// Hung up while the INVITE was on its way.
				p.async(s, func(ctx context.Context) { c.Hangup(ctx) })
				return
			}
			if r.leg == nil {
				r.leg = &sipLeg{}
			}
			r.leg.call = c
			r.view.RemoteURI = c.Remote().URI
			l.track(c, r)
			for _, ev := range l.orphans[c] {
				p.onCallEvent(s, r, ev)
			}
			delete(l.orphans, c)
		})
	})
}

// onCallEvent applies an agent event to one of the phone's calls.
func (p *Phone) onCallEvent(s *state, r *callRec, ev sip.Event) {
	switch e := ev.(type) {
	case sip.CallProgressEvent:
		// Early media first: a call that rings with it needs no ringback
		// of the phone's own.
		if !e.Early.IsZero() && r.media != nil {
			if err := r.media.Accept(e.Early.Data); err != nil {
				p.log.Warn("early media", "err", err)
			} else {
				r.early = true
			}
		}
		if r.view.State == CallCalling {
			p.setCallState(s, r, CallRinging, fmt.Sprintf("%d %s", e.Code, e.Reason))
		} else if r.early {
			p.syncTone(s) // a 183 after the 180: its ringback stops
		}
		p.reportReferProgress(s, r, 180, "Ringing", false)
	case sip.CallAnsweredEvent:
		if r.media != nil {
			if err := r.media.Accept(e.Answer.Data); err != nil {
				p.log.Warn("answer SDP refused; hanging up", "err", err)
				p.hangupLocked(s, r)
				return
			}
			r.view.Codec = r.media.Codec()
		}
		p.setCallState(s, r, CallConnected, "")
		p.reportReferProgress(s, r, 200, "OK", true)
		p.afterAnswer(s, r)
		if len(r.conferenceOf) > 0 {
			p.joinConferenceLocked(s, r)
		}
	case sip.CallConfirmedEvent:
		if !e.Body.IsZero() && r.media != nil {
			if err := r.media.Accept(e.Body.Data); err != nil {
				p.log.Warn("ACK SDP", "err", err)
			}
		}
	case sip.CallEndedEvent:
		if len(e.Redirect) > 0 && r.view.Direction == Outgoing && r.redirects < maxRedirects &&
			r.view.State != CallEnded && s.calls.line != nil {
			// Follow the redirect (call forwarding at the far end): the same
			// call, placed again to the first contact.
			r.redirects++
			delete(s.calls.line.bySIP, r.leg.call)
			r.leg.call = nil
			if r.media != nil {
				r.media.Close()
				r.media = nil
			}
			r.view.Number = e.Redirect[0]
			if u := userOf(e.Redirect[0]); u != "" {
				r.view.Number = u
			}
			p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("%s redirected (%d %s) to %s", r.view.ID, e.Code, e.Reason, e.Redirect[0])})
			p.setCallState(s, r, CallCalling, "")
			target := e.Redirect[0]
			p.inviteTo(s, r, target)
			return
		}
		if e.Code == 420 && r.leg != nil && r.leg.refer != nil && r.leg.refer.Replaces != nil && !r.plainRetry &&
			r.view.State != CallEnded && s.calls.line != nil {
			// The target of an attended transfer does not support Replaces
			// (baresip 1.0 answers 420 Bad Extension): call it again without
			// the extension (RFC 3261 §8.1.3.5). The transferor ends its
			// consultation itself once told the transfer worked.
			r.plainRetry = true
			delete(s.calls.line.bySIP, r.leg.call)
			r.leg.call = nil
			if r.media != nil {
				r.media.Close()
				r.media = nil
			}
			p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("%s %d %s: calling %s without Replaces", r.view.ID, e.Code, e.Reason, r.view.Number)})
			p.inviteTo(s, r, r.view.Number)
			return
		}
		why := e.Cause
		if e.Code != 0 {
			why = fmt.Sprintf("%d %s", e.Code, e.Reason)
			p.reportReferProgress(s, r, e.Code, e.Reason, true)
		} else {
			p.reportReferProgress(s, r, 487, "Request Terminated", true)
		}
		if e.Cause == "bye" {
			why = "remote hangup"
		}
		if s.calls.line != nil && r.leg != nil {
			delete(s.calls.line.bySIP, r.leg.call)
		}
		p.setCallState(s, r, CallEnded, why)
		p.afterCallEnded(s)
	case sip.OfferEvent:
		p.onReoffer(s, r, e)
	case sip.ReferProgressEvent:
		r.view.Transfer = fmt.Sprintf("transfer: %d %s", e.Code, e.Reason)
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: r.view.ID + " " + r.view.Transfer})
		if e.Final && e.Code >= 200 && e.Code < 300 {
			// The transfer worked: this phone leaves the call, and the
			// consultation too when the target did not end it (a target
			// without Replaces keeps it up).
			p.hangupLocked(s, r)
			for _, x := range s.calls.live() {
				if x.consultFor == r.view.ID {
					p.hangupLocked(s, x)
				}
			}
		}
		p.syncCalls(s)
	case sip.DTMFEvent:
		p.emit(Event{Kind: EventDTMF, Stage: s.Stage, Text: fmt.Sprintf("%s %c", r.view.ID, e.Digit)})
	}
}

// afterAnswer starts what follows an answer: the rest of a pause-dialing
// string.
func (p *Phone) afterAnswer(s *state, r *callRec) {
	if len(r.postDial) == 0 {
		return
	}
	steps := r.postDial
	r.postDial = nil
	var at time.Duration
	t := pauseTiming(s)
	for _, st := range steps {
		at += st.Pause
		if st.Keys == "" {
			continue
		}
		keys := st.Keys
		p.after(s, at, func(s *state) {
			if r.view.State == CallConnected {
				p.sendDTMFLocked(s, r, keys)
			}
		})
		at += dialing.Duration([]dialing.Step{{Keys: keys}}, t)
	}
}

// afterCallEnded puts the phone back on hook when nothing is left.
func (p *Phone) afterCallEnded(s *state) {
	if len(s.calls.live()) == 0 && s.calls.audio == AudioSpeaker {
		s.calls.audio = AudioNone
		s.calls.muted = false
	}
	p.syncCalls(s)
	p.restartLineIfIdle(s)
}

// --- incoming ---

func (p *Phone) onIncoming(s *state, l *sipLine, e sip.IncomingCallEvent) {
	lineCalls := 0
	for _, r := range s.calls.live() {
		if r.view.Line == l.index {
			lineCalls++
		}
	}
	auto := (strings.Contains(strings.ToLower(e.AlertInfo), "auto") ||
		strings.Contains(strings.ToLower(e.AlertInfo), "answer-after=0")) && !s.Locked
	dec := DecideIncoming(s.Config, IncomingContext{Line: l.index, LineCalls: lineCalls,
		Busy: s.calls.busy(), AutoAnswerRequested: auto, Locked: s.Locked})
	if e.Replaces != nil {
		// Attended transfer: the new call takes over an existing one.
		if old := l.bySIP[e.Replaces]; old != nil {
			dec = IncomingDecision{Action: AutoAnswer, Reason: "replaces " + old.view.ID}
		}
	}
	c := e.Call
	number := e.From.URI
	if u := userOf(number); u != "" {
		number = u
	}
	switch dec.Action {
	case Reject:
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("incoming %s rejected %d (%s)", number, dec.Code, dec.Reason)})
		p.async(s, func(ctx context.Context) { c.Reject(ctx, dec.Code, "") })
		return
	case Forward:
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("incoming %s forwarded to %s", number, dec.Target)})
		p.async(s, func(ctx context.Context) { c.Redirect(ctx, dec.Target) })
		return
	}
	r := p.newCall(s, Incoming)
	r.view.Line = l.index
	r.view.Number = number
	r.view.RemoteURI = e.From.URI
	r.view.RemoteName = e.From.Display
	r.view.Waiting = dec.Action == PresentWaiting
	r.waitingTone = r.view.Waiting && dec.Tone
	r.view.Discreet = auto
	r.leg = &sipLeg{call: c, offer: e.Offer.Data}
	r.alertInfo = e.AlertInfo
	if e.Replaces != nil {
		r.leg.replaces = l.bySIP[e.Replaces]
	}
	l.track(c, r)
	p.setCallState(s, r, CallIncoming, dec.Reason)
	if dec.Action == AutoAnswer {
		p.answerLocked(s, r)
		return
	}
	p.async(s, func(ctx context.Context) { c.Ring(ctx, sip.Body{}) })
	if dec.ForwardAfter > 0 {
		r.forwardTo = dec.Target
		r.timer = p.after(s, dec.ForwardAfter, func(s *state) {
			if r.view.State == CallIncoming {
				p.async(s, func(ctx context.Context) { c.Redirect(ctx, r.forwardTo) })
			}
		})
	}
}

func userOf(uri string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	if i := strings.IndexAny(u, "@;>"); i >= 0 && u[i] == '@' {
		return u[:i]
	}
	return ""
}

// answerLocked answers an incoming call (Answer softkey, off-hook, auto answer).
func (p *Phone) answerLocked(s *state, r *callRec) {
	if r.view.State != CallIncoming || r.leg == nil {
		return
	}
	p.stopTimer(r)
	// Answering a waiting call holds the one in progress, unless the new
	// call replaces it (it is about to end; a re-INVITE would only race the
	// BYE).
	if cur := s.calls.byState(CallConnected); cur != nil && cur != r && cur != r.leg.replaces {
		p.holdLocked(s, cur)
	}
	if s.calls.audio == AudioNone && !r.view.Discreet {
		s.calls.audio = answerDevice(s)
	}
	m, err := p.newMedia(s, r)
	if err != nil {
		p.rejectLocked(s, r, 488)
		return
	}
	r.media = m
	var answer []byte
	if len(r.leg.offer) > 0 {
		if answer, err = m.Answer(r.leg.offer, false); err != nil {
			p.log.Warn("incoming offer not acceptable", "err", err)
			p.rejectLocked(s, r, 488)
			return
		}
		r.view.Codec = m.Codec()
	} else if answer, err = m.Offer(false); err != nil {
		p.rejectLocked(s, r, 500)
		return
	}
	c := r.leg.call
	replaced := r.leg.replaces
	p.setCallState(s, r, CallConnected, "")
	p.async(s, func(ctx context.Context) {
		err := c.Answer(ctx, sip.SDP(answer))
		p.post(ctx, func(s *state) {
			if err != nil && r.view.State != CallEnded {
				p.setCallState(s, r, CallEnded, "answer: "+err.Error())
				return
			}
			if replaced != nil && replaced.view.State != CallEnded {
				p.hangupLocked(s, replaced)
			}
		})
	})
}

func (p *Phone) rejectLocked(s *state, r *callRec, code int) {
	if r.view.State != CallIncoming || r.leg == nil {
		return
	}
	if code == 0 {
		code = RejectCode(s.Config)
	}
	c := r.leg.call
	p.async(s, func(ctx context.Context) { c.Reject(ctx, code, "") })
	p.setCallState(s, r, CallEnded, fmt.Sprintf("rejected %d", code))
	p.afterCallEnded(s)
}

// hangupLocked ends a call in whatever state it is.
func (p *Phone) hangupLocked(s *state, r *callRec) {
	switch {
	case r.view.State == CallEnded:
		return
	case r.view.State == CallIncoming:
		p.rejectLocked(s, r, 0)
		return
	case r.leg != nil && r.leg.call != nil:
		c := r.leg.call
		p.async(s, func(ctx context.Context) { c.Hangup(ctx) })
	}
	p.setCallState(s, r, CallEnded, "hangup")
	p.afterCallEnded(s)
}

// --- mid-call ---

func (p *Phone) holdLocked(s *state, r *callRec) { p.reinviteLocked(s, r, true) }

func (p *Phone) resumeLocked(s *state, r *callRec) {
	// Only one call talks at a time: resuming holds the other.
	if cur := s.calls.byState(CallConnected); cur != nil && cur != r {
		p.holdLocked(s, cur)
	}
	p.reinviteLocked(s, r, false)
}

func (p *Phone) reinviteLocked(s *state, r *callRec, hold bool) {
	if r.leg == nil || r.leg.call == nil || r.media == nil {
		return
	}
	if hold && r.view.State != CallConnected || !hold && r.view.State != CallHeld {
		return
	}
	want := CallHeld
	if !hold {
		want = CallConnected
	}
	// The screen shows the new state at once, as the phone does; the
	// re-INVITE follows, one at a time per dialog (RFC 3261 §14.1).
	p.setCallState(s, r, want, "")
	r.wantHold = hold
	if !r.reinviting {
		p.sendReinvite(s, r)
	}
}

// sendReinvite offers the media direction the call wants and, when the
// transaction ends, offers again if the wish changed meanwhile. A 491
// (glare) is retried after a short random wait.
func (p *Phone) sendReinvite(s *state, r *callRec) {
	hold := r.wantHold
	offer, err := r.media.Offer(hold)
	if err != nil {
		p.log.Warn("re-INVITE offer", "err", err)
		return
	}
	r.reinviting = true
	c, m := r.leg.call, r.media
	p.async(s, func(ctx context.Context) {
		answer, err := c.Reinvite(ctx, sip.SDP(offer))
		p.post(ctx, func(s *state) {
			r.reinviting = false
			if r.view.State == CallEnded {
				return
			}
			switch {
			case err != nil && responseCode(err) == 491:
				retry := time.Duration(2100+rand.IntN(1900)) * time.Millisecond
				p.after(s, retry, func(s *state) {
					if !r.reinviting && r.view.State != CallEnded {
						p.sendReinvite(s, r)
					}
				})
				return
			case err != nil:
				p.log.Warn("re-INVITE failed", "hold", hold, "err", err)
			default:
				if err := m.Accept(answer.Data); err != nil {
					p.log.Warn("re-INVITE answer", "err", err)
				}
			}
			if r.wantHold != hold {
				p.sendReinvite(s, r)
			}
		})
	})
}

// responseCode digs a SIP status out of an agent error, 0 if none.
func responseCode(err error) int {
	var re *sip.ResponseError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// onReoffer answers a re-INVITE from the far end (it holds or resumes us).
func (p *Phone) onReoffer(s *state, r *callRec, e sip.OfferEvent) {
	c := e.Call
	if r.media == nil {
		p.async(s, func(ctx context.Context) { c.RejectOffer(ctx, 488) })
		return
	}
	held := r.view.State == CallHeld
	var body []byte
	var err error
	if e.Offer.IsZero() {
		body, err = r.media.Offer(held)
	} else {
		body, err = r.media.Answer(e.Offer.Data, held)
	}
	if err != nil {
		p.log.Warn("re-INVITE from the far end refused", "call", r.view.ID, "err", err)
		p.async(s, func(ctx context.Context) { c.RejectOffer(ctx, 488) })
		return
	}
	if held := r.media.RemoteHeld(); held != r.view.RemoteHeld {
		r.view.RemoteHeld = held
		what := "remote-resumed"
		if held {
			what = "remote-held"
		}
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: r.view.ID + " " + what})
	}
	p.syncCalls(s)
	p.async(s, func(ctx context.Context) { c.AcceptOffer(ctx, sip.SDP(body)) })
}

func (p *Phone) sendDTMFLocked(s *state, r *callRec, keys string) {
	if r.view.State != CallConnected {
		return
	}
	m := r.media
	var c *sip.Call
	if r.leg != nil {
		c = r.leg.call
	}
	dur := pauseTiming(s).Digit
	gap := pauseTiming(s).Gap
	p.async(s, func(ctx context.Context) {
		for i, k := range keys {
			if i > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(gap):
				}
			}
			// RFC 4733 in the media when negotiated, else SIP INFO.
			if m != nil && m.SendDTMF(k, dur) == nil {
				continue
			}
			if c != nil {
				c.SendDTMF(ctx, k, dur)
			}
		}
	})
	p.emit(Event{Kind: EventDTMF, Stage: s.Stage, Text: fmt.Sprintf("%s sent %s", r.view.ID, keys)})
}

// --- transfer ---

// transferLocked starts a transfer of call r to target.
func (p *Phone) transferLocked(s *state, r *callRec, target string, kind TransferKind) error {
	if r.leg == nil || r.leg.call == nil || (r.view.State != CallConnected && r.view.State != CallHeld) {
		return fmt.Errorf("%w: call %s cannot be transferred now", ErrBadIntent, r.view.ID)
	}
	if kind == Blind {
		c := r.leg.call
		p.referLocked(s, r, "blind to "+target, func(ctx context.Context) error { return c.Refer(ctx, target) })
		return nil
	}
	// Consultative: hold the call and dial the target.
	p.holdLocked(s, r)
	c := p.newCall(s, Outgoing)
	c.consultFor = r.view.ID
	c.view.Number = target
	r.view.Transfer = "consulting " + target
	p.placeLocked(s, c)
	return nil
}

// completeTransferLocked hands the held call over to the consulted party.
func (p *Phone) completeTransferLocked(s *state) error {
	var consult *callRec
	for _, x := range s.calls.live() {
		if x.consultFor != "" {
			consult = x
		}
	}
	if consult == nil {
		return fmt.Errorf("%w: no transfer in progress", ErrBadIntent)
	}
	orig := s.calls.find(consult.consultFor)
	if orig == nil || orig.view.State == CallEnded || orig.leg == nil || orig.leg.call == nil {
		return fmt.Errorf("%w: the call to transfer is gone", ErrBadIntent)
	}
	if !CanCompleteTransfer(s.Config, consult.view.State) {
		return fmt.Errorf("%w: wait until %s answers (semi-attended transfer is off)", ErrBadIntent, consult.view.Number)
	}
	oc := orig.leg.call
	if consult.view.State != CallConnected && consult.view.State != CallHeld {
		// Semi-attended: the target still rings; drop the consultation and
		// hand the call over blind.
		target := consult.view.Number
		p.hangupLocked(s, consult)
		orig.view.Transfer = "semi-attended to " + target
		p.async(s, func(ctx context.Context) { oc.Refer(ctx, target) })
		p.syncCalls(s)
		return nil
	}
	cc := consult.leg.call
	p.referLocked(s, orig, "attended to "+consult.view.Number, func(ctx context.Context) error { return oc.ReferReplaces(ctx, cc) })
	return nil
}

// referLocked sends a REFER for call r (refer waits for its final response on
// a cycle goroutine) and shows the transfer, or its failure, on the call.
func (p *Phone) referLocked(s *state, r *callRec, what string, refer func(context.Context) error) {
	p.referTry(s, r, what, refer, 0)
}

// referTries bounds the REFERs a transfer sends when the far end answers
// 491: it still has a request of ours in the dialog pending (linphone
// refuses a REFER that follows the hold re-INVITE too closely).
const referTries = 3

func (p *Phone) referTry(s *state, r *callRec, what string, refer func(context.Context) error, try int) {
	r.view.Transfer = what
	p.async(s, func(ctx context.Context) {
		err := refer(ctx)
		p.post(ctx, func(s *state) {
			if err != nil && responseCode(err) == 491 && try+1 < referTries && r.view.State != CallEnded {
				p.after(s, time.Duration(200+rand.IntN(300))*time.Millisecond, func(s *state) {
					if r.view.State != CallEnded {
						p.referTry(s, r, what, refer, try+1)
					}
				})
				return
			}
			if err != nil {
				r.view.Transfer = "transfer failed: " + err.Error()
				p.syncCalls(s)
			}
		})
	})
	p.syncCalls(s)
}

// transfereeLocked carries out a REFER from the far end: call the target
// (replacing a dialog there for an attended transfer) and report progress.
func (p *Phone) transfereeLocked(s *state, l *sipLine, from *callRec, ref *sip.Refer) {
	r := p.newCall(s, Outgoing)
	r.view.Number = ref.Target
	if u := userOf(ref.Target); u != "" {
		r.view.Number = u
	}
	r.leg = &sipLeg{refer: ref}
	if from != nil {
		r.view.Transfer = "transferred by " + from.view.Number
	}
	p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("%s transfer requested to %s", r.view.ID, ref.Target)})
	// Hold the call we are transferred from, unless the transferor already
	// holds it: a re-INVITE then only races the NOTIFYs in that dialog
	// (linphone answers a NOTIFY during a re-INVITE with 491).
	if from != nil && from.view.State == CallConnected && !from.view.RemoteHeld {
		p.holdLocked(s, from)
	}
	p.placeLocked(s, r)
}

// reportReferProgress sends a transferor the NOTIFY for a call this phone
// places on its behalf.
func (p *Phone) reportReferProgress(s *state, r *callRec, code int, reason string, final bool) {
	if r.leg == nil || r.leg.refer == nil {
		return
	}
	ref := r.leg.refer
	if final {
		r.leg.refer = nil
	}
	p.async(s, func(ctx context.Context) { ref.Notify(ctx, code, reason) })
}

var errNoMedia = errors.New("device: no media for this call")
