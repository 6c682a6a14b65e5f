package sip

import (
	"sync"
	"time"
)

// Body is a message body the UA carries without looking inside: SDP from the
// media layer, or anything else with its content type.
type Body struct {
	Type string
	Data []byte
}

// SDP wraps session description bytes.
func SDP(b []byte) Body { return Body{Type: "application/sdp", Data: b} }

// IsZero reports whether there is no body.
func (b Body) IsZero() bool { return len(b.Data) == 0 }

// Event is something that happened in the UA. The concrete types are the
// *Event structs of this package; switch on them.
type Event interface{ sipEvent() }

// RegState is the state of the registration.
type RegState string

// Registration states.
const (
	RegRegistering   RegState = "registering"
	RegRegistered    RegState = "registered"
	RegFailed        RegState = "failed"
	RegUnregistered  RegState = "unregistered"
	RegUnregistering RegState = "unregistering"
)

// RegistrationEvent reports a change of registration, or a failed attempt.
type RegistrationEvent struct {
	State RegState
	// Code and Reason are the final response, when there was one.
	Code   int
	Reason string
	// Expires is the time granted by the registrar (Registered).
	Expires time.Duration
	// Server is the target that answered or failed.
	Server string
	// Retry is when the next attempt is due after a failure.
	Retry time.Duration
	// Err says why an attempt failed.
	Err error
}

// IncomingCallEvent is a new INVITE. Answer, Ring, Reject or leave it: the
// caller may CANCEL it (CallEndedEvent).
type IncomingCallEvent struct {
	Call *Call
	// From and To are the caller's and the called addresses.
	From, To Address
	// Offer is the caller's SDP (empty for an offerless INVITE: the answer to
	// Call.Answer's SDP then arrives in CallConfirmedEvent).
	Offer Body
	// Replaces is the call this INVITE replaces (attended transfer, RFC
	// 3891); answering the new call ends it.
	Replaces *Call
	// ReferredBy is the Referred-By header (RFC 3892) of a transferred call.
	ReferredBy string
	// AlertInfo is the Alert-Info header (distinctive ringing).
	AlertInfo string
}

// CallProgressEvent is a provisional response to an outgoing INVITE: 180
// Ringing, 183 Session Progress with early media SDP.
type CallProgressEvent struct {
	Call   *Call
	Code   int
	Reason string
	// Early is the early media SDP, if the response carried one.
	Early Body
}

// CallAnsweredEvent is the 2xx to an outgoing INVITE (already ACKed).
type CallAnsweredEvent struct {
	Call   *Call
	Answer Body
}

// CallConfirmedEvent is the ACK to an answered incoming call. Body is the
// SDP answer when the INVITE had no offer.
type CallConfirmedEvent struct {
	Call *Call
	Body Body
}

// CallEndedEvent ends a call: BYE from either side, CANCEL, a failure
// response, a timeout, or a replacement.
type CallEndedEvent struct {
	Call *Call
	// Code and Reason are the final response of a call that never got
	// established (486 Busy Here, 487 Request Terminated, 603 Decline), or 0.
	Code   int
	Reason string
	// Redirect holds the Contact URIs of a 3xx final response, in order:
	// where the call may be placed again (RFC 3261 §8.1.3.4).
	Redirect []string
	// Cause is a short word: "bye" (the far end hung up), "hangup" (we did),
	// "cancel", "rejected", "failed", "timeout", "session-expired",
	// "replaced", "transport".
	Cause string
	Err   error
}

// OfferEvent is a re-INVITE from the far end (hold, resume, new media).
// Answer it with Call.AcceptOffer or Call.RejectOffer. Offer is empty for an
// offerless re-INVITE: AcceptOffer then gives the UA's offer and the answer
// arrives in CallConfirmedEvent.
type OfferEvent struct {
	Call  *Call
	Offer Body
}

// ReferEvent is a REFER the UA accepted (202): the integrator places the new
// call (Invite with Replaces and ReferredBy from Refer) and reports how it
// goes with Refer.Notify.
type ReferEvent struct {
	// Call is the dialog the REFER came in, nil for an out-of-dialog REFER.
	Call  *Call
	Refer *Refer
}

// ReferProgressEvent is a NOTIFY about a REFER this UA sent (transfer
// progress, RFC 3515 sipfrag).
type ReferProgressEvent struct {
	Call   *Call
	Code   int
	Reason string
	// Final is set on the last NOTIFY of the implicit subscription.
	Final bool
}

// DTMFEvent is a digit received in an INFO request (application/dtmf-relay
// or application/dtmf).
type DTMFEvent struct {
	Call     *Call
	Digit    rune
	Duration time.Duration
}

// NotifyEvent is a NOTIFY for a subscription (or an unsolicited one, Sub
// nil, as voicemail servers send for MWI).
type NotifyEvent struct {
	Sub   *Subscription
	Event string
	// State is the Subscription-State value (active, pending, terminated).
	State string
	Body  Body
	// MessageSummary is set for message-summary bodies that parsed.
	MessageSummary *MessageSummary
	// DialogInfo is set for dialog-info bodies that parsed.
	DialogInfo *DialogInfo
	// Feature is set for as-feature-event bodies that parsed.
	Feature *FeatureEvent
	// Err says why a body did not parse (the NOTIFY is still answered 200).
	Err error
}

// SubscriptionEvent reports the state of a subscription: active after the
// 2xx, terminated (by the notifier, an error or Unsubscribe).
type SubscriptionEvent struct {
	Sub    *Subscription
	State  string
	Code   int
	Reason string
	Err    error
}

func (RegistrationEvent) sipEvent()  {}
func (IncomingCallEvent) sipEvent()  {}
func (CallProgressEvent) sipEvent()  {}
func (CallAnsweredEvent) sipEvent()  {}
func (CallConfirmedEvent) sipEvent() {}
func (CallEndedEvent) sipEvent()     {}
func (OfferEvent) sipEvent()         {}
func (ReferEvent) sipEvent()         {}
func (ReferProgressEvent) sipEvent() {}
func (DTMFEvent) sipEvent()          {}
func (NotifyEvent) sipEvent()        {}
func (SubscriptionEvent) sipEvent()  {}

// eventQueue delivers events in order without ever blocking the UA: pushes
// go to an unbounded queue, and a pump goroutine, alive only while the queue
// is not empty, hands them to deliver (Config.OnEvent), or else to the
// channel.
type eventQueue struct {
	out     chan Event
	deliver func(Event)
	// try, if set, takes an event at once while none is queued or being
	// delivered (Config.TryEvent).
	try   func(Event) bool
	done  <-chan struct{}
	spawn func(func()) bool

	mu      sync.Mutex // guards the following fields
	q       []Event
	pumping bool
}

func (e *eventQueue) push(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.try != nil && !e.pumping && len(e.q) == 0 && e.try(ev) {
		return // nothing waits before it: taken in order, no pump needed
	}
	e.q = append(e.q, ev)
	if !e.pumping {
		e.pumping = e.spawn(e.pump)
	}
}

func (e *eventQueue) pump() {
	for {
		e.mu.Lock()
		if len(e.q) == 0 {
			e.pumping = false
			e.q = nil
			e.mu.Unlock()
			return
		}
		ev := e.q[0]
		e.q[0] = nil
		e.q = e.q[1:]
		e.mu.Unlock()
		if e.deliver != nil {
			e.deliver(ev)
			continue
		}
		select {
		case e.out <- ev:
		case <-e.done:
			e.mu.Lock()
			e.pumping = false
			e.q = nil
			e.mu.Unlock()
			return
		}
	}
}
