package device

import (
	"strings"
	"sync/atomic"

	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/tone"
)

// ToneCallID is the Call.ID under which Config.Audio is asked for the
// speaker the phone's own call-progress tones play on.
const ToneCallID = "tones"

// wantTone is the call-progress tone the phone should be playing: dial
// tone while the dialing screen is empty (stutter dial tone while messages
// wait), again after the outside-line prefix with
// voip/dialing/secondary_dial_tone, ringback while an outgoing call rings
// without early media, and busy tone while an outgoing call refused as
// busy (486, 600, 603) lingers and no other call is live. 0: none.
func wantTone(s *state) tone.Kind {
	for _, r := range s.calls.recs {
		switch {
		case r.view.State == CallDialing && r.view.Number == "":
			if s.MWI.Waiting {
				return tone.StutterDial
			}
			return tone.Dial
		case r.view.State == CallDialing && s.Config.Bool("voip/dialing/secondary_dial_tone/enabled") &&
			r.view.Number == s.Config.Get("voip/dialing/secondary_dial_tone/key_sequence"):
			return tone.Dial
		case r.view.State == CallRinging && r.view.Direction == Outgoing && !r.early:
			return tone.Ringback
		}
	}
	// An outgoing call just refused, while the user is still off-hook
	// (the call lingers on the screen): busy tone.
	if len(s.calls.live()) > 0 {
		return 0
	}
	for _, r := range s.calls.recs {
		if r.view.State != CallEnded || r.view.Direction != Outgoing || !r.view.Answered.IsZero() {
			continue
		}
		switch code, _, _ := strings.Cut(r.view.EndReason, " "); code {
		case "486", "600", "603":
			return tone.Busy
		}
	}
	return 0
}

// toneGate is a call's speaker while the phone may play its own tone: the
// call's frames are dropped while the tone plays, so that the two do not
// both write to one audio device.
type toneGate struct {
	sink media.Sink
	tone *atomic.Bool
}

func (g toneGate) WritePCM(pcm []int16) error {
	if g.tone.Load() {
		return nil
	}
	return g.sink.WritePCM(pcm)
}

// syncTone starts, changes or stops the phone's own tone to match the
// calls (Config.LocalTones).
func (p *Phone) syncTone(s *state) {
	if !p.cfg.LocalTones || p.cfg.Audio == nil {
		return
	}
	want := wantTone(s)
	if s.calls.audio == AudioNone {
		want = 0 // on-hook: the tones play on the active device
	}
	if want == s.calls.tone {
		return
	}
	if s.calls.player != nil {
		s.calls.player.Close()
		s.calls.player = nil
		p.tonePlaying.Store(false)
	}
	s.calls.tone = want
	if want == 0 || s.media == nil {
		return
	}
	engine, err := s.media.get()
	if err != nil {
		p.log.Warn("call-progress tone: media engine", "err", err)
		return
	}
	plan, errs := tone.Select(s.Config.Get)
	for _, err := range errs {
		p.log.Info("call-progress tones", "err", err)
	}
	src, err := audio.NewToneSource(AudioRate)
	if err == nil {
		err = src.Play(plan.Tone(want))
	}
	if err != nil {
		p.log.Warn("call-progress tone", "tone", want.String(), "err", err)
		return
	}
	_, sink := p.cfg.Audio(Call{ID: ToneCallID, Direction: Outgoing})
	if sink == nil {
		return
	}
	if s.calls.player, err = engine.NewPlayer(src, sink, AudioRate); err != nil {
		p.log.Warn("call-progress tone", "tone", want.String(), "err", err)
		return
	}
	p.tonePlaying.Store(true)
}
