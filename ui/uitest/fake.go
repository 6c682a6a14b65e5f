// Package uitest has a scriptable fake phone for the screen application's
// tests: it keeps a device.State the test can change, publishes an event
// for every change, records every intent, and plays the simple part of
// each intent (lifting the handset opens a dialing call, Answer connects,
// Hold holds, …) so that screens follow as on a real phone.
package uitest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
)

// Fake is a phone for ui tests. It implements ui.Phone.
type Fake struct {
	model *model.Model
	clk   clock.Clock

	mu      sync.Mutex // guards the fields below
	state   device.State
	history map[flash.CallKind][]flash.Call
	intents []string
	errs    map[string]error
	subs    []chan device.Event
	next    int
	changed chan struct{}
}

// New returns a powered-on, idle phone of model m on clock clk (nil: the
// system clock) with line 0 registered as 1001.
func New(m *model.Model, clk clock.Clock) *Fake {
	f := &Fake{model: m, clk: clock.OrReal(clk), history: map[flash.CallKind][]flash.Call{}, errs: map[string]error{}}
	f.state = device.State{
		Model: m.Name, MAC: "00908f000001", Power: true, Stage: device.StageIdle, Firmware: device.DefaultFirmware,
		Config: config.Default().New(string(m.Name)),
		Lines:  []device.Line{{Index: 0, ID: "1001", Display: "1001", State: device.RegRegistered}},
	}
	return f
}

// Update changes the phone's state and publishes an event.
func (f *Fake) Update(fn func(s *device.State)) {
	f.mu.Lock()
	f.state = cloneState(f.state)
	fn(&f.state)
	f.publishLocked(device.Event{Kind: device.EventLog, Text: "update"})
	f.mu.Unlock()
}

// Configure applies configuration lines ("key=value") as a file would;
// it panics on a bad line, as a test's mistake.
func (f *Fake) Configure(lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next, _, err := f.state.Config.Apply("test", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		panic(err)
	}
	f.state = cloneState(f.state)
	f.state.Config = next
	f.publishLocked(device.Event{Kind: device.EventConfigApplied, Text: "test"})
}

// SetHistory sets a call log.
func (f *Fake) SetHistory(kind flash.CallKind, calls []flash.Call) {
	f.mu.Lock()
	f.history[kind] = slices.Clone(calls)
	f.mu.Unlock()
}

// Fail makes intent name (e.g. "Dial") return err.
func (f *Fake) Fail(name string, err error) {
	f.mu.Lock()
	f.errs[name] = err
	f.mu.Unlock()
}

// Intents returns the intents called so far, as "Name args".
func (f *Fake) Intents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.intents)
}

// WaitIntent waits until an intent starting with prefix was called.
func (f *Fake) WaitIntent(ctx context.Context, prefix string) error {
	for {
		f.mu.Lock()
		for _, in := range f.intents {
			if strings.HasPrefix(in, prefix) {
				f.mu.Unlock()
				return nil
			}
		}
		if f.changed == nil {
			f.changed = make(chan struct{})
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for intent %q (have %v): %w", prefix, f.Intents(), ctx.Err())
		}
	}
}

func cloneState(s device.State) device.State {
	s.Calls = slices.Clone(s.Calls)
	s.Lines = slices.Clone(s.Lines)
	s.Pages = slices.Clone(s.Pages)
	s.Notifications = slices.Clone(s.Notifications)
	return s
}

func (f *Fake) publishLocked(e device.Event) {
	e.At = f.clk.Now()
	for _, ch := range f.subs {
		select {
		case ch <- e:
		default:
		}
	}
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// record logs an intent and returns the error set by Fail.
func (f *Fake) record(name string, args ...any) error {
	s := name
	for _, a := range args {
		s += " " + fmt.Sprint(a)
	}
	f.intents = append(f.intents, s)
	return f.errs[name]
}

// Snapshot implements ui.Phone.
func (f *Fake) Snapshot() device.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneState(f.state)
}

// Subscribe implements ui.Phone.
func (f *Fake) Subscribe(buf int) (<-chan device.Event, func()) {
	if buf <= 0 {
		buf = 64
	}
	ch := make(chan device.Event, buf)
	f.mu.Lock()
	f.subs = append(f.subs, ch)
	f.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			f.subs = slices.DeleteFunc(f.subs, func(c chan device.Event) bool { return c == ch })
			f.mu.Unlock()
		})
	}
}

// Model implements ui.Phone.
func (f *Fake) Model() *model.Model { return f.model }

// Clock implements ui.Phone.
func (f *Fake) Clock() clock.Clock { return f.clk }

// LocalTime implements ui.Phone: the clock's time in UTC.
func (f *Fake) LocalTime() time.Time { return f.clk.Now().UTC() }

