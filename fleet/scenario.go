package fleet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/lab/sipproxy"
)

// work is one phone's share of a step: the phone that acts, and in a pair
// step the other phone (which may run on another shard).
type work struct {
	me   *Phone
	peer *PhoneSpec
}

// runStep runs step i on its phones at the same time and records a result
// for each.
func (fl *Fleet) runStep(ctx context.Context, i int) {
	s := &fl.file.Scenario[i]
	var items []work
	if s.Pairs {
		for k := 0; k+1 < len(s.Phones); k += 2 {
			a, b := s.Phones[k], s.Phones[k+1]
			if s.By == RoleA || s.By == RoleBoth {
				if p := fl.byN[a]; p != nil {
					items = append(items, work{me: p, peer: &fl.file.Phones[b]})
				}
			}
			if s.By == RoleB || s.By == RoleBoth {
				if p := fl.byN[b]; p != nil {
					items = append(items, work{me: p, peer: &fl.file.Phones[a]})
				}
			}
		}
	} else {
		for _, n := range s.Phones {
			if p := fl.byN[n]; p != nil {
				items = append(items, work{me: p})
			}
		}
	}
	total := len(items)
	results := make(chan *Result, total)
	var wg sync.WaitGroup
	for _, w := range items {
		r := &Result{Phone: w.me.Spec.ID, Step: s.Name}
		if at := w.me.FailedAt(); at != "" && !s.Always {
			results <- r.skip("failed an earlier step: " + at)
			continue
		}
		// A pair is only as good as both its phones.
		if w.peer != nil && !s.Always {
			if peer := fl.byID[w.peer.ID]; peer != nil && peer.FailedAt() != "" {
				results <- r.skip(fmt.Sprintf("%s (the other phone of the pair) failed an earlier step: %s", w.peer.ID, peer.FailedAt()))
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sctx, cancel := context.WithTimeout(ctx, s.Timeout)
			defer cancel()
			began := time.Now()
			out, err := fl.act(sctx, s, w)
			took := time.Since(began)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					err = fmt.Errorf("timed out after %s: %w", s.Timeout, err)
				}
				r.fail(took, err)
				r.Detail = out.detail
			} else {
				r.pass(took, out.detail)
			}
			r.Level = out.level
			results <- r
		}()
	}
	go func() { wg.Wait(); close(results) }()
	done := 0
	for r := range results {
		done++
		fl.record(i, s.Name, r, done, total)
	}
}

// outcome is what an action saw.
type outcome struct {
	detail string
	level  *float64
}

func said(format string, args ...any) outcome { return outcome{detail: fmt.Sprintf(format, args...)} }

