package testpeer

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Tcpdump is tcpdump capturing on an interface, printing one line per
// frame with its link-level header (-e: MACs, 802.1Q tags).
type Tcpdump struct{ *Process }

// StartTcpdump starts tcpdump on iface inside ns (nil: this namespace) with
// a pcap filter expression, and waits until it listens.
func StartTcpdump(t testing.TB, ns *NS, iface, filter string) *Tcpdump {
	t.Helper()
	bin := Need(t, "tcpdump")[0]
	argv := append([]string{bin, "-l", "-n", "-e", "-i", iface}, strings.Fields(filter)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	if ns != nil {
		cmd = ns.Command(argv...)
	}
	d := &Tcpdump{StartCmd(t, "tcpdump-"+iface, t.TempDir(), cmd)}
	if err := d.WaitOutput("listening on", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return d
}

// Frame waits until tcpdump printed a frame whose line holds every one of
// parts (a source MAC, "vlan 123, p 5", …) and returns that line; other
// frames on the link (a peer's IPv6 neighbour discovery) do not count.
func (d *Tcpdump) Frame(t testing.TB, timeout time.Duration, parts ...string) string {
	t.Helper()
	var found string
	err := d.WaitFor(timeout, func() error {
		for _, l := range strings.Split(d.Output(), "\n") {
			ok := l != ""
			for _, p := range parts {
				ok = ok && strings.Contains(l, p)
			}
			if ok {
				found = l
				return nil
			}
		}
		return fmt.Errorf("no frame with %q yet", parts)
	})
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	return found
}
