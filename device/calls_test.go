package device_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/internal/logtest"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
)

// labPhone is a phone registered at a lab proxy, with a tone as its
// microphone and a recorder as its speaker.
type labPhone struct {
	*device.Phone
	user string
	freq float64
	addr netip.Addr // its SIP address, port 5060

	mu  sync.Mutex
	rec map[string]*audio.Recorder // by call ID

	// events are the phone's events since it was powered on, when it
	// was started with ixPhone.watch.
	events *eventLog
}

func (lp *labPhone) heard(callID string) []int16 {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if r := lp.rec[callID]; r != nil {
		return r.Samples()
	}
	return nil
}

func startProxy(t *testing.T) *sipproxy.Server { return startProxyWith(t, nil) }

// startProxyWith is startProxy with more of the server's configuration set
// by with (nil: none).
func startProxyWith(t *testing.T, with func(*sipproxy.Config)) *sipproxy.Server {
	t.Helper()
	cfg := sipproxy.Config{Domain: "lab.test", Users: sipproxy.Numbered(1001, 1099, "pass"), AuthCalls: true, Logger: testLogger(t)}
	if with != nil {
		with(&cfg)
	}
	srv, err := sipproxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv
}

func newLabPhone(t *testing.T, srv *sipproxy.Server, user string, freq float64, extra ...string) *labPhone {
	return newLabPhoneModel(t, srv, model.M450HD, user, freq, extra...)
}

func newLabPhoneModel(t *testing.T, srv *sipproxy.Server, m model.Name, user string, freq float64, extra ...string) *labPhone {
	t.Helper()
	return newLabPhoneWith(t, srv, m, user, freq, nil, extra...)
}

// newLabPhoneWith is newLabPhoneModel with more of the device's
// configuration set by with (nil: none).
func newLabPhoneWith(t *testing.T, srv *sipproxy.Server, m model.Name, user string, freq float64, with func(*device.Config), extra ...string) *labPhone {
	t.Helper()
	n := user[len(user)-2:]
	mac, _ := net.ParseMAC("00:90:8f:10:00:" + n)
	addr := randomLoopback()
	fl := flash.NewMemory()
	cfg := []string{
		"voip/line/0/enabled=1",
		"voip/line/0/id=" + user,
		"voip/line/0/auth_name=" + user,
		"voip/line/0/auth_password=pass" + user,
		"voip/signalling/sip/use_proxy=1",
		"voip/signalling/sip/proxy_address=" + srv.Addr().Addr().String(),
		fmt.Sprintf("voip/signalling/sip/proxy_port=%d", srv.Addr().Port()),
		"voip/signalling/sip/proxy_gateway=lab.test",
	}
	cfg = append(cfg, extra...)
	if err := fl.Write(device.RecordConfig, []byte(strings.Join(cfg, "\n")+"\n")); err != nil {
		t.Fatal(err)
	}
	lp := &labPhone{user: user, freq: freq, addr: addr, rec: map[string]*audio.Recorder{}}
	dc := device.Config{
		Model: model.MustLookup(m), MAC: mac, Flash: fl, Addr: addr, MediaPorts: media.PortAny,
		MulticastIf: netip.MustParseAddr("127.0.0.1"),
		Logger:      testLogger(t),
		Audio: func(c device.Call) (media.Source, media.Sink) {
			rec := &audio.Recorder{Rate: device.AudioRate}
			lp.mu.Lock()
			lp.rec[c.ID] = rec
			lp.mu.Unlock()
			return mediatest.NewSine(freq, 8000, device.AudioRate), rec
		},
	}
	if with != nil {
		with(&dc)
	}
	p, err := device.New(dc)
	if err != nil {
		t.Fatal(err)
	}
	lp.Phone = p
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	return lp
}

func waitState(t *testing.T, p *device.Phone, what string, cond func(device.State) bool) device.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := p.Wait(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v\nstate: stage=%s failure=%q lines=%+v calls=%+v notes=%v", what, err, s.Stage, s.Failure, s.Lines, s.Calls, s.Notifications)
	}
	return s
}

func registered(s device.State) bool {
	return len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
}

func callIn(s device.State, st device.CallState) *device.Call {
	for i := range s.Calls {
		if s.Calls[i].State == st {
			return &s.Calls[i]
		}
	}
	return nil
}

func hears(pcm []int16, freq float64) float64 {
	if len(pcm) > device.AudioRate/2 {
		pcm = pcm[len(pcm)-device.AudioRate/2:] // the last half second
	}
	return mediatest.ToneShare(pcm, device.AudioRate, freq)
}

