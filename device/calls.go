package device

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/device/dialing"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/media"
)

// AudioDevice is where a call's sound goes.
type AudioDevice string

// Audio devices.
const (
	AudioNone    AudioDevice = ""
	AudioHandset AudioDevice = "handset"
	AudioSpeaker AudioDevice = "speaker"
	AudioHeadset AudioDevice = "headset"
)

// Timers of the dialing screen. The manual names no values; these are what
// desk phones of this class use.
const (
	// InterDigitTimeout completes a number whose digit-map match ends in T.
	InterDigitTimeout = 4 * time.Second
	// DialTimeout places what was typed when the digit map gives no verdict
	// for this long (no digit map configured, or a partial match).
	DialTimeout = 15 * time.Second
	// EndedLinger keeps an ended call on the screen (and in snapshots).
	EndedLinger = 2 * time.Second
)

// callRec is the owner goroutine's record of one call; view is what
// snapshots publish.
type callRec struct {
	view  Call
	leg   *sipLeg     // the SIP side, nil while dialing
	media callMedia   // nil until the call has media
	timer clock.Timer // the dialing screen's timer, forward-on-no-answer, linger
	// after the far end answers, the rest of a pause-dialing string
	postDial []dialing.Step
	// consultFor is the call a consultative transfer will hand over.
	consultFor string
	// conferenceOf are the calls a network conference will take in once
	// this call, to the conference server, is answered.
	conferenceOf []*callRec
	// forwardTo is the target of a pending forward-on-no-answer.
	forwardTo string
	// reinviting is set while a re-INVITE of this call is in flight;
	// wantHold is the media direction the user last asked for.
	reinviting bool
	wantHold   bool
	// redirects counts the 3xx this call followed.
	redirects int
	// plainRetry is set when a transferee's INVITE with Replaces met a
	// target without RFC 3891 and was placed again without it.
	plainRetry bool
	// early is set once the far end's early media is accepted: the phone
	// then plays what the network sends instead of its own ringback.
	early bool
	// alertInfo is an incoming call's Alert-Info (distinctive ringing).
	alertInfo string
	// waitingTone is set for a waiting call announced by the call-waiting
	// tone (voip/services/call_waiting/generate_tone/enabled).
	waitingTone bool
}

// calls is the call manager's part of the owner's state.
type calls struct {
	recs  []*callRec
	next  int
	audio AudioDevice // the active audio device, AudioNone when on-hook
	muted bool
	line  *sipLine // line 0, nil when no SIP line is configured
	// restartLine is set when line 0's configuration changed during a call.
	restartLine bool
	// sound is the phone's own sound playing (Config.LocalTones): a
	// call-progress tone or a ring tone, the zero sound for none; player
	// plays it.
	sound  sound
	player *media.Player
}

func (c *calls) find(id string) *callRec {
	for _, r := range c.recs {
		if r.view.ID == id {
			return r
		}
	}
	return nil
}

// live returns the calls that have not ended, oldest first.
func (c *calls) live() []*callRec {
	var out []*callRec
	for _, r := range c.recs {
		if r.view.State != CallEnded {
			out = append(out, r)
		}
	}
	return out
}

// focused is the call the keys act on: the dialing call, else the newest
// connected one, else the newest ringing one, else the newest live one.
func (c *calls) focused() *callRec {
	live := c.live()
	for _, want := range []CallState{CallDialing, CallConnected, CallIncoming, CallCalling, CallRinging, CallHeld} {
		for i := len(live) - 1; i >= 0; i-- {
			if live[i].view.State == want {
				return live[i]
			}
		}
	}
	return nil
}

func (c *calls) byState(st ...CallState) *callRec {
	live := c.live()
	for i := len(live) - 1; i >= 0; i-- {
		if slices.Contains(st, live[i].view.State) {
			return live[i]
		}
	}
	return nil
}

// busy reports whether any call occupies the user (dialing, talking, held).
func (c *calls) busy() bool {
	return c.byState(CallDialing, CallCalling, CallRinging, CallConnected, CallHeld) != nil
}

// newCall adds a call; the caller moves it to its first state with
// setCallState, which publishes it.
func (p *Phone) newCall(s *state, dir Direction) *callRec {
	s.calls.next++
	r := &callRec{view: Call{ID: "c" + strconv.Itoa(s.calls.next), Direction: dir, Started: p.clk.Now()}}
	s.calls.recs = append(s.calls.recs, r)
	return r
}

