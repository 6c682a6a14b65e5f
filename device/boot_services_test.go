package device_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/provisioning"
)

// storedConfig is a flash holding cfg as the phone's configuration.
func storedConfig(t testing.TB, cfg string) *flash.Store {
	t.Helper()
	fl := flash.NewMemory()
	if err := fl.Write(device.RecordConfig, []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	return fl
}

// bareDHCP runs a lab DHCP server handing out only opts (no provisioning
// URL unless opts has one).
func bareDHCP(t testing.TB, opts dhcpserver.Options) *dhcpserver.Server {
	t.Helper()
	srv, err := dhcpserver.New(dhcpserver.Config{ClientSourceAddress: true, PrefixLen: 8, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv
}

// behaviour: BOOT-12
// behaviour: TIME-1
// behaviour: TIME-3
// behaviour: TIME-4
func TestTimeFromPrimaryThenSecondaryServer(t *testing.T) {
	t.Parallel()
	ahead := 90 * time.Minute // the server's clock is this far ahead of ours
	ntp := startNTP(t, "127.0.0.1:0", ahead)
	dead := deadUDP(t)
	fl := storedConfig(t, "system/ntp/enabled=1\n"+
		"system/ntp/primary_server_address="+dead+"\n"+
		"system/ntp/secondary_server_address="+ntp.addr()+"\n"+
		"system/ntp/gmt_offset=+02:00\n"+
		"system/daylight_saving/activate=ENABLE\nsystem/daylight_saving/mode=FIXED\n"+
		"system/daylight_saving/start_date/month=1\nsystem/daylight_saving/start_date/day=1\n"+
		"system/daylight_saving/start_date/hour=0\nsystem/daylight_saving/start_date/minute=0\n"+
		"system/daylight_saving/end_date/month=12\nsystem/daylight_saving/end_date/day=31\n"+
		"system/daylight_saving/end_date/hour=23\nsystem/daylight_saving/end_date/minute=59\n")
	l := startLab(t, lab.Config{})
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: net, flash: fl})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if s.HasNotification(device.NoteTimeServer) {
		t.Fatal("time server notification with a working secondary")
	}
	if _, ok := p.TimeSynced(); !ok {
		t.Fatal("clock not synchronised")
	}
	if !p.saw(device.EventLog, "time from "+ntp.addr()) {
		t.Error("time did not come from the secondary")
	}
	lt := p.LocalTime()
	_, off := lt.Zone()
	// +02:00 and an hour of daylight saving.
	if off != 3*3600 {
		t.Errorf("zone offset %d s, want 3 h (GMT+2 with DST)", off)
	}
	if d := time.Until(lt) - ahead; d < -5*time.Second || d > 5*time.Second {
		t.Errorf("local time %v is %v away from the server's", lt, d)
	}
	clk, _ := p.ClockText()
	if want := lt.Format("15:04"); clk != want && clk != lt.Add(-time.Minute).Format("15:04") {
		t.Errorf("ClockText %q, want %q", clk, want)
	}
}

// behaviour: SIGN-13
// behaviour: TIME-5
func TestTimeServerFailureShownUntilOneAnswers(t *testing.T) {
	t.Parallel()
	primary, secondary := deadUDP(t), deadUDP(t)
	fl := storedConfig(t, "system/ntp/enabled=1\nsystem/ntp/primary_server_address="+primary+
		"\nsystem/ntp/secondary_server_address="+secondary+"\n")
	l := startLab(t, lab.Config{})
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: net, flash: fl})
	p.PowerOn(p.ctx)
	p.wait(t, "the notification", hasNote(device.NoteTimeServer))
	if s := p.wait(t, "idle", idleAt(1)); !s.HasNotification(device.NoteTimeServer) {
		t.Fatal("notification gone without a server")
	}
	startNTP(t, secondary, 0) // the secondary comes back
	p.wait(t, "the notification cleared", func(s device.State) bool { return !s.HasNotification(device.NoteTimeServer) })
	if _, ok := p.TimeSynced(); !ok {
		t.Error("not synchronised after the server came back")
	}
}

