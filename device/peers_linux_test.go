//go:build linux

package device_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab"
)

// The phone against real, independent servers. Its LAN port is eth0 in a
// network namespace of its own (an AudioCodes MAC, no address), bridged to a
// "lab" namespace (10.0.0.1/24) where dnsmasq or ISC dhcpd serve DHCP; the
// phone speaks DHCP there in raw mode, with its raw sockets opened inside its
// namespace. The file, time and syslog servers (nginx, tftpd-hpa, vsftpd,
// chrony, rsyslog) listen on the host's loopback, where the phone's other
// sockets are (the emulator does not configure eth0 with the lease), so the
// DHCP options name 127.0.0.1 and the servers' ports.

var rawPhones atomic.Int32

type rawNet struct {
	lab, ns *testpeer.NS
	mac     net.HardwareAddr
}

// newRawNet builds the lab and phone namespaces with the phone's port
// bridged into the lab.
func newRawNet(t *testing.T) *rawNet {
	t.Helper()
	testpeer.NeedRoot(t)
	n := rawPhones.Add(1)
	r := &rawNet{
		lab: testpeer.Netns(t, "dlab"),
		ns:  testpeer.Netns(t, "dph"),
		mac: net.HardwareAddr{0x00, 0x90, 0x8f, 0x7e, byte(os.Getpid()), byte(n)},
	}
	r.lab.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	r.lab.MustRun(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "br0")
	r.lab.MustRun(t, "ip", "link", "set", "br0", "up")
	testpeer.Veth(t, r.lab, "vp0", "", r.ns, "eth0", "", r.mac.String())
	r.lab.MustRun(t, "ip", "link", "set", "vp0", "master", "br0")
	return r
}

// waitCarrier waits until the phone's eth0 is seen with (up) or without a
// carrier in its operational state, the RUNNING flag the phone checks.
func (r *rawNet) waitCarrier(t *testing.T, up bool) {
	t.Helper()
	var out string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out = r.ns.MustRun(t, "ip", "link", "show", "eth0")
		if strings.Contains(out, "LOWER_UP") == up && strings.Contains(out, "state UP") == up {
			return
		}
	}
	t.Fatalf("eth0 never showed carrier %v:\n%s", up, out)
}

func (r *rawNet) macHex() string { return strings.ReplaceAll(r.mac.String(), ":", "") }

// phone makes the phone in raw mode on eth0 in its namespace; tune, when
// given, adjusts its network settings.
func (r *rawNet) phone(t *testing.T, fl *flash.Store, tune ...func(*device.NetConfig)) *testPhone {
	t.Helper()
	nc := fastNet()
	nc.Interface = "eth0"
	nc.Do = r.ns.Do
	nc.DHCPTimeout = 500 * time.Millisecond
	nc.DHCPRetries = 3
	nc.FetchTimeout = 3 * time.Second
	for _, f := range tune {
		f(&nc)
	}
	return newBootPhone(t, phoneOpts{net: nc, flash: fl, mac: r.mac})
}

