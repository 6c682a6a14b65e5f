package device_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

func newPhone(t *testing.T, fl *flash.Store, stages map[device.Stage]device.StageFunc) (*device.Phone, context.Context) {
	t.Helper()
	mac, _ := net.ParseMAC("00:90:8f:00:00:01")
	p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac, Flash: fl, Stages: stages})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run: %v", err)
		}
	})
	return p, ctx
}

func waitStage(t *testing.T, ctx context.Context, p *device.Phone, st device.Stage, boot int) device.State {
	t.Helper()
	s, err := p.Wait(ctx, func(s device.State) bool { return s.Stage == st && s.BootCount >= boot })
	if err != nil {
		t.Fatalf("waiting for %s (boot %d): %v; state %s boot %d", st, boot, err, s.Stage, s.BootCount)
	}
	return s
}

func TestBootReachesIdleThroughEveryStage(t *testing.T) {
	p, ctx := newPhone(t, nil, nil)
	events, stop := p.Subscribe(256)
	defer stop()
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	waitStage(t, ctx, p, device.StageIdle, 1)
	var seen []device.Stage
	for len(seen) == 0 || seen[len(seen)-1] != device.StageIdle {
		e := <-events
		if e.Kind == device.EventStage {
			seen = append(seen, e.Stage)
		}
	}
	want := append(append([]device.Stage{}, device.BootStages...), device.StageIdle)
	if strings.Join(stagesToStrings(seen), ",") != strings.Join(stagesToStrings(want), ",") {
		t.Fatalf("stages %v, want %v", seen, want)
	}
}

func stagesToStrings(st []device.Stage) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = string(s)
	}
	return out
}

func TestRebootStartsANewCycle(t *testing.T) {
	p, ctx := newPhone(t, nil, nil)
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageIdle, 1)
	if err := p.Reboot(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	s := waitStage(t, ctx, p, device.StageIdle, 2)
	if s.BootCount != 2 || !s.Power {
		t.Fatalf("after reboot: boot %d power %v", s.BootCount, s.Power)
	}
	p.PowerOff(ctx)
	s, err := p.Wait(ctx, func(s device.State) bool { return !s.Power })
	if err != nil || s.Stage != device.StageOff {
		t.Fatalf("power off: %v, stage %s", err, s.Stage)
	}
}

func TestConfigurationSurvivesRebootAndFactoryResetClearsIt(t *testing.T) {
	fl := flash.NewMemory()
	apply := func(ctx context.Context, b *device.Boot) error {
		if b.Snapshot().BootCount > 1 {
			return nil // provision once, like a server that is later gone
		}
		cfg := b.Config().Clone()
		if err := cfg.Set("voip/media/media_port", "6000"); err != nil {
			return err
		}
		_, err := b.ApplyConfig("test", cfg)
		return err
	}
	p, ctx := newPhone(t, fl, map[device.Stage]device.StageFunc{device.StageConfiguration: apply})
	p.PowerOn(ctx)
	s := waitStage(t, ctx, p, device.StageIdle, 1)
	if got := s.Config.Get("voip/media/media_port"); got != "6000" {
		t.Fatalf("media_port %q after apply", got)
	}
	if err := p.Lock(ctx, true); err != nil {
		t.Fatal(err)
	}
	p.PowerOff(ctx)
	p.Wait(ctx, func(s device.State) bool { return !s.Power })
	if _, err := fl.Read(device.RecordConfig); err != nil {
		t.Fatalf("configuration not in flash: %v", err)
	}
	if !p.Snapshot().Locked {
		t.Error("the lock did not outlast the power cut (the screen application keeps its PIN)")
	}
	// behaviour: MAINT-2 (OK+MENU at power-up restores defaults)
	p.PowerOn(ctx, device.WithKeysHeld(hw.KeyOK, hw.KeyMenu))
	s = waitStage(t, ctx, p, device.StageIdle, 2)
	if got := s.Config.Get("voip/media/media_port"); got != "4000" {
		t.Fatalf("media_port %q after OK+MENU, want factory 4000", got)
	}
	if s.Locked {
		t.Error("still locked after restoring the defaults")
	}
}