// behaviour: BOOT-11
func TestTimeServersAndOffsetFromDHCP(t *testing.T) {
	t.Parallel()
	ntp := startNTP(t, "127.0.0.1:0", 0)
	_, port, _ := net.SplitHostPort(ntp.addr())
	offset := -(3*time.Hour + 30*time.Minute)
	// The configuration names a dead server; DHCP's option 42 wins while
	// network/lan/dhcp/ntp/server_list/enabled=1 (the default).
	fl := storedConfig(t, "system/ntp/enabled=1\nsystem/ntp/primary_server_address="+deadUDP(t)+"\nsystem/ntp/gmt_offset=+05:00\n")
	l := startLab(t, lab.Config{DHCP: dhcpserver.Options{
		NTPServers: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		TimeOffset: &offset,
	}})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	nc.NTPPort, _ = strconv.Atoi(port)
	p := newBootPhone(t, phoneOpts{net: nc, flash: fl})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if s.Network.TimeOffset == nil || *s.Network.TimeOffset != int(offset.Seconds()) || len(s.Network.NTPServers) != 1 {
		t.Fatalf("network %+v", s.Network)
	}
	if _, ok := p.TimeSynced(); !ok || ntp.asked.Load() == 0 {
		t.Fatal("not synchronised from the DHCP server")
	}
	if _, off := p.LocalTime().Zone(); off != int(offset.Seconds()) {
		t.Errorf("zone offset %d, want option 2's %d", off, int(offset.Seconds()))
	}
}

// behaviour: BOOT-1
func TestLostLeaseRunsDHCPAgain(t *testing.T) {
	t.Parallel()
	l := startLab(t, lab.Config{LeaseTime: 2 * time.Second})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if s.Network.LeaseTime != 2*time.Second {
		t.Fatalf("lease %v", s.Network.LeaseTime)
	}
	// The server moves the phone to another address: the next renewal is
	// refused, DHCP runs again, and the phone restarts on the new address.
	moved := netip.AddrFrom4([4]byte{127, 2, 200, byte(nextPhone.Add(1) % 250)})
	if err := l.DHCP.SetHosts([]dhcpserver.Host{{MAC: p.hw, Address: moved}}); err != nil {
		t.Fatal(err)
	}
	s = p.wait(t, "the new address", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Network.Address.Addr() == moved
	})
	if !p.saw(device.EventReboot, "IP address changed") {
		t.Error("no restart for the new address")
	}
	if !p.saw(device.EventLog, "DHCP nak") {
		t.Error("the refused renewal was not logged")
	}
	t.Logf("moved at boot %d", s.BootCount)
}

// behaviour: FW-7
func TestCheckNowAppliesANewConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := startLab(t, lab.Config{Dir: dir})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	mac := p.MAC()
	writeFile(t, dir, mac+".cfg", []byte("voip/media/media_port=6100\n"))
	if err := p.CheckNow(p.ctx); err == nil {
		t.Fatal("Check Now on a phone that is off worked")
	}
	p.PowerOn(p.ctx)
	if s := p.wait(t, "idle", idleAt(1)); s.Config.Get("voip/media/media_port") != "6100" {
		t.Fatalf("media_port %s", s.Config.Get("voip/media/media_port"))
	}
	writeFile(t, dir, mac+".cfg", []byte("voip/media/media_port=6200\n"))
	if err := p.CheckNow(p.ctx); err != nil {
		t.Fatal(err)
	}
	if got := p.Snapshot().Config.Get("voip/media/media_port"); got != "6200" {
		t.Fatalf("media_port %s after Check Now", got)
	}
	// A new image is installed by Check Now too.
	writeFile(t, dir, "450HD.img", image(t, "UC_3.4.9.3", 20<<10))
	if err := p.CheckNow(p.ctx); err != nil {
		t.Fatal(err)
	}
	p.wait(t, "the new firmware", func(s device.State) bool { return s.Firmware == "UC_3.4.9.3" && s.Stage == device.StageIdle })
}