// serveFiles writes the firmware image and the per-MAC configuration into a
// server's root, world-readable for daemons that drop privileges.
func serveFiles(t *testing.T, root, mac string, img []byte) {
	t.Helper()
	for name, data := range map[string][]byte{
		"450HD.img":  img,
		mac + ".cfg": []byte("system/type=450HD\nvoip/media/media_port=6400\nvoip/line/0/description=from " + filepath.Base(root) + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// behaviour: BOOT-1
// behaviour: BOOT-2
// behaviour: BOOT-4
// behaviour: BOOT-6
// behaviour: BOOT-16
// behaviour: PROV-1
// behaviour: PROV-2
func TestRawBootFromDnsmasqOverHTTPTFTPAndFTP(t *testing.T) {
	img := image(t, "UC_3.4.9.21", 8<<20)
	t.Run("http/nginx", func(t *testing.T) {
		t.Parallel()
		r := newRawNet(t)
		ng := testpeer.StartNginx(t, testpeer.NginxOptions{})
		serveFiles(t, ng.Root, r.macHex(), img)
		testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
			fmt.Sprintf(`dhcp-option-force=160,"http://%s/450HD.img;<MAC>.cfg"`, ng.HTTP))
		p := r.phone(t, nil)
		mark := 0
		upgradeAndMark(t, p, "UC_3.4.9.21", func() { mark = len(strings.Split(ng.AccessLog(), "\n")) })
		// nginx logs: remote "request" status bytes "range" "user-agent".
		waitFor(t, "nginx's log of the second boot", func() bool { return strings.Count(ng.AccessLog(), ".cfg") >= 2 })
		lines := strings.Split(strings.TrimSpace(ng.AccessLog()), "\n")
		var full, hdr int
		for i, l := range lines {
			if !strings.Contains(l, "450HD.img") {
				continue
			}
			switch {
			case strings.Contains(l, `" 206 512 "bytes=0-511"`):
				hdr++
			case strings.Contains(l, `" 200 `+strconv.Itoa(len(img))+` `):
				full++
				if i >= mark-1 {
					t.Errorf("second boot downloaded the whole image: %s", l)
				}
			}
			if !strings.Contains(l, "AUDC-IPPhone-450HD_UC_") {
				t.Errorf("User-Agent: %s", l)
			}
		}
		if full != 1 || hdr != 3 {
			t.Errorf("%d whole downloads and %d header reads, want 1 and 3 (one per boot):\n%s", full, hdr, ng.AccessLog())
		}
	})
	t.Run("tftp/tftpd-hpa", func(t *testing.T) {
		t.Parallel()
		r := newRawNet(t)
		td := testpeer.StartTFTPD(t)
		serveFiles(t, td.Root, r.macHex(), img)
		testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
			fmt.Sprintf(`dhcp-option-force=160,"tftp://%s/450HD.img;<MAC>.cfg"`, td.Addr))
		p := r.phone(t, nil)
		// tftpd-hpa logs only to syslog: the second boot's evidence is the
		// phone's (no burn, no restart; checked in upgradeThenConfigure).
		upgradeAndMark(t, p, "UC_3.4.9.21", func() {})
	})
	t.Run("ftp/vsftpd", func(t *testing.T) {
		t.Parallel()
		r := newRawNet(t)
		fs := testpeer.StartVsftpd(t)
		serveFiles(t, fs.Root, r.macHex(), img)
		testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
			fmt.Sprintf(`dhcp-option-force=160,"ftp://%s:%s@%s/450HD.img;<MAC>.cfg"`, testpeer.FTPUser, testpeer.FTPPassword, fs.Addr))
		p := r.phone(t, nil)
		mark := 0
		upgradeAndMark(t, p, "UC_3.4.9.21", func() { mark = len(xferLines(fs.XferLog(), "450HD.img")) })
		waitFor(t, "vsftpd's log of the second boot", func() bool { return len(xferLines(fs.XferLog(), "450HD.img")) >= 3 })
		lines := xferLines(fs.XferLog(), "450HD.img")
		// xferlog: ... bytes filename type direction access user service auth-method auth-user-id completion
		var complete int
		for i, l := range lines {
			f := strings.Fields(l)
			bytes, _ := strconv.Atoi(f[7])
			done := f[len(f)-1] == "c" && bytes == len(img)
			if done {
				complete++
			}
			if i >= mark && done {
				t.Errorf("second boot downloaded the whole image: %s", l)
			}
		}
		if complete != 1 {
			t.Errorf("%d complete image transfers, want 1:\n%s", complete, fs.XferLog())
		}
	})
}

// upgradeAndMark is upgradeThenConfigure with a hook run just before the
// second boot.
func upgradeAndMark(t *testing.T, p *testPhone, version string, beforeSecond func()) {
	t.Helper()
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle on the new firmware", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Firmware == version
	})
	if s.BootCount != 2 || !p.saw(device.EventReboot, "firmware upgrade to "+version) {
		t.Errorf("boot %d: want one restart into %s", s.BootCount, version)
	}
	if got := s.Config.Get("voip/media/media_port"); got != "6400" {
		t.Errorf("media_port %q: the per-MAC configuration was not applied", got)
	}
	if !netip.MustParsePrefix("10.0.0.0/24").Contains(s.Network.Address.Addr()) || s.Network.Interface != "eth0" {
		t.Errorf("network %+v", s.Network)
	}
	for _, e := range p.events() {
		if e.Kind == device.EventConfigApplied && e.BootCount == 1 {
			t.Errorf("configuration applied before the upgrade: %v", e)
		}
	}
	time.Sleep(100 * time.Millisecond) // let the servers write their logs
	beforeSecond()
	if err := p.Reboot(p.ctx, "second boot"); err != nil {
		t.Fatal(err)
	}
	s = p.wait(t, "idle after the second boot", idleAt(3))
	if s.BootCount != 3 || s.Firmware != version {
		t.Errorf("second boot: boot %d firmware %s", s.BootCount, s.Firmware)
	}
	for _, e := range p.events() {
		if e.BootCount == 3 && (e.Kind == device.EventReboot || strings.Contains(e.Text, "burnt")) {
			t.Errorf("second boot burnt again: %v", e)
		}
	}
	if !p.saw(device.EventConfigApplied, ".cfg") {
		t.Error("no configuration applied")
	}
}

