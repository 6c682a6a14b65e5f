package device_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
)

// The device a call takes when the user did not pick one: answering with
// the Answer softkey, and dialing on-hook.
//
// behaviour: CALL-5
func TestAnswerDevice(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
		want  device.AudioDevice
	}{
		{"default", nil, device.AudioSpeaker},
		{"headset", []string{"voip/answer_device=HEADSET"}, device.AudioHeadset},
		{"speaker", []string{"voip/answer_device=SPEAKER"}, device.AudioSpeaker},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startProxy(t)
			a := newLabPhone(t, srv, "1001", 1000)
			b := newLabPhone(t, srv, "1002", 600, tt.extra...)
			waitState(t, a.Phone, "A registered", registered)
			waitState(t, b.Phone, "B registered", registered)
			ctx := context.Background()

			// On-hook dialing: the first digit opens the dialing screen
			// on the default device.
			if err := b.Key(ctx, '1'); err != nil {
				t.Fatal(err)
			}
			sb := waitState(t, b.Phone, "B dialing", func(s device.State) bool { return callIn(s, device.CallDialing) != nil })
			if sb.Audio != tt.want {
				t.Errorf("on-hook dialing on %q, want %q", sb.Audio, tt.want)
			}
			// Its key puts the device down again.
			release := b.Speaker
			if sb.Audio == device.AudioHeadset {
				release = b.Headset
			}
			if err := release(ctx); err != nil {
				t.Fatal(err)
			}
			waitState(t, b.Phone, "B on hook", func(s device.State) bool { return s.Audio == device.AudioNone && callIn(s, device.CallDialing) == nil })

			if _, err := a.Dial(ctx, "1002"); err != nil {
				t.Fatal(err)
			}
			sb = waitState(t, b.Phone, "B ringing", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
			if sb.Audio != device.AudioNone || sb.OffHook {
				t.Fatalf("ringing B is already on %q", sb.Audio)
			}
			if err := b.Answer(ctx, callIn(sb, device.CallIncoming).ID); err != nil {
				t.Fatal(err)
			}
			sb = waitState(t, b.Phone, "B connected", func(s device.State) bool { return callIn(s, device.CallConnected) != nil })
			if sb.Audio != tt.want || !sb.OffHook {
				t.Errorf("answered on %q (off hook %v), want %q", sb.Audio, sb.OffHook, tt.want)
			}
		})
	}
}

