package device

import (
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/tone"
)

// ToneCallID is the Call.ID under which Config.Audio is asked for the
// speaker the phone's own call-progress tones play on.
const ToneCallID = "tones"

// wantTone is the call-progress tone the phone should be playing: dial
// tone while the dialing screen is empty (stutter dial tone while messages
// wait), again after the outside-line prefix with
// voip/dialing/secondary_dial_tone, and ringback while an outgoing call
// rings without early media. 0: none.
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
	return 0
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
	}
}
