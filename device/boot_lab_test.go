package device_test

import (
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/lab/fileserver"
)

// The boot against the embedded lab in UDP mode: DHCP from lab/dhcpserver,
// files from lab/fileserver over HTTP or TFTP, SIP at lab/sipproxy. These are
// the fast, unprivileged twins of the real-peer boots in
// peers_linux_test.go.

// behaviour: BOOT-1
// behaviour: BOOT-6
// behaviour: PROV-1
// behaviour: PROV-13
func TestBootUpgradesFirmwareThenAppliesConfiguration(t *testing.T) {
	for _, scheme := range []string{"http", "tftp"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			l := startLab(t, lab.Config{Scheme: scheme, Files: map[string][]byte{
				"450HD.img": image(t, "UC_3.4.9.7", 200<<10),
			}})
			net := fastNet()
			net.DHCPServer = l.DHCPAddr()
			p := newBootPhone(t, phoneOpts{net: net})
			if err := p.PowerOn(p.ctx); err != nil {
				t.Fatal(err)
			}
			s := p.wait(t, "idle on the new firmware", func(s device.State) bool {
				return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.7"
			})
			if s.BootCount != 2 {
				t.Errorf("boot count %d, want 2 (one restart into the new firmware)", s.BootCount)
			}
			if !p.saw(device.EventReboot, "firmware upgrade to UC_3.4.9.7") {
				t.Error("no restart for the firmware")
			}
			if _, rec, _ := p.Flash().Firmware().Recovery(); rec {
				t.Error("recovery marker left after a good burn")
			}
			line, _ := l.Line(p.hw)
			if got := s.Config.Get("voip/line/0/id"); got != line {
				t.Errorf("line 0 id %q after provisioning, want %q", got, line)
			}
			if !s.Network.Address.IsValid() || s.Network.Address.Addr() != p.ip || s.Network.ProvisioningURL != l.ProvisioningURL() {
				t.Errorf("network %+v", s.Network)
			}
			// The per-MAC file was the one applied, on the second boot only
			// (the first found new firmware and fetched no configuration).
			if !p.saw(device.EventConfigApplied, strings.ToLower(p.MAC())+".cfg") {
				t.Error("per-MAC configuration not applied")
			}
			for _, e := range p.events() {
				if e.Kind == device.EventConfigApplied && e.BootCount == 1 && strings.Contains(e.Text, ".cfg") {
					t.Errorf("configuration applied before the firmware upgrade: %v", e)
				}
			}
			p.wait(t, "line registered", func(s device.State) bool {
				return len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
			})

			// A second boot with the same files reads only the image header.
			// The server logs a TFTP transfer at its last ACK, which can come
			// after the phone has moved on: wait for the first boot's whole
			// image and the configuration fetch of the boot that just ended
			// before marking the log (the image's entry once came after
			// the mark).
			wholeImage := func(e fileserver.Entry) bool { return strings.HasSuffix(e.Path, ".img") && !e.Header() }
			if !waitLogged(l.File, 0, wholeImage, completeFetch(".cfg")) {
				t.Fatalf("the file server never logged the first boot's image and configuration: %v", l.File.Log())
			}
			mark := len(l.File.Log())
			if err := p.Reboot(p.ctx, "test"); err != nil {
				t.Fatal(err)
			}
			s = p.wait(t, "idle again", idleAt(3))
			if s.Firmware != "UC_3.4.9.7" || s.BootCount != 3 {
				t.Fatalf("second boot: firmware %s boot %d", s.Firmware, s.BootCount)
			}
			// The configuration's transfer is logged at its last ACK too.
			waitLogged(l.File, mark, completeFetch(".cfg"))
			log := l.File.Log()[mark:]
			var img, cfg int
			for _, e := range log {
				switch {
				case strings.HasSuffix(e.Path, ".img"):
					img++
					if !e.Header() || e.Sent > 4096 {
						t.Errorf("second boot downloaded more than the header: %v", e)
					}
				case completeFetch(".cfg")(e):
					cfg++
				}
			}
			if img != 1 || cfg != 1 {
				t.Errorf("second boot: %d image requests, %d configurations; log %v", img, cfg, log)
			}
		})
	}
}

// A boot ends with its line's first registration outcome: no state shows
// the line registered while the phone is still signing in (the owner makes
// the phone idle in the outcome's own step, a hand-off fewer than the boot
// going idle after it), and the events keep their order: the registration,
// then the idle stage.
func TestBootGoesIdleWithTheFirstRegistration(t *testing.T) {
	l := startLab(t, lab.Config{})
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	for range 5 {
		p := newBootPhone(t, phoneOpts{net: net})
		if err := p.PowerOn(p.ctx); err != nil {
			t.Fatal(err)
		}
		var signingIn []device.State
		p.wait(t, "registered and idle", func(s device.State) bool {
			registered := len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
			if registered && s.Stage != device.StageIdle {
				signingIn = append(signingIn, s)
			}
			return registered && s.Stage == device.StageIdle
		})
		for _, s := range signingIn {
			t.Errorf("line 0 registered in stage %s, status %q", s.Stage, s.Status)
		}
		p.waitEvent(t, device.EventStage, string(device.StageIdle))
		reg, idle := -1, -1
		for i, e := range p.events() {
			switch {
			case e.Kind == device.EventRegistration && strings.Contains(e.Text, "registered") && reg < 0:
				reg = i
			case e.Kind == device.EventStage && e.Stage == device.StageIdle && idle < 0:
				idle = i
			}
		}
		if reg < 0 || idle < reg {
			t.Errorf("registration event at %d, idle stage at %d: want the registration first", reg, idle)
		}
		if s := p.Snapshot(); s.Status != "" || s.Lines[0].Registrar == "" {
			t.Errorf("idle with status %q, registrar %q", s.Status, s.Lines[0].Registrar)
		}
	}
}
