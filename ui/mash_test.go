package ui_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
)

// Key mashing: random keys, long presses, the hook, and (on the fake)
// random changes of the phone's state never panic or wedge the screen
// application; afterwards it still follows the phone.

// mashConfig gives keys every type, so that mashing reaches every branch.
func mashConfig(m *model.Model) []string {
	types := []string{"SPEED_DIAL", "PAGING", "KEY_EVENT", "VocaNOM", "Discreet_Call", "EMPTY"}
	events := []string{"Missed_Calls", "Received_Calls", "Dialed_Calls", "Directory", "Dnd_All", "Forward_All", "Calendar", "Hot_Desking"}
	var out []string
	for i, n := range m.KeyIndices() {
		k := fmt.Sprintf("personal_settings/functional_key/%d/", n)
		out = append(out, k+"type="+types[i%len(types)], k+"speed_dial_number=10"+fmt.Sprint(10+i%80),
			k+"key_event="+events[i%len(events)])
	}
	return append(out, "personal_settings/discreet_call/enabled=1", "voip/services/group_paging/enabled=1",
		"personal_settings/soft_keys/ongoing_call/0/key_function=PAGING", "voip/services/vocanom/number=5555")
}

// buttons are every key of model m: hard keys and programmable, function
// and expansion keys.
func buttons(m *model.Model) []virtual.Button {
	var out []virtual.Button
	for _, k := range m.HardKeys {
		if k != hw.KeyHook {
			out = append(out, virtual.Key(k))
		}
	}
	for _, n := range m.KeyIndices() {
		if kind, _ := m.KeyAt(n); kind == model.ProgrammableKey {
			out = append(out, virtual.Programmable(n))
		} else {
			out = append(out, virtual.Function(n))
		}
	}
	return out
}

// mash plays one random step: mostly a key, sometimes the hook or a long
// press (with a fake clock).
func mash(b *virtual.Board, keys []virtual.Button, rnd *rand.Rand, long func()) {
	switch x := rnd.IntN(100); {
	case x < 8 && long != nil:
		k := keys[rnd.IntN(len(keys))]
		if b.Press(k) == nil {
			long()
			b.Release(k)
		}
	case x < 16:
		if b.HookOff() != nil {
			b.HookOn()
		}
	default:
		b.Tap(keys[rnd.IntN(len(keys))])
	}
}

// stir changes the fake phone's state at random.
func stir(r *rig, rnd *rand.Rand) {
	r.phone.Update(func(s *device.State) {
		switch rnd.IntN(9) {
		case 0:
			s.Calls = append(s.Calls, device.Call{ID: fmt.Sprintf("x%d", rnd.IntN(1000)), Direction: device.Incoming,
				State: device.CallIncoming, Number: "1099", Waiting: len(s.Calls) > 0})
		case 1:
			s.Notifications = append(s.Notifications, device.Notification{Text: "Duplicate IP"})
		case 2:
			s.Notifications = nil
		case 3:
			s.Pages = append(s.Pages, device.Page{Group: rnd.IntN(48), Name: "G", Pending: rnd.IntN(2) == 0})
		case 4:
			s.Pages = nil
		case 5:
			for i := range s.Calls {
				if s.Calls[i].State != device.CallEnded {
					s.Calls[i].State = []device.CallState{device.CallConnected, device.CallHeld, device.CallRinging, device.CallEnded}[rnd.IntN(4)]
				}
			}
		case 6:
			s.Stage = []device.Stage{device.StageNetwork, device.StageIdle, device.StageIdle}[rnd.IntN(3)]
		case 7:
			s.MWI.Waiting = !s.MWI.Waiting
		case 8:
			s.Calls = nil
		}
	})
}

// probe checks the application still follows the phone: powered off the
// screen goes dark, powered on (idle) it shows the line again.
func probe(t *testing.T, r *rig, power func(on bool)) {
	t.Helper()
	r.settle()
	power(false)
	r.wait("a dark screen", func(f hw.TextFrame) bool { return f.Backlight == 0 && strings.TrimSpace(f.Text()) == "" })
	power(true)
	r.see("1001")
}