func xferLines(log, name string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, name) {
			out = append(out, l)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
	}
}

// behaviour: BOOT-4
// behaviour: BOOT-5
func TestRawBootFromISCDHCPDWithOptions66And67(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	td := testpeer.StartTFTPD(t)
	img := image(t, "UC_3.4.9.22", 1<<20)
	serveFiles(t, td.Root, r.macHex(), img)
	if err := os.WriteFile(filepath.Join(td.Root, "450HD_3.4.9.22.img"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	testpeer.StartISCDHCPD(t, r.lab, "br0", fmt.Sprintf(`authoritative;
ping-check false;
default-lease-time 120;
max-lease-time 120;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.100 10.0.0.199;
  option routers 10.0.0.1;
  option tftp-server-name "%s";
  option bootfile-name "450HD_3.4.9.22.img";
}
`, td.Addr))
	p := r.phone(t, nil)
	upgradeAndMark(t, p, "UC_3.4.9.22", func() {})
	s := p.Snapshot()
	if s.Network.TFTPServer != td.Addr || s.Network.BootFile != "450HD_3.4.9.22.img" || s.Network.ProvisioningURL != "" {
		t.Errorf("network %+v", s.Network)
	}
	if !p.saw(device.EventConfigApplied, "tftp://"+td.Addr+"/"+r.macHex()+".cfg") {
		t.Error("the per-MAC file beside the option-66 server was not applied")
	}
}

// behaviour: BOOT-17
// behaviour: SIGN-13
func TestRawLinkFailureUntilTheCableIsBack(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m")
	r.lab.MustRun(t, "ip", "link", "set", "vp0", "down") // the cable is out
	// The kernel takes the carrier off eth0 at once but clears its RUNNING
	// flag (what the phone reads) a moment later, from a work queue: a
	// loaded machine can boot the phone in between.
	r.waitCarrier(t, false)
	p := r.phone(t, nil)
	p.PowerOn(p.ctx)
	p.wait(t, "LAN Link failure", hasNote(device.NoteLinkFailure))
	time.Sleep(300 * time.Millisecond)
	if s := p.Snapshot(); s.Stage != device.StageLink {
		t.Fatalf("stage %s without a link", s.Stage)
	}
	r.lab.MustRun(t, "ip", "link", "set", "vp0", "up")
	s := p.wait(t, "idle with a lease", idleAt(1))
	if s.HasNotification(device.NoteLinkFailure) || !s.Network.Address.IsValid() {
		t.Errorf("after the link came back: notes %v network %v", s.Notifications, s.Network.Address)
	}
}

// behaviour: FW-2
// behaviour: FW-3
// behaviour: FW-4
func TestRawPowerCutDuringBurnRecoversFromTFTPD(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	img := image(t, "UC_3.4.9.23", 1<<20)
	slow := startImageServer(t, img, "trickle")
	td := testpeer.StartTFTPD(t)
	if err := os.WriteFile(filepath.Join(td.Root, "450HD.img"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	dm := testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
		fmt.Sprintf(`dhcp-option-force=160,"%s/450HD.img"`, slow.URL),
		fmt.Sprintf(`dhcp-option-force=66,"%s"`, td.Addr),
		`dhcp-option-force=67,"450HD.img"`)
	fl := flash.NewMemory()
	p := r.phone(t, fl)
	p.PowerOn(p.ctx)
	p.wait(t, "a burn under way", func(s device.State) bool {
		var pct int
		_, err := fmt.Sscanf(s.Status, device.StatusUpgrading, &pct)
		return err == nil && pct >= 5 && pct < 80
	})
	p.PowerOff(p.ctx)
	p.wait(t, "off", func(s device.State) bool { return !s.Power })
	if _, rec, _ := fl.Firmware().Recovery(); !rec {
		t.Fatal("no recovery marker after the power cut")
	}
	p.PowerOn(p.ctx)
	s := p.wait(t, "the new firmware after recovery", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.23"
	})
	p.waitEvent(t, device.EventStage, string(device.StageRecovery))
	p.waitEvent(t, device.EventLog, "recovery: tftp://"+td.Addr+"/450HD.img")
	// dnsmasq saw the recovery loader's request list: 66 and 67, no 160.
	if !strings.Contains(dm.Output(), "requested options: 1:netmask, 3:router, 66:tftp-server, 67:bootfile-name") {
		t.Errorf("dnsmasq never saw the recovery request list:\n%s", dm.Output())
	}
	if whole, _ := slow.counts(); whole != 1 {
		t.Errorf("%d whole downloads from the HTTP server, want only the interrupted one", whole)
	}
	t.Logf("new firmware at boot %d", s.BootCount)
}

// voiceTrunk makes the phone's switch port a trunk: untagged frames to
// the lab bridge (10.0.0.0/24), VLAN vid to a voice network 10.3.21.1/24
// (a switch in user space: these kernels have no 802.1Q), and starts
// dnsmasq with a scope on each, as a voice deployment has, and extra
// configuration lines.
func (r *rawNet) voiceTrunk(t *testing.T, vid int, extra ...string) *testpeer.Dnsmasq {
	t.Helper()
	r.lab.MustRun(t, "ip", "link", "set", "vp0", "nomaster")
	testpeer.Veth(t, r.lab, "acc0", "", r.lab, "acc0b", "", "")
	r.lab.MustRun(t, "ip", "link", "set", "acc0b", "master", "br0")
	testpeer.Veth(t, r.lab, "accv", "", r.lab, "voice0", "10.3.21.1/24", "")
	testpeer.StartVLANSwitch(t, r.lab, "vp0", map[int]string{0: "acc0", vid: "accv"})
	return testpeer.StartDnsmasq(t, r.lab, "br0", append([]string{"interface=voice0",
		"dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m", "dhcp-range=10.3.21.100,10.3.21.199,255.255.255.0,2m"}, extra...)...)
}

// taggedFrames stops capture on the phone's port and checks (with tshark's
// dissectors) that the phone sent frames in VLAN vid with priority prio.
func (r *rawNet) taggedFrames(t *testing.T, capture *testpeer.Capture, vid, prio int) {
	t.Helper()
	capture.Stop(t)
	filter := fmt.Sprintf("eth.src==%s && vlan.id==%d && vlan.priority==%d", r.mac, vid, prio)
	if rows := capture.Fields(t, nil, filter, "frame.number"); len(rows) == 0 {
		t.Errorf("no frame of the phone in VLAN %d with priority %d on its port", vid, prio)
	}
}

// A switch port (lldpd, with an LLDP-MED voice policy for VLAN 321, on a
// trunk with a data and a voice DHCP scope): in the default CDP_LLDP mode
// the phone learns the voice VLAN from LLDP before DHCP, records it as the
// LLDP's, asks for its address in VLAN 321 (tagged, priority 5: it gets
// the voice scope's), and goes on advertising itself every
// network/lan/vlan/period seconds, now with the address DHCP gave it,
// which the switch lists.
//
// behaviour: BOOT-15
// behaviour: BOOT-16
func TestRawVoiceVLANFromLLDPD(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	sw := testpeer.StartLLDPD(t, r.lab, "vp0", "ports vp0 med policy application voice tagged vlan 321 priority voice dscp 46")
	dm := r.voiceTrunk(t, 321)
	capture := testpeer.StartCapture(t, r.lab, "vp0", "vlan 321")
	p := r.phone(t, storedConfig(t, "network/lan/vlan/period=1\n"), func(nc *device.NetConfig) { nc.VLANWait = 5 * time.Second })
	p.PowerOn(p.ctx)
	s := p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
	if s.Network.VLAN != 321 || s.Network.VLANSource != "LLDP" {
		t.Errorf("VLAN %d from %q, want 321 from LLDP", s.Network.VLAN, s.Network.VLANSource)
	}
	if !netip.MustParsePrefix("10.3.21.0/24").Contains(s.Network.Address.Addr()) || !strings.Contains(dm.Output(), "DHCPACK(voice0) "+s.Network.Address.Addr().String()+" "+r.mac.String()) {
		t.Errorf("leased %v; want an address of the voice VLAN's scope, served on it:\n%s", s.Network.Address, dm.Output())
	}
	r.taggedFrames(t, capture, 321, 5)
	p.waitEvent(t, device.EventStatus, "Discovering CDP…")
	p.waitEvent(t, device.EventStatus, "Discovering LLDP…")
	p.waitEvent(t, device.EventStatus, "Acquiring IP…")
	p.waitEvent(t, device.EventLog, "voice VLAN 321 priority 5 from LLDP")
	addr := s.Network.Address.Addr().String()
	var seen string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if seen = sw.CLI(t, "show", "neighbors", "details"); strings.Contains(seen, "MgmtIP:       "+addr) {
			break
		}
	}
	for _, want := range []string{"MgmtIP:       " + addr, "ChassisID:    mac " + r.mac.String(), "Tel, on", "Class III", "Model:        450HD", "Manufacturer: AudioCodes"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the switch's neighbour table lacks %q:\n%s", want, seen)
		}
	}
}