// CallHistory implements ui.Phone.
func (f *Fake) CallHistory(kind flash.CallKind) ([]flash.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.history[kind]), nil
}

// do records an intent and, unless it fails, plays it on the state.
func (f *Fake) do(name string, play func(s *device.State) error, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.record(name, args...)
	if err == nil && play != nil {
		s := cloneState(f.state)
		if err = play(&s); err == nil {
			f.state = s
		}
	}
	f.publishLocked(device.Event{Kind: device.EventCall, Text: name})
	return err
}

var errBad = fmt.Errorf("%w (fake)", device.ErrBadIntent)

func find(s *device.State, pred func(c device.Call) bool) *device.Call {
	for i := len(s.Calls) - 1; i >= 0; i-- {
		if s.Calls[i].State != device.CallEnded && pred(s.Calls[i]) {
			return &s.Calls[i]
		}
	}
	return nil
}

func byID(s *device.State, id string, states ...device.CallState) *device.Call {
	return find(s, func(c device.Call) bool {
		return (id == "" || c.ID == id) && (len(states) == 0 || slices.Contains(states, c.State))
	})
}

func (f *Fake) newCall(s *device.State, dir device.Direction, st device.CallState, number string) *device.Call {
	f.next++
	for slices.ContainsFunc(s.Calls, func(c device.Call) bool { return c.ID == "c"+strconv.Itoa(f.next) }) {
		f.next++
	}
	s.Calls = slices.DeleteFunc(s.Calls, func(c device.Call) bool { return c.State == device.CallEnded })
	s.Calls = append(s.Calls, device.Call{ID: "c" + strconv.Itoa(f.next), Direction: dir, State: st, Number: number, Started: f.clk.Now()})
	return &s.Calls[len(s.Calls)-1]
}

func (f *Fake) end(s *device.State, c *device.Call, why string) {
	c.State, c.Ended, c.EndReason = device.CallEnded, f.clk.Now(), why
	if find(s, func(device.Call) bool { return true }) == nil {
		s.Audio, s.OffHook = device.AudioNone, false
	}
}

func (f *Fake) connect(s *device.State, c *device.Call) {
	if cur := find(s, func(x device.Call) bool { return x.State == device.CallConnected && x.ID != c.ID }); cur != nil && !c.Conference {
		cur.State = device.CallHeld
	}
	c.State, c.Codec, c.Waiting = device.CallConnected, "PCMU", false
	if c.Answered.IsZero() {
		c.Answered = f.clk.Now()
	}
}

func (f *Fake) takeAudio(s *device.State, dev device.AudioDevice) {
	prev := s.Audio
	s.Audio, s.OffHook = dev, true
	if prev != device.AudioNone {
		return
	}
	if c := byID(s, "", device.CallIncoming); c != nil {
		f.connect(s, c)
		return
	}
	if byID(s, "", device.CallConnected, device.CallCalling, device.CallRinging, device.CallDialing) == nil {
		f.newCall(s, device.Outgoing, device.CallDialing, "")
	}
}

func (f *Fake) releaseAudio(s *device.State, dev device.AudioDevice) {
	if s.Audio != dev {
		return
	}
	s.Audio, s.OffHook = device.AudioNone, false
	if c := byID(s, "", device.CallConnected, device.CallCalling, device.CallRinging, device.CallDialing); c != nil {
		f.end(s, c, "local hangup")
	}
}

// Hook implements ui.Phone.
func (f *Fake) Hook(_ context.Context, off bool) error {
	return f.do("Hook", func(s *device.State) error {
		if off {
			f.takeAudio(s, device.AudioHandset)
		} else {
			f.releaseAudio(s, device.AudioHandset)
		}
		return nil
	}, off)
}

func (f *Fake) toggle(s *device.State, dev device.AudioDevice) {
	if s.Audio == dev {
		f.releaseAudio(s, dev)
	} else {
		f.takeAudio(s, dev)
	}
}

// Speaker implements ui.Phone.
func (f *Fake) Speaker(context.Context) error {
	return f.do("Speaker", func(s *device.State) error { f.toggle(s, device.AudioSpeaker); return nil })
}

// Headset implements ui.Phone.
func (f *Fake) Headset(context.Context) error {
	return f.do("Headset", func(s *device.State) error { f.toggle(s, device.AudioHeadset); return nil })
}

// DeleteDigit implements ui.Phone.
func (f *Fake) DeleteDigit(context.Context) error {
	return f.do("DeleteDigit", func(s *device.State) error {
		if c := byID(s, "", device.CallDialing); c != nil && c.Number != "" {
			c.Number = c.Number[:len(c.Number)-1]
		}
		return nil
	})
}

