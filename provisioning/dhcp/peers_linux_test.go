//go:build linux

package dhcp_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// The raw-mode client against real DHCP servers: a "lab" namespace with a
// bridge (10.0.0.1/24) and one namespace per phone, each with an eth0 that
// has an AudioCodes MAC and no address. The client's sockets are opened
// inside the phone's namespace.

type lab struct {
	ns *testpeer.NS
}

type phone struct {
	ns  *testpeer.NS
	mac net.HardwareAddr
	tap string // the phone's port on the lab bridge
}

func newLab(t *testing.T) *lab {
	t.Helper()
	ns := testpeer.Netns(t, "lab")
	ns.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	ns.MustRun(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "br0")
	ns.MustRun(t, "ip", "link", "set", "br0", "up")
	return &lab{ns: ns}
}

func (l *lab) phone(t *testing.T, n int) *phone {
	t.Helper()
	p := &phone{
		ns:  testpeer.Netns(t, fmt.Sprintf("ph%d", n)),
		mac: net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, byte(n)},
		tap: fmt.Sprintf("vp%d", n),
	}
	testpeer.Veth(t, l.ns, p.tap, "", p.ns, "eth0", "", p.mac.String())
	l.ns.MustRun(t, "ip", "link", "set", p.tap, "master", "br0")
	return p
}

func (l *lab) brMAC(t *testing.T) net.HardwareAddr {
	t.Helper()
	out := l.ns.MustRun(t, "cat", "/sys/class/net/br0/address")
	mac, err := net.ParseMAC(strings.TrimSpace(out))
	if err != nil {
		// /sys shows the namespace sysfs was mounted in; ask ip instead.
		out = l.ns.MustRun(t, "ip", "-br", "link", "show", "br0")
		f := strings.Fields(out)
		mac, err = net.ParseMAC(f[2])
		if err != nil {
			t.Fatalf("br0 MAC from %q: %v", out, err)
		}
	}
	return mac
}

// waitCarrier waits until the kernel reports the phone's link state:
// carrier changes reach the interface flags asynchronously.
func (p *phone) waitCarrier(t *testing.T, up bool) {
	t.Helper()
	var out string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out = p.ns.MustRun(t, "ip", "link", "show", "eth0")
		// The carrier flags change at once; the operational state ("state
		// UP", the RUNNING flag the client checks) follows from a kernel
		// work queue, later on a loaded machine.
		if strings.Contains(out, "NO-CARRIER") != up && strings.Contains(out, "LOWER_UP") == up &&
			strings.Contains(out, "state UP") == up {
			return
		}
	}
	t.Fatalf("eth0 never reported carrier %v:\n%s", up, out)
}

