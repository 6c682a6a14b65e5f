package testpeer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Dnsmasq is a dnsmasq DHCP server started by StartDnsmasq.
type Dnsmasq struct {
	*Process
	Conf   string // the configuration file
	Leases string // the lease file
}

// StartDnsmasq runs dnsmasq as a DHCP server (DNS off) on iface inside ns,
// with lines appended to a base configuration: interface binding,
// authoritative, no-ping (otherwise the first OFFER waits ~3 s for an ARP
// timeout), a private lease file, log-dhcp to the captured output. The lines
// must give at least a dhcp-range or dhcp-host. It returns once dnsmasq has
// started and stops it when the test ends.
func StartDnsmasq(t testing.TB, ns *NS, iface string, lines ...string) *Dnsmasq {
	t.Helper()
	bin := Need(t, "dnsmasq")[0]
	dir := t.TempDir()
	d := &Dnsmasq{Conf: filepath.Join(dir, "dnsmasq.conf"), Leases: filepath.Join(dir, "leases")}
	base := []string{
		"port=0",
		"interface=" + iface,
		"bind-interfaces",
		"dhcp-authoritative",
		"no-ping",
		"dhcp-leasefile=" + d.Leases,
		"pid-file=",
		"log-dhcp",
		"user=root",
	}
	WriteFile(t, d.Conf, strings.Join(append(base, lines...), "\n")+"\n")
	d.Process = StartCmd(t, "dnsmasq", dir, ns.Command(bin, "-k", "-C", d.Conf, "--log-facility=-"))
	if err := d.WaitOutput("started, version", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	return d
}

// LeaseFile returns the lease file's lines ("expiry mac ip host clientid").
func (d *Dnsmasq) LeaseFile() []string {
	b, _ := os.ReadFile(d.Leases)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