// With network/lan/vlan/mode=Manual the phone tags its DHCP with the
// configured VLAN ID and priority from the start, without asking the
// switch, and takes the voice scope's address.
//
// behaviour: BOOT-15
func TestRawManualVoiceVLAN(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	dm := r.voiceTrunk(t, 321)
	capture := testpeer.StartCapture(t, r.lab, "vp0", "vlan 321")
	p := r.phone(t, storedConfig(t, "network/lan/vlan/mode=Manual\nnetwork/lan/vlan/id=321\nnetwork/lan/vlan/priority=3\n"))
	p.PowerOn(p.ctx)
	s := p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
	if s.Network.VLAN != 321 || s.Network.VLANSource != "manual" || !netip.MustParsePrefix("10.3.21.0/24").Contains(s.Network.Address.Addr()) {
		t.Errorf("VLAN %d (%s), address %v; want 321, manual, the voice scope's:\n%s", s.Network.VLAN, s.Network.VLANSource, s.Network.Address, dm.Output())
	}
	r.taggedFrames(t, capture, 321, 3)
}

// Without a switch's answer, DHCP option 43 sub-option 10 on the untagged
// network names the voice VLAN: the phone releases that lease and asks
// again in VLAN 321, where it gets the voice scope's address.
//
// behaviour: BOOT-9
func TestRawVoiceVLANFromDHCPOption(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	dm := r.voiceTrunk(t, 321, `dhcp-option-force=tag:br0,encap:43,10,"321"`)
	p := r.phone(t, storedConfig(t, ""))
	p.PowerOn(p.ctx)
	s := p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
	p.waitEvent(t, device.EventLog, "voice VLAN 321 from DHCP: asking again in it")
	if s.Network.VLAN != 321 || s.Network.VLANSource != "DHCP" || !netip.MustParsePrefix("10.3.21.0/24").Contains(s.Network.Address.Addr()) {
		t.Errorf("VLAN %d (%s), address %v; want 321 from DHCP and the voice scope's:\n%s", s.Network.VLAN, s.Network.VLANSource, s.Network.Address, dm.Output())
	}
	out := dm.Output()
	if !strings.Contains(out, "DHCPACK(br0) ") || !strings.Contains(out, "DHCPRELEASE(br0) ") || !strings.Contains(out, "DHCPACK(voice0) "+s.Network.Address.Addr().String()) {
		t.Errorf("dnsmasq did not see an untagged lease released, then one in the voice VLAN:\n%s", out)
	}
}

