package testpeer

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// LLDPD is lldpd playing an access switch's port: a network connectivity
// device (LLDP-MED class 4) on one interface, with CDP too.
type LLDPD struct {
	*Process
	ns  *NS
	ctl string
	bin string
}

// StartLLDPD runs lldpd in ns on iface, sending every second, and applies
// the lldpcli configure commands given (e.g. "ports vp0 med policy
// application voice vlan 100 priority voice dscp 46").
func StartLLDPD(t testing.TB, ns *NS, iface string, configure ...string) *LLDPD {
	t.Helper()
	NeedRoot(t)
	bins := Need(t, "lldpd", "lldpcli")
	dir := worldReadableDir(t, "lldpd")
	l := &LLDPD{ns: ns, ctl: filepath.Join(dir, "lldpd.socket"), bin: bins[1]}
	// -d: foreground, logs on stderr; -M 4: a network connectivity
	// device; -c: CDP as well; -L /bin/true: no /etc/lldpd.conf.
	l.Process = StartCmd(t, "lldpd", dir, ns.Command(bins[0], "-d", "-u", l.ctl, "-I", iface, "-M", "4", "-c", "-L", "/bin/true"))
	if err := l.WaitOutput("libevent", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	l.CLI(t, "configure", "lldp", "tx-interval", "1")
	for _, c := range configure {
		l.CLI(t, append([]string{"configure"}, strings.Fields(c)...)...)
	}
	// lldpd waits, silent, until the lldpcli it ran for its configuration
	// says resume (-L /bin/true never does).
	l.CLI(t, "resume")
	return l
}

// CLI runs lldpcli against this lldpd and returns its output.
func (l *LLDPD) CLI(t testing.TB, args ...string) string {
	t.Helper()
	return l.ns.MustRun(t, append([]string{l.bin, "-u", l.ctl}, args...)...)
}

// Neighbors returns lldpcli's JSON view of the neighbours on the port,
// decoded loosely ("show neighbors details").
func (l *LLDPD) Neighbors(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(l.CLI(t, "-f", "json", "show", "neighbors", "details")), &v); err != nil {
		t.Fatalf("testpeer: lldpcli JSON: %v", err)
	}
	return v
}