// behaviour: PER-1
// behaviour: PER-2
func TestPeriodicCheckHourlyWithRandomDelay(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Date(2024, 2, 22, 10, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	// No SIP line: the fake clock would hold registration.
	l := startLab(t, lab.Config{Dir: dir, Template: "voip/media/media_port=6300\n", Clock: clk})
	fl := storedConfig(t, "provisioning/period/type=HOURLY\nprovisioning/period/hourly/hours_interval=1\nprovisioning/random_provisioning_time=30\n")
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	n := int(nextPhone.Add(1))
	p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: lab.PhoneMAC(n), Addr: lab.PhoneAddr(n),
		Flash: fl, Clock: clk, Network: nc, MediaPorts: media.PortAny})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	p.PowerOn(ctx)
	if _, err := p.Wait(ctx, idleAt(1)); err != nil {
		t.Fatal(err)
	}
	fetches := func() int { return countLog(l, strings.ToLower(p.MAC())+".cfg", true) }
	// Let the services arm their timers (DHCP renewal, NTP, the schedule)
	// before the clock moves.
	for deadline := time.Now().Add(5 * time.Second); clk.Pending() < 3 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	start, boot := clk.Now(), fetches()
	if boot != 1 {
		t.Fatalf("%d configuration fetches at boot", boot)
	}
	var at time.Duration
	for step := time.Minute; clk.Now().Sub(start) < time.Hour+time.Minute; {
		if clk.Now().Sub(start) >= 59*time.Minute {
			step = time.Second
		}
		clk.Advance(step)
		time.Sleep(2 * time.Millisecond)
		if fetches() > boot {
			// Wait a moment: the check runs on the phone's goroutines.
			at = clk.Now().Sub(start)
			break
		}
		if step == time.Second {
			time.Sleep(10 * time.Millisecond)
			if fetches() > boot {
				at = clk.Now().Sub(start)
				break
			}
		}
	}
	if at == 0 {
		t.Fatal("no periodic check within an hour and a minute")
	}
	if at <= time.Hour || at > time.Hour+31*time.Second {
		t.Errorf("periodic check at +%v, want within 1..30 s after the hour", at)
	}
}

// wav makes a mono WAV file: tag 6 (A-law) or 7 (µ-law) at 8 kHz 8 bit, or 1
// (PCM) at 16 kHz 16 bit.
func wav(tag uint16, n int) []byte {
	rate, bits := uint32(8000), uint16(8)
	if tag == 1 {
		rate, bits = 16000, 16
	}
	var b bytes.Buffer
	data := make([]byte, n)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), tag, uint16(1), rate, rate * uint32(bits/8), bits / 8, bits} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	b.Write(data)
	return b.Bytes()
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range files {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// behaviour: PROV-8
// behaviour: PROV-9
// behaviour: PROV-10
// behaviour: PROV-11
func TestSideFilesAfterTheConfiguration(t *testing.T) {
	t.Parallel()
	// The speed-dial list is on an HTTPS server whose certificate only the
	// downloaded CA makes trusted.
	var speed shared[[]byte]
	speed.set([]byte("1,4418,0\n12,1234,0\n"))
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(speed.get())
	}))
	t.Cleanup(tlsSrv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	dir := t.TempDir()
	writeFile(t, dir, "ca.pem", ca)
	writeFile(t, dir, "tones.zip", zipOf(t, map[string][]byte{"Ring1.wav": wav(6, 800), "readme.txt": []byte("x")}))
	writeFile(t, dir, "moh.wav", wav(1, 3200))
	l := startLab(t, lab.Config{Dir: dir, Template: "security/ca_certificate/0/uri=ca.pem\n" +
		"provisioning/speed_dial_uri=" + tlsSrv.URL + "/speed.txt\n" +
		"provisioning/ring_tone_uri=tones.zip\nlync/moh/url=moh.wav\n"})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	// The new keys need a restart (speed_dial_uri is such a key), then the
	// new speed-dial list restarts the phone once more.
	s := p.wait(t, "idle after the speed-dial restart", idleAt(3))
	if s.BootCount != 3 || !p.saw(device.EventReboot, "new speed-dial list") {
		t.Fatalf("boot %d; want one restart for the new keys and one for the new list", s.BootCount)
	}
	fl := p.Flash()
	if b, _ := fl.Read(device.RecordSpeedDial); string(b) != "1,4418,0\n12,1234,0\n" {
		t.Errorf("speed dials in flash %q", b)
	}
	if b, err := fl.Certificates().CA(0); err != nil || !bytes.Contains(b, bytes.TrimSpace(ca)[:60]) {
		t.Errorf("CA slot 0: %v", err)
	}
	if b, _ := fl.Read(device.DirRingTones + "Ring1.wav"); len(b) != len(wav(6, 800)) {
		t.Errorf("ring tone in flash: %d bytes", len(b))
	}
	if b, _ := fl.Read(device.RecordMusicOnHold); len(b) != len(wav(1, 3200)) {
		t.Errorf("music on hold in flash: %d bytes", len(b))
	}
	toneFetches := countLog(l, "tones.zip", true)
	// A changed list at a later check restarts the phone again; the
	// ring-tone bundle is never fetched again until the next boot.
	speed.set([]byte("1,4418,0\n12,5678,0\n"))
	writeFile(t, dir, "tones.zip", zipOf(t, map[string][]byte{"Ring2.wav": wav(7, 800)}))
	if err := p.CheckNow(p.ctx); err != nil {
		t.Fatal(err)
	}
	p.wait(t, "restart for the changed list", idleAt(4))
	if got := countLog(l, "tones.zip", true); got != toneFetches+1 {
		t.Errorf("ring-tone bundle fetched %d times, want %d (once per boot)", got, toneFetches+1)
	}
	if b, _ := fl.Read(device.RecordSpeedDial); !strings.Contains(string(b), "12,5678,0") {
		t.Errorf("speed dials after the change %q", b)
	}
	if ok, _ := fl.Exists(device.DirRingTones + "Ring2.wav"); !ok {
		t.Error("new ring tone not stored")
	}
	if ok, _ := fl.Exists(device.DirRingTones + "Ring1.wav"); ok {
		t.Error("old ring tone kept")
	}
}