// dot1xVerdict boots the phone with flash fl on the raw net, whose switch
// port is hostapd h (and a DHCP server), and checks the verdict of its
// 802.1X on both sides: the phone's Network and hostapd's log for its MAC.
func (r *rawNet) dot1xVerdict(t *testing.T, h *testpeer.Hostapd, fl *flash.Store, want string) *testPhone {
	t.Helper()
	testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m")
	p := r.phone(t, fl, func(nc *device.NetConfig) { nc.Dot1XTimeout = 2 * time.Second })
	p.PowerOn(p.ctx)
	s := p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
	if s.Network.Dot1X != want {
		t.Errorf("802.1X %q, want %q", s.Network.Dot1X, want)
	}
	verdict := r.mac.String() + " IEEE 802.1X: authorizing port"
	if want == device.Dot1XRejected {
		verdict = "CTRL-EVENT-EAP-FAILURE " + r.mac.String()
	}
	if err := h.WaitOutput(verdict, 5*time.Second); err != nil {
		t.Errorf("hostapd never logged %q: %v", verdict, err)
	}
	return p
}

// 802.1X on the LAN port (hostapd as the switch's authenticator, EAP-MD5):
// the phone authenticates with network/lan/_802_1x/md5_identity and
// md5_password before DHCP, its Network shows the verdict, and a wrong
// password is rejected by the switch.
//
// behaviour: BOOT-20
func TestRaw8021XWithHostapd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ password, want string }{{"s3cret", device.Dot1XAuthenticated}, {"guess", device.Dot1XRejected}} {
		t.Run(c.want, func(t *testing.T) {
			t.Parallel()
			r := newRawNet(t)
			h := testpeer.StartHostapd(t, r.lab, "vp0", map[string]string{"phone-" + r.macHex(): "s3cret"})
			r.dot1xVerdict(t, h, storedConfig(t, "network/lan/_802_1x/eap_type=EAP_MD5\nnetwork/lan/_802_1x/md5_identity=phone-"+
				r.macHex()+"\nnetwork/lan/_802_1x/md5_password="+c.password+"\n"), c.want)
		})
	}
}

