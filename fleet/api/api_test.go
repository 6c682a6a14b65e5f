package api_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/goccy/go-yaml"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/fleet/api"
	"github.com/hdphone/hdphone/fleet/client"
)

// startFleet runs two phones against the embedded lab, kept running after
// their scenario, and serves them through the API.
func startFleet(t *testing.T, screens ...bool) (*client.Client, string) {
	t.Helper()
	f, err := fleet.Parse("api.yaml", []byte(`
phones:
  - group: desk
    model: 450HD
    count: 2
scenario:
  - wait: registered
`))
	if err != nil {
		t.Fatal(err)
	}
	var b [2]byte
	rand.Read(b[:])
	f.Network.Addresses = netip.MustParsePrefix(fmt.Sprintf("127.%d.%d.0/24", 130+int(b[0])%60, b[1]))
	srv := api.New(api.Config{})
	opts := fleet.Options{
		Stay: true,
		OnDevice: func(p *fleet.Phone) {
			ap := api.Phone{ID: p.Spec.ID, Group: p.Spec.Group, Device: p.Device}
			if p.Screen != nil {
				ap.Screen = p.Screen
			}
			if err := srv.Add(ap); err != nil {
				t.Error(err)
			}
		},
	}
	if len(screens) > 0 && screens[0] {
		opts.Screens = fleet.UIScreens(nil)
	}
	fl, err := fleet.New(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fl.Run(ctx) }()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		cancel()
		<-done
	})
	deadline := time.Now().Add(30 * time.Second)
	for !fl.Done() {
		if time.Now().After(deadline) {
			t.Fatal("the fleet did not finish its scenario")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := fl.Report(); r.Failed() {
		t.Fatalf("scenario failed: %s", r.Summary)
	}
	return client.New(hs.URL, nil), hs.URL
}

func within(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func registeredAt(boot int) func(api.PhoneState) bool {
	return func(s api.PhoneState) bool {
		return s.BootCount >= boot && s.Stage == "idle" && len(s.Lines) > 0 && s.Lines[0].State == "registered"
	}
}

func callIn(s api.PhoneState, state string) *api.Call {
	for i := range s.Calls {
		if s.Calls[i].State == state {
			return &s.Calls[i]
		}
	}
	return nil
}

// behaviour: SIP-1
func TestDialAnswerHangUpThroughTheClient(t *testing.T) {
	c, _ := startFleet(t)
	ctx := within(t, 20*time.Second)
	phones, err := c.Phones(ctx, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if len(phones) != 2 || phones[0].ID != "desk-1" || phones[0].Model != "450HD" || phones[0].Registration != "registered" {
		t.Fatalf("phones %+v", phones)
	}
	if other, _ := c.Phones(ctx, "lobby"); len(other) != 0 {
		t.Errorf("group filter: %+v", other)
	}
	st, err := c.State(ctx, "desk-2")
	if err != nil {
		t.Fatal(err)
	}
	if st.MAC != "00908fa00002" || st.Lines[0].ID != "1002" || !st.LinkUp || st.Network.Address == "" {
		t.Errorf("state %+v", st)
	}

	// Follow desk-2's events while desk-1 calls it.
	events, streamErr, err := c.Stream(ctx, "desk-2")
	if err != nil {
		t.Fatal(err)
	}
	callID, err := c.Dial(ctx, "desk-1", "1002")
	if err != nil || callID == "" {
		t.Fatalf("dial: %q %v", callID, err)
	}
	ringing, err := c.WaitFor(ctx, "desk-2", func(s api.PhoneState) bool { return callIn(s, "incoming") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if in := callIn(ringing, "incoming"); in.Number != "1001" {
		t.Errorf("desk-2 rings with %+v", in)
	}
	for ev := range events {
		if ev.Phone == "desk-2" && ev.Kind == device.EventCall && strings.Contains(ev.Text, "incoming 1001") {
			break
		}
	}
	if err := c.Answer(ctx, "desk-2", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-1", func(s api.PhoneState) bool {
		cl := callIn(s, "connected")
		return cl != nil && cl.ID == callID && cl.Codec != ""
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(ctx, "desk-2", ""); err != nil {
		t.Fatal(err)
	}
	ended, err := c.WaitFor(ctx, "desk-1", func(s api.PhoneState) bool { return callIn(s, "ended") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := callIn(ended, "ended").EndReason; got != "remote hangup" {
		t.Errorf("end reason %q", got)
	}
	calls, err := c.Calls(ctx, "desk-1")
	if err != nil || len(calls) == 0 {
		t.Errorf("calls %+v %v", calls, err)
	}
	recent, err := c.Events(ctx, "desk-1", 5)
	if err != nil || len(recent) == 0 || len(recent) > 5 {
		t.Errorf("recent events %d %v", len(recent), err)
	}
	_ = streamErr
}

// behaviour: CFG-1
// behaviour: CFG-5
func TestConfigGetAndSet(t *testing.T) {
	c, _ := startFleet(t)
	ctx := within(t, 20*time.Second)
	cfg, err := c.Config(ctx, "desk-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg, "voip/line/0/id=1001\n") {
		t.Errorf("configuration lacks the line:\n%s", cfg)
	}
	if strings.Contains(cfg, "pass1001") || !strings.Contains(cfg, `voip/line/0/auth_password={"`) {
		t.Errorf("the password is not kept encrypted:\n%s", cfg)
	}
	res, err := c.SetConfig(ctx, "desk-1", "voip/line/0/description=Reception\nno/such/key=1\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Issues) != 1 || !strings.Contains(res.Issues[0], "no/such/key") {
		t.Errorf("issues %q", res.Issues)
	}
	cfg, _ = c.Config(ctx, "desk-1")
	if !strings.Contains(cfg, "voip/line/0/description=Reception") {
		t.Errorf("the change is not in the configuration:\n%s", cfg)
	}
	// A bad file changes nothing.
	_, err = c.SetConfig(ctx, "desk-1", "voip/line/0/description=Lobby\nthis line has no equals sign\n")
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %v", err)
	}
	if cfg, _ := c.Config(ctx, "desk-1"); strings.Contains(cfg, "Lobby") {
		t.Error("a rejected file changed the configuration")
	}
	// The encrypted password read back applies as it is.
	if _, err := c.SetConfig(ctx, "desk-1", cfg); err != nil {
		t.Errorf("the configuration read back does not apply: %v", err)
	}
}

// behaviour: BOOT-17
func TestRebootPowerAndLinkFaults(t *testing.T) {
	c, _ := startFleet(t)
	ctx := within(t, 30*time.Second)
	st, _ := c.State(ctx, "desk-1")
	boot := st.BootCount
	if err := c.Reboot(ctx, "desk-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-1", registeredAt(boot+1)); err != nil {
		t.Fatalf("after reboot: %v", err)
	}
	if err := c.Link(ctx, "desk-1", false); err != nil {
		t.Fatal(err)
	}
	down, err := c.WaitFor(ctx, "desk-1", func(s api.PhoneState) bool { return slices.Contains(s.Notifications, "LAN Link failure") })
	if err != nil {
		t.Fatal(err)
	}
	if down.LinkUp || down.Registration == "registered" {
		t.Errorf("cable out: %+v", down.PhoneSummary)
	}
	if err := c.Link(ctx, "desk-1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-1", registeredAt(boot+2)); err != nil {
		t.Fatalf("after plugging the cable in: %v", err)
	}
	if err := c.Power(ctx, "desk-2", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-2", func(s api.PhoneState) bool { return !s.Power && s.Stage == "off" }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Dial(ctx, "desk-2", "1001"); err == nil {
		t.Error("a phone without power dialled")
	}
	if err := c.Power(ctx, "desk-2", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-2", registeredAt(2)); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsAndKeys(t *testing.T) {
	c, base := startFleet(t)
	ctx := within(t, 20*time.Second)
	if _, err := c.State(ctx, "desk-9"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown phone: %v", err)
	}
	var ae *client.Error
	if _, err := c.Screen(ctx, "desk-1"); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Errorf("screen of a phone without one: %v", err)
	}
	if _, err := c.Press(ctx, "desk-1", "MENU"); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Errorf("MENU without a screen: %v", err)
	}
	if _, err := c.Press(ctx, "desk-1", "NOSUCHKEY"); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Errorf("unknown key: %v", err)
	}
	if err := c.Answer(ctx, "desk-1", ""); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Errorf("answer with nothing ringing: %v", err)
	}
	res, err := http.Post(base+"/api/v1/phones/desk-1/dial", "application/json", strings.NewReader(`{"numbr": "1002"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown JSON field: status %d", res.StatusCode)
	}
	// Dial-pad keys reach a phone without a screen: on-hook dialing.
	if _, err := c.Press(ctx, "desk-1", "1", "0", "0", "2"); err != nil {
		t.Fatal(err)
	}
	st, err := c.State(ctx, "desk-1")
	if err != nil || len(st.Calls) == 0 || st.Calls[0].State != "dialing" || st.Calls[0].Number != "1002" {
		t.Errorf("after pressing 1002: %+v %v", st.Calls, err)
	}
}

func TestEventsOverWebSocket(t *testing.T) {
	c, base := startFleet(t)
	ctx := within(t, 20*time.Second)
	conn, _, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/phones/desk-1/events/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := c.Dial(ctx, "desk-1", "1002"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		msg, err := wsutil.ReadServerText(conn)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(msg), `"phone":"desk-1"`) && strings.Contains(string(msg), `calling 1002`) {
			break
		}
	}
}

// Every route the server has is in openapi.yaml, and every operation there
// is a route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			described[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range api.New(api.Config{}).Routes() {
		served[r.Method+" "+r.Path] = true
		if !described[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, r.Path)
		}
	}
	for op := range described {
		if !served[op] {
			t.Errorf("openapi.yaml describes %s, which the server does not have", op)
		}
	}
	if len(served) < 20 {
		t.Errorf("only %d routes", len(served))
	}
}

// With screen applications, keys go through each phone's screen and the
// screen and LEDs can be read.
func TestScreenAndKeysThroughTheClient(t *testing.T) {
	c, _ := startFleet(t, true)
	ctx := within(t, 20*time.Second)
	screenShows(ctx, t, c, "desk-1", "the idle screen", func(sc api.Screen) bool {
		return strings.Contains(sc.Text, "Registered") && len(sc.Rows) > 0 && strings.HasPrefix(sc.Rows[0], "1001")
	})
	if _, err := c.Press(ctx, "desk-1", "1002", "SOFT1"); err != nil { // Dial
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-2", func(s api.PhoneState) bool { return callIn(s, "incoming") != nil }); err != nil {
		t.Fatal(err)
	}
	screenShows(ctx, t, c, "desk-2", "the incoming call", func(sc api.Screen) bool { return strings.Contains(sc.Text, "Incoming call") })
	if _, err := c.Press(ctx, "desk-2", "SOFT1"); err != nil { // Answer
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, "desk-1", func(s api.PhoneState) bool { return callIn(s, "connected") != nil }); err != nil {
		t.Fatal(err)
	}
	screenShows(ctx, t, c, "desk-1", "the speaker LED green in the call", func(sc api.Screen) bool { return sc.LEDs["speaker"] == "green" })
}

// screenShows reads a phone's screen until ok: the screen application draws
// the phone's state a moment after the phone reaches it, so a client reads
// again, as a user looks again.
func screenShows(ctx context.Context, t *testing.T, c *client.Client, id, what string, ok func(api.Screen) bool) {
	t.Helper()
	var last api.Screen
	for {
		sc, err := c.Screen(ctx, id)
		if err == nil && ok(sc) {
			return
		}
		if err == nil {
			last = sc
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: no %s (%v); last screen:\n%s\nLEDs %v", id, what, err, last.Text, last.LEDs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