// shared is a value shared with a server goroutine.
type shared[T any] struct {
	mu sync.Mutex
	v  T
}

func (a *shared[T]) set(v T) { a.mu.Lock(); a.v = v; a.mu.Unlock() }
func (a *shared[T]) get() T  { a.mu.Lock(); defer a.mu.Unlock(); return a.v }

// behaviour: DIAG-1
// behaviour: DIAG-2
// behaviour: DIAG-3
func TestSyslogLinesFollowTheConfiguration(t *testing.T) {
	t.Parallel()
	first, firstLines := syslogServer(t)
	second, secondLines := syslogServer(t)
	port := func(c net.PacketConn) string { return strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port) }
	fl := storedConfig(t, "system/syslog/mode=Network\nsystem/syslog/server_address=127.0.0.1\nsystem/syslog/server_port="+port(first)+"\n")
	dir := t.TempDir()
	l := startLab(t, lab.Config{Dir: dir})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc, flash: fl})
	p.PowerOn(p.ctx)
	p.wait(t, "idle", idleAt(1))
	got := waitLine(t, firstLines, "stage")
	// RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME ...; HOSTNAME is the MAC.
	if f := strings.Fields(got); len(f) < 5 || !strings.HasPrefix(f[0], "<") || f[2] != p.MAC() {
		t.Errorf("syslog line %q", got)
	}
	// A new server from a configuration change takes over.
	writeFile(t, dir, p.MAC()+".cfg", []byte("system/syslog/server_port="+port(second)+"\n"))
	if err := p.CheckNow(p.ctx); err != nil {
		t.Fatal(err)
	}
	p.Reboot(p.ctx, "after the syslog change")
	waitLine(t, secondLines, "stage")
}

// A phone whose stored configuration sends System Logging nowhere skips
// it at the link stage, and the configuration it is provisioned with in
// the same boot turns it on: the boot's later lines reach the server.
//
// behaviour: DIAG-2
func TestSyslogTurnedOnByTheProvisionedConfiguration(t *testing.T) {
	t.Parallel()
	c, lines := syslogServer(t)
	dir := t.TempDir()
	l := startLab(t, lab.Config{Dir: dir})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	writeFile(t, dir, p.MAC()+".cfg", []byte("system/syslog/mode=Network\nsystem/syslog/server_address=127.0.0.1\n"+
		"system/syslog/server_port="+strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)+"\n"))
	p.PowerOn(p.ctx)
	p.wait(t, "idle", idleAt(1))
	waitLine(t, lines, "sign-in")
}

// syslogServer is a UDP socket on loopback whose datagrams (syslog lines)
// arrive on the channel; both end with the test.
func syslogServer(t *testing.T) (net.PacketConn, chan string) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	lines := make(chan string, 1024)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case lines <- string(buf[:n]):
			default:
			}
		}
	}()
	return c, lines
}

func waitLine(t *testing.T, lines chan string, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no syslog line with %q", want)
		}
	}
}