// Lock implements ui.Phone.
func (f *Fake) Lock(_ context.Context, on bool) error {
	return f.do("Lock", func(s *device.State) error { s.Locked = on; return nil }, on)
}

// EHS implements ui.Phone: the headset's hook takes the audio to the
// headset or releases it (the fake has no electronic_hook_switch setting:
// it always listens).
func (f *Fake) EHS(_ context.Context, off bool) error {
	return f.do("EHS", func(s *device.State) error {
		if off {
			f.takeAudio(s, device.AudioHeadset)
		} else {
			f.releaseAudio(s, device.AudioHeadset)
		}
		return nil
	}, off)
}

// Key implements ui.Phone.
func (f *Fake) Key(_ context.Context, key byte) error {
	return f.do("Key", func(s *device.State) error {
		if c := byID(s, "", device.CallDialing); c != nil {
			c.Number += string(key)
			return nil
		}
		if byID(s, "", device.CallConnected) != nil {
			return nil // DTMF
		}
		f.takeAudio(s, device.AudioSpeaker)
		if c := byID(s, "", device.CallDialing); c != nil {
			c.Number = string(key)
		}
		return nil
	}, string(key))
}

// Dial implements ui.Phone.
func (f *Fake) Dial(_ context.Context, number string) (string, error) {
	var id string
	err := f.do("Dial", func(s *device.State) error {
		if number == "" {
			return errBad
		}
		c := byID(s, "", device.CallDialing)
		if c == nil {
			if cur := byID(s, "", device.CallConnected); cur != nil {
				cur.State = device.CallHeld
			}
			if s.Audio == device.AudioNone {
				s.Audio, s.OffHook = device.AudioSpeaker, true
			}
			c = f.newCall(s, device.Outgoing, device.CallCalling, number)
		}
		c.Number, c.State = number, device.CallCalling
		id = c.ID
		return nil
	}, number)
	return id, err
}

// Answer implements ui.Phone.
func (f *Fake) Answer(_ context.Context, id string) error {
	return f.do("Answer", func(s *device.State) error {
		c := byID(s, id, device.CallIncoming)
		if c == nil {
			return errBad
		}
		f.connect(s, c)
		if s.Audio == device.AudioNone {
			s.Audio, s.OffHook = device.AudioSpeaker, true
		}
		return nil
	}, id)
}

// Reject implements ui.Phone.
func (f *Fake) Reject(_ context.Context, id string) error {
	return f.do("Reject", func(s *device.State) error {
		c := byID(s, id, device.CallIncoming)
		if c == nil {
			return errBad
		}
		f.end(s, c, "rejected")
		return nil
	}, id)
}

// Hangup implements ui.Phone.
func (f *Fake) Hangup(_ context.Context, id string) error {
	return f.do("Hangup", func(s *device.State) error {
		c := byID(s, id)
		if c == nil {
			return errBad
		}
		f.end(s, c, "local hangup")
		return nil
	}, id)
}

// Hold implements ui.Phone.
func (f *Fake) Hold(_ context.Context, id string) error {
	return f.do("Hold", func(s *device.State) error {
		c := byID(s, id, device.CallConnected)
		if c == nil {
			return errBad
		}
		c.State = device.CallHeld
		return nil
	}, id)
}

// Resume implements ui.Phone.
func (f *Fake) Resume(_ context.Context, id string) error {
	return f.do("Resume", func(s *device.State) error {
		c := byID(s, id, device.CallHeld)
		if c == nil {
			return errBad
		}
		f.connect(s, c)
		return nil
	}, id)
}

// Mute implements ui.Phone.
func (f *Fake) Mute(_ context.Context, on bool) error {
	return f.do("Mute", func(s *device.State) error {
		for i := range s.Calls {
			s.Calls[i].Muted = on && s.Calls[i].State == device.CallConnected
		}
		return nil
	}, on)
}

// Transfer implements ui.Phone.
func (f *Fake) Transfer(_ context.Context, id, target string, kind device.TransferKind) error {
	return f.do("Transfer", func(s *device.State) error { return f.transfer(s, id, target, kind) }, id, target, kindName(kind))
}

func kindName(k device.TransferKind) string {
	if k == device.Blind {
		return "blind"
	}
	return "consultative"
}

func (f *Fake) transfer(s *device.State, id, target string, kind device.TransferKind) error {
	c := byID(s, id, device.CallConnected, device.CallHeld)
	if c == nil || target == "" {
		return errBad
	}
	if kind == device.Blind {
		c.Transfer = "blind to " + target
		return nil
	}
	c.State, c.Transfer = device.CallHeld, "consulting "+target
	f.newCall(s, device.Outgoing, device.CallCalling, target)
	return nil
}

