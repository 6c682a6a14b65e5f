package device

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/tone"
)

// ToneCallID is the Call.ID under which Config.Audio is asked for the
// speaker the phone's own sounds (call-progress tones, the ringer) play on.
const ToneCallID = "tones"

// sound is one of the phone's own sounds: a call-progress tone of the
// selected country, or a ring tone by name. The zero sound is silence.
type sound struct {
	kind tone.Kind
	ring string
}

// wantSound is what the phone should be playing: the ringer while a call
// rings and no other call is live (the ring tone of the line, or of the
// distinctive-ringing rule the call's Alert-Info matches), dial tone while
// the dialing screen is empty (stutter dial tone while messages wait),
// again after the outside-line prefix with voip/dialing/secondary_dial_tone,
// ringback while an outgoing call rings without early media, and busy tone
// while an outgoing call refused as busy (486, 600, 603) lingers and no
// other call is live.
func wantSound(s *state) sound {
	live := s.calls.live()
	for _, r := range s.calls.recs {
		switch {
		case r.view.State == CallIncoming && len(live) == 1:
			return sound{ring: tone.SelectRing(s.Config.Get("personal_settings/lines/0/ring_tone"),
				tone.ReadDistinctiveRules(s.Config.Get), tone.IncomingCall{AlertInfo: r.alertInfo})}
		case r.view.State == CallDialing && r.view.Number == "":
			if s.MWI.Waiting {
				return sound{kind: tone.StutterDial}
			}
			return sound{kind: tone.Dial}
		case r.view.State == CallDialing && s.Config.Bool("voip/dialing/secondary_dial_tone/enabled") &&
			r.view.Number == s.Config.Get("voip/dialing/secondary_dial_tone/key_sequence"):
			return sound{kind: tone.Dial}
		case r.view.State == CallRinging && r.view.Direction == Outgoing && !r.early:
			return sound{kind: tone.Ringback}
		}
	}
	if len(live) > 0 {
		return sound{}
	}
	for _, r := range s.calls.recs {
		if r.view.State != CallEnded || r.view.Direction != Outgoing || !r.view.Answered.IsZero() {
			continue
		}
		switch code, _, _ := strings.Cut(r.view.EndReason, " "); code {
		case "486", "600", "603":
			return sound{kind: tone.Busy}
		}
	}
	return sound{}
}

// callSpeaker is a call's speaker while the phone plays sounds of its own
// (LocalTones): the call's frames give way while the phone's own sound
// plays (so that two streams never write one audio device), and the
// call-waiting tone is mixed into the frames of the call it interrupts.
type callSpeaker struct {
	sink media.Sink
	p    *Phone
	call string
	mix  []int16 // scratch for mixed frames
}

func (c *callSpeaker) WritePCM(pcm []int16) error {
	if c.p.tonePlaying.Load() {
		return nil
	}
	if w := c.p.waiting.Load(); w != nil && w.call == c.call {
		c.mix = append(c.mix[:0], pcm...)
		w.addTo(c.mix)
		pcm = c.mix
	}
	return c.sink.WritePCM(pcm)
}

// waitingTone is the call-waiting tone, mixed into call's speaker.
type waitingTone struct {
	call    string // the call in progress
	waiting string // the waiting call it announces
	mu      sync.Mutex
	gen     *tone.Generator
	buf     []int16
}

// addTo adds the tone's next len(pcm) samples to pcm, saturating.
func (w *waitingTone) addTo(pcm []int16) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = slices.Grow(w.buf[:0], len(pcm))[:len(pcm)]
	n, _ := w.gen.ReadPCM(w.buf)
	for i := range n {
		pcm[i] = int16(min(max(int32(pcm[i])+int32(w.buf[i]), -32768), 32767))
	}
}

// syncWaitingTone starts the call-waiting tone when a call waits with its
// tone on during a connected call, and stops it when that changes.
func (p *Phone) syncWaitingTone(s *state) {
	var cur, waiting *callRec
	for _, r := range s.calls.recs {
		switch {
		case r.view.State == CallConnected:
			cur = r
		case r.view.State == CallIncoming && r.waitingTone:
			waiting = r
		}
	}
	old := p.waiting.Load()
	if cur == nil || waiting == nil {
		if old != nil {
			p.waiting.Store(nil)
		}
		return
	}
	if old != nil && old.call == cur.view.ID && old.waiting == waiting.view.ID {
		return
	}
	plan, _ := tone.Select(s.Config.Get)
	gen, err := tone.NewGenerator(plan.Tone(tone.CallWaiting), AudioRate)
	if err != nil {
		p.log.Warn("call-waiting tone", "err", err)
		return
	}
	p.waiting.Store(&waitingTone{call: cur.view.ID, waiting: waiting.view.ID, gen: gen})
}

// syncTone starts, changes or stops the phone's own sound to match the
// calls (Config.LocalTones). Tones play on the active audio device, so
// only off-hook; the ringer plays on hook too.
func (p *Phone) syncTone(s *state) {
	if !p.cfg.LocalTones || p.cfg.Audio == nil {
		return
	}
	p.syncWaitingTone(s)
	want := wantSound(s)
	if s.calls.audio == AudioNone && want.ring == "" {
		want = sound{}
	}
	if want == s.calls.sound {
		return
	}
	if s.calls.player != nil {
		s.calls.player.Close()
		s.calls.player = nil
		p.tonePlaying.Store(false)
	}
	s.calls.sound = want
	if want == (sound{}) || s.media == nil {
		return
	}
	src, err := p.soundSource(s, want)
	if err != nil {
		p.log.Warn("phone sound", "sound", want.name(), "err", err)
		if src == nil {
			return
		}
	}
	engine, err := s.media.get()
	if err != nil {
		p.log.Warn("phone sound: media engine", "err", err)
		return
	}
	_, sink := p.cfg.Audio(Call{ID: ToneCallID, Direction: Outgoing})
	if sink == nil {
		return
	}
	if s.calls.player, err = engine.NewPlayer(src, sink, AudioRate); err != nil {
		p.log.Warn("phone sound", "sound", want.name(), "err", err)
		return
	}
	p.tonePlaying.Store(true)
}

func (w sound) name() string {
	if w.ring != "" {
		return w.ring
	}
	return w.kind.String()
}

// soundSource makes what plays w: a tone of voip/regional_settings, or a
// ring tone, built in or uploaded with provisioning/ring_tone_uri (an
// unknown name plays the factory ring tone and says so).
func (p *Phone) soundSource(s *state, w sound) (media.Source, error) {
	if w.ring != "" {
		var lib tone.Library
		names, _ := p.cfg.Flash.List(DirRingTones)
		for _, n := range names {
			if data, err := p.cfg.Flash.Read(n); err == nil {
				if c, err := tone.LoadRingWAV(path.Base(n), bytes.NewReader(data)); err == nil {
					lib.Add(c)
				}
			}
		}
		return lib.Player(w.ring, AudioRate)
	}
	plan, errs := tone.Select(s.Config.Get)
	for _, err := range errs {
		p.log.Info("call-progress tones", "err", err)
	}
	return tone.NewGenerator(plan.Tone(w.kind), AudioRate)
}