// setCallState moves a call on and reports it.
func (p *Phone) setCallState(s *state, r *callRec, st CallState, why string) {
	if r.view.State == st {
		return
	}
	r.view.State = st
	now := p.clk.Now()
	switch st {
	case CallConnected:
		if r.view.Answered.IsZero() {
			r.view.Answered = now
		}
	case CallEnded:
		r.view.Ended = now
		r.view.EndReason = why
		p.stopTimer(r)
		if r.media != nil {
			p.reportQuality(s, r)
			r.media.Close()
			r.media = nil
		}
		p.recordHistory(r)
		// Ended calls stay visible briefly, then go.
		id := r.view.ID
		r.timer = p.after(s, EndedLinger, func(s *state) {
			s.calls.recs = slices.DeleteFunc(s.calls.recs, func(x *callRec) bool { return x.view.ID == id })
			p.syncCalls(s)
		})
	}
	text := fmt.Sprintf("%s %s %s", r.view.ID, st, r.view.Number)
	if why != "" {
		text += " (" + why + ")"
	}
	p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: text})
	p.syncCalls(s)
}

// syncCalls copies the call records into the published state.
func (p *Phone) syncCalls(s *state) {
	views := make([]Call, 0, len(s.calls.recs))
	for _, r := range s.calls.recs {
		v := r.view
		v.Muted = s.calls.muted && v.State == CallConnected
		views = append(views, v)
	}
	s.Calls = views
	s.OffHook = s.calls.audio != AudioNone
	s.Audio = s.calls.audio
	p.syncTone(s)
}

