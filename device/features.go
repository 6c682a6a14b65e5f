package device

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/sip"
)

// Features the keys and softkeys reach: do not disturb, call forward, the
// discreet call and the local three-way conference. DND and forward are
// settings of line 0 (voip/line/0/...), changed through the same path as a
// configuration file so that they survive a reboot and show on the Web page.

// SetDND turns do-not-disturb on line 0 on or off (the DnD All key event).
func (p *Phone) SetDND(ctx context.Context, on bool) error {
	return p.intent(ctx, func(s *state) error {
		if !s.Config.Bool("voip/line/0/do_not_disturb/enabled") {
			return fmt.Errorf("%w: do not disturb is disabled on this line", ErrBadIntent)
		}
		if s.Config.Bool(keyFeatureSync) {
			return p.setFeatureDNDLocked(s, on)
		}
		return p.setLineSettings(s, "dnd", map[string]string{"voip/line/0/do_not_disturb/activated": bool01(on)})
	})
}

// SetForward forwards every call of line 0 to target ("" turns forwarding
// off), as the Forward softkey and the Forward All key event do.
func (p *Phone) SetForward(ctx context.Context, target string) error {
	return p.intent(ctx, func(s *state) error {
		if !s.Config.Bool("voip/line/0/call_forward/enabled") {
			return fmt.Errorf("%w: call forward is disabled (voip/line/0/call_forward/enabled=0)", ErrBadIntent)
		}
		if s.Config.Bool(keyFeatureSync) {
			return p.setFeatureForwardLocked(s, target)
		}
		kv := map[string]string{"voip/line/0/call_forward/active": bool01(target != "")}
		if target != "" {
			kv["voip/line/0/call_forward/destination"] = target
		}
		return p.setLineSettings(s, "forward", kv)
	})
}

func bool01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// setLineSettings applies a few keys as a configuration change and mirrors
// DND and forward into the published line state.
func (p *Phone) setLineSettings(s *state, source string, kv map[string]string) error {
	next := s.Config.Clone()
	for k, v := range kv {
		if err := next.Set(k, v); err != nil {
			return err
		}
	}
	if _, err := p.storeConfigLocked(s, source, next); err != nil {
		return err
	}
	p.syncLineFeatures(s)
	return nil
}

// syncLineFeatures publishes line 0's DND and forward settings.
func (p *Phone) syncLineFeatures(s *state) {
	if len(s.Lines) == 0 {
		return
	}
	ln := p.lineLocked(s, 0)
	ln.DND = s.Config.Bool("voip/line/0/do_not_disturb/enabled") && s.Config.Bool("voip/line/0/do_not_disturb/activated")
	ln.Forward = ""
	if s.Config.Bool("voip/line/0/call_forward/enabled") && s.Config.Bool("voip/line/0/call_forward/active") {
		ln.Forward = s.Config.Get("voip/line/0/call_forward/destination")
	}
}

// keyType returns the type of programmable/function key n, upper-cased in
// the canonical spelling of the catalogue (SPEED_DIAL, PAGING, …).
func keyType(s *state, n int) string {
	return strings.ToUpper(s.Config.Get(config.IndexedKey(keyFKType, n)))
}

// The parameters of a functional key n, for config.IndexedKey.
const (
	keyFKType   = "personal_settings/functional_key/%d/type"
	keyFKLabel  = "personal_settings/functional_key/%d/key_label"
	keyFKNumber = "personal_settings/functional_key/%d/speed_dial_number"
	keyFKEvent  = "personal_settings/functional_key/%d/key_event"
	// keyFKExtension is the discreet-call key's extension (Table 3-8).
	keyFKExtension = "personal_settings/functional_key/%d/speed_dial_extension"
)

// AutoAnswerHeader asks a 400HD (and most SIP phones) to answer at once:
// the discreet call's INVITE carries it.
var autoAnswerHeader = sip.HeaderField{Name: "Alert-Info", Value: "<http://127.0.0.1>;info=alert-autoanswer;delay=0"}

// DiscreetCall places the discreet call of key n (manual §3.3.1.3): a
// one-way call the far end answers on its own and that only the far end can
// end. The caller plays nothing; the called side hears the caller's room.
func (p *Phone) DiscreetCall(ctx context.Context, n int) error {
	return p.intent(ctx, func(s *state) error {
		if !s.Config.Bool("personal_settings/discreet_call/enabled") {
			return fmt.Errorf("%w: discreet calls are disabled (personal_settings/discreet_call/enabled)", ErrBadIntent)
		}
		if t := keyType(s, n); t != "DISCREET_CALL" {
			return fmt.Errorf("%w: key %d is %s, not a discreet-call key", ErrBadIntent, n, t)
		}
		// Table 3-8 names both a number and an extension for the key
		// without saying which is called: the number when the
		// configuration sets one, else the extension it sets, else the
		// number's default.
		number, set, _ := s.Config.Lookup(config.IndexedKey(keyFKNumber, n))
		if ext := s.Config.Get(config.IndexedKey(keyFKExtension, n)); (!set || number == "") && ext != "" {
			number = ext
		}
		if number == "" {
			return fmt.Errorf("%w: key %d has no number or extension", ErrBadIntent, n)
		}
		r := p.newCall(s, Outgoing)
		r.view.Number = number
		r.view.Discreet = true
		p.setCallState(s, r, CallDialing, "discreet")
		p.placeLocked(s, r)
		return nil
	})
}