// behaviour: PROV-7
func TestDeviceManagerKeepAlive(t *testing.T) {
	t.Parallel()
	bodies := make(chan provisioning.Status, 8)
	ems := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == provisioning.KeepAlivePath {
			var st provisioning.Status
			b, _ := io.ReadAll(r.Body)
			if json.Unmarshal(b, &st) == nil {
				select {
				case bodies <- st:
				default:
				}
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ems.Close)
	l := startLab(t, lab.Config{Template: lab.Template + "ems_server/provisioning/url=" + ems.URL +
		"\nems_server/user_name=admin\nems_server/keep_alive_period=1\n"})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	select {
	case st := <-bodies:
		if st.MAC != p.MAC() || st.Model != "450HD" || st.FWVersion != device.DefaultFirmware || st.IP != p.ip.String() || st.EmsUserName != "admin" {
			t.Errorf("keep-alive %+v", st)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no keep-alive")
	}
}

// behaviour: BOOT-9
// behaviour: BOOT-13
// behaviour: BOOT-15
func TestVLANAndPerFieldOverrides(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, cfg string
		vlan      int
		gateway   string
	}{
		{"option 43 sub-option 10", "", 200, "127.0.0.254"},
		{"manual VLAN", "network/lan/vlan/mode=Manual\nnetwork/lan/vlan/id=100\n", 100, "127.0.0.254"},
		{"VLAN disabled", "network/lan/vlan/mode=Disable\n", 0, "127.0.0.254"},
		{"fixed gateway in DHCP mode", "network/lan/dhcp/gateway/enabled=1\nnetwork/lan/fixed_ip/gateway=127.0.0.9\n", 200, "127.0.0.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, err := dhcpserver.New(dhcpserver.Config{ClientSourceAddress: true, PrefixLen: 8,
				Routers: []netip.Addr{netip.MustParseAddr("127.0.0.254")},
				Options: dhcpserver.Options{VendorInfo: dhcpserver.MSUCVendorInfo("lab.example.test", 200)}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			go srv.Run(ctx)
			t.Cleanup(cancel)
			nc := fastNet()
			nc.DHCPServer = srv.Addr()
			p := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, c.cfg)})
			p.PowerOn(p.ctx)
			s := p.wait(t, "idle", idleAt(1))
			if s.Network.VLAN != c.vlan || s.Network.Gateway.String() != c.gateway {
				t.Errorf("VLAN %d gateway %s, want %d %s", s.Network.VLAN, s.Network.Gateway, c.vlan, c.gateway)
			}
			if s.Network.VendorInfo[1] != "MS-UC-Client" {
				t.Errorf("option 43 %v", s.Network.VendorInfo)
			}
		})
	}
}

// behaviour: PROV-6
func TestRedirectServerWhenDHCPHasNothing(t *testing.T) {
	t.Parallel()
	files := startLab(t, lab.Config{})
	var asked shared[string]
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.set(r.URL.Path + " " + r.UserAgent())
		http.Redirect(w, r, files.HTTPURL()+"/;<MAC>.cfg", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	roots := x509.NewCertPool()
	roots.AddCert(redirect.Certificate())
	srv := bareDHCP(t, dhcpserver.Options{})
	nc := fastNet()
	nc.DHCPServer = srv.Addr()
	nc.TrustRoots = roots
	nc.LookupHost = func(context.Context, string) ([]string, error) {
		return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
	}
	p := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "provisioning/redirect_server_url="+redirect.URL+"\n")})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if got := asked.get(); !strings.HasPrefix(got, "/"+p.MAC()+" AUDC/") || !strings.Contains(got, "450HD") {
		t.Errorf("redirect request %q", got)
	}
	line, _ := files.Line(p.hw)
	if s.Config.Get("voip/line/0/id") != line {
		t.Errorf("configuration from the redirected URL not applied: line %q", s.Config.Get("voip/line/0/id"))
	}
}

// behaviour: PROV-5
// behaviour: MAINT-6
func TestStaticDNSThenRedirectFallbacks(t *testing.T) {
	t.Parallel()
	srv := bareDHCP(t, dhcpserver.Options{})
	var looked shared[string]
	nc := fastNet()
	nc.DHCPServer = srv.Addr()
	nc.LookupHost = func(_ context.Context, host string) ([]string, error) {
		looked.set(host)
		return []string{"127.0.0.1"}, nil
	}
	p := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	p.wait(t, "idle", idleAt(1))
	// The Static DNS record names ProvisioningServer: the phone asks for
	// tftp://ProvisioningServer/450HD/450HD.img (which this machine cannot
	// resolve, so the check fails and is retried).
	if looked.get() != provisioning.StaticDNSHost {
		t.Errorf("looked up %q", looked.get())
	}
	p.waitEvent(t, device.EventLog, "tftp://ProvisioningServer/450HD/450HD.img")

	// After a factory reset with no Static DNS record the phone asks the
	// default redirect server again.
	nc.LookupHost = func(context.Context, string) ([]string, error) { return nil, &net.DNSError{IsNotFound: true} }
	q := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "provisioning/redirect_server_url=https://127.0.0.1:1\n")})
	q.PowerOn(q.ctx)
	q.wait(t, "idle", idleAt(1))
	q.waitEvent(t, device.EventLog, "127.0.0.1:1")
	if err := q.FactoryReset(q.ctx); err != nil {
		t.Fatal(err)
	}
	q.wait(t, "idle after the reset", idleAt(2))
	q.waitEvent(t, device.EventLog, "redirect.audiocodes.com")
}

