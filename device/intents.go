package device

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrBadIntent is returned for an intent that makes no sense in the phone's
// current state (answering a call that is not ringing, transferring nothing).
var ErrBadIntent = errors.New("device: not possible now")

// ErrNoCall is returned for a call ID the phone does not know.
var ErrNoCall = errors.New("device: no such call")

// The intents: what a user (through the screen application, the Web page,
// the console or a fleet scenario) asks the phone to do. Physical intents
// (Hook, Speaker, Headset, Key) are interpreted by the phone's state as the
// real phone does: lifting the handset answers a ringing call or opens the
// dialing screen. A call ID of "" means the focused call (the one the keys act
// on). Intents return once the phone has taken them; progress shows in the
// snapshot and the events.

// intent runs f on the owner goroutine while the phone is on.
func (p *Phone) intent(ctx context.Context, f func(*state) error) error {
	var err error
	if derr := p.do(ctx, func(s *state) {
		if !s.Power || s.cycle == nil {
			err = fmt.Errorf("%w: the phone is off", ErrBadIntent)
			return
		}
		err = f(s)
	}); derr != nil {
		return derr
	}
	return err
}

func (p *Phone) callFor(s *state, id string) (*callRec, error) {
	if id == "" {
		if r := s.calls.focused(); r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("%w: no call", ErrNoCall)
	}
	if r := s.calls.find(id); r != nil && r.view.State != CallEnded {
		return r, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoCall, id)
}

// Hook reports the handset hook switch: off is true when the handset is
// lifted.
func (p *Phone) Hook(ctx context.Context, off bool) error {
	return p.intent(ctx, func(s *state) error {
		if s.Config.Bool("voip/headset_only/enabled") {
			return nil // the hook is disabled (manual §3.4.5.4)
		}
		p.hookLocked(s, off)
		return nil
	})
}

// Speaker is the SPEAKER key: it takes the call to the speaker, or hangs up
// when the speaker is already the active device.
func (p *Phone) Speaker(ctx context.Context) error {
	return p.intent(ctx, func(s *state) error {
		if s.Config.Bool("voip/headset_only/enabled") {
			return nil
		}
		p.toggleAudio(s, AudioSpeaker)
		return nil
	})
}

// Lock records that the user locked (or unlocked) the phone, which the
// screen application does with its PIN: while locked, a discreet call is
// not answered at once but rings (its target must have Device Lock off,
// LOCK-7). The calls the lock allows are the screen application's to
// enforce (AllowCallsInLockState).
func (p *Phone) Lock(ctx context.Context, on bool) error {
	return p.intent(ctx, func(s *state) error {
		s.Locked = on
		return nil
	})
}

// keyEHS switches on the electronic hook switch (manual §3.4.11).
const keyEHS = "voip/services/electronic_hook_switch/enabled"

// EHS is the electronic hook switch of a DHSG headset on the AUX port
// (Jabra PRO 920/9450, manual §3.4.11): with
// voip/services/electronic_hook_switch/enabled=1, the headset going
// off-hook takes the phone to the headset — answering a ringing call, or
// giving dial tone — and going on-hook hangs up what the headset carries.
// With the switch off the phone does not listen to the AUX port: the
// headset's button does nothing (ErrBadIntent says why).
func (p *Phone) EHS(ctx context.Context, off bool) error {
	return p.intent(ctx, func(s *state) error {
		if !s.Config.Bool(keyEHS) {
			return fmt.Errorf("%w: the electronic hook switch is off (%s=0)", ErrBadIntent, keyEHS)
		}
		switch {
		case off && s.calls.audio != AudioHeadset:
			p.takeAudio(s, AudioHeadset)
		case !off && s.calls.audio == AudioHeadset:
			p.releaseAudio(s, AudioHeadset)
		}
		return nil
	})
}

// Headset is the HEADSET key.
func (p *Phone) Headset(ctx context.Context) error {
	return p.intent(ctx, func(s *state) error {
		p.toggleAudio(s, AudioHeadset)
		return nil
	})
}

func (p *Phone) toggleAudio(s *state, dev AudioDevice) {
	if s.calls.audio == dev {
		p.releaseAudio(s, dev)
		return
	}
	p.takeAudio(s, dev)
}

// Key is a dial-pad key ('0'-'9', '*', '#'): a digit of the number being
// dialed, DTMF during a call, or the first digit of on-hook dialing.
func (p *Phone) Key(ctx context.Context, key byte) error {
	if !isDialKey(key) {
		return fmt.Errorf("%w: %q is not a dial-pad key", ErrBadIntent, key)
	}
	return p.intent(ctx, func(s *state) error {
		p.keyLocked(s, key)
		return nil
	})
}

// DeleteDigit takes the last digit off the number being dialed (the Clear
// softkey of the dialing screen); the digit map's timer starts again. It
// does nothing when no number is being dialed or it is empty.
func (p *Phone) DeleteDigit(ctx context.Context) error {
	return p.intent(ctx, func(s *state) error {
		r := s.calls.byState(CallDialing)
		if r == nil || r.view.Number == "" {
			return nil
		}
		_, size := utf8.DecodeLastRuneInString(r.view.Number)
		r.view.Number = r.view.Number[:len(r.view.Number)-size]
		p.stopTimer(r)
		if r.view.Number != "" {
			p.checkDigitMap(s, r)
		}
		p.syncCalls(s)
		return nil
	})
}

