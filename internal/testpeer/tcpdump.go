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

// Lines waits until tcpdump printed at least n frames and returns them.
func (d *Tcpdump) Lines(t testing.TB, n int, timeout time.Duration) []string {
	t.Helper()
	var frames []string
	err := d.WaitFor(timeout, func() error {
		frames = frames[:0]
		for _, l := range strings.Split(d.Output(), "\n") {
			if l != "" && !strings.Contains(l, "listening on") && !strings.Contains(l, "verbose output suppressed") {
				frames = append(frames, l)
			}
		}
		if len(frames) < n {
			return fmt.Errorf("%d frame(s) so far", len(frames))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tcpdump saw %d frame(s), want %d: %v", len(frames), n, err)
	}
	return frames
}
