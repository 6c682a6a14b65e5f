package device

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/sip"
)

// Feature key synchronization (system/feature_key_synchronization/enabled,
// a key of real generic-SIP files; field-facts.md). The manual does not
// describe it; we follow BroadWorks' Device Feature Key Synchronization,
// the scheme the key is named after on other vendors' phones: once line 0
// is registered the phone subscribes to as-feature-event at its own
// address; the server's NOTIFYs set do not disturb and call forward; the
// DnD and Forward keys send Set requests to the server instead of changing
// the phone, and the phone shows what the server then reports. The server
// applies both to incoming calls, so the phone itself neither rejects nor
// forwards while synchronization is on (DecideIncoming).

const keyFeatureSync = "system/feature_key_synchronization/enabled"

// subscribeFeatures subscribes line l to its own feature events, once per
// subscription: a refused or ended one is tried again at the next
// registration.
func (p *Phone) subscribeFeatures(s *state, l *sipLine) {
	if l.featuresStarted || !s.Config.Bool(keyFeatureSync) {
		return
	}
	l.featuresStarted = true
	user := s.Config.Get("voip/line/0/id")
	p.async(s, func(ctx context.Context) {
		p.subscribeKnown(ctx, l, sip.SubscribeOptions{Event: sip.FeatureEventPackage, Target: user},
			func(sub *sip.Subscription) { l.features = sub },
			func(sub *sip.Subscription, err error) {
				p.log.Info("feature synchronization refused", "err", err)
				if l.features == sub {
					l.features = nil
				}
				l.featuresStarted = false
			})
	})
}

// subscribeKnown subscribes line l as o says and hands the subscription to
// known on the owner goroutine before its SUBSCRIBE leaves: a notifier may
// send its first NOTIFY before its 2xx (RFC 6665 §4.1.2.4), and the owner
// takes known before that NOTIFY's event, so the line recognizes it. A
// refusal goes to refused, also on the owner, with the subscription known
// was given (nil if none was).
func (p *Phone) subscribeKnown(ctx context.Context, l *sipLine, o sip.SubscribeOptions,
	known func(*sip.Subscription), refused func(*sip.Subscription, error)) {
	var started *sip.Subscription
	o.Started = func(sub *sip.Subscription) {
		started = sub
		p.post(ctx, func(*state) { known(sub) })
	}
	if _, err := l.ua.Subscribe(ctx, o); err != nil {
		p.post(ctx, func(*state) { refused(started, err) })
	}
}

// onFeatureEvent applies a NOTIFY of the feature subscription; it reports
// whether the NOTIFY was one.
func (p *Phone) onFeatureEvent(s *state, l *sipLine, e sip.NotifyEvent) bool {
	if e.Sub == nil || e.Sub != l.features {
		return false
	}
	if e.Feature == nil {
		if e.Err != nil {
			p.log.Warn("feature event not understood", "err", e.Err)
		}
		return true
	}
	kv := map[string]string{}
	var what []string
	if on := e.Feature.DND; on != nil {
		kv["voip/line/0/do_not_disturb/activated"] = bool01(*on)
		what = append(what, "dnd="+bool01(*on))
	}
	if fw, ok := strongestForward(e.Feature.Forwarding); ok {
		kv["voip/line/0/call_forward/active"] = "1"
		kv["voip/line/0/call_forward/destination"] = fw.To
		kv["voip/line/0/call_forward/type"] = forwardTypes[fw.Type]
		if fw.RingCount > 0 {
			kv["voip/line/0/call_forward/timeout"] = strconv.Itoa(fw.RingCount * ringSeconds)
		}
		what = append(what, "forward="+fw.To)
	} else {
		// Rules switched off end the phone's forward when it is of
		// their kind.
		current, _, _ := forwardRule(s.Config, "voip/line/0/")
		for _, f := range e.Feature.Forwarding {
			if !f.On && forwardTypes[f.Type] == current {
				kv["voip/line/0/call_forward/active"] = "0"
				what = append(what, "forward=off")
				break
			}
		}
	}
	if len(kv) == 0 {
		return true
	}
	if err := p.setLineSettings(s, "feature sync", kv); err != nil {
		p.log.Warn("feature event", "err", err)
		return true
	}
	p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "feature sync: " + strings.Join(what, " ")})
	return true
}

// forwardTypes maps the package's forwarding types to the phone's
// (forwardRule's normal forms).
var forwardTypes = map[string]string{
	sip.ForwardImmediate: "ALWAYS",
	sip.ForwardBusy:      "BUSY",
	sip.ForwardNoAnswer:  "NO_ANSWER",
}

// ringSeconds turns a no-answer forward's ring count into the phone's wait
// (a ring cadence is six seconds).
const ringSeconds = 6

// strongestForward picks, of the rules switched on, the one that takes a
// call first: the phone keeps one forward, the server may report three.
func strongestForward(rules []sip.Forwarding) (sip.Forwarding, bool) {
	for _, typ := range []string{sip.ForwardImmediate, sip.ForwardBusy, sip.ForwardNoAnswer} {
		for _, f := range rules {
			if f.On && f.Type == typ && f.To != "" {
				return f, true
			}
		}
	}
	return sip.Forwarding{}, false
}

// requestFeatureLocked sends a Set request to the feature server; what
// changes arrives in its NOTIFY.
func (p *Phone) requestFeatureLocked(s *state, body sip.Body, what string) error {
	l := s.calls.line
	if l == nil || l.features == nil {
		return fmt.Errorf("%w: feature synchronization is on and the server has not been reached", ErrBadIntent)
	}
	sub := l.features
	p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "feature sync: asking for " + what})
	p.async(s, func(ctx context.Context) {
		if err := sub.Request(ctx, body); err != nil {
			p.post(ctx, func(s *state) {
				p.log.Warn("feature request refused", "what", what, "err", err)
				p.emit(Event{Kind: EventLog, Stage: s.Stage, Text: "feature sync: " + what + " refused"})
			})
		}
	})
	return nil
}

// setFeatureDNDLocked asks the server to turn do not disturb on or off.
func (p *Phone) setFeatureDNDLocked(s *state, on bool) error {
	return p.requestFeatureLocked(s, sip.SetDoNotDisturbBody(s.Config.Get("voip/line/0/id"), on), "dnd="+bool01(on))
}

// setFeatureForwardLocked asks the server to forward every call to target,
// or ("" target) to end the phone's current forward.
func (p *Phone) setFeatureForwardLocked(s *state, target string) error {
	f := sip.Forwarding{Type: sip.ForwardImmediate, On: target != "", To: target}
	if target == "" {
		current, _, _ := forwardRule(s.Config, "voip/line/0/")
		for typ, phone := range forwardTypes {
			if phone == current {
				f.Type = typ
			}
		}
	}
	return p.requestFeatureLocked(s, sip.SetForwardingBody(s.Config.Get("voip/line/0/id"), f), "forward="+target)
}
