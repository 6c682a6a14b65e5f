//go:build linux

package dhcpserver_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/dhcpserver"
)

// Stock DHCP clients against the lab server on an Ethernet segment: the
// server's socket is opened inside a "lab" namespace on a bridge, each
// client runs in its own namespace behind a veth.

func labSegment(t *testing.T, cfg dhcpserver.Config) (*testpeer.NS, *testpeer.NS, *dhcpserver.Server) {
	t.Helper()
	testpeer.NeedRoot(t)
	lab := testpeer.Netns(t, "lab")
	lab.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	lab.MustRun(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "br0")
	lab.MustRun(t, "ip", "link", "set", "br0", "up")
	ph := testpeer.Netns(t, "cl")
	testpeer.Veth(t, lab, "vcl", "", ph, "eth0", "", "00:90:8f:00:00:21")
	lab.MustRun(t, "ip", "link", "set", "vcl", "master", "br0")
	err := lab.Do(func() error {
		var err error
		cfg.Conn, err = dhcpserver.ListenInterface("br0", 67)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServerID, cfg.OnLink = netip.MustParseAddr("10.0.0.1"), true
	return lab, ph, start(t, cfg)
}

func labConfig(lease time.Duration) dhcpserver.Config {
	tz := 2 * time.Hour
	return dhcpserver.Config{
		PoolStart: netip.MustParseAddr("10.0.0.100"), PoolEnd: netip.MustParseAddr("10.0.0.199"),
		Routers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, LeaseTime: lease,
		Options: dhcpserver.Options{
			ProvisioningURL: "http://10.0.0.1/firmware.img;<MAC>.cfg",
			TFTPServer:      "10.0.0.1", BootFile: "firmware.img",
			NTPServers:     []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
			TimeServers:    []netip.Addr{netip.MustParseAddr("10.0.0.3")},
			TimeOffset:     &tz,
			SIPServerNames: []string{"sip.lab.test", "proxy2.lab.test"},
			VendorInfo:     dhcpserver.MSUCVendorInfo("lab.example.test", 200),
		},
		Classes: []dhcpserver.Class{{Match: "450HD", Options: dhcpserver.Options{ProvisioningURL: "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg"}}},
	}
}

// env parses KEY=value lines.
func env(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = strings.Trim(v, "'")
		}
	}
	return m
}

func unhex(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return string(b)
}