// behaviour: BOOT-14 (static addressing uses fixed_ip values, no DHCP)
func TestStaticNetwork(t *testing.T) {
	fl := flash.NewMemory()
	fl.Write(device.RecordConfig, []byte("network/lan_type=STATIC\nnetwork/lan/fixed_ip/ip_address=10.1.2.3\nnetwork/lan/fixed_ip/netmask=255.255.0.0\nnetwork/lan/fixed_ip/gateway=10.1.0.1\n"))
	p, ctx := newPhone(t, fl, nil)
	p.PowerOn(ctx)
	s := waitStage(t, ctx, p, device.StageIdle, 1)
	if got := s.Network.Address.String(); got != "10.1.2.3/16" {
		t.Fatalf("address %s", got)
	}
}

func TestStageFailureIsReportedAndBootGoesOn(t *testing.T) {
	n := 0
	fail := func(context.Context, *device.Boot) error {
		n++ // only touched by the boot worker, one cycle at a time
		if n == 1 {
			return errors.New("no server")
		}
		return nil
	}
	p, ctx := newPhone(t, nil, map[device.Stage]device.StageFunc{device.StageTime: fail})
	events, stop := p.Subscribe(256)
	defer stop()
	p.PowerOn(ctx)
	if s := waitStage(t, ctx, p, device.StageIdle, 1); s.Failure != "time: no server" {
		t.Errorf("idle with Failure %q, want the time stage's", s.Failure)
	}
	for e := range events {
		if e.Kind == device.EventStageFailed {
			if e.Stage != device.StageTime || e.Err != "no server" {
				t.Fatalf("unexpected failure event %v", e)
			}
			break
		}
	}
	// A power cycle whose stages all pass reports none.
	p.PowerOff(ctx)
	waitStage(t, ctx, p, device.StageOff, 1)
	p.PowerOn(ctx)
	if s := waitStage(t, ctx, p, device.StageIdle, 2); s.Failure != "" {
		t.Errorf("Failure %q after a boot without one", s.Failure)
	}
}

func TestStageRebootRequest(t *testing.T) {
	n := 0
	fw := func(ctx context.Context, b *device.Boot) error {
		n++ // only touched by the boot worker, one cycle at a time
		if n == 1 {
			return device.RebootError("new firmware")
		}
		return nil
	}
	p, ctx := newPhone(t, nil, map[device.Stage]device.StageFunc{device.StageFirmware: fw})
	p.PowerOn(ctx)
	s := waitStage(t, ctx, p, device.StageIdle, 2)
	if s.BootCount != 2 {
		t.Fatalf("boot count %d", s.BootCount)
	}
}

func TestRecoveryModeAfterInterruptedBurn(t *testing.T) {
	fl := flash.NewMemory()
	if _, err := fl.Firmware().BeginBurn("UC_3.4.9.1"); err != nil { // never committed: a power cut mid-burn
		t.Fatal(err)
	}
	p, ctx := newPhone(t, fl, nil)
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageRecovery, 1)
}

func TestPowerOffWhileStageBlocks(t *testing.T) {
	block := func(ctx context.Context, b *device.Boot) error { <-ctx.Done(); return ctx.Err() }
	p, ctx := newPhone(t, nil, map[device.Stage]device.StageFunc{device.StageNetwork: block})
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageNetwork, 1)
	p.PowerOff(ctx)
	if _, err := p.Wait(ctx, func(s device.State) bool { return !s.Power }); err != nil {
		t.Fatal(err)
	}
}

// When calls back once, with the state that met the condition; a watch
// given up in time never calls. WhenQuick too, on the goroutine that saw the
// state: already true, before WhenQuick returns.
func TestWhenCallsBackOnce(t *testing.T) {
	type watch func(p *device.Phone, cond func(device.State) bool, f func(device.State)) func() bool
	for name, when := range map[string]watch{"When": (*device.Phone).When, "WhenQuick": (*device.Phone).WhenQuick} {
		t.Run(name, func(t *testing.T) { testWhen(t, when, name == "WhenQuick") })
	}
}