// client opens a raw-mode client inside the phone's namespace.
func (p *phone) client(t *testing.T, cfg dhcp.Config) *dhcp.Client {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 500 * time.Millisecond
	}
	if cfg.Retries == 0 {
		cfg.Retries = 3
	}
	var c *dhcp.Client
	err := p.ns.Do(func() error {
		var err error
		c, err = dhcp.NewRaw("eth0", cfg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !slices.Equal(c.MAC(), p.mac) {
		t.Fatalf("client MAC %v, want the interface's %v", c.MAC(), p.mac)
	}
	return c
}

// dnsmasqLines is the lab's dnsmasq configuration (testbench REPORT §1):
// per-model option 160 by vendor or user class, 66/67, 42, 2, 4, 120 as
// names, and 43 with the certificate provisioning sub-options.
var dnsmasqLines = []string{
	"dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
	"dhcp-vendorclass=set:m450,450HD",
	"dhcp-userclass=set:m450,450HD",
	"dhcp-vendorclass=set:m445,445HD",
	"dhcp-userclass=set:m445,445HD",
	`dhcp-option-force=160,"http://10.0.0.1/firmware.img;<MAC>.cfg"`,
	`dhcp-option-force=tag:m450,160,"http://10.0.0.1/450HD.img;450HD_<MAC>.cfg"`,
	`dhcp-option-force=tag:m445,160,"tftp://10.0.0.1/445HD.img;445HD_<MAC>.cfg"`,
	"dhcp-option=option:router,10.0.0.1",
	"dhcp-option=option:dns-server,10.0.0.1",
	`dhcp-option-force=66,"10.0.0.1"`,
	`dhcp-option-force=67,"firmware.img"`,
	"dhcp-option-force=option:ntp-server,10.0.0.1,10.0.0.2",
	"dhcp-option-force=option:time-offset,7200",
	"dhcp-option-force=4,10.0.0.3",
	"dhcp-option-force=option:sip-server,sip.lab.test,proxy2.lab.test",
	// dnsmasq sends these in reverse, 10 first.
	`dhcp-option-force=encap:43,1,"MS-UC-Client"`,
	`dhcp-option-force=encap:43,2,"https"`,
	`dhcp-option-force=encap:43,3,"lab.example.test"`,
	`dhcp-option-force=encap:43,4,"443"`,
	`dhcp-option-force=encap:43,5,"/CertProv/CertProvisioningService.svc"`,
	`dhcp-option-force=encap:43,10,"200"`,
}

// checkPhoneOptions asserts the options both servers are configured with.
func checkPhoneOptions(t *testing.T, l *dhcp.Lease) {
	t.Helper()
	if l.Address.Bits() != 24 || !netip.MustParsePrefix("10.0.0.0/24").Contains(l.Address.Addr()) {
		t.Errorf("address %v", l.Address)
	}
	if l.Server != netip.MustParseAddr("10.0.0.1") || !slices.Equal(l.Routers, []netip.Addr{netip.MustParseAddr("10.0.0.1")}) {
		t.Errorf("server %v routers %v", l.Server, l.Routers)
	}
	if l.TFTPServer != "10.0.0.1" || l.BootFile != "firmware.img" {
		t.Errorf("66/67 = %q %q", l.TFTPServer, l.BootFile)
	}
	ntp := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}
	if !slices.Equal(l.NTPServers, ntp) || !slices.Equal(l.TimeServers, []netip.Addr{netip.MustParseAddr("10.0.0.3")}) ||
		!slices.Equal(l.TimeServersPreferred(), ntp) {
		t.Errorf("42 %v, 4 %v, preferred %v", l.NTPServers, l.TimeServers, l.TimeServersPreferred())
	}
	if l.TimeOffset == nil || *l.TimeOffset != 2*time.Hour {
		t.Errorf("option 2 = %v", l.TimeOffset)
	}
	v := l.VendorInfo
	if v.UCIdentifier != "MS-UC-Client" || v.VoiceVLAN != 200 ||
		v.CertProvisioningURL() != "https://lab.example.test:443/CertProv/CertProvisioningService.svc" {
		t.Errorf("option 43 = %+v", v)
	}
	if len(l.BadOptions) != 0 {
		t.Errorf("bad options: %v", l.BadOptions)
	}
}

// behaviour: BOOT-1
// behaviour: BOOT-2
// behaviour: BOOT-3
// behaviour: BOOT-4
// behaviour: BOOT-8
// behaviour: BOOT-9
// behaviour: BOOT-10
// behaviour: BOOT-11
func TestRawDORAAgainstDnsmasq(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p450, p445 := lab.phone(t, 1), lab.phone(t, 2)
	dm := testpeer.StartDnsmasq(t, lab.ns, "br0", dnsmasqLines...)

	c450 := p450.client(t, dhcp.Config{Model: "450HD"})
	l, err := c450.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneOptions(t, l)
	if l.ProvisioningURL != "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg" {
		t.Errorf("450HD option 160 = %q", l.ProvisioningURL)
	}
	if !slices.Equal(l.SIPServers, []string{"sip.lab.test", "proxy2.lab.test"}) {
		t.Errorf("option 120 = %q", l.SIPServers)
	}
	if !slices.Equal(l.ServerMAC, lab.brMAC(t)) {
		t.Errorf("server MAC %v, want br0's %v", l.ServerMAC, lab.brMAC(t))
	}
	// The quirks really were on the wire, and were tolerated.
	if r := l.Raw[66]; r[len(r)-1] != 0 {
		t.Errorf("dnsmasq's option 66 % x has no NUL", r)
	}
	if r := l.Raw[43]; r[len(r)-1] != 0xff || r[0] != 10 {
		t.Errorf("dnsmasq's option 43 % x is not reversed with an End byte", r)
	}
	if r := l.Raw[120]; r[0] != 0 || !slices.Contains(r, 0xc0) {
		t.Errorf("dnsmasq's option 120 % x has no compression pointer", r)
	}

	l445, err := p445.client(t, dhcp.Config{Model: "445HD"}).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l445.ProvisioningURL != "tftp://10.0.0.1/445HD.img;445HD_<MAC>.cfg" {
		t.Errorf("445HD option 160 = %q", l445.ProvisioningURL)
	}
	if l445.Address.Addr() == l.Address.Addr() {
		t.Errorf("both phones got %v", l.Address)
	}

	// dnsmasq's own log of what the phone sent.
	out := dm.Output()
	for _, want := range []string{
		"vendor class: 450HD", "user class: 450HD", "vendor class: 445HD",
		"DHCPACK(br0) " + l.Address.Addr().String() + " " + p450.mac.String(),
		"requested options: 1:netmask, 2:time-offset, 3:router, 4, 6:dns-server, \n",
		"requested options: 15:domain-name, 42:ntp-server, 43:vendor-encap, \n",
		"requested options: 66:tftp-server, 67:bootfile-name, 120:sip-server, \n",
		"requested options: 160\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dnsmasq log lacks %q", want)
		}
	}

	// Renew (unicast to the server, which answers to the leased address: the
	// client's ARP agent must answer for it) and rebind (broadcast), as
	// tcpdump on the lab bridge sees them.
	tcpdump := testpeer.Need(t, "tcpdump")[0]
	capture := testpeer.StartCmd(t, "tcpdump", t.TempDir(), lab.ns.Command(tcpdump, "-l", "-n", "-e", "-i", "br0", "-c", "2", "udp dst port 67"))
	if err := capture.WaitOutput("listening on br0", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	renewed, err := c450.Renew(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Address != l.Address || !renewed.Acquired.After(l.Acquired) {
		t.Fatalf("renewed lease %v at %v", renewed.Address, renewed.Acquired)
	}
	rebound, err := c450.Rebind(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rebound.Address != l.Address {
		t.Fatalf("rebound to %v", rebound.Address)
	}
	ip := l.Address.Addr().String()
	for deadline := time.Now().Add(5 * time.Second); !capture.Exited() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // tcpdump -c 2 exits after both packets
	}
	for _, want := range []string{
		p450.mac.String() + " > " + lab.brMAC(t).String() + ", ethertype IPv4 (0x0800), length 342: " + ip + ".68 > 10.0.0.1.67",
		p450.mac.String() + " > ff:ff:ff:ff:ff:ff, ethertype IPv4 (0x0800), length 342: " + ip + ".68 > 255.255.255.255.67",
	} {
		if !strings.Contains(capture.Output(), want) {
			t.Errorf("tcpdump did not see %q:\n%s", want, capture.Output())
		}
	}
	err = dm.WaitFor(3*time.Second, func() error {
		if n := strings.Count(dm.Output(), "DHCPACK(br0) "+l.Address.Addr().String()); n != 3 {
			return fmt.Errorf("dnsmasq acknowledged %d times, want DORA + renew + rebind", n)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if err := c450.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := dm.WaitOutput("DHCPRELEASE(br0) "+l.Address.Addr().String(), 3*time.Second); err != nil {
		t.Error(err)
	}
}

// behaviour: FW-3
// behaviour: FW-4
func TestRawRecoveryDiscover(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p := lab.phone(t, 1)
	// C.3's recovery lab: a small pool, 66 and 67 chosen by option 77.
	dm := testpeer.StartDnsmasq(t, lab.ns, "br0",
		"dhcp-range=10.0.0.2,10.0.0.6,255.255.255.0,2m",
		"dhcp-userclass=set:rec450,450HD",
		"dhcp-option=66,10.0.0.1",
		"dhcp-option=tag:rec450,67,450HD_2.0.9.img",
	)
	l, err := p.client(t, dhcp.Config{Model: "450HD", Recovery: true}).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.TFTPServer != "10.0.0.1" || l.BootFile != "450HD_2.0.9.img" {
		t.Fatalf("recovery lease: 66 %q 67 %q", l.TFTPServer, l.BootFile)
	}
	if !strings.Contains(dm.Output(), "requested options: 1:netmask, 3:router, 66:tftp-server, 67:bootfile-name") {
		t.Fatalf("dnsmasq did not see a recovery request list:\n%s", dm.Output())
	}
}

// Servers that name the TFTP server the BOOTP way, by next-server
// (siaddr), with no option 66: dnsmasq's dhcp-boot, which also answers a
// request for option 67 with the file name, and ISC dhcpd's next-server and
// filename, which puts the name in the header's file field. Both are read:
// NextServer, and BootFile or BootFileField.
func TestRawBootFieldsFromDnsmasqAndISC(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	t.Run("dnsmasq", func(t *testing.T) {
		t.Parallel()
		lab := newLab(t)
		p := lab.phone(t, 1)
		testpeer.StartDnsmasq(t, lab.ns, "br0", "dhcp-range=10.0.0.2,10.0.0.6,255.255.255.0,3m",
			"dhcp-boot=450HD_2.0.9.img,,10.0.0.9")
		l, err := p.client(t, dhcp.Config{Model: "450HD", Recovery: true}).Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if l.NextServer != netip.MustParseAddr("10.0.0.9") || l.BootFile != "450HD_2.0.9.img" || l.TFTPServer != "" {
			t.Fatalf("next-server %v, 66 %q, 67 %q", l.NextServer, l.TFTPServer, l.BootFile)
		}
	})
	t.Run("ISC", func(t *testing.T) {
		t.Parallel()
		lab := newLab(t)
		p := lab.phone(t, 1)
		testpeer.StartISCDHCPD(t, lab.ns, "br0", `authoritative;
ping-check false;
default-lease-time 180;
max-lease-time 180;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.2 10.0.0.6;
  next-server 10.0.0.9;
  filename "450HD_2.0.9.img";
}
`)
		l, err := p.client(t, dhcp.Config{Model: "450HD", Recovery: true}).Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if l.NextServer != netip.MustParseAddr("10.0.0.9") || l.BootFileField != "450HD_2.0.9.img" || l.TFTPServer != "" {
			t.Fatalf("next-server %v, file field %q, 66 %q, 67 %q", l.NextServer, l.BootFileField, l.TFTPServer, l.BootFile)
		}
	})
}

// behaviour: BOOT-17
func TestRawDuplicateIP(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p := lab.phone(t, 3)
	// Another device on the LAN already uses the address dnsmasq reserves
	// for the phone.
	squatter := lab.phone(t, 9)
	squatter.ns.MustRun(t, "ip", "addr", "add", "10.0.0.77/24", "dev", "eth0")
	dm := testpeer.StartDnsmasq(t, lab.ns, "br0",
		"dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
		"dhcp-host="+p.mac.String()+",10.0.0.77")
	c := p.client(t, dhcp.Config{Model: "450HD"})
	_, err := c.Acquire(context.Background())
	var dup *dhcp.DuplicateIPError
	if !errors.As(err, &dup) || !errors.Is(err, dhcp.ErrDuplicateIP) {
		t.Fatalf("Acquire = %v, want a duplicate IP", err)
	}
	if dup.Addr != netip.MustParseAddr("10.0.0.77") || !slices.Equal(dup.Owner, squatter.mac) {
		t.Fatalf("duplicate %v owned by %v, want 10.0.0.77 by %v", dup.Addr, dup.Owner, squatter.mac)
	}
	if dhcp.Notification(err) != "Duplicate IP" {
		t.Fatalf("notification %q", dhcp.Notification(err))
	}
	if c.Lease() != nil {
		t.Fatal("client kept the duplicate address")
	}
	if err := dm.WaitOutput("DHCPDECLINE(br0) 10.0.0.77 "+p.mac.String(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
}

// behaviour: BOOT-17
func TestRawLinkDown(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p := lab.phone(t, 4)
	testpeer.StartDnsmasq(t, lab.ns, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m")
	c := p.client(t, dhcp.Config{Model: "450HD", LinkPoll: 50 * time.Millisecond, RetryWait: 100 * time.Millisecond})

	lab.ns.MustRun(t, "ip", "link", "set", p.tap, "down") // the cable is pulled at the switch
	p.waitCarrier(t, false)
	_, err := c.Acquire(context.Background())
	if !errors.Is(err, dhcp.ErrLinkDown) || dhcp.Notification(err) != "LAN Link failure" {
		t.Fatalf("Acquire without carrier = %v", err)
	}

	events := make(chan dhcp.Event, 16)
	c2 := p.client(t, dhcp.Config{Model: "450HD", LinkPoll: 50 * time.Millisecond, RetryWait: 100 * time.Millisecond,
		OnEvent: func(e dhcp.Event) { events <- e }})
	c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c2.Run(ctx) }()
	defer func() { cancel(); <-done }()
	expect := func(kind dhcp.EventKind) dhcp.Event {
		t.Helper()
		select {
		case e := <-events:
			if e.Kind != kind {
				t.Fatalf("event %s (%v), want %s", e.Kind, e.Err, kind)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", kind)
		}
		return dhcp.Event{}
	}
	expect(dhcp.EventLinkDown)
	lab.ns.MustRun(t, "ip", "link", "set", p.tap, "up")
	expect(dhcp.EventBound)
	lab.ns.MustRun(t, "ip", "link", "set", p.tap, "down")
	down := expect(dhcp.EventLinkDown)
	if down.Lease == nil || !errors.Is(down.Err, dhcp.ErrLinkDown) {
		t.Fatalf("link loss while bound: %+v", down)
	}
}

// iscConf is the same lab for ISC dhcpd (testbench REPORT §1), with a
// lease time of lease seconds.
func iscConf(lease int) string {
	return fmt.Sprintf(`authoritative;
ping-check false;
default-lease-time %[1]d;
min-lease-time %[1]d;
max-lease-time %[1]d;
option ac-prov-url code 160 = text;
option sip-server code 120 = { integer 8, array of ip-address };
option space msuc code width 1 length width 1;
option msuc.uc-id      code 1  = text;
option msuc.url-scheme code 2  = text;
option msuc.web-fqdn   code 3  = text;
option msuc.web-port   code 4  = text;
option msuc.certprov   code 5  = text;
option msuc.vlan       code 10 = text;
option msuc-encap code 43 = encapsulate msuc;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.100 10.0.0.199;
  option routers 10.0.0.1;
  option time-offset 7200;
  option time-servers 10.0.0.3;
  option ntp-servers 10.0.0.1, 10.0.0.2;
  option tftp-server-name "10.0.0.1";
  option bootfile-name "firmware.img";
  option sip-server 1 10.0.0.1, 10.0.0.2;
  option msuc.uc-id "MS-UC-Client";
  option msuc.url-scheme "https";
  option msuc.web-fqdn "lab.example.test";
  option msuc.web-port "443";
  option msuc.certprov "/CertProv/CertProvisioningService.svc";
  option msuc.vlan "200";
  option ac-prov-url "http://10.0.0.1/firmware.img;<MAC>.cfg";
  if option vendor-class-identifier ~~ "450HD" or option user-class ~~ "450HD" {
    option ac-prov-url "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg";
  } elsif option vendor-class-identifier ~~ "445HD" or option user-class ~~ "445HD" {
    option ac-prov-url "tftp://10.0.0.1/445HD.img;445HD_<MAC>.cfg";
  }
}
`, lease)
}

// behaviour: BOOT-1
// behaviour: BOOT-2
// behaviour: BOOT-4
// behaviour: BOOT-8
// behaviour: BOOT-9
// behaviour: BOOT-10
// behaviour: BOOT-11
func TestRawDORAAgainstISC(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p450, p445 := lab.phone(t, 1), lab.phone(t, 2)
	testpeer.StartISCDHCPD(t, lab.ns, "br0", iscConf(3600))
	l, err := p450.client(t, dhcp.Config{Model: "450HD"}).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneOptions(t, l)
	if l.ProvisioningURL != "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg" {
		t.Errorf("450HD option 160 = %q", l.ProvisioningURL)
	}
	if !slices.Equal(l.SIPServers, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("option 120 = %q", l.SIPServers)
	}
	if r := l.Raw[66]; slices.Contains(r, 0) {
		t.Errorf("ISC's option 66 % x has a NUL", r)
	}
	if r := l.Raw[43]; r[len(r)-1] == 0xff || r[0] != 1 {
		t.Errorf("ISC's option 43 % x is not in order without End", r)
	}
	l445, err := p445.client(t, dhcp.Config{Model: "445HD"}).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l445.ProvisioningURL != "tftp://10.0.0.1/445HD.img;445HD_<MAC>.cfg" {
		t.Errorf("445HD option 160 = %q", l445.ProvisioningURL)
	}
}

// TestRawLeaseLifeAgainstISC runs Run on the real clock with 4-second
// leases: it renews at T1, then the server stops, the renew and rebind go
// unanswered, the lease expires, and DHCP starts over and binds again once a
// server is back.
func TestRawLeaseLifeAgainstISC(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	p := lab.phone(t, 1)
	isc := testpeer.StartISCDHCPD(t, lab.ns, "br0", iscConf(4))
	events := make(chan dhcp.Event, 32)
	c := p.client(t, dhcp.Config{Model: "450HD", Timeout: 300 * time.Millisecond, Retries: 2,
		RetryWait: 500 * time.Millisecond, OnEvent: func(e dhcp.Event) { events <- e }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	expect := func(kinds ...dhcp.EventKind) dhcp.Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if slices.Contains(kinds, e.Kind) {
					return e
				}
				if e.Kind != dhcp.EventFailed {
					t.Fatalf("event %s (%v), want %v", e.Kind, e.Err, kinds)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no %v event", kinds)
			}
		}
	}
	bound := expect(dhcp.EventBound)
	if bound.Lease.Duration != 4*time.Second {
		t.Fatalf("lease time %v", bound.Lease.Duration)
	}
	renewed := expect(dhcp.EventRenewed)
	if d := renewed.At.Sub(bound.Lease.Acquired); d < bound.Lease.T1 || d > bound.Lease.T2 {
		t.Fatalf("renewed %v after binding, want T1 %v", d, bound.Lease.T1)
	}
	isc.Stop()
	expired := expect(dhcp.EventExpired)
	if d := expired.At.Sub(renewed.Lease.Acquired); d < renewed.Lease.Duration || d > renewed.Lease.Duration+time.Second {
		t.Fatalf("expired %v after the renewal, want %v", d, renewed.Lease.Duration)
	}
	testpeer.StartISCDHCPD(t, lab.ns, "br0", iscConf(4))
	again := expect(dhcp.EventBound)
	if !netip.MustParsePrefix("10.0.0.0/24").Contains(again.Lease.Address.Addr()) {
		t.Fatalf("bound again to %v", again.Lease.Address)
	}
}

// behaviour: BOOT-4
// behaviour: BOOT-5
// From dnsmasq's options to the provisioning decision: with 160 and 66/67
// the 160 URL is used; with 66 alone (NUL-terminated, as dnsmasq sends it)
// the phone fetches <model>.img over TFTP from the option-66 server.
func TestRawOptionsToProvisioningSource(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	both, only66 := lab.phone(t, 1), lab.phone(t, 2)
	testpeer.StartDnsmasq(t, lab.ns, "br0",
		"dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
		"dhcp-host="+only66.mac.String()+",set:only66",
		`dhcp-option-force=tag:!only66,160,"http://10.0.0.1/450HD.img;450HD_<MAC>.cfg"`,
		`dhcp-option-force=66,"10.0.0.1"`,
		`dhcp-option-force=tag:!only66,67,"other.img"`,
	)
	cfg := config.Default().New("450HD")
	for _, tt := range []struct {
		p        *phone
		firmware string
		origin   provisioning.Origin
	}{
		{both, "http://10.0.0.1/450HD.img", provisioning.FromDHCPURL},
		{only66, "tftp://10.0.0.1/450HD.img", provisioning.FromDHCPTFTP},
	} {
		l, err := tt.p.client(t, dhcp.Config{Model: "450HD"}).Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		src, err := provisioning.Decide(cfg, provisioning.Identity{Model: "450HD", MAC: tt.p.mac.String()},
			provisioning.DHCP{Options: l.TextOptions()})
		if err != nil {
			t.Fatalf("%v: decide from %v: %v", tt.p.mac, l.TextOptions(), err)
		}
		if src.Firmware != tt.firmware || src.Origin != tt.origin {
			t.Errorf("%v: firmware %q from %v, want %q from %v", tt.p.mac, src.Firmware, src.Origin, tt.firmware, tt.origin)
		}
	}
}

// In a voice VLAN the client's frames carry its 802.1Q tag and it hears
// only that VLAN. The switch port of the voice phone is a trunk (a switch
// in user space: these machines' kernels have no 802.1Q) with VLAN 123 on
// one access link and untagged frames on another, to the lab bridge; one
// dnsmasq serves a data scope on the bridge and a voice scope on VLAN 123,
// as a voice deployment does. The phone with VLAN 123 gets the voice
// scope's address and the untagged phone on the bridge the data scope's;
// its renewal, unicast to the server, goes tagged too;
// neither is heard in the other's VLAN (the voice phone hears the data
// phone's broadcasts untagged on its trunk and ignores them); tcpdump on
// the trunk decodes the tag with the priority (tshark).
func TestRawDORAInVoiceVLAN(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	lab := newLab(t)
	data := lab.phone(t, 1)
	voice := &phone{ns: testpeer.Netns(t, "ph2"), mac: net.HardwareAddr{0x00, 0x90, 0x8f, 0x00, 0x00, 2}, tap: "trunk2"}
	testpeer.Veth(t, lab.ns, voice.tap, "", voice.ns, "eth0", "", voice.mac.String())
	testpeer.Veth(t, lab.ns, "acc0", "", lab.ns, "acc0b", "", "")
	lab.ns.MustRun(t, "ip", "link", "set", "acc0b", "master", "br0")
	testpeer.Veth(t, lab.ns, "acc123", "", lab.ns, "voice0", "10.123.0.1/24", "")
	testpeer.StartVLANSwitch(t, lab.ns, voice.tap, map[int]string{0: "acc0", 123: "acc123"})
	dm := testpeer.StartDnsmasq(t, lab.ns, "br0", "interface=voice0",
		"dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,2m",
		"dhcp-range=10.123.0.100,10.123.0.199,255.255.255.0,2m")
	capture := testpeer.StartCapture(t, lab.ns, voice.tap, "vlan 123")

	vc := voice.client(t, dhcp.Config{Model: "450HD", VLAN: 123, VLANPriority: 5})
	lv, err := vc.Acquire(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, capture.Output())
	}
	// The renewal goes unicast to the server, in the VLAN too.
	if _, err := vc.Renew(context.Background()); err != nil {
		t.Fatalf("renew in VLAN 123: %v", err)
	}
	ld, err := data.client(t, dhcp.Config{Model: "450HD"}).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !netip.MustParsePrefix("10.123.0.0/24").Contains(lv.Address.Addr()) || lv.Server != netip.MustParseAddr("10.123.0.1") {
		t.Errorf("the phone in VLAN 123 leased %v from %v, want the voice scope", lv.Address, lv.Server)
	}
	if !netip.MustParsePrefix("10.0.0.0/24").Contains(ld.Address.Addr()) {
		t.Errorf("the untagged phone leased %v, want the data scope", ld.Address)
	}
	out := dm.Output()
	if strings.Count(out, "DHCPACK(voice0) "+lv.Address.Addr().String()+" "+voice.mac.String()) != 2 ||
		!strings.Contains(out, "DHCPACK(br0) "+ld.Address.Addr().String()+" "+data.mac.String()) {
		t.Errorf("dnsmasq's log does not show each phone served in its own VLAN:\n%s", out)
	}
	if strings.Contains(out, "(br0) "+voice.mac.String()) || strings.Contains(out, "(voice0) "+data.mac.String()) {
		t.Errorf("a phone was heard outside its VLAN:\n%s", out)
	}
	// tshark on the voice phone's trunk: its frames in VLAN 123, priority 5.
	capture.Stop(t)
	if rows := capture.Fields(t, nil, fmt.Sprintf("eth.src==%s && vlan.id==123 && vlan.priority==5", voice.mac), "frame.number"); len(rows) == 0 {
		t.Error("no frame of the voice phone in VLAN 123 with priority 5 on its trunk")
	}
}
