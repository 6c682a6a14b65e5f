package ui_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/ui"
)

// The screen application on real phones: device.Phone registered at the
// lab's SIP proxy, with a virtual board.

func startProxy(t *testing.T) *sipproxy.Server {
	t.Helper()
	srv, err := sipproxy.New(sipproxy.Config{Domain: "lab.test", Users: sipproxy.Numbered(1001, 1099, "pass"), AuthCalls: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv
}

func randomLoopback() netip.Addr {
	var b [3]byte
	rand.Read(b[:])
	return netip.AddrFrom4([4]byte{127, 10 + b[0]%200, b[1], 1 + b[2]%250})
}

// lineConfig is a static line at a SIP server, as a configuration file
// writes it.
func lineConfig(user, host string, port int, domain string) []string {
	return []string{
		"voip/line/0/enabled=1",
		"voip/line/0/id=" + user,
		"voip/line/0/auth_name=" + user,
		"voip/line/0/auth_password=pass" + user,
		"voip/signalling/sip/use_proxy=1",
		"voip/signalling/sip/proxy_address=" + host,
		fmt.Sprintf("voip/signalling/sip/proxy_port=%d", port),
		"voip/signalling/sip/proxy_gateway=" + domain,
	}
}

// newRealPhone makes and powers on a phone with cfg in its flash; stages
// replace built-in boot stages.
func newRealPhone(t *testing.T, m *model.Model, mac byte, cfg []string, stages map[device.Stage]device.StageFunc) *device.Phone {
	t.Helper()
	fl := flash.NewMemory()
	if err := fl.Write(device.RecordConfig, []byte(strings.Join(cfg, "\n")+"\n")); err != nil {
		t.Fatal(err)
	}
	p, err := device.New(device.Config{Model: m, MAC: net.HardwareAddr{0x00, 0x90, 0x8f, 0x10, 0x20, mac}, Flash: fl,
		Addr: randomLoopback(), MediaPorts: media.PortAny, Stages: stages, MulticastIf: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("phone Run = %v", err)
		}
	})
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// screenRig is a screen application on a virtual board driving a real
// phone.
func screenRig(t *testing.T, p *device.Phone) *rig {
	t.Helper()
	m := p.Model()
	b := virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs(), Events: 256}.New()
	app, err := ui.New(ui.Config{Phone: ui.ForDevice(p), Board: b})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("ui Run = %v", err)
		}
		b.Close()
	})
	return &rig{t: t, app: app, board: b}
}

func waitState(t *testing.T, p *device.Phone, what string, cond func(device.State) bool) device.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := p.Wait(ctx, cond)
	if err != nil {
		// What a phone that never came back had: the stage that failed,
		// and the configuration the keys left (a line gone, say).
		var cfg map[string]string
		if s.Config != nil {
			cfg = s.Config.Explicit()
			for k := range cfg {
				if prm, ok := s.Config.Catalogue().Param(k); ok && prm.Secret() {
					cfg[k] = "(secret)"
				}
			}
		}
		t.Fatalf("waiting for %s: %v\nstage=%s boot=%d failure=%q lines=%+v calls=%+v notes=%v\nconfiguration: %v",
			what, err, s.Stage, s.BootCount, s.Failure, s.Lines, s.Calls, s.Notifications, cfg)
	}
	return s
}

func registered(s device.State) bool {
	return len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
}

func callIn(s device.State, st device.CallState) (device.Call, bool) {
	for _, c := range s.Calls {
		if c.State == st {
			return c, true
		}
	}
	return device.Call{}, false
}

// A whole call placed, held, resumed and transferred from the screen of a
// real phone, with the far ends real phones too.
//
// behaviour: XFER-1
func TestRealPhoneCallFromTheScreen(t *testing.T) {
	srv := startProxy(t)
	host, port := srv.Addr().Addr().String(), int(srv.Addr().Port())
	m := model.MustLookup(model.M450HD)
	a := newRealPhone(t, m, 1, lineConfig("1001", host, port, "lab.test"), nil)
	b := newRealPhone(t, m, 2, lineConfig("1002", host, port, "lab.test"), nil)
	c := newRealPhone(t, m, 3, lineConfig("1003", host, port, "lab.test"), nil)
	for _, p := range []*device.Phone{a, b, c} {
		waitState(t, p, "registered", registered)
	}
	r := screenRig(t, a)
	r.see("1001")
	r.see("Registered")

	r.board.HookOff()
	r.see("Dialing")
	r.dial("1002")
	r.see("1002_")
	r.softkey("Dial")
	in := waitState(t, b, "B rings", func(s device.State) bool { _, ok := callIn(s, device.CallIncoming); return ok })
	bc, _ := callIn(in, device.CallIncoming)
	r.see("Ringing")
	if err := b.Answer(context.Background(), bc.ID); err != nil {
		t.Fatal(err)
	}
	r.see("Connected")
	r.wait("a codec on the call screen", func(f hw.TextFrame) bool {
		s := flat(f)
		return strings.Contains(s, "PCMU") || strings.Contains(s, "PCMA") || strings.Contains(s, "G722")
	})
	r.tap(hw.KeyHold)
	r.see("On hold")
	waitState(t, b, "B sees the hold", func(s device.State) bool { x, ok := callIn(s, device.CallConnected); return ok && x.RemoteHeld })
	r.softkey("Resume")
	r.see("Connected")
	r.tap(hw.KeyMute)
	r.led(hw.LED{Kind: hw.LEDMute}, hw.LEDState{Color: hw.Red})
	r.tap(hw.KeyMute)
	// TRANSFER (blind by default): B is referred to C.
	r.tap(hw.KeyTransfer)
	r.see("Transfer to")
	r.dial("1003")
	r.tap(hw.KeyOK)
	rc := waitState(t, c, "C rings", func(s device.State) bool { _, ok := callIn(s, device.CallIncoming); return ok })
	cc, _ := callIn(rc, device.CallIncoming)
	if cc.Number != "1002" {
		t.Errorf("C rings from %q, want 1002 (the transferred party)", cc.Number)
	}
	r.see("Transferring")
	if err := c.Answer(context.Background(), cc.ID); err != nil {
		t.Fatal(err)
	}
	r.wait("A's call ended", func(f hw.TextFrame) bool {
		s := flat(f)
		return strings.Contains(s, "Call ended") || strings.Contains(s, "Redial Forward DND Menu")
	})
	r.board.HookOn()
	r.see("Redial")
	// The call is in A's Dialed Calls.
	r.tap(hw.KeyMenu)
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyDown, hw.KeyOK) // Call Log
	r.tap(hw.KeyDown, hw.KeyDown, hw.KeyOK)             // Dialed Calls
	r.see("1002")
}

