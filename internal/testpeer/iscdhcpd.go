package testpeer

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ISCDHCPD is an ISC dhcpd started by StartISCDHCPD.
type ISCDHCPD struct {
	*Process
	Conf   string // the configuration file
	Leases string // the lease database
}

// StartISCDHCPD runs ISC dhcpd (IPv4, foreground, logging to the captured
// output) on iface inside ns with the configuration conf. Put "ping-check
// false;" in conf unless the test wants dhcpd's ARP ping before each offer.
// It returns once dhcpd serves and stops it when the test ends.
func StartISCDHCPD(t testing.TB, ns *NS, iface, conf string) *ISCDHCPD {
	t.Helper()
	bin := Need(t, "dhcpd")[0]
	dir := t.TempDir()
	d := &ISCDHCPD{Conf: filepath.Join(dir, "dhcpd.conf"), Leases: filepath.Join(dir, "dhcpd.leases")}
	WriteFile(t, d.Conf, conf)
	if err := os.WriteFile(d.Leases, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.Process = StartCmd(t, "dhcpd", dir, ns.Command(bin, "-4", "-d", "-cf", d.Conf, "-lf", d.Leases,
		"-pf", filepath.Join(dir, "dhcpd.pid"), iface))
	if err := d.WaitOutput("Server starting service.", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return d
}