// TransferKey implements ui.Phone.
func (f *Fake) TransferKey(_ context.Context, id, target string) error {
	return f.do("TransferKey", func(s *device.State) error {
		return f.transfer(s, id, target, device.TransferKeyKind(s.Config))
	}, id, target)
}

// CompleteTransfer implements ui.Phone.
func (f *Fake) CompleteTransfer(context.Context) error {
	return f.do("CompleteTransfer", func(s *device.State) error {
		orig := find(s, func(c device.Call) bool { return strings.HasPrefix(c.Transfer, "consulting ") })
		if orig == nil {
			return errBad
		}
		target := strings.TrimPrefix(orig.Transfer, "consulting ")
		orig.Transfer = "attended to " + target
		return nil
	})
}

// SetDND implements ui.Phone.
func (f *Fake) SetDND(_ context.Context, on bool) error {
	return f.do("SetDND", func(s *device.State) error {
		if len(s.Lines) == 0 {
			return errBad
		}
		s.Lines[0].DND = on
		return nil
	}, on)
}

// SetForward implements ui.Phone.
func (f *Fake) SetForward(_ context.Context, target string) error {
	return f.do("SetForward", func(s *device.State) error {
		if len(s.Lines) == 0 || !s.Config.Bool("voip/line/0/call_forward/enabled") {
			return errBad
		}
		s.Lines[0].Forward = target
		return nil
	}, target)
}

// Page implements ui.Phone.
func (f *Fake) Page(_ context.Context, n int) error {
	return f.do("Page", func(s *device.State) error {
		name := s.Config.Get("voip/services/group_paging/group/" + strconv.Itoa(n) + "/name")
		s.Pages = append(s.Pages, device.Page{Group: n, Name: name, Address: "224.0.1.0:8888", Sending: true, Started: f.clk.Now()})
		return nil
	}, n)
}

// EndPage implements ui.Phone.
func (f *Fake) EndPage(context.Context) error {
	return f.do("EndPage", func(s *device.State) error {
		s.Pages = slices.DeleteFunc(s.Pages, func(p device.Page) bool { return p.Sending })
		return nil
	})
}

// AcceptPage implements ui.Phone.
func (f *Fake) AcceptPage(_ context.Context, accept bool) error {
	return f.do("AcceptPage", func(s *device.State) error {
		i := slices.IndexFunc(s.Pages, func(p device.Page) bool { return p.Pending })
		if i < 0 {
			return errBad
		}
		if !accept {
			s.Pages = slices.Delete(s.Pages, i, i+1)
			return nil
		}
		s.Pages[i].Pending, s.Pages[i].Accepted = false, true
		if c := byID(s, "", device.CallConnected); c != nil {
			c.State = device.CallHeld
		}
		return nil
	}, accept)
}

// DiscreetCall implements ui.Phone.
func (f *Fake) DiscreetCall(_ context.Context, n int) error {
	return f.do("DiscreetCall", func(s *device.State) error {
		number := s.Config.Get("personal_settings/functional_key/" + strconv.Itoa(n) + "/speed_dial_number")
		c := f.newCall(s, device.Outgoing, device.CallConnected, number)
		c.Discreet, c.Answered = true, f.clk.Now()
		return nil
	}, n)
}

// Conference implements ui.Phone.
func (f *Fake) Conference(context.Context) error {
	return f.do("Conference", func(s *device.State) error {
		a := byID(s, "", device.CallConnected)
		h := byID(s, "", device.CallHeld)
		if a == nil || h == nil || !s.Config.Bool("lync/local3wayConf/enabled") {
			return errBad
		}
		a.Conference, h.Conference, h.State = true, true, device.CallConnected
		return nil
	})
}

// ApplyConfig implements ui.Phone: the file is applied to the state's
// configuration as the phone would (a bad file changes nothing).
func (f *Fake) ApplyConfig(_ context.Context, source string, data []byte) ([]config.Issue, bool, error) {
	var issues []config.Issue
	var reboot bool
	err := f.do("ApplyConfig", func(s *device.State) error {
		next, is, err := s.Config.Apply(source, bytes.NewReader(data))
		issues = is
		if err != nil {
			return err
		}
		reboot = config.NeedsReboot(config.Diff(s.Config, next))
		s.Config = next
		return nil
	}, strings.TrimSpace(string(data)))
	return issues, reboot, err
}

// Reboot implements ui.Phone.
func (f *Fake) Reboot(_ context.Context, reason string) error {
	return f.do("Reboot", nil, reason)
}

// FactoryReset implements ui.Phone: the configuration goes back to the
// factory one.
func (f *Fake) FactoryReset(context.Context) error {
	return f.do("FactoryReset", func(s *device.State) error {
		s.Config = config.Default().New(string(f.model.Name))
		return nil
	})
}