// 802.1X EAP-TLS with the phone's factory certificate (no 802.1X
// certificate configured; manual §3.5.3): hostapd trusting the hdphone
// Factory CA authorises the port. With verify_server_certificate the phone
// also checks the switch's certificate: against the switch's CA in flash it
// is accepted; without it the phone refuses the server.
//
// behaviour: BOOT-20
// behaviour: SEC-3
func TestRaw8021XTLSWithFactoryCertificate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, cfg string
		trust     bool
		want      string
	}{
		{"factory certificate", "", false, device.Dot1XAuthenticated},
		{"server verified", "security/ieee802_1x/verify_server_certificate=1\n", true, device.Dot1XAuthenticated},
		{"server not trusted", "security/ieee802_1x/verify_server_certificate=1\n", false, device.Dot1XRejected},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRawNet(t)
			dir := t.TempDir()
			switchCA := testpeer.NewCA(t, dir, "switch CA")
			server := switchCA.Issue(t, testpeer.LeafOptions{})
			factoryCA := filepath.Join(dir, "factory-ca.crt")
			if err := os.WriteFile(factoryCA, factorycert.CACertPEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			h := testpeer.StartHostapd(t, r.lab, "vp0", nil, testpeer.HostapdOptions{TLS: &testpeer.HostapdTLS{CACert: factoryCA, ServerCert: server.CertFile, ServerKey: server.KeyFile}})
			fl := storedConfig(t, "network/lan/_802_1x/eap_type=EAP_TLS\n"+c.cfg)
			if c.trust {
				if err := fl.Certificates().SetCA(0, switchCA.CertPEM); err != nil {
					t.Fatal(err)
				}
			}
			p := r.dot1xVerdict(t, h, fl, c.want)
			if c.name == "server not trusted" && !p.saw(device.EventLog, "after our TLS failed: x509: certificate signed by unknown authority") {
				t.Error("the refused server's certificate is not named as the cause")
			}
		})
	}
}

// A computer behind the phone's PC port authenticates itself with the
// switch through the phone (wpa_supplicant to hostapd); when its cable is
// pulled the phone logs it off at the switch (proxy EAPoL-Logoff). With
// network/pc/port_mode=DISABLE the port passes nothing and the computer
// never authenticates. (Plugging the computer back in is not exercised:
// after the logoff hostapd drops the station, and wpa_supplicant's restart
// of the exchange races that in ways the phone has no part in.)
//
// behaviour: BOOT-21
func TestRawPCPortBehindThePhone(t *testing.T) {
	t.Parallel()
	const pcMAC = "02:00:00:00:0c:01"
	for _, c := range []struct {
		name, cfg string
		through   bool
	}{{"port on", "", true}, {"port disabled", "network/pc/port_mode=DISABLE\n", false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRawNet(t)
			pc := testpeer.Netns(t, "dpc")
			testpeer.Veth(t, r.ns, "pc0", "", pc, "eth0", "", pcMAC)
			h := testpeer.StartHostapd(t, r.lab, "vp0", map[string]string{"pc-user": "pcpass"})
			testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m")
			p := r.phone(t, storedConfig(t, c.cfg), func(nc *device.NetConfig) { nc.PCInterface = "pc0" })
			p.PowerOn(p.ctx)
			p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
			testpeer.StartWPASupplicant(t, pc, "eth0", "pc-user", "pcpass")
			wait := 10 * time.Second
			if !c.through {
				wait = 3 * time.Second
			}
			err := h.WaitOutput(pcMAC+" IEEE 802.1X: authorizing port", wait)
			if !c.through {
				if err == nil {
					t.Fatal("the computer authenticated through a disabled PC port")
				}
				return
			}
			if err != nil {
				t.Fatalf("the computer did not authenticate through the phone: %v", err)
			}
			pc.MustRun(t, "ip", "link", "set", "eth0", "down")
			p.waitEvent(t, device.EventLog, "802.1X proxy logoff for "+pcMAC)
			if err := h.WaitOutput(pcMAC+" IEEE 802.1X: unauthorizing port", 5*time.Second); err != nil {
				t.Errorf("hostapd did not take the computer's authorisation back: %v", err)
			}
		})
	}
}