// behaviour: SIP-1
// behaviour: MEDIA-1
func TestTwoPhonesCallThroughTheLabProxy(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1001", 1000)
	b := newLabPhone(t, srv, "1002", 600)
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	ctx := context.Background()

	id, err := a.Dial(ctx, "1002")
	if err != nil {
		t.Fatal(err)
	}
	sb := waitState(t, b.Phone, "B ringing", func(s device.State) bool { return callIn(s, device.CallIncoming) != nil })
	in := callIn(sb, device.CallIncoming)
	if in.Number != "1001" {
		t.Errorf("B sees caller %q, want 1001", in.Number)
	}
	waitState(t, a.Phone, "A hears ringback", func(s device.State) bool { return callIn(s, device.CallRinging) != nil })
	if err := b.Answer(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	sa := waitState(t, a.Phone, "A connected", func(s device.State) bool { return callIn(s, device.CallConnected) != nil })
	if c := callIn(sa, device.CallConnected); c.ID != id || c.Codec == "" {
		t.Errorf("A's call %+v", c)
	}
	time.Sleep(1500 * time.Millisecond)
	if share := hears(a.heard(id), 600); share < 0.5 {
		t.Errorf("A hears 600 Hz at %.2f of its power; want the far end's tone", share)
	}
	if share := hears(b.heard(in.ID), 1000); share < 0.5 {
		t.Errorf("B hears 1000 Hz at %.2f of its power; want the far end's tone", share)
	}

	// Hold and resume by re-INVITE: the far end sees it.
	if err := a.Hold(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "B sees remote hold", func(s device.State) bool {
		c := callIn(s, device.CallConnected)
		return c != nil && c.RemoteHeld
	})
	if err := a.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "B sees resume", func(s device.State) bool {
		c := callIn(s, device.CallConnected)
		return c != nil && !c.RemoteHeld
	})

	if err := b.Hangup(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	sa = waitState(t, a.Phone, "A's call ended", func(s device.State) bool { return callIn(s, device.CallEnded) != nil })
	if c := callIn(sa, device.CallEnded); c.EndReason != "remote hangup" {
		t.Errorf("end reason %q", c.EndReason)
	}
	dialed, err := a.Flash().History().List(flash.Dialed)
	if err != nil || len(dialed) != 1 || dialed[0].Number != "1002" {
		t.Errorf("A's dialed list %+v %v", dialed, err)
	}
	received, _ := b.Flash().History().List(flash.Received)
	if len(received) != 1 || received[0].Number != "1001" || received[0].Duration < time.Second {
		t.Errorf("B's received list %+v", received)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return logtest.New(t, slog.LevelDebug)
}

// randomLoopback returns an address of 127/8 unlikely to be used by another
// test running at the same time (all of 127/8 routes to lo with no set-up).
func randomLoopback() netip.Addr {
	var b [3]byte
	rand.Read(b[:])
	return netip.AddrFrom4([4]byte{127, 64 + b[0]%128, b[1], 1 + b[2]%250})
}

// An ended call leaves the screen after EndedLinger with no event of its
// own: Wait still sees it go.
func TestWaitSeesAChangeNoEventReports(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1001", 1000)
	b := newLabPhone(t, srv, "1002", 600)
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	id, err := a.Dial(context.Background(), "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, "1001")
	if err := b.Reject(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	waitState(t, a.Phone, "the call ended", func(s device.State) bool { return callState(s, id) == device.CallEnded })
	ctx, cancel := context.WithTimeout(context.Background(), device.EndedLinger+5*time.Second)
	defer cancel()
	if _, err := a.Wait(ctx, func(s device.State) bool { return len(s.Calls) == 0 }); err != nil {
		t.Fatalf("the ended call left the screen unseen: %v (calls %+v)", err, a.Snapshot().Calls)
	}
}

// A wrong digit is taken back while dialing (the Clear softkey): the call
// goes to the corrected number.
func TestDeleteDigitWhileDialing(t *testing.T) {
	srv := startProxy(t)
	a := newLabPhone(t, srv, "1061", 1000)
	b := newLabPhone(t, srv, "1062", 600)
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	if err := a.Hook(bg, true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []byte("1069") {
		if err := a.Key(bg, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.DeleteDigit(bg); err != nil {
		t.Fatal(err)
	}
	s := waitState(t, a.Phone, "1 digit taken back", func(s device.State) bool {
		c := callIn(s, device.CallDialing)
		return c != nil && c.Number == "106"
	})
	if err := a.Key(bg, '2'); err != nil {
		t.Fatal(err)
	}
	id := callIn(s, device.CallDialing).ID
	if err := a.Key(bg, '#'); err != nil {
		t.Fatal(err)
	}
	in := ringing(t, b, a.user)
	if err := b.Reject(bg, in); err != nil {
		t.Fatal(err)
	}
	if c := ended(t, a, id); c.Number != "1062" {
		t.Errorf("A called %q, want 1062", c.Number)
	}
}