// behaviour: BOOT-1
// behaviour: BOOT-2
func TestUdhcpcAgainstLabServer(t *testing.T) {
	t.Parallel()
	bb := testpeer.Need(t, "busybox")[0]
	_, ph, srv := labSegment(t, labConfig(time.Hour))
	hook := filepath.Join(t.TempDir(), "hook.sh")
	// Configure nothing: print the lease the way the hook receives it.
	testpeer.WriteFile(t, hook, "#!/bin/sh\n[ \"$1\" = bound ] && env | sort\nexit 0\n")
	os.Chmod(hook, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := ph.Command(bb, "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "3", "-T", "1", "-s", hook,
		"-V", "450HD", "-x", "0x4d:"+hex.EncodeToString([]byte("450HD")),
		"-O", "160", "-O", "43", "-O", "120", "-O", "66", "-O", "67", "-O", "42", "-O", "2", "-O", "4")
	out, err := cmd.CombinedOutput()
	if err != nil || ctx.Err() != nil {
		t.Fatalf("udhcpc: %v\n%s", err, out)
	}
	e := env(string(out))
	checks := map[string]string{
		"ip": "10.0.0.100", "subnet": "255.255.255.0", "router": "10.0.0.1", "serverid": "10.0.0.1",
		"lease": "3600", "tftp": "10.0.0.1", "bootfile": "firmware.img", "timezone": "7200",
		"ntpsrv": "10.0.0.1 10.0.0.2", "opt4": "0a000003",
		"sipsrv": "sip.lab.test proxy2.lab.test",
	}
	for k, want := range checks {
		if e[k] != want {
			t.Errorf("udhcpc %s=%q, want %q", k, e[k], want)
		}
	}
	if got := unhex(t, e["opt160"]); got != "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg" {
		t.Errorf("udhcpc option 160 = %q (per-model class by option 60/77)", got)
	}
	if got := unhex(t, e["opt43"]); !strings.Contains(got, "\x05\x25/CertProv/CertProvisioningService.svc") || got[0] != 1 {
		t.Errorf("udhcpc option 43 = %q", got)
	}
	if l := srv.Leases(); len(l) != 1 || !l[0].Bound || l[0].MAC != "00:90:8f:00:00:21" {
		t.Errorf("server leases %+v", l)
	}
}

// TestDhclientAgainstLabServer runs ISC dhclient through a DORA and then
// renewals of a 4-second lease.
func TestDhclientAgainstLabServer(t *testing.T) {
	t.Parallel()
	dhclient := testpeer.Need(t, "dhclient")[0]
	_, ph, srv := labSegment(t, labConfig(4*time.Second))
	dir := t.TempDir()
	conf, dump, events := filepath.Join(dir, "dhclient.conf"), filepath.Join(dir, "dump.sh"), filepath.Join(dir, "events")
	testpeer.WriteFile(t, conf, `option ac-prov-url code 160 = text;
option sip-server-rfc3361 code 120 = string;
send vendor-class-identifier "450HD";
send user-class "450HD";
request subnet-mask, time-offset, routers, time-servers, ntp-servers, vendor-encapsulated-options,
        tftp-server-name, bootfile-name, sip-server-rfc3361, ac-prov-url;
`)
	// The script records each event and gives the phone namespace its
	// address, so that renewals can be unicast.
	testpeer.WriteFile(t, dump, fmt.Sprintf(`#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
  ip addr replace "$new_ip_address/24" dev "$interface"
  { echo "reason=$reason"; env | grep '^new_' | sort; echo; } >> %q ;;
esac
exit 0
`, events))
	os.Chmod(dump, 0o755)
	p := testpeer.StartCmd(t, "dhclient", dir, ph.Command(dhclient, "-d", "-v", "-4", "-cf", conf, "-sf", dump,
		"-lf", filepath.Join(dir, "leases"), "-pf", filepath.Join(dir, "pid"), "eth0"))
	read := func() string { b, _ := os.ReadFile(events); return string(b) }
	err := p.WaitFor(15*time.Second, func() error {
		if strings.Count(read(), "reason=RENEW") < 2 {
			return fmt.Errorf("events so far:\n%s", read())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(read(), "\n\n")
	bound := env(blocks[0])
	for k, want := range map[string]string{
		"reason": "BOUND", "new_ip_address": "10.0.0.100", "new_routers": "10.0.0.1",
		"new_ac_prov_url": "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg", "new_time_offset": "7200",
		"new_ntp_servers": "10.0.0.1 10.0.0.2", "new_time_servers": "10.0.0.3",
		"new_tftp_server_name": "10.0.0.1", "new_bootfile_name": "firmware.img",
		"new_dhcp_lease_time": "4", "new_dhcp_server_identifier": "10.0.0.1",
	} {
		if bound[k] != want {
			t.Errorf("dhclient %s=%q, want %q", k, bound[k], want)
		}
	}
	// 120 as RFC 3361 names: enc 0, 3 "sip" 3 "lab" 4 "test" 0, ...
	if v := bound["new_sip_server_rfc3361"]; !strings.HasPrefix(v, "0:3:73:69:70:3:6c:61:62:4:74:65:73:74:0:6:") {
		t.Errorf("dhclient 120 = %q", v)
	}
	renew := env(blocks[1])
	if renew["reason"] != "RENEW" || renew["new_ip_address"] != "10.0.0.100" {
		t.Errorf("second event %v", renew)
	}
	if st := srv.Stats(); st.Acks < 3 || st.Naks != 0 {
		t.Errorf("server stats %+v: want the DORA and two renewals acknowledged", st)
	}
	// The renewals came unicast from the leased address.
	if !strings.Contains(p.Output(), "DHCPREQUEST for 10.0.0.100 on eth0 to 10.0.0.1 port 67") {
		t.Errorf("dhclient did not renew by unicast:\n%s", p.Output())
	}
}