// A headset-only phone ignores its hook switch and SPEAKER key; calls go
// to the headset.
//
// behaviour: CALL-6
func TestHeadsetOnly(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1001", 1000)
	b := newLabPhone(t, srv, "1002", 600, "voip/headset_only/enabled=1")
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	ctx := context.Background()

	if err := b.Hook(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := b.Speaker(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.Snapshot(); s.OffHook || s.Audio != device.AudioNone || len(s.Calls) != 0 {
		t.Fatalf("after lifting the handset and SPEAKER: off hook %v on %q, calls %+v; want nothing", s.OffHook, s.Audio, s.Calls)
	}
	if err := b.Hook(ctx, false); err != nil {
		t.Fatal(err)
	}

	// An incoming call: answering takes the headset, and the SPEAKER key
	// does not move it (nor hang up).
	if _, err := a.Dial(ctx, "1002"); err != nil {
		t.Fatal(err)
	}
	sb := waitState(t, b.Phone, "B ringing", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
	if err := b.Answer(ctx, callIn(sb, device.CallIncoming).ID); err != nil {
		t.Fatal(err)
	}
	sb = waitState(t, b.Phone, "B connected", func(s device.State) bool { return callIn(s, device.CallConnected) != nil })
	if sb.Audio != device.AudioHeadset {
		t.Errorf("answered on %q, want the headset", sb.Audio)
	}
	if err := b.Speaker(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.Snapshot(); s.Audio != device.AudioHeadset || callIn(s, device.CallConnected) == nil {
		t.Errorf("after SPEAKER: on %q, calls %+v; want the call still on the headset", s.Audio, s.Calls)
	}
	// The HEADSET key works: it ends the call.
	if err := b.Headset(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "A's call ended", func(s device.State) bool { return callIn(s, device.CallEnded) != nil })
}

// A number with pauses: the phone dials the part before the first pause,
// and once the far end answers plays the rest as DTMF, each pause
// pause_duration long.
//
// behaviour: CALL-8
func TestPauseDialing(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1001", 1000, "voip/services/pause_dialing/pause_duration=1")
	b := newLabPhone(t, srv, "1002", 600)
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	ctx := context.Background()
	events := watchEvents(t, b.Phone)

	if _, err := a.Dial(ctx, "1002,1p23"); err != nil {
		t.Fatal(err)
	}
	sb := waitState(t, b.Phone, "B ringing", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
	in := callIn(sb, device.CallIncoming)
	if in.Number != "1001" {
		t.Errorf("B sees caller %q", in.Number)
	}
	sa := waitState(t, a.Phone, "A hears ringback", func(s device.State) bool { return callIn(s, device.CallRinging) != nil })
	if c := callIn(sa, device.CallRinging); c.Number != "1002" {
		t.Errorf("A dialed %q, want 1002 (the part before the first pause)", c.Number)
	}
	answered := time.Now()
	if err := b.Answer(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	var at []time.Duration
	for _, d := range []string{" 1", " 2", " 3"} {
		events.wait(t, device.EventDTMF, in.ID+d, 10*time.Second)
		at = append(at, time.Since(answered))
	}
	var got []string
	for _, e := range events.drain() {
		if e.Kind == device.EventDTMF {
			got = append(got, strings.TrimPrefix(e.Text, in.ID+" "))
		}
	}
	if strings.Join(got, "") != "123" {
		t.Errorf("B received digits %q, want 1, 2, 3 in order", got)
	}
	// Lower bounds only: each pause is a second; a loaded machine may add
	// to it, never take from it.
	if at[0] < 900*time.Millisecond {
		t.Errorf("1 arrived %s after the answer, before the first pause (1 s) ended", at[0])
	}
	if at[1]-at[0] < 900*time.Millisecond {
		t.Errorf("2 arrived %s after 1, within the second pause (1 s)", at[1]-at[0])
	}
}

// # ends dialing at once (voip/dialing/dial_complete_key/enabled, on by
// default): the number typed so far is called, without the #. Off, # is a
// digit and the phone waits. A # the digit map expects stays a digit.
func TestDialCompleteKey(t *testing.T) {
	srv := startProxy(t)
	b := newLabPhone(t, srv, "1002", 600)
	waitState(t, b.Phone, "B registered", registered)
	ctx := context.Background()
	press := func(p *labPhone, keys string) {
		t.Helper()
		for i := range len(keys) {
			if err := p.Key(ctx, keys[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	dialing := func(s device.State) *device.Call { return callIn(s, device.CallDialing) }

	t.Run("on", func(t *testing.T) {
		a := newLabPhone(t, srv, "1001", 1000)
		waitState(t, a.Phone, "A registered", registered)
		press(a, "1002#")
		s := waitState(t, a.Phone, "A calls 1002", func(s device.State) bool {
			return callIn(s, device.CallRinging) != nil || callIn(s, device.CallCalling) != nil
		})
		c := callIn(s, device.CallRinging)
		if c == nil {
			c = callIn(s, device.CallCalling)
		}
		if c.Number != "1002" {
			t.Errorf("A called %q, want 1002 (the # ends dialing and is not sent)", c.Number)
		}
		sb := waitState(t, b.Phone, "B rings", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
		if err := b.Reject(ctx, callIn(sb, device.CallIncoming).ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("off", func(t *testing.T) {
		a := newLabPhone(t, srv, "1003", 1000, "voip/dialing/dial_complete_key/enabled=0")
		waitState(t, a.Phone, "registered", registered)
		press(a, "1002#")
		s := waitState(t, a.Phone, "still dialing 1002#", func(s device.State) bool {
			c := dialing(s)
			return c != nil && c.Number == "1002#"
		})
		if callIn(s, device.CallCalling) != nil || callIn(s, device.CallRinging) != nil {
			t.Error("# placed the call although dial_complete_key is off")
		}
	})
	t.Run("code ending in # in the digit map", func(t *testing.T) {
		a := newLabPhone(t, srv, "1004", 1000, "voip/signalling/sip/digit_map=*xx#|1xxx")
		waitState(t, a.Phone, "registered", registered)
		press(a, "*72#")
		waitState(t, a.Phone, "*72# placed by the digit map", func(s device.State) bool {
			for _, c := range s.Calls {
				if c.Number == "*72#" && c.State != device.CallDialing {
					return true
				}
			}
			return false
		})
	})
}