func fakePower(r *rig) func(bool) {
	return func(on bool) {
		r.phone.Update(func(s *device.State) {
			s.Power = on
			if on {
				s.Stage, s.Calls, s.Pages, s.Notifications = device.StageIdle, nil, nil, nil
			}
		})
	}
}

func TestKeyMashingFake(t *testing.T) {
	for _, m := range model.All() {
		t.Run(string(m.Name), func(t *testing.T) {
			r := newRig(t, m, mashConfig(m)...)
			rnd := rand.New(rand.NewPCG(uint64(len(m.Name)), 42))
			keys := buttons(m)
			long := func() { r.clk.Advance(3 * time.Second) }
			for i := range 400 {
				mash(r.board, keys, rnd, long)
				if i%7 == 0 {
					stir(r, rnd)
				}
				if i%50 == 0 {
					r.settle()
				}
			}
			probe(t, r, fakePower(r))
		})
	}
}

// FuzzKeys drives the screen application with key sequences from the
// fuzzer: each byte picks a key (low bits) and how it is pressed.
func FuzzKeys(f *testing.F) {
	f.Add([]byte{0x0d, 0x0e, 0x0e, 0x0e, 0x11, 0x11, 0x0e}) // into menus
	f.Add([]byte{0x26, 0x05, 0x06, 0x07, 0x14, 0x26})       // hook, digits, softkey
	f.Add([]byte{0x0d, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e, 0x02, 0x03, 0x04, 0x05, 0x0e})
	f.Add([]byte("random mashing of keys of every kind \xff\x80\x40"))
	m := model.MustLookup(model.M450HD)
	keys := buttons(m)
	f.Fuzz(func(t *testing.T, seq []byte) {
		if len(seq) > 200 {
			seq = seq[:200]
		}
		r := newRig(t, m, mashConfig(m)...)
		for _, c := range seq {
			switch {
			case c&0xc0 == 0xc0:
				if r.board.HookOff() != nil {
					r.board.HookOn()
				}
			case c&0xc0 == 0x80:
				k := keys[int(c&0x3f)%len(keys)]
				if r.board.Press(k) == nil {
					r.clk.Advance(3 * time.Second)
					r.board.Release(k)
				}
			case c&0xc0 == 0x40:
				stir(r, rand.New(rand.NewPCG(uint64(c), 1)))
			default:
				r.board.Tap(keys[int(c)%len(keys)])
			}
		}
		probe(t, r, fakePower(r))
	})
}

// The same against a real phone registered at the lab proxy: random keys
// place and end calls, open menus, type into entries; the phone and the
// screen application both still answer.
func TestKeyMashingRealPhone(t *testing.T) {
	srv := startProxy(t)
	host, port := srv.Addr().Addr().String(), int(srv.Addr().Port())
	m := model.MustLookup(model.M445HD)
	cfg := append(lineConfig("1001", host, port, "lab.test"), mashConfig(m)...)
	// Mashing that types the default administrator password (1234) opens
	// the Administration menu, whose Restore Defaults wipes the line (a CI
	// run failed so: no line after the power cycle). A password the keys
	// can hardly type keeps that menu shut; the rest is mashed as before.
	cfg = append(cfg, "system/password=Mash9proof7Q")
	p := newRealPhone(t, m, 7, cfg, nil)
	other := newRealPhone(t, m, 8, lineConfig("1010", host, port, "lab.test"), nil)
	waitState(t, p, "registered", registered)
	waitState(t, other, "registered", registered)
	r := screenRig(t, p)
	r.see("Registered")
	rnd := rand.New(rand.NewPCG(7, 7))
	keys := buttons(m)
	for i := range 300 {
		mash(r.board, keys, rnd, nil)
		if i%40 == 0 {
			// Someone calls now and then.
			go other.Dial(context.Background(), "1001")
		}
		if i%10 == 0 {
			r.settle()
		}
	}
	r.settle()
	for _, c := range other.Snapshot().Calls {
		other.Hangup(context.Background(), c.ID)
	}
	ctx := context.Background()
	probe(t, r, func(on bool) {
		if on {
			if err := p.PowerOn(ctx); err != nil {
				t.Fatal(err)
			}
			waitState(t, p, "registered again", registered)
			return
		}
		if err := p.PowerOff(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