// The phone and the computer behind it both authenticate on one switch
// port, the switch addressing each by its own MAC (hostapd with unicast
// EAP): each answers only its own exchange, and both are authorised.
//
// behaviour: BOOT-20
func TestRaw8021XPhoneAndComputerOnOnePort(t *testing.T) {
	t.Parallel()
	const pcMAC = "02:00:00:00:0c:02"
	r := newRawNet(t)
	pc := testpeer.Netns(t, "dpc")
	testpeer.Veth(t, r.ns, "pc0", "", pc, "eth0", "", pcMAC)
	phoneUser := "phone-" + r.macHex()
	h := testpeer.StartHostapd(t, r.lab, "vp0", map[string]string{phoneUser: "s3cret", "pc-user": "pcpass"},
		testpeer.HostapdOptions{Unicast: true})
	testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m")
	p := r.phone(t, storedConfig(t, "network/lan/_802_1x/eap_type=EAP_MD5\nnetwork/lan/_802_1x/md5_identity="+phoneUser+
		"\nnetwork/lan/_802_1x/md5_password=s3cret\n"), func(nc *device.NetConfig) {
		nc.PCInterface = "pc0"
		nc.Dot1XTimeout = 2 * time.Second
	})
	p.PowerOn(p.ctx)
	s := p.wait(t, "a lease", func(s device.State) bool { return s.Network.Address.IsValid() })
	if s.Network.Dot1X != device.Dot1XAuthenticated {
		t.Errorf("the phone's 802.1X is %q", s.Network.Dot1X)
	}
	testpeer.StartWPASupplicant(t, pc, "eth0", "pc-user", "pcpass")
	for _, mac := range []string{r.mac.String(), pcMAC} {
		if err := h.WaitOutput(mac+" IEEE 802.1X: authorizing port", 10*time.Second); err != nil {
			t.Errorf("%s not authorised: %v", mac, err)
		}
	}
	// The phone answered its own exchange only: it logs every verdict it
	// sees after its own, and saw none (hostapd's log names identities only
	// in hexdumps without the station, so it cannot tell).
	time.Sleep(time.Second)
	if p.count(device.EventLog, "802.1X re-authentication") > 0 {
		t.Error("the phone took part in the computer's exchange")
	}
}