// Conference joins the held call and the active one into a three-way call
// (the Conf softkey). With voip/services/conference/mode=LOCAL (the
// default) the phone mixes it: the held call is resumed and each remote
// party hears the local microphone and the other party; the phone plays
// both. With REMOTE a conference server mixes it (remoteConferenceLocked).
func (p *Phone) Conference(ctx context.Context) error {
	return p.intent(ctx, func(s *state) error {
		if !s.Config.Bool("lync/local3wayConf/enabled") {
			return fmt.Errorf("%w: the local conference is disabled (lync/local3wayConf/enabled=0)", ErrBadIntent)
		}
		active := s.calls.byState(CallConnected)
		held := s.calls.byState(CallHeld)
		if active == nil || held == nil {
			return fmt.Errorf("%w: a conference needs a held call and an active one", ErrBadIntent)
		}
		if strings.EqualFold(s.Config.Get(keyConferenceMode), "REMOTE") {
			return p.remoteConferenceLocked(s, active, held)
		}
		a, okA := active.media.(*sessionMedia)
		b, okB := held.media.(*sessionMedia)
		if !okA || !okB {
			return fmt.Errorf("%w: no media to mix", ErrBadIntent)
		}
		// Resume the held one without holding the active one.
		p.reinviteLocked(s, held, false)
		active.view.Conference, held.view.Conference = true, true
		bridge(a, b)
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("conference %s+%s", active.view.ID, held.view.ID)})
		p.syncCalls(s)
		return nil
	})
}

// The network conference's keys (field-facts.md; the manual has neither).
const (
	keyConferenceMode   = "voip/services/conference/mode"
	keyConferenceServer = "voip/services/conference/conf_ms_addr"
)

// remoteConferenceLocked starts a conference on the server at
// voip/services/conference/conf_ms_addr: the active call is held, the
// phone calls the server, and once it answers each of the two parties is
// asked to join it (joinConferenceLocked). The manual does not describe
// this mode; we follow RFC 4579 §5.5 (a participant invited by REFER to the
// conference), which any conference server that takes calls supports.
func (p *Phone) remoteConferenceLocked(s *state, active, held *callRec) error {
	server := strings.TrimSpace(s.Config.Get(keyConferenceServer))
	if server == "" {
		return fmt.Errorf("%w: no conference server (%s)", ErrBadIntent, keyConferenceServer)
	}
	for _, r := range []*callRec{active, held} {
		if r.leg == nil || r.leg.call == nil {
			return fmt.Errorf("%w: call %s cannot join a conference", ErrBadIntent, r.view.ID)
		}
	}
	p.holdLocked(s, active)
	c := p.newCall(s, Outgoing)
	c.view.Number = server
	c.view.Conference = true
	c.conferenceOf = []*callRec{held, active}
	for _, r := range c.conferenceOf {
		r.view.Transfer = "conference: calling " + server
	}
	p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("conference %s+%s at %s", held.view.ID, active.view.ID, server)})
	p.placeLocked(s, c)
	return nil
}

// joinConferenceLocked runs when the conference server answers call r: the
// parties still on hold are asked (REFER) to call the conference — the
// focus's own URI when it declared one (isfocus), else the address the
// phone called. A party that joins leaves its call with this phone (the
// transfer's NOTIFY 200); one that cannot stays on hold, its failure shown.
func (p *Phone) joinConferenceLocked(s *state, r *callRec) {
	target := r.view.Number
	if r.leg != nil && r.leg.call != nil {
		if uri, ok := r.leg.call.Focus(); ok {
			target = uri
		}
	}
	members := r.conferenceOf
	r.conferenceOf = nil
	for _, m := range members {
		if m.view.State == CallEnded || m.leg == nil || m.leg.call == nil {
			continue
		}
		mc := m.leg.call
		p.referLocked(s, m, "conference: joining "+target, func(ctx context.Context) error { return mc.Refer(ctx, target) })
	}
}

// bridge cross-connects two calls' sessions for the local conference: each
// sends its own microphone plus what the other receives (a mix-minus: nobody
// hears themselves), and keeps playing what it receives to its own speaker.
func bridge(a, b *sessionMedia) {
	ab, ba := &pcmRing{}, &pcmRing{} // a's received audio for b; b's for a
	a.sess.SetSink(teeSink{a.sink, ab})
	b.sess.SetSink(teeSink{b.sink, ba})
	a.sess.SetSource(mixSource{a.src, ba})
	b.sess.SetSource(mixSource{b.src, ab})
}

// pcmRing carries PCM from one session's receive path to the other's send
// path. Both run on the engine's pacer, 20 ms at a time; the ring keeps at
// most a few frames and drops the oldest when the reader falls behind.
type pcmRing struct {
	mu  sync.Mutex
	buf []int16
}

const ringMax = AudioRate / 10 // 100 ms

func (r *pcmRing) WritePCM(pcm []int16) error {
	r.mu.Lock()
	r.buf = append(r.buf, pcm...)
	if over := len(r.buf) - ringMax; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.mu.Unlock()
	return nil
}

// addTo mixes up to len(dst) samples into dst (saturating) and consumes them.
func (r *pcmRing) addTo(dst []int16) {
	r.mu.Lock()
	n := min(len(dst), len(r.buf))
	for i := 0; i < n; i++ {
		dst[i] = int16(max(-32768, min(32767, int32(dst[i])+int32(r.buf[i]))))
	}
	r.buf = append(r.buf[:0], r.buf[n:]...)
	r.mu.Unlock()
}

type teeSink struct {
	own  media.Sink
	ring *pcmRing
}

func (t teeSink) WritePCM(pcm []int16) error {
	t.ring.WritePCM(pcm)
	if t.own != nil {
		return t.own.WritePCM(pcm)
	}
	return nil
}

type mixSource struct {
	own  media.Source
	ring *pcmRing
}

func (m mixSource) ReadPCM(dst []int16) (int, error) {
	n := 0
	if m.own != nil {
		n, _ = m.own.ReadPCM(dst)
	}
	clear(dst[n:])
	m.ring.addTo(dst)
	return len(dst), nil
}