// behaviour: CFG-4
// behaviour: PROV-2
func TestEncryptedConfigurationFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := startLab(t, lab.Config{Dir: dir})
	l := startLab(t, lab.Config{DHCP: dhcpserver.Options{ProvisioningURL: files.HTTPURL() + "/;<MAC>.cfx"}})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc})
	cfx, err := config.EncryptFile([]byte("voip/media/media_port=6600\n"))
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), cfx...)
	bad[len(bad)-3] ^= 0x55 // a damaged file is refused, not half-applied
	writeFile(t, dir, p.MAC()+".cfx", bad)
	p.PowerOn(p.ctx)
	p.wait(t, "the damaged file refused", hasNote(device.NoteConfiguration))
	writeFile(t, dir, p.MAC()+".cfx", cfx)
	s := p.wait(t, "the encrypted file applied", func(s device.State) bool {
		return s.Config.Get("voip/media/media_port") == "6600" && !s.HasNotification(device.NoteConfiguration)
	})
	if s.BootCount != 1 {
		t.Errorf("boot %d", s.BootCount)
	}
}

// behaviour: BOOT-1
func TestLeaseBackOnTheSameAddressRegistersAgain(t *testing.T) {
	t.Parallel()
	l := startLab(t, lab.Config{})
	dhcpOpts := dhcpserver.Config{ClientSourceAddress: true, PrefixLen: 8, LeaseTime: 2 * time.Second,
		Options: dhcpserver.Options{ProvisioningURL: l.ProvisioningURL()}}
	srv, err := dhcpserver.New(dhcpOpts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stopServer := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	nc := fastNet()
	nc.DHCPServer = srv.Addr()
	p := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	p.wait(t, "registered", func(s device.State) bool {
		return s.Stage == device.StageIdle && len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
	})
	registers := l.SIP.Stats().Registers
	// The DHCP server goes away until the lease has run out, then comes
	// back on the same port: the phone gets its address again and
	// registers again at once.
	stopServer()
	<-done
	p.waitEvent(t, device.EventLog, "DHCP expired")
	dhcpOpts.Addr = srv.Addr().String()
	srv2, err := dhcpserver.New(dhcpOpts)
	if err != nil {
		t.Fatal(err)
	}
	ctx2, stop2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() { defer close(done2); srv2.Run(ctx2) }()
	t.Cleanup(func() { stop2(); <-done2 })
	deadline := time.Now().Add(20 * time.Second)
	for l.SIP.Stats().Registers == registers {
		if time.Now().After(deadline) {
			t.Fatal("no new REGISTER after the lease came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := p.Snapshot(); s.BootCount != 1 || s.Network.Address.Addr() != p.ip {
		t.Errorf("boot %d address %v: want the same cycle and address", s.BootCount, s.Network.Address)
	}
}

// behaviour: BOOT-4
// behaviour: BOOT-5
func TestURLOptionValueAndOption66Fallback(t *testing.T) {
	t.Parallel()
	// The lab sends its URL as option 161, and 66 (its TFTP server, no 67).
	l := startLab(t, lab.Config{DHCP: dhcpserver.Options{URLOption: 161}})
	nc := fastNet()
	nc.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: nc, flash: storedConfig(t, "provisioning/url_option_value=161\n")})
	q := newBootPhone(t, phoneOpts{net: nc})
	p.PowerOn(p.ctx)
	q.PowerOn(q.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if s.Network.ProvisioningURL != l.ProvisioningURL() || !p.saw(device.EventConfigApplied, l.HTTPURL()+"/"+p.MAC()+".cfg") {
		t.Errorf("option 161 phone: URL %q", s.Network.ProvisioningURL)
	}
	s = q.wait(t, "idle", idleAt(1))
	if s.Network.ProvisioningURL != "" || !q.saw(device.EventConfigApplied, l.TFTPURL()+"/"+q.MAC()+".cfg") {
		t.Errorf("option 160 phone: URL %q; want the configuration from the option-66 TFTP server", s.Network.ProvisioningURL)
	}
	if !q.saw(device.EventLog, "no firmware image at "+l.TFTPURL()+"/450HD.img") {
		t.Error("66 without 67 did not ask for <model>.img")
	}
}