func testWhen(t *testing.T, when func(p *device.Phone, cond func(device.State) bool, f func(device.State)) func() bool, inline bool) {
	release := make(chan struct{})
	hold := func(ctx context.Context, b *device.Boot) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	p, ctx := newPhone(t, nil, map[device.Stage]device.StageFunc{device.StageFirmware: hold})
	idle := func(s device.State) bool { return s.Stage == device.StageIdle }
	got := make(chan device.State, 2)
	when(p, idle, func(s device.State) { got <- s })
	never := make(chan device.State, 1)
	stop := when(p, func(s device.State) bool { return s.Stage == device.StageRecovery }, func(s device.State) { never <- s })
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageFirmware, 1)
	select {
	case s := <-got:
		t.Fatalf("called back in %s", s.Stage)
	default:
	}
	close(release)
	select {
	case s := <-got:
		if s.Stage != device.StageIdle || s.BootCount != 1 {
			t.Errorf("called back with stage %s boot %d", s.Stage, s.BootCount)
		}
	case <-ctx.Done():
		t.Fatal("no call back at idle")
	}
	if !stop() {
		t.Error("stop of a watch that never fired reports it fired")
	}
	// Already true: called back at once, and stop reports it too late.
	now := make(chan device.State, 1)
	late := when(p, idle, func(s device.State) { now <- s })
	if inline && len(now) != 1 {
		t.Error("WhenQuick returned before calling back")
	}
	if s := <-now; s.Stage != device.StageIdle {
		t.Errorf("immediate call back with %s", s.Stage)
	}
	if late() {
		t.Error("stop after the call back reports it came first")
	}
	p.Reboot(ctx, "test")
	waitStage(t, ctx, p, device.StageIdle, 2)
	select {
	case s := <-got:
		t.Errorf("second call back (boot %d)", s.BootCount)
	case s := <-never:
		t.Errorf("a stopped watch called back (%s)", s.Stage)
	default:
	}
}

// A stage's screen texts and log lines go to the owner without the stage
// waiting for them, in order with every other command: a later command that
// waits (Notify) finds them applied, and the events come in the order the
// stage made them.
func TestBootPostsInOrder(t *testing.T) {
	var seen device.State
	stage := func(ctx context.Context, b *device.Boot) error {
		for _, s := range []string{"one", "two", "three"} {
			b.Status(s)
			b.Log("after " + s)
		}
		if err := b.Notify("waited"); err != nil {
			return err
		}
		seen = b.Snapshot()
		return b.Clear("waited")
	}
	p, ctx := newPhone(t, nil, map[device.Stage]device.StageFunc{device.StageTime: stage})
	events, stop := p.Subscribe(256)
	defer stop()
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageIdle, 1)
	if seen.Status != "three" || !seen.HasNotification("waited") || seen.Stage != device.StageTime {
		t.Errorf("after Notify the stage saw status %q, stage %s, notes %v", seen.Status, seen.Stage, seen.Notifications)
	}
	var got []string
	for len(events) > 0 {
		e := <-events
		if e.Stage == device.StageTime && (e.Kind == device.EventStatus || e.Kind == device.EventLog) {
			got = append(got, e.Text)
		}
	}
	want := []string{"one", "after one", "two", "after two", "three", "after three"}
	if !slices.Equal(got[:min(len(got), len(want))], want) {
		t.Errorf("events %q, want %q first", got, want)
	}
}

// The keys a phone shows are the configured ones, whatever case the file
// writes their types in; unset and EMPTY keys are left out (here a 450HD's
// programmable keys and an expansion-module key; a key without a number
// has the catalogue's default one, 4403).
func TestPowerOnShowsConfiguredKeys(t *testing.T) {
	fl := flash.NewMemory()
	cfg := "personal_settings/functional_key/0/type=speed_dial\n" +
		"personal_settings/functional_key/0/key_label=Boss\n" +
		"personal_settings/functional_key/0/speed_dial_number=200\n" +
		"personal_settings/functional_key/2/type=EMPTY\n" +
		"personal_settings/functional_key/3/type=Event\n" +
		"personal_settings/functional_key/3/key_event=Missed_Calls\n" +
		"personal_settings/functional_key/30/type=PAGING\n" +
		"personal_settings/functional_key/30/speed_dial_number=9\n"
	if err := fl.Write(device.RecordConfig, []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	p, ctx := newPhone(t, fl, nil)
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v", p.Snapshot().Keys)
	want := "[{Index:0 Type:SPEED_DIAL Label:Boss Number:200 Event: BLF:} " +
		"{Index:3 Type:KEY_EVENT Label:4403 Number:4403 Event:MISSED_CALLS BLF:} " +
		"{Index:30 Type:PAGING Label:9 Number:9 Event: BLF:}]"
	if got != want {
		t.Fatalf("keys\n%s\nwant\n%s", got, want)
	}
}