func (p *Phone) stopTimer(r *callRec) {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// after runs f on the owner goroutine after d, unless the power cycle ends
// first. The returned timer can be stopped. The cycle's end stops it: a
// timer waiting to fire holds its function, and through it the phone, so
// a phone stopped with a timer pending (its time's next resynchronisation,
// hours ahead) stayed in memory until then.
func (p *Phone) after(s *state, d time.Duration, f func(*state)) clock.Timer {
	c := s.cycle
	if c == nil {
		return nil
	}
	t := &cycleTimer{c: c}
	t.Timer = p.clk.AfterFunc(d, func() {
		c.untrack(t)
		p.do(c.ctx, func(s *state) {
			if s.cycle == c && !c.ending {
				f(s)
			}
		})
	})
	c.track(t)
	return t
}

// cycleTimer is a timer of after: stopped when its power cycle ends, and
// dropped from the cycle's list when it fires or is stopped first. The
// cycle keeps its timers in a list of its own rather than hooking each on
// its context's end (context.AfterFunc): a hook and the context's map of
// them were a sixteenth of an idle phone's heap (its two periodic timers).
type cycleTimer struct {
	clock.Timer
	c          *cycle
	prev, next *cycleTimer // in c's list, guarded by c.timersMu
	done       bool        // fired or stopped: never (again) in the list
}

// Stop stops the timer and drops it from its cycle's list.
func (t *cycleTimer) Stop() bool {
	stopped := t.Timer.Stop()
	t.c.untrack(t)
	return stopped
}

// track adds t to c's timers, or stops it when c has ended.
func (c *cycle) track(t *cycleTimer) {
	c.timersMu.Lock()
	switch {
	case t.done: // fired already
	case c.timersOff:
		t.done = true
		c.timersMu.Unlock()
		t.Timer.Stop()
		return
	default:
		t.next = c.timers
		if t.next != nil {
			t.next.prev = t
		}
		c.timers = t
	}
	c.timersMu.Unlock()
}

// untrack drops t from c's timers.
func (c *cycle) untrack(t *cycleTimer) {
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	if t.done {
		return
	}
	t.done = true
	if c.timers == t {
		c.timers = t.next
	}
	if t.prev != nil {
		t.prev.next = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
}

// stop ends the cycle: its context, and its timers.
func (c *cycle) stop() {
	c.cancel()
	c.timersMu.Lock()
	c.timersOff = true
	var ts []*cycleTimer
	for t := c.timers; t != nil; {
		next := t.next
		t.done, t.prev, t.next = true, nil, nil
		ts = append(ts, t)
		t = next
	}
	c.timers = nil
	c.timersMu.Unlock()
	for _, t := range ts {
		t.Timer.Stop()
	}
}

// async runs f on a goroutine of the power cycle, for SIP and media work
// that waits on the network; f must return when ctx ends.
func (p *Phone) async(s *state, f func(ctx context.Context)) {
	c := s.cycle
	if c == nil || c.ending {
		return
	}
	p.goCycle(c, f)
}

// tryPost is post when the owner's queue has room, without waiting: false
// when it has none. A cycle that has ended takes (and drops) f.
func (p *Phone) tryPost(ctx context.Context, f func(*state)) bool {
	if ctx.Err() != nil {
		return true
	}
	select {
	case p.cmds <- command{f: f, cycle: ctx}:
		return true
	default:
		return false
	}
}

// post runs f on the owner goroutine from a worker of the current cycle
// (ctx is the cycle's), without waiting for it: the worker goes on (a SIP
// line's event pump to its next event, a finished request's goroutine to
// its end) while f runs in order with every other command. f is dropped if
// the cycle ends first. It fails only when f could not be queued.
func (p *Phone) post(ctx context.Context, f func(*state)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.send(ctx, command{f: f, cycle: ctx})
}

// --- the local half of call handling: hook, keys, dialing ---

// hookLocked handles the handset hook switch.
func (p *Phone) hookLocked(s *state, off bool) {
	if off {
		p.takeAudio(s, AudioHandset)
		return
	}
	p.releaseAudio(s, AudioHandset)
}

// takeAudio is lifting the handset or pressing SPEAKER/HEADSET while on-hook:
// answer a ringing call, or start dialing.
func (p *Phone) takeAudio(s *state, dev AudioDevice) {
	prev := s.calls.audio
	s.calls.audio = dev
	if prev != AudioNone {
		// Moving the audio of a call from one device to another.
		p.syncCalls(s)
		return
	}
	if r := s.calls.byState(CallIncoming); r != nil {
		p.answerLocked(s, r)
		return
	}
	if s.calls.byState(CallConnected, CallCalling, CallRinging, CallDialing) == nil {
		r := p.newCall(s, Outgoing)
		p.setCallState(s, r, CallDialing, "")
		if number, after, ok := AutoDial(s.Config); ok {
			r.view.Number = number
			r.timer = p.after(s, after, func(s *state) {
				if r.view.State == CallDialing {
					p.placeLocked(s, r)
				}
			})
		} else {
			r.timer = p.after(s, DialTimeout, func(s *state) { p.dialTimeout(s, r) })
		}
	}
	p.syncCalls(s)
}

// releaseAudio is putting the handset down or pressing SPEAKER/HEADSET
// while that device is active: hang up, or keep a held call on the speaker.
func (p *Phone) releaseAudio(s *state, dev AudioDevice) {
	if s.calls.audio != dev {
		return
	}
	s.calls.audio = AudioNone
	if r := s.calls.byState(CallConnected, CallCalling, CallRinging, CallDialing); r != nil {
		p.hangupLocked(s, r)
	} else if r := s.calls.byState(CallHeld); r != nil && dev == AudioHandset {
		if OnHookWithHeldCall(s.Config) {
			p.hangupLocked(s, r)
		} else {
			s.calls.audio = AudioSpeaker // the held call stays, on the speaker
		}
	}
	p.syncCalls(s)
}

// keyLocked handles a dial-pad key.
func (p *Phone) keyLocked(s *state, key byte) {
	if r := s.calls.byState(CallDialing); r != nil {
		if key == '#' && p.dialCompleteKey(s, r.view.Number) {
			p.stopTimer(r)
			p.placeLocked(s, r)
			p.syncCalls(s)
			return
		}
		r.view.Number += string(key)
		p.checkDigitMap(s, r)
		p.syncCalls(s)
		return
	}
	if r := s.calls.byState(CallConnected); r != nil {
		p.sendDTMFLocked(s, r, string(key))
		return
	}
	if s.calls.busy() {
		return
	}
	// On-hook dialing: the first digit opens the dialing screen on the
	// default audio device.
	p.takeAudio(s, answerDevice(s))
	if r := s.calls.byState(CallDialing); r != nil {
		p.stopTimer(r)
		r.view.Number = string(key)
		p.checkDigitMap(s, r)
	}
	p.syncCalls(s)
}

// dialCompleteKey reports whether # ends the dialing of number at once
// (voip/dialing/dial_complete_key/enabled) rather than being a digit of
// it. Our reading, since the manual does not describe the key: # places
// the number typed so far, without the #, once there is one; a # the digit
// map expects after it (a "*72#"-style code) stays a digit.
func (p *Phone) dialCompleteKey(s *state, number string) bool {
	if number == "" || !s.Config.Bool("voip/dialing/dial_complete_key/enabled") {
		return false
	}
	m, err := dialing.Parse(s.Config.Get("voip/signalling/sip/digit_map"))
	if err != nil {
		return true
	}
	r := m.Match(number + "#")
	return r != dialing.Partial && r != dialing.Complete && r != dialing.CompleteAfterTimer
}

// answerDevice is the audio device a call takes when the user did not pick
// one (Answer, speed dial, on-hook dialing, auto-answer): the speaker, or
// the headset when voip/answer_device says so or the phone is headset-only
// (CALL-5, CALL-6).
func answerDevice(s *state) AudioDevice {
	if s.Config.Get("voip/answer_device") == "HEADSET" || s.Config.Bool("voip/headset_only/enabled") {
		return AudioHeadset
	}
	return AudioSpeaker
}

func (p *Phone) checkDigitMap(s *state, r *callRec) {
	p.stopTimer(r)
	m, err := dialing.Parse(s.Config.Get("voip/signalling/sip/digit_map"))
	if err != nil {
		p.log.Warn("bad digit map; dialing waits for the user", "err", err)
		m, _ = dialing.Parse("")
	}
	switch m.Match(r.view.Number) {
	case dialing.Complete:
		p.placeLocked(s, r)
	case dialing.CompleteAfterTimer:
		r.timer = p.after(s, InterDigitTimeout, func(s *state) {
			if r.view.State == CallDialing {
				p.placeLocked(s, r)
			}
		})
	default:
		r.timer = p.after(s, DialTimeout, func(s *state) { p.dialTimeout(s, r) })
	}
}

// dialTimeout places what was typed, or closes an empty dialing screen.
func (p *Phone) dialTimeout(s *state, r *callRec) {
	if r.view.State != CallDialing {
		return
	}
	if r.view.Number == "" {
		p.setCallState(s, r, CallEnded, "dial timeout")
		return
	}
	p.placeLocked(s, r)
}

// dialLocked places a call to number now (Dial softkey, speed dial, API).
func (p *Phone) dialLocked(s *state, number string) (*callRec, error) {
	if number == "" {
		return nil, fmt.Errorf("%w: empty number", ErrBadIntent)
	}
	r := s.calls.byState(CallDialing)
	if r == nil {
		if s.calls.audio == AudioNone {
			s.calls.audio = answerDevice(s)
		}
		// A new call holds the one in progress, as the Dial softkey does.
		if cur := s.calls.byState(CallConnected); cur != nil {
			p.holdLocked(s, cur)
		}
		r = p.newCall(s, Outgoing)
		p.setCallState(s, r, CallDialing, "")
	}
	p.stopTimer(r)
	number, steps := dialing.SplitPauses(number, pauseTiming(s))
	r.view.Number = number
	r.postDial = steps
	p.placeLocked(s, r)
	return r, nil
}

func pauseTiming(s *state) dialing.Timing {
	t := dialing.DefaultTiming
	if v := s.Config.Int("voip/services/pause_dialing/digit_duration"); v > 0 {
		t.Digit = time.Duration(v) * time.Millisecond
	}
	if v := s.Config.Int("voip/services/pause_dialing/digit_gap"); v > 0 {
		t.Gap = time.Duration(v) * time.Millisecond
	}
	if v := s.Config.Int("voip/services/pause_dialing/pause_duration"); v > 0 {
		t.Pause = time.Duration(v) * time.Second
	}
	return t
}

// placeLocked sends the INVITE for a call that was dialed.
func (p *Phone) placeLocked(s *state, r *callRec) {
	p.stopTimer(r)
	if r.view.Number == "" {
		p.setCallState(s, r, CallEnded, "nothing dialed")
		return
	}
	if s.calls.line == nil {
		p.setCallState(s, r, CallEnded, "no SIP line")
		return
	}
	if note := blockingNote(s); note != "" {
		// While a troubleshooting notification is shown the phone cannot
		// start calls (SIGN-14).
		p.setCallState(s, r, CallEnded, note)
		return
	}
	p.setCallState(s, r, CallCalling, "")
	p.inviteLocked(s, r)
}

// recordHistory adds an ended call to the call log in flash: missed,
// received or dialed, as the Call History page lists them.
func (p *Phone) recordHistory(r *callRec) {
	v := r.view
	if v.Number == "" || v.Discreet {
		return
	}
	kind := flash.Dialed
	if v.Direction == Incoming {
		kind = flash.Received
		if v.Answered.IsZero() {
			kind = flash.Missed
		}
	}
	var d time.Duration
	if !v.Answered.IsZero() {
		d = v.Ended.Sub(v.Answered)
	}
	if _, err := p.cfg.Flash.History().Add(flash.Call{Kind: kind, Time: v.Started, Number: v.Number,
		Name: v.RemoteName, Duration: d}); err != nil {
		p.log.Warn("call history", "err", err)
	}
}