// The manual's recovery lab (C.3): a PC serving DHCP and TFTP, a pool of
// five from .2, a 3-minute lease, itself as router, and only the file name
// to boot (dnsmasq's dhcp-boot: the BOOTP file field and next-server, no
// options 66 and 67). A phone in recovery fetches that file from the
// next-server at once and boots it. (The lab's addresses are the test
// network's 10.0.0.0/24, and the TFTP server is tftpd-hpa on loopback: the
// emulated phone reaches servers through the host's routing.)
//
// behaviour: FW-5
func TestRawRecoveryFromBootFileAndNextServer(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	td := testpeer.StartTFTPD(t)
	if err := os.WriteFile(filepath.Join(td.Root, "450HD_3.4.9.24.img"), image(t, "UC_3.4.9.24", 256<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(td.Addr)
	testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.2,10.0.0.6,255.255.255.0,3m",
		"dhcp-option=3,10.0.0.1", "dhcp-boot=450HD_3.4.9.24.img,,"+host)
	fl := flash.NewMemory()
	if _, err := fl.Firmware().BeginBurn("UC_3.4.9.24"); err != nil { // an upgrade cut short
		t.Fatal(err)
	}
	p := r.phone(t, fl, func(nc *device.NetConfig) { nc.TFTPPort, _ = strconv.Atoi(port) })
	p.PowerOn(p.ctx)
	s := p.wait(t, "recovered", func(s device.State) bool { return s.Stage == device.StageIdle && s.Firmware == "UC_3.4.9.24" })
	p.waitEvent(t, device.EventLog, "recovery: tftp://"+td.Addr+"/450HD_3.4.9.24.img")
	if a := s.Network.Address.Addr(); !netip.MustParsePrefix("10.0.0.0/24").Contains(a) || a.As4()[3] < 2 || a.As4()[3] > 6 {
		t.Errorf("address %v, want one of the pool 10.0.0.2-6", s.Network.Address)
	}
}

// behaviour: BOOT-12
// behaviour: TIME-1
// behaviour: SIGN-13
func TestTimeFromChrony(t *testing.T) {
	t.Parallel()
	testpeer.Need(t, "chronyd")
	ch := testpeer.StartChrony(t, nil, "127.0.0.1", 0)
	dead := deadUDP(t)
	l := startLab(t, lab.Config{})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	nc.NTPTimeout = time.Second
	p := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "system/ntp/enabled=1\n"+
		"system/ntp/primary_server_address="+dead+"\nsystem/ntp/secondary_server_address="+ch.Addr+"\n")})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if _, ok := p.TimeSynced(); !ok || s.HasNotification(device.NoteTimeServer) {
		t.Fatalf("not synchronised from chrony (secondary); notes %v", s.Notifications)
	}
	if !p.saw(device.EventLog, "time from "+ch.Addr) {
		t.Error("time not from chrony")
	}
	if d := time.Until(p.LocalTime()); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("local time off by %v", d)
	}

	// Both servers dead: the notification.
	q := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "system/ntp/enabled=1\n"+
		"system/ntp/primary_server_address="+dead+"\nsystem/ntp/secondary_server_address="+deadUDP(t)+"\n")})
	q.PowerOn(q.ctx)
	q.wait(t, "the notification", hasNote(device.NoteTimeServer))
}

// behaviour: DIAG-1
// behaviour: DIAG-3
func TestSyslogAtRsyslog(t *testing.T) {
	t.Parallel()
	rs := testpeer.StartRsyslog(t)
	l := startLab(t, lab.Config{})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "system/syslog/mode=Network\n"+
		"system/syslog/server_address=127.0.0.1\nsystem/syslog/server_port="+strconv.Itoa(rs.Port)+"\n")})
	p.PowerOn(p.ctx)
	p.wait(t, "idle", idleAt(1))
	lines, err := rs.WaitLines(3, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var stage bool
	for _, l := range lines {
		// version|facility (16: local0)|severity|hostname|app-name|msg
		f := strings.SplitN(l, "|", 6)
		if len(f) != 6 || f[0] != "1" || f[1] != "16" || f[3] != p.MAC() {
			t.Errorf("rsyslog line %q", l)
			continue
		}
		if f[4] == "ipphone" && strings.HasPrefix(f[5], "stage ") && f[2] == "info" {
			stage = true
		}
	}
	if !stage {
		t.Errorf("no stage line among %q", lines)
	}
}

// behaviour: BOOT-17
// behaviour: SIGN-13
func TestRawDuplicateIPShownThenAnotherAddress(t *testing.T) {
	t.Parallel()
	r := newRawNet(t)
	// A squatter on the LAN already uses the first address of the pool.
	sq := testpeer.Netns(t, "dsq")
	testpeer.Veth(t, r.lab, "vsq", "", sq, "eth0", "10.0.0.150/24", "00:11:22:33:44:55")
	r.lab.MustRun(t, "ip", "link", "set", "vsq", "master", "br0")
	// The phone is offered the squatted address first (a reservation, which
	// dnsmasq disables for a while after a DHCPDECLINE), then the pool's.
	testpeer.StartDnsmasq(t, r.lab, "br0", "dhcp-range=10.0.0.151,10.0.0.151,255.255.255.0,2m",
		"dhcp-host="+r.mac.String()+",10.0.0.150")
	p := r.phone(t, nil)
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if !p.saw(device.EventNotification, device.NoteDuplicateIP) {
		t.Error("no Duplicate IP notification for the squatted address")
	}
	if s.Network.Address.Addr() != netip.MustParseAddr("10.0.0.151") || s.HasNotification(device.NoteDuplicateIP) {
		t.Errorf("address %v, notes %v: want the free address and the notification gone", s.Network.Address, s.Notifications)
	}
}