// Each notification string, raised by a boot service of a real phone,
// shows on its screen with the ringer LED red until it is cleared.
//
// behaviour: SIGN-13
// behaviour: SIGN-14
// behaviour: LED-1
func TestRealPhoneNotifications(t *testing.T) {
	next := make(chan string)
	stages := map[device.Stage]device.StageFunc{
		device.StageTime: func(ctx context.Context, b *device.Boot) error {
			return b.Go("notes", func(ctx context.Context) {
				for {
					select {
					case <-ctx.Done():
						return
					case text := <-next:
						if strings.HasPrefix(text, "-") {
							b.Clear(text[1:])
						} else {
							b.Notify(text)
						}
					}
				}
			})
		},
	}
	p := newRealPhone(t, model.MustLookup(model.M445HD), 9, nil, stages)
	waitState(t, p, "idle", func(s device.State) bool { return s.Stage == device.StageIdle })
	r := screenRig(t, p)
	r.see("No SIP line")
	for _, tmpl := range ui.Notifications {
		text := strings.Replace(tmpl, "%s", "lab.test", 1)
		next <- text
		r.see(text)
		r.led(ringer, hw.LEDState{Color: hw.Red})
		r.board.HookOff()
		r.settle()
		r.see("Calls are not available")
		r.board.HookOn()
		r.settle()
		if s := p.Snapshot(); len(s.Calls) > 0 {
			t.Errorf("a call started while %q is shown: %+v", text, s.Calls)
		}
		next <- "-" + text
		r.gone(text)
		r.led(ringer, hw.LEDState{})
	}
}

// A page sent with a paging key of a real phone's screen plays on another
// real phone, whose screen shows the group name and the key label; the
// paging keys' LEDs show sending and playing.
//
// behaviour: PAGE-1
// behaviour: PAGE-2
// behaviour: PAGE-5
func TestRealPhonePagingKeys(t *testing.T) {
	srv := startProxy(t)
	host, port := srv.Addr().Addr().String(), int(srv.Addr().Port())
	var b [2]byte
	rand.Read(b[:])
	group := fmt.Sprintf("224.0.%d.%d", 10+b[0]%200, 1+b[1]%250)
	paging := []string{
		"voip/services/group_paging/enabled=1",
		"personal_settings/functional_key/2/type=PAGING",
		"personal_settings/functional_key/2/key_label=Floor 2",
		"voip/services/group_paging/group/2/activated=1",
		"voip/services/group_paging/group/2/multicast_addr=" + group,
		fmt.Sprintf("voip/services/group_paging/group/2/port=%d", 20000+int(b[0])*64+int(b[1]%64)),
		"voip/services/group_paging/group/2/name=Sales",
	}
	m := model.MustLookup(model.M450HD)
	a := newRealPhone(t, m, 11, append(lineConfig("1001", host, port, "lab.test"), paging...), nil)
	c := newRealPhone(t, m, 12, append(lineConfig("1002", host, port, "lab.test"), paging...), nil)
	waitState(t, a, "A registered", registered)
	waitState(t, c, "C registered", registered)
	ra, rc := screenRig(t, a), screenRig(t, c)
	ra.see("Floor 2")
	rc.see("Floor 2")
	key := hw.LED{Kind: hw.LEDKey, Index: 2}
	ra.pkey(2)
	ra.see("Paging")
	ra.see("Sales - Floor 2")
	ra.led(key, hw.LEDState{Color: hw.Green})
	rc.see("Page received")
	rc.see("Sales - Floor 2")
	rc.led(key, hw.LEDState{Color: hw.Red})
	ra.pkey(2)
	ra.see("Redial")
	ra.led(key, hw.LEDState{})
	rc.see("Redial") // the page ends once its audio stops
	rc.led(key, hw.LEDState{})
}