// act performs s on w.me.
func (fl *Fleet) act(ctx context.Context, s *Step, w work) (outcome, error) {
	d := w.me.Device
	switch s.Action {
	case ActWait:
		return fl.waitFor(ctx, w.me, s.Wait)
	case ActCall:
		return fl.call(ctx, s, w)
	case ActAnswer:
		return fl.answer(ctx, s, w)
	case ActReject:
		c, err := waitCall(ctx, d, "a ringing call", func(c device.Call) bool { return c.State == device.CallIncoming })
		if err != nil {
			return outcome{}, err
		}
		if err := d.Reject(ctx, c.ID); err != nil {
			return outcome{}, err
		}
		return said("rejected the call from %s", c.Number), nil
	case ActHangup:
		// Any call counts (one still ringing too), so there is no race
		// with the far end to wait out.
		c := liveCall(d.Snapshot())
		if c == nil {
			return outcome{}, errors.New("no call to hang up")
		}
		if err := d.Hangup(ctx, c.ID); err != nil {
			return outcome{}, err
		}
		if _, err := waitCallState(ctx, d, c.ID, device.CallEnded); err != nil {
			return outcome{}, err
		}
		return said("hung up the call with %s", c.Number), nil
	case ActHold:
		c, err := waitState(ctx, d, device.CallConnected)
		if err != nil {
			return outcome{}, fmt.Errorf("no connected call to hold: %w", err)
		}
		if err := d.Hold(ctx, c.ID); err != nil {
			return outcome{}, err
		}
		if _, err := waitCallState(ctx, d, c.ID, device.CallHeld); err != nil {
			return outcome{}, err
		}
		return said("holding the call with %s", c.Number), nil
	case ActResume:
		c, err := waitState(ctx, d, device.CallHeld)
		if err != nil {
			return outcome{}, fmt.Errorf("no held call to resume: %w", err)
		}
		if err := d.Resume(ctx, c.ID); err != nil {
			return outcome{}, err
		}
		if _, err := waitCallState(ctx, d, c.ID, device.CallConnected); err != nil {
			return outcome{}, err
		}
		return said("resumed the call with %s", c.Number), nil
	case ActTransfer:
		return fl.transfer(ctx, s, w)
	case ActCompleteTransfer:
		// The consulted phone may have answered a moment before this phone
		// hears it did: try again while the phone says "not yet".
		for {
			err := d.CompleteTransfer(ctx)
			if err == nil {
				break
			}
			if !errors.Is(err, device.ErrBadIntent) {
				return outcome{}, err
			}
			select {
			case <-ctx.Done():
				return outcome{}, fmt.Errorf("%w (%w)", err, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
		if _, err := d.Wait(ctx, func(st device.State) bool { return liveCall(st) == nil }); err != nil {
			return outcome{}, fmt.Errorf("calls still up after completing the transfer: %w", err)
		}
		return said("transfer completed"), nil
	case ActConference:
		if err := d.Conference(ctx); err != nil {
			return outcome{}, err
		}
		// Mixed on the phone: both calls connected in the conference. On
		// a conference server (voip/services/conference/mode=REMOTE): one
		// connected call to it, once both parties have moved there.
		local := false
		st, err := d.Wait(ctx, func(st device.State) bool {
			joined, others := 0, 0
			for _, c := range st.Calls {
				switch {
				case c.State == device.CallConnected && c.Conference:
					joined++
				case c.State != device.CallEnded:
					others++
				}
			}
			local = joined >= 2
			return local || joined == 1 && others == 0
		})
		if err != nil {
			return outcome{}, fmt.Errorf("no three-way conference: %w", err)
		}
		if local {
			return said("three-way conference"), nil
		}
		return said("conference at %s", st.Config.Get("voip/services/conference/conf_ms_addr")), nil
	case ActCheckAudio:
		return fl.checkAudio(ctx, s, w)
	case ActDTMF:
		c, err := waitState(ctx, d, device.CallConnected)
		if err != nil {
			return outcome{}, fmt.Errorf("no connected call to send DTMF in: %w", err)
		}
		if err := d.SendDTMF(ctx, c.ID, s.Text); err != nil {
			return outcome{}, err
		}
		return said("sent %s to %s", s.Text, c.Number), nil
	case ActPage:
		if err := d.Page(ctx, s.Key); err != nil {
			return outcome{}, err
		}
		st, err := d.Wait(ctx, func(st device.State) bool {
			for _, p := range st.Pages {
				if p.Sending {
					return true
				}
			}
			return false
		})
		if err != nil {
			return outcome{}, fmt.Errorf("no page sent: %w", err)
		}
		for _, p := range st.Pages {
			if p.Sending {
				return said("paging %s (%s)", p.Name, p.Address), nil
			}
		}
		return outcome{}, nil
	case ActEndPage:
		if err := d.EndPage(ctx); err != nil {
			return outcome{}, err
		}
		return said("page ended"), nil
	case ActPress:
		return fl.press(ctx, s, w.me)
	case ActExpectScreen:
		return fl.expectScreen(ctx, s, w.me)
	case ActExpectLED:
		return fl.expectLED(ctx, s, w.me)
	case ActReboot:
		prev := d.Snapshot().BootCount
		if err := d.Reboot(ctx, "fleet scenario"); err != nil {
			return outcome{}, err
		}
		st, err := d.Wait(ctx, func(st device.State) bool { return st.BootCount > prev && st.Stage == device.StageIdle })
		if err != nil {
			return outcome{}, fmt.Errorf("not idle after the restart: stage %s%s: %w", st.Stage, noteText(st), err)
		}
		return said("restarted (boot %d)", st.BootCount), nil
	case ActLink:
		if err := d.SetLink(ctx, s.On); err != nil {
			return outcome{}, err
		}
		if !s.On {
			if _, err := d.Wait(ctx, func(st device.State) bool { return st.HasNotification(device.NoteLinkFailure) }); err != nil {
				return outcome{}, fmt.Errorf("no %q shown: %w", device.NoteLinkFailure, err)
			}
			return said("cable out: %q shown", device.NoteLinkFailure), nil
		}
		st, err := d.Wait(ctx, func(st device.State) bool {
			return st.Stage == device.StageIdle && !st.HasNotification(device.NoteLinkFailure)
		})
		if err != nil {
			return outcome{}, fmt.Errorf("not idle with the cable back: stage %s%s: %w", st.Stage, noteText(st), err)
		}
		return said("cable in: idle again"), nil
	case ActPower:
		if !s.On {
			if err := d.PowerOff(ctx); err != nil {
				return outcome{}, err
			}
			if _, err := d.Wait(ctx, func(st device.State) bool { return !st.Power }); err != nil {
				return outcome{}, err
			}
			return said("power cut"), nil
		}
		if err := d.PowerOn(ctx); err != nil {
			return outcome{}, err
		}
		st, err := d.Wait(ctx, func(st device.State) bool { return st.Power && st.Stage == device.StageIdle })
		if err != nil {
			return outcome{}, fmt.Errorf("not idle after power-on: stage %s%s: %w", st.Stage, noteText(st), err)
		}
		return said("powered on, idle on %s", st.Firmware), nil
	case ActProvision:
		if fl.lab == nil {
			return outcome{}, errors.New("provision needs the embedded lab (the fleet's provisioning server)")
		}
		kv, err := expandValues(s.Values, w.me.Spec)
		if err != nil {
			return outcome{}, err
		}
		if err := fl.lab.provision(w.me.Spec.MAC, kv); err != nil {
			return outcome{}, err
		}
		return said("%d key(s) changed on the provisioning server", len(kv)), nil
	case ActCheckNow:
		prev := d.Snapshot().BootCount
		if err := d.CheckNow(ctx); err != nil {
			return outcome{}, err
		}
		st, err := d.Wait(ctx, func(st device.State) bool { return st.Stage == device.StageIdle })
		if err != nil {
			return outcome{}, err
		}
		if st.BootCount > prev {
			return said("checked; restarted into the new files (boot %d)", st.BootCount), nil
		}
		return said("checked"), nil
	case ActApplyConfig:
		kv, err := expandValues(s.Values, w.me.Spec)
		if err != nil {
			return outcome{}, err
		}
		var b strings.Builder
		for _, e := range kv {
			fmt.Fprintf(&b, "%s=%s\n", e.Key, e.Value)
		}
		issues, reboot, err := d.ApplyConfig(ctx, "fleet", []byte(b.String()))
		if err != nil {
			return outcome{}, err
		}
		o := said("%d key(s) applied", len(kv))
		if len(issues) > 0 {
			o.detail += fmt.Sprintf(", %d warning(s)", len(issues))
		}
		if reboot {
			o.detail += "; a restart is needed for them to take effect"
		}
		return o, nil
	case ActExpectConfig:
		kv, err := expandValues(s.Values, w.me.Spec)
		if err != nil {
			return outcome{}, err
		}
		return expectConfig(ctx, d, kv)
	case ActExpectNetwork:
		return expectNetwork(ctx, d, s.Values)
	case ActExpectQuality:
		if fl.lab == nil {
			return outcome{}, errors.New("expect_quality reads the embedded lab's QoE collector")
		}
		return expectQuality(ctx, d, fl.lab.sip, s.Values)
	case ActDND:
		if err := d.SetDND(ctx, s.On); err != nil {
			return outcome{}, err
		}
		// At once, or once the server confirms (feature key
		// synchronization).
		if _, err := d.Wait(ctx, func(st device.State) bool { return len(st.Lines) > 0 && st.Lines[0].DND == s.On }); err != nil {
			return outcome{}, fmt.Errorf("line does not show DND %s: %w", onOff(s.On), err)
		}
		return said("DND %s", onOff(s.On)), nil
	case ActForward:
		number := ""
		if !s.Target.None() {
			var err error
			if number, err = fl.dialString(s, w); err != nil {
				return outcome{}, err
			}
		}
		if err := d.SetForward(ctx, number); err != nil {
			return outcome{}, err
		}
		if _, err := d.Wait(ctx, func(st device.State) bool { return len(st.Lines) > 0 && st.Lines[0].Forward == number }); err != nil {
			return outcome{}, fmt.Errorf("line does not show forwarding %q: %w", number, err)
		}
		if number == "" {
			return said("forwarding off"), nil
		}
		return said("forwarding to %s", number), nil
	case ActSleep:
		t := time.NewTimer(s.Sleep)
		defer t.Stop()
		select {
		case <-t.C:
			return said("slept %s", s.Sleep), nil
		case <-ctx.Done():
			return outcome{}, ctx.Err()
		}
	}
	return outcome{}, fmt.Errorf("action %q is not implemented", s.Action)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// expandValues fills a provision or apply_config step's patterns for one
// phone.
func expandValues(kv []KV, p PhoneSpec) ([]KV, error) {
	out := make([]KV, len(kv))
	for i, e := range kv {
		pat, err := parsePattern(e.Value)
		if err != nil {
			return nil, err
		}
		v, err := pat.eval(specVars(p))
		if err != nil {
			return nil, err
		}
		out[i] = KV{Key: e.Key, Value: v}
	}
	return out, nil
}

func specVars(p PhoneSpec) vars {
	return vars{
		ints: map[string]int{"i": p.Index, "n": p.N},
		strs: map[string]string{"user": p.User, "password": p.Password, "mac": macHex(p.MAC), "group": p.Group, "model": string(p.Model), "id": p.ID},
	}
}

// waitConditions are the conditions of the wait step, made once (not per
// phone and step).
var waitConditions = map[WaitFor]func(device.State) bool{
	WaitRegistered:   registered,
	WaitUnregistered: func(s device.State) bool { return !registered(s) },
	WaitIdle:         func(s device.State) bool { return s.Power && s.Stage == device.StageIdle },
	WaitRinging:      func(s device.State) bool { return firstCall(s, device.CallIncoming) != nil },
	WaitConnected:    func(s device.State) bool { return firstCall(s, device.CallConnected) != nil },
	WaitHeld:         func(s device.State) bool { return firstCall(s, device.CallHeld) != nil },
	WaitNoCalls:      func(s device.State) bool { return liveCall(s) == nil },
	WaitPaged: func(s device.State) bool {
		for _, pg := range s.Pages {
			if !pg.Sending && pg.Accepted {
				return true
			}
		}
		return false
	},
	WaitNotPaged: func(s device.State) bool {
		for _, pg := range s.Pages {
			if !pg.Sending {
				return false
			}
		}
		return true
	},
	WaitOff:         func(s device.State) bool { return !s.Power },
	WaitLinkFailure: func(s device.State) bool { return s.HasNotification(device.NoteLinkFailure) },
}

// waitFor holds until the phone meets a condition.
func (fl *Fleet) waitFor(ctx context.Context, p *Phone, w WaitFor) (outcome, error) {
	cond := waitConditions[w]
	began := time.Now()
	st, err := p.Device.Wait(ctx, cond)
	if err != nil {
		return outcome{}, fmt.Errorf("not %s: %s: %w", w, describeState(st), err)
	}
	switch w {
	case WaitRegistered:
		return said("registered as %s at %s after %s", st.Lines[0].ID, st.Lines[0].Registrar, time.Since(began).Round(time.Millisecond)), nil
	case WaitPaged:
		for _, pg := range st.Pages {
			if pg.Accepted {
				return said("playing page %q", pg.Name), nil
			}
		}
	}
	return said("%s", w), nil
}

// describeState says briefly where a phone stands, for failures.
func describeState(s device.State) string {
	var parts []string
	parts = append(parts, "stage "+string(s.Stage))
	if s.Failure != "" {
		parts = append(parts, "failed "+s.Failure)
	}
	if len(s.Lines) > 0 {
		l := s.Lines[0]
		t := "line " + string(l.State)
		if l.Reason != "" {
			t += " (" + l.Reason + ")"
		}
		parts = append(parts, t)
	}
	for _, c := range s.Calls {
		if c.State != device.CallEnded {
			parts = append(parts, fmt.Sprintf("call %s %s", c.Number, c.State))
		}
	}
	for _, n := range s.Notifications {
		parts = append(parts, fmt.Sprintf("%q", n.Text))
	}
	return strings.Join(parts, ", ")
}

func registered(s device.State) bool {
	return len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
}

// firstCall returns the oldest call in state st.
func firstCall(s device.State, st device.CallState) *device.Call {
	for i := range s.Calls {
		if s.Calls[i].State == st {
			return &s.Calls[i]
		}
	}
	return nil
}

// liveCall returns the call an action on "the call" means: the connected
// one, else one being set up, else a held one.
func liveCall(s device.State) *device.Call {
	for _, st := range []device.CallState{device.CallConnected, device.CallRinging, device.CallCalling,
		device.CallIncoming, device.CallDialing, device.CallHeld} {
		if c := firstCall(s, st); c != nil {
			return c
		}
	}
	return nil
}

func callByID(s device.State, id string) *device.Call {
	for i := range s.Calls {
		if s.Calls[i].ID == id {
			return &s.Calls[i]
		}
	}
	return nil
}

// waitCall waits for a call matching cond.
func waitCall(ctx context.Context, d *device.Phone, what string, cond func(device.Call) bool) (device.Call, error) {
	var got device.Call
	st, err := d.Wait(ctx, func(s device.State) bool {
		for _, c := range s.Calls {
			if cond(c) {
				got = c
				return true
			}
		}
		return false
	})
	if err != nil {
		return got, fmt.Errorf("no %s: %s: %w", what, describeState(st), err)
	}
	return got, nil
}

// waitCallState waits until call id is in want; it fails early if the call
// ends first.
func waitCallState(ctx context.Context, d *device.Phone, id string, want device.CallState) (device.Call, error) {
	var got device.Call
	st, err := d.Wait(ctx, func(s device.State) bool {
		c := callByID(s, id)
		if c == nil {
			return false
		}
		got = *c
		return c.State == want || c.State == device.CallEnded
	})
	if err != nil {
		return got, fmt.Errorf("call %s not %s: %s: %w", id, want, describeState(st), err)
	}
	if got.State != want {
		return got, fmt.Errorf("call %s ended (%s) before it was %s", id, got.EndReason, want)
	}
	return got, nil
}

// target returns the phone a step aims at on behalf of w (nil for a
// number).
func (fl *Fleet) target(s *Step, w work) *PhoneSpec {
	switch {
	case s.Target.Peer:
		return w.peer
	case s.Target.Phone >= 0:
		return &fl.file.Phones[s.Target.Phone]
	}
	return nil
}

// dialString is what the phone dials to reach the step's target.
func (fl *Fleet) dialString(s *Step, w work) (string, error) {
	if t := fl.target(s, w); t != nil {
		if t.User == "" {
			return "", fmt.Errorf("%s has no line to call", t.ID)
		}
		return t.User, nil
	}
	if s.Target.Number != "" {
		return s.Target.Number, nil
	}
	return "", errors.New("no target")
}

func (fl *Fleet) call(ctx context.Context, s *Step, w work) (outcome, error) {
	number, err := fl.dialString(s, w)
	if err != nil {
		return outcome{}, err
	}
	d := w.me.Device
	id, err := d.Dial(ctx, number)
	if err != nil {
		return outcome{}, fmt.Errorf("dial %s: %w", number, err)
	}
	var got device.Call
	st, err := d.Wait(ctx, func(st device.State) bool {
		c := callByID(st, id)
		if c == nil {
			return false
		}
		got = *c
		return c.State == device.CallRinging || c.State == device.CallConnected || c.State == device.CallEnded
	})
	if err != nil {
		return outcome{}, fmt.Errorf("call to %s not ringing: %s: %w", number, describeState(st), err)
	}
	if got.State == device.CallEnded {
		return outcome{}, fmt.Errorf("call to %s ended: %s", number, got.EndReason)
	}
	return said("calling %s: %s", number, got.State), nil
}

func (fl *Fleet) answer(ctx context.Context, s *Step, w work) (outcome, error) {
	from := ""
	if t := fl.target(s, w); t != nil {
		from = t.User
	} else if s.Target.Number != "" {
		from = s.Target.Number
	}
	d := w.me.Device
	what := "ringing call"
	if from != "" {
		what += " from " + from
	}
	c, err := waitCall(ctx, d, what, func(c device.Call) bool {
		return c.State == device.CallIncoming && (from == "" || c.Number == from)
	})
	if err != nil {
		return outcome{}, err
	}
	if err := d.Answer(ctx, c.ID); err != nil {
		return outcome{}, err
	}
	got, err := waitCallState(ctx, d, c.ID, device.CallConnected)
	if err != nil {
		return outcome{}, err
	}
	return said("answered %s (%s)", c.Number, got.Codec), nil
}

func (fl *Fleet) transfer(ctx context.Context, s *Step, w work) (outcome, error) {
	number, err := fl.dialString(s, w)
	if err != nil {
		return outcome{}, err
	}
	d := w.me.Device
	c, err := waitState(ctx, d, device.CallConnected)
	if err != nil {
		return outcome{}, fmt.Errorf("no connected call to transfer: %w", err)
	}
	kind := device.Blind
	if s.Attended {
		kind = device.Consultative
	}
	if err := d.Transfer(ctx, c.ID, number, kind); err != nil {
		return outcome{}, err
	}
	if !s.Attended {
		// The transferee reports its call to the target in NOTIFYs; this
		// phone leaves the call once the target answers (or earlier, as
		// some stacks do). A progress report means the REFER was taken.
		var got device.Call
		_, err := d.Wait(ctx, func(st device.State) bool {
			x := callByID(st, c.ID)
			if x == nil {
				return false
			}
			got = *x
			return x.State == device.CallEnded || strings.HasPrefix(x.Transfer, "transfer: ")
		})
		if err != nil {
			return outcome{}, fmt.Errorf("no progress of the transfer to %s: %w", number, err)
		}
		if code, _, _ := strings.Cut(strings.TrimPrefix(got.Transfer, "transfer: "), " "); len(code) == 3 && code >= "300" {
			return outcome{}, fmt.Errorf("transfer to %s failed: %s", number, got.Transfer)
		}
		if got.State == device.CallEnded {
			return said("%s transferred to %s (blind); this phone left the call", c.Number, number), nil
		}
		return said("%s transferred to %s (blind), %s", c.Number, number, got.Transfer), nil
	}
	if _, err := waitCall(ctx, d, "consultation call to "+number, func(x device.Call) bool {
		return x.ID != c.ID && x.Number == number && (x.State == device.CallRinging || x.State == device.CallConnected)
	}); err != nil {
		return outcome{}, err
	}
	return said("consulting %s about %s", number, c.Number), nil
}

// checkAudio passes once the phone's current call carries the far end's
// tone at MinLevel or more (in the last quarter second received, once half
// a second has come).
func (fl *Fleet) checkAudio(ctx context.Context, s *Step, w work) (outcome, error) {
	d := w.me.Device
	from := fl.target(s, w)
	best := math.Inf(-1)
	var c *device.Call
	var freq float64
	var samples int
	var judged string // the call best and freq are about
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st := d.Snapshot()
		c = audibleCall(st)
		if c == nil {
			// A page being played counts as the call: its audio is
			// recorded as call "page<key>", and the far end is the pager.
			for _, pg := range st.Pages {
				if pg.Accepted && !pg.Sending {
					if s.Freq == 0 && from == nil {
						return outcome{}, errors.New("a page is playing: give check_audio from: (the pager) or freq:")
					}
					c = &device.Call{ID: fmt.Sprintf("page%d", pg.Group), Number: "page " + pg.Name}
					break
				}
			}
		}
		if c != nil {
			// The call may change while the step waits (a transfer's old
			// leg ends after the new one connects): the tone to listen for
			// is the current far end's, and the best level is this call's.
			if c.ID != judged {
				judged, best = c.ID, math.Inf(-1)
			}
			f := s.Freq
			if f == 0 {
				far := from
				if far == nil {
					far = fl.specByUser(c.Number)
				}
				if far == nil {
					return outcome{}, fmt.Errorf("the call is with %s, not a phone of the fleet: give check_audio a freq", c.Number)
				}
				f = far.Tone
			}
			var lvl float64
			lvl, samples = w.me.Heard(c.ID, f)
			freq = f
			// Judge after half a second: the first packets of a call (the
			// jitter buffer filling) are not its level.
			if samples >= device.AudioRate/2 {
				best = max(best, lvl)
			}
			if samples >= device.AudioRate/2 && lvl >= s.MinLevel {
				v := math.Round(lvl*10) / 10
				return outcome{detail: fmt.Sprintf("hears %s's %g Hz at %.1f dBm0", c.Number, f, v), level: &v}, nil
			}
		}
		select {
		case <-ctx.Done():
			o := outcome{}
			if !math.IsInf(best, -1) {
				v := math.Round(best*10) / 10
				o.level = &v
			}
			if c == nil {
				return o, fmt.Errorf("no connected call: %s", describeState(d.Snapshot()))
			}
			if samples == 0 {
				return o, fmt.Errorf("nothing received in the call with %s", c.Number)
			}
			if samples < device.AudioRate/2 {
				return o, fmt.Errorf("only %d ms received in the call with %s", samples*1000/device.AudioRate, c.Number)
			}
			return o, fmt.Errorf("%g Hz from %s heard at %.1f dBm0 at best, want %.1f or more", freq, c.Number, best, s.MinLevel)
		case <-tick.C:
		}
	}
}

// audibleCall returns the connected call whose far end the phone hears: one
// the far end does not hold, else any connected one.
func audibleCall(st device.State) *device.Call {
	var held *device.Call
	for i := range st.Calls {
		switch c := &st.Calls[i]; {
		case c.State != device.CallConnected:
		case !c.RemoteHeld:
			return c
		case held == nil:
			held = c
		}
	}
	return held
}

// specByUser finds a fleet phone by its line's user.
func (fl *Fleet) specByUser(user string) *PhoneSpec {
	if p := fl.byUser[user]; p != nil {
		return &p.Spec
	}
	for i := range fl.file.Phones {
		if fl.file.Phones[i].User == user {
			return &fl.file.Phones[i]
		}
	}
	return nil
}

func (fl *Fleet) press(ctx context.Context, s *Step, p *Phone) (outcome, error) {
	var names []string
	for _, k := range s.Keys {
		if p.Screen != nil {
			if err := p.Screen.Press(k.Key, k.Index); err != nil {
				return outcome{}, fmt.Errorf("press %s: %w", keyName(k), err)
			}
		} else if dig, ok := k.Key.Digit(); ok {
			// Without a screen application, dial-pad keys still reach the
			// phone as its key intents.
			if err := p.Device.Key(ctx, dig); err != nil {
				return outcome{}, err
			}
		} else {
			return outcome{}, fmt.Errorf("key %s needs the screen application (this fleet runs without screens)", keyName(k))
		}
		names = append(names, keyName(k))
		// A person's pace: the screen redraws between keys.
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return outcome{}, ctx.Err()
		}
	}
	return said("pressed %s", strings.Join(names, " ")), nil
}

func keyName(k Key) string {
	switch k.Key {
	case hw.KeyProgrammable:
		return fmt.Sprintf("PROG%d", k.Index+1)
	case hw.KeyFunction:
		return fmt.Sprintf("FUNC%d", k.Index+1)
	}
	return k.Key.String()
}

func (fl *Fleet) expectScreen(ctx context.Context, s *Step, p *Phone) (outcome, error) {
	if p.Screen == nil {
		return outcome{}, errors.New("expect_screen needs the screen application (this fleet runs without screens)")
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		text := p.Screen.Text()
		if strings.Contains(text, s.Text) {
			return said("screen shows %q", s.Text), nil
		}
		select {
		case <-ctx.Done():
			return outcome{detail: text}, fmt.Errorf("screen does not show %q", s.Text)
		case <-tick.C:
		}
	}
}

func (fl *Fleet) expectLED(ctx context.Context, s *Step, p *Phone) (outcome, error) {
	if p.Screen == nil {
		return outcome{}, errors.New("expect_led needs the screen application (this fleet runs without screens)")
	}
	want := normalLED(s.LEDState)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		got := p.Screen.LED(s.LED).String()
		if normalLED(got) == want {
			return said("LED %s is %s", s.LED, got), nil
		}
		select {
		case <-ctx.Done():
			return outcome{}, fmt.Errorf("LED %s is %s, want %s", s.LED, got, s.LEDState)
		case <-tick.C:
		}
	}
}

// normalLED makes "Red on", "red", "red steady" the same, and "red blink"
// match either flash speed.
func normalLED(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("/", " ", "-", " ").Replace(s)
	f := strings.Fields(s)
	if len(f) == 0 {
		return "off"
	}
	if f[0] == "off" {
		return "off"
	}
	if len(f) == 1 || f[1] == "on" || f[1] == "steady" {
		return f[0]
	}
	return f[0] + " flash"
}

// expectConfig waits until the running configuration has every value (in
// the catalogue's canonical spelling, so "enable" matches "ENABLE").
func expectConfig(ctx context.Context, d *device.Phone, kv []KV) (outcome, error) {
	var missing string
	st, err := d.Wait(ctx, func(st device.State) bool {
		cfg := st.Config
		for _, e := range kv {
			want := e.Value
			if p, _, _, err := cfg.Catalogue().Resolve(e.Key); err == nil {
				if v, err := p.Canonical(want); err == nil {
					want = v
				}
			}
			if got := cfg.Get(e.Key); got != want {
				missing = fmt.Sprintf("%s is %q, want %q", e.Key, got, want)
				return false
			}
		}
		return true
	})
	if err != nil {
		return outcome{}, fmt.Errorf("%s (%s): %w", missing, describeState(st), err)
	}
	return said("%d value(s) in the running configuration", len(kv)), nil
}

// expectNetworkFields are what expect_network compares: the address (in a
// prefix, or exactly), the voice VLAN and where it came from (manual,
// LLDP, CDP, DHCP), the port's 802.1X state, the gateway and the DHCP
// server.
var expectNetworkFields = []string{"address", "vlan", "vlan_source", "dot1x", "gateway", "dhcp_server"}

// networkField is field f of n as expect_network compares it.
func networkField(n device.Network, f string) string {
	switch f {
	case "address":
		if n.Address.IsValid() {
			return n.Address.Addr().String()
		}
	case "vlan":
		return strconv.Itoa(n.VLAN)
	case "vlan_source":
		return n.VLANSource
	case "dot1x":
		return n.Dot1X
	case "gateway":
		if n.Gateway.IsValid() {
			return n.Gateway.String()
		}
	case "dhcp_server":
		if n.DHCPServer.IsValid() {
			return n.DHCPServer.String()
		}
	}
	return ""
}

// expectNetwork waits until the phone's network is as kv says; an address
// may be given as a prefix (10.0.0.0/24) it must be in.
func expectNetwork(ctx context.Context, d *device.Phone, kv []KV) (outcome, error) {
	var missing string
	st, err := d.Wait(ctx, func(st device.State) bool {
		for _, e := range kv {
			got := networkField(st.Network, e.Key)
			if pfx, err := netip.ParsePrefix(e.Value); err == nil && e.Key == "address" {
				if a, err := netip.ParseAddr(got); err == nil && pfx.Contains(a) {
					continue
				}
			} else if strings.EqualFold(got, e.Value) {
				continue
			}
			missing = fmt.Sprintf("%s is %q, want %q", e.Key, got, e.Value)
			return false
		}
		return true
	})
	if err != nil {
		return outcome{}, fmt.Errorf("%s (%s): %w", missing, describeState(st), err)
	}
	return said("network: address %s, VLAN %d (%s), 802.1X %s", networkField(st.Network, "address"), st.Network.VLAN,
		orDash(st.Network.VLANSource), orDash(st.Network.Dot1X)), nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// waitState waits for a call in state st (the one a step acts on may be a
// moment behind the far end's view: the caller hears "connected" after the
// callee answered).
func waitState(ctx context.Context, d *device.Phone, st device.CallState) (*device.Call, error) {
	c, err := waitCall(ctx, d, string(st)+" call", func(c device.Call) bool { return c.State == st })
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// expectQualityFields are what expect_quality checks in the phone's newest
// voice-quality report: the least MOS-CQ, the most network loss in
// percent, the codec.
var expectQualityFields = []string{"mos", "loss", "codec"}

// expectQuality waits until the phone's report of its last call (it sends
// one when a call ends, with voip/rtcp_xr/vq_statistics/mode not DISABLE
// and voip/qoe/qoe_publish_enabled=1) was accepted, finds it at the lab's
// QoE collector and checks it against kv.
func expectQuality(ctx context.Context, d *device.Phone, srv *sipproxy.Server, kv []KV) (outcome, error) {
	st, err := d.Wait(ctx, func(st device.State) bool {
		return st.Quality != nil && (st.Quality.Sent || st.Quality.Error != "")
	})
	switch {
	case err != nil && st.Quality == nil:
		return outcome{}, fmt.Errorf("the phone made no voice-quality report (voip/qoe/qoe_publish_enabled=1 and the XR mode not DISABLE?): %w", err)
	case err != nil:
		return outcome{}, fmt.Errorf("the report of %s is still on its way to %s: %w", st.Quality.Call, st.Quality.To, err)
	case st.Quality.Error != "":
		return outcome{}, fmt.Errorf("the report of %s was not accepted by %s: %s", st.Quality.Call, st.Quality.To, st.Quality.Error)
	}
	q, ok := srv.QualityReport(st.Quality.CallID)
	if !ok {
		return outcome{}, fmt.Errorf("the report of %s went to %s, not to the lab", st.Quality.Call, st.Quality.To)
	}
	r := q.Report
	m := r.Local
	for _, e := range kv {
		n, _ := strconv.ParseFloat(e.Value, 64)
		switch e.Key {
		case "mos":
			if m.MOSCQ < n {
				return outcome{}, fmt.Errorf("MOS-CQ %.1f is below %s (call %s)", m.MOSCQ, e.Value, r.CallID)
			}
		case "loss":
			if m.LossRate > n {
				return outcome{}, fmt.Errorf("network loss %.1f%% is above %s%% (call %s)", m.LossRate, e.Value, r.CallID)
			}
		case "codec":
			if !strings.EqualFold(m.Codec, e.Value) {
				return outcome{}, fmt.Errorf("codec %s, want %s (call %s)", m.Codec, e.Value, r.CallID)
			}
		}
	}
	return said("%s reported: MOS-CQ %.1f, loss %.1f%%, %s", st.Quality.Call, m.MOSCQ, m.LossRate, m.Codec), nil
}
