package device_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/lab/fileserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

// behaviour: FW-2
// behaviour: FW-3
// behaviour: FW-4
func TestRecoveryModeFetchesOverTFTPFromOption66(t *testing.T) {
	t.Parallel()
	files, err := fileserver.New(fileserver.Config{Files: map[string][]byte{
		"450HD_3.4.9.5.img": image(t, "UC_3.4.9.5", 64<<10),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := files.Listen("", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked [][]byte // option 55 of each DISCOVER
	var classes []string
	srv, err := dhcpserver.New(dhcpserver.Config{
		ClientSourceAddress: true,
		Options:             dhcpserver.Options{TFTPServer: files.TFTPAddr(), BootFile: "450HD_3.4.9.5.img"},
		OnRequest: func(_ net.Addr, m *dhcpv4.DHCPv4) {
			if m.MessageType() == dhcpv4.MessageTypeDiscover {
				mu.Lock()
				asked = append(asked, m.Options.Get(dhcpv4.OptionParameterRequestList))
				classes = append(classes, string(m.Options.Get(dhcpv4.OptionUserClassInformation)))
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{files.Run, srv.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	fl := flash.NewMemory()
	if _, err := fl.Firmware().BeginBurn("UC_3.4.9.5"); err != nil { // a burn the power cut short
		t.Fatal(err)
	}
	net := fastNet()
	net.DHCPServer = srv.Addr()
	p := newBootPhone(t, phoneOpts{net: net, flash: fl})
	p.PowerOn(p.ctx)
	s := p.wait(t, "recovered", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.5"
	})
	// Recovery is quick here: judge it by the events, not a snapshot.
	p.waitEvent(t, device.EventStage, string(device.StageRecovery))
	p.waitEvent(t, device.EventStatus, "Recovery mode")
	if _, rec, _ := fl.Firmware().Recovery(); rec {
		t.Error("recovery marker still set")
	}
	if s.BootCount != 2 {
		t.Errorf("boot count %d, want 2 (recovery, then the normal boot)", s.BootCount)
	}
	mu.Lock()
	defer mu.Unlock()
	// The recovery loader's list has 66 and 67 but not the provisioning
	// URL option of the normal boot.
	if len(asked) < 2 || !slices.Equal(asked[0], dhcp.RequestList(160, true)) ||
		!slices.Contains(asked[0], 66) || !slices.Contains(asked[0], 67) || slices.Contains(asked[0], 160) ||
		!slices.Contains(asked[1], 160) {
		t.Errorf("DISCOVERs asked for %v: want the recovery list first, then the normal one", asked)
	}
	if len(classes) == 0 || classes[0] == "" || !strings.Contains(classes[0], "450HD") {
		t.Errorf("recovery DISCOVER option 77 %q, want the model", classes)
	}
	// The recovery loader's transfer is logged at its last ACK, which can
	// come after the phone is idle.
	if !waitLogged(files, 0, func(e fileserver.Entry) bool {
		return e.Proto == "tftp" && e.Path == "450HD_3.4.9.5.img" && e.Outcome == fileserver.Complete
	}) {
		t.Errorf("image not fetched whole over TFTP: %v", files.Log())
	}
}

// behaviour: FW-3
func TestRecoveryRebootsUntilAnImageComes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := startLab(t, lab.Config{Dir: dir}) // option 66 is the lab's TFTP, no 67
	fl := flash.NewMemory()
	fl.Firmware().BeginBurn("UC_3.4.9.6")
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: net, flash: fl})
	p.PowerOn(p.ctx)
	p.wait(t, "three recovery boots", func(s device.State) bool { return s.Stage == device.StageRecovery && s.BootCount >= 3 })
	if s := p.Snapshot(); s.Firmware != device.DefaultFirmware {
		t.Fatalf("firmware %s while recovering", s.Firmware)
	}
	writeFile(t, dir, "450HD.img", image(t, "UC_3.4.9.6", 32<<10))
	s := p.wait(t, "recovered", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.6"
	})
	if !p.saw(device.EventLog, "recovery failed") {
		t.Error("failed attempts not logged")
	}
	t.Logf("recovered at boot %d", s.BootCount)
}

// behaviour: FW-2
// behaviour: FW-3
// behaviour: FW-4
func TestPowerCutDuringBurnThenRecovery(t *testing.T) {
	t.Parallel()
	img := image(t, "UC_3.4.9.8", 400<<10)
	slow := startImageServer(t, img, "trickle")
	l := startLab(t, lab.Config{
		Files: map[string][]byte{"450HD.img": img}, // what recovery fetches over TFTP
		DHCP:  dhcpserver.Options{ProvisioningURL: slow.URL + "/450HD.img"},
	})
	fl := flash.NewMemory()
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: net, flash: fl})
	p.PowerOn(p.ctx)
	p.wait(t, "a burn under way", func(s device.State) bool {
		var pct int
		_, err := fmt.Sscanf(s.Status, device.StatusUpgrading, &pct)
		return err == nil && pct >= 10 && pct < 90
	})
	if err := p.PowerOff(p.ctx); err != nil { // pull the plug
		t.Fatal(err)
	}
	p.wait(t, "off", func(s device.State) bool { return !s.Power })
	if v, rec, _ := fl.Firmware().Recovery(); !rec || v != "UC_3.4.9.8" {
		t.Fatalf("after the cut: recovery %v (%q), want the marker of UC_3.4.9.8", rec, v)
	}
	p.PowerOn(p.ctx)
	s := p.wait(t, "the new firmware running", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.8"
	})
	p.waitEvent(t, device.EventStage, string(device.StageRecovery)) // the boot after the cut
	if whole, _ := slow.counts(); whole != 1 {
		t.Errorf("%d whole downloads from the HTTP server; the normal boot after recovery should read only the header", whole)
	}
	t.Logf("new firmware at boot %d", s.BootCount)
}
