package device_test

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
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media"
)

// behaviour: BOOT-17
func TestPulledCableShowsLinkFailureUntilPluggedIn(t *testing.T) {
	srv, err := sipproxy.New(sipproxy.Config{Domain: "lab.test", Users: sipproxy.Numbered(1001, 1001, "pass")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srvDone := make(chan struct{})
	go func() { srv.Run(ctx); close(srvDone) }()
	defer func() { cancel(); <-srvDone }()

	fl := flash.NewMemory()
	cfg := strings.Join([]string{
		"voip/line/0/enabled=1", "voip/line/0/id=1001", "voip/line/0/auth_name=1001", "voip/line/0/auth_password=pass1001",
		"voip/signalling/sip/use_proxy=1", "voip/signalling/sip/proxy_address=" + srv.Addr().Addr().String(),
		fmt.Sprintf("voip/signalling/sip/proxy_port=%d", srv.Addr().Port()), "voip/signalling/sip/proxy_gateway=lab.test",
	}, "\n") + "\n"
	if err := fl.Write(device.RecordConfig, []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	mac, _ := net.ParseMAC("00:90:8f:1f:00:01")
	p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac, Flash: fl,
		Addr: faultTestAddr(), MediaPorts: media.PortAny})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	}()
	wait := func(what string, cond func(device.State) bool) device.State {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
		defer wcancel()
		s, err := p.Wait(wctx, cond)
		if err != nil {
			t.Fatalf("waiting for %s: %v (stage %s, notes %v, lines %+v)", what, err, s.Stage, s.Notifications, s.Lines)
		}
		return s
	}
	registered := func(s device.State) bool { return len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered }

	// A cable pulled before power-on holds the boot at the Link stage.
	if err := p.SetLink(ctx, false); err != nil {
		t.Fatal(err)
	}
	if p.LinkUp() {
		t.Fatal("LinkUp after pulling the cable")
	}
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	s := wait("LAN Link failure at boot", func(s device.State) bool { return s.HasNotification(device.NoteLinkFailure) })
	if s.Stage != device.StageLink {
		t.Errorf("stage %s while the cable is out, want link", s.Stage)
	}
	p.SetLink(ctx, true)
	s = wait("registered once plugged in", registered)
	if s.HasNotification(device.NoteLinkFailure) {
		t.Error("LAN Link failure still shown with the cable in")
	}
	boots := s.BootCount

	// Pulled while registered: the network drops and the notice is back.
	p.SetLink(ctx, false)
	s = wait("LAN Link failure after pulling", func(s device.State) bool {
		return s.HasNotification(device.NoteLinkFailure) && s.BootCount > boots
	})
	if registered(s) || !s.Power {
		t.Errorf("with the cable out: power %v lines %+v", s.Power, s.Lines)
	}
	p.SetLink(ctx, true)
	s = wait("registered again", registered)
	if s.BootCount != boots+1 {
		t.Errorf("boot count %d, want %d (one network restart)", s.BootCount, boots+1)
	}
	if b := srv.Bindings("1001"); len(b) != 1 {
		t.Errorf("registrar bindings %+v", b)
	}
}

// faultTestAddr is a 127/8 address unlikely to be another test's.
func faultTestAddr() netip.Addr {
	var b [3]byte
	rand.Read(b[:])
	return netip.AddrFrom4([4]byte{127, 200 + b[0]%50, b[1], 1 + b[2]%250})
}