func isDialKey(k byte) bool { return k >= '0' && k <= '9' || k == '*' || k == '#' }

// Dial places a call to number now (the Dial softkey on the dialing screen,
// a speed dial, redial, the directory, the control API). Pauses (',', 'p',
// 'P') split the number: the rest is sent as DTMF once the call is answered.
// It returns the new call's ID.
func (p *Phone) Dial(ctx context.Context, number string) (string, error) {
	var id string
	err := p.intent(ctx, func(s *state) error {
		r, err := p.dialLocked(s, number)
		if r != nil {
			id = r.view.ID
		}
		return err
	})
	return id, err
}

// Answer answers a ringing call.
func (p *Phone) Answer(ctx context.Context, id string) error {
	return p.intent(ctx, func(s *state) error {
		r, err := ringingCall(s, id)
		if err == nil {
			p.answerLocked(s, r)
		}
		return err
	})
}

// Reject refuses a ringing call with voip/services/reject_code.
func (p *Phone) Reject(ctx context.Context, id string) error {
	return p.intent(ctx, func(s *state) error {
		r, err := ringingCall(s, id)
		if err == nil {
			p.rejectLocked(s, r, 0)
		}
		return err
	})
}

// ringingCall finds the ringing call id ("" = the newest one).
func ringingCall(s *state, id string) (*callRec, error) {
	r := s.calls.byState(CallIncoming)
	if id != "" {
		r = s.calls.find(id)
	}
	if r == nil || r.view.State != CallIncoming {
		return nil, fmt.Errorf("%w: no ringing call %q", ErrBadIntent, id)
	}
	return r, nil
}

// Hangup ends a call (the End softkey).
func (p *Phone) Hangup(ctx context.Context, id string) error {
	return p.intent(ctx, func(s *state) error {
		r, err := p.callFor(s, id)
		if err != nil {
			return err
		}
		if r.view.Discreet && r.view.Direction == Outgoing {
			return fmt.Errorf("%w: only the called party ends a discreet call", ErrBadIntent)
		}
		p.hangupLocked(s, r)
		return nil
	})
}

// Hold puts a connected call on hold (HOLD key).
func (p *Phone) Hold(ctx context.Context, id string) error {
	return p.intent(ctx, func(s *state) error {
		r, err := p.callFor(s, id)
		if err != nil {
			return err
		}
		if r.view.State != CallConnected {
			return fmt.Errorf("%w: call %s is %s", ErrBadIntent, r.view.ID, r.view.State)
		}
		p.holdLocked(s, r)
		return nil
	})
}

// Resume takes a call off hold (holding the one in progress, if any).
func (p *Phone) Resume(ctx context.Context, id string) error {
	return p.intent(ctx, func(s *state) error {
		r := s.calls.byState(CallHeld)
		if id != "" {
			r = s.calls.find(id)
		}
		if r == nil || r.view.State != CallHeld {
			return fmt.Errorf("%w: no held call %q", ErrBadIntent, id)
		}
		p.resumeLocked(s, r)
		return nil
	})
}

// Mute turns the microphone off or on for the phone's calls.
func (p *Phone) Mute(ctx context.Context, on bool) error {
	return p.intent(ctx, func(s *state) error {
		s.calls.muted = on
		for _, r := range s.calls.live() {
			if r.media != nil {
				r.media.SetMute(on)
			}
		}
		p.emit(Event{Kind: EventCall, Stage: s.Stage, Text: fmt.Sprintf("mute %v", on)})
		p.syncCalls(s)
		return nil
	})
}

// SendDTMF sends digits in a connected call.
func (p *Phone) SendDTMF(ctx context.Context, id, digits string) error {
	for i := 0; i < len(digits); i++ {
		if !isDialKey(digits[i]) && (digits[i] < 'A' || digits[i] > 'D') {
			return fmt.Errorf("%w: %q is not a DTMF digit", ErrBadIntent, digits[i])
		}
	}
	return p.intent(ctx, func(s *state) error {
		r, err := p.callFor(s, id)
		if err != nil {
			return err
		}
		p.sendDTMFLocked(s, r, digits)
		return nil
	})
}

// Transfer transfers a call to target: Blind sends REFER at once;
// Consultative holds the call and calls the target first (finish with
// CompleteTransfer).
func (p *Phone) Transfer(ctx context.Context, id, target string, kind TransferKind) error {
	if target == "" {
		return fmt.Errorf("%w: no transfer target", ErrBadIntent)
	}
	return p.intent(ctx, func(s *state) error {
		r, err := p.callFor(s, id)
		if err != nil {
			return err
		}
		return p.transferLocked(s, r, target, kind)
	})
}

// TransferKey is the TRANSFER hard key with a target: blind or consultative
// as voip/signalling/sip/hk_blind_transfer/enable says.
func (p *Phone) TransferKey(ctx context.Context, id, target string) error {
	kind := TransferKeyKind(p.Snapshot().Config)
	return p.Transfer(ctx, id, target, kind)
}

// CompleteTransfer finishes a consultative transfer: the held call is handed
// to the consulted party (REFER with Replaces), or, while the target still
// rings and semi-attended transfer is on, handed over blind.
func (p *Phone) CompleteTransfer(ctx context.Context) error {
	return p.intent(ctx, p.completeTransferLocked)
}
