package testpeer

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Chrony is a chronyd serving NTP, started by StartChrony.
type Chrony struct {
	*Process
	Addr string // host:port it answers on
}

// StartChrony runs chronyd as an NTP server on bind:port (port 0 picks a
// free one) that never touches the system clock (-x) and serves its own
// clock at stratum 8 without a reference. With ns it runs inside that
// namespace (bind must be one of its addresses). It returns once the port is
// bound (in the test's namespace) or chronyd has started (in ns).
func StartChrony(t testing.TB, ns *NS, bind string, port int) *Chrony {
	t.Helper()
	bin := Need(t, "chronyd")[0]
	c := &Chrony{}
	start := func(port int) (*Process, error) {
		dir := t.TempDir()
		conf := filepath.Join(dir, "chrony.conf")
		WriteFile(t, conf, fmt.Sprintf(`local stratum 8
allow all
bindaddress %s
port %d
cmdport 0
bindcmdaddress /
driftfile %s
pidfile %s
`, bind, port, filepath.Join(dir, "drift"), filepath.Join(dir, "chronyd.pid")))
		argv := []string{bin, "-d", "-x", "-u", "root", "-f", conf}
		var cmd *exec.Cmd
		if ns != nil {
			cmd = ns.Command(argv...) // ip netns exec: chronyd keeps its pid
		} else {
			cmd = exec.Command(argv[0], argv[1:]...)
		}
		c.Addr = net.JoinHostPort(bind, strconv.Itoa(port))
		p := StartCmd(t, "chronyd", dir, cmd)
		return p, p.waitUDPBoundOrLost(c.Addr, "Could not open NTP socket", 15*time.Second)
	}
	if port != 0 {
		p, err := start(port)
		if err != nil {
			t.Fatal(err)
		}
		c.Process = p
		return c
	}
	// A port FreePort found can be taken before chronyd binds it (other
	// tests run in parallel): try another.
	c.Process = startOnFreePort(t, func() (*Process, error) { return start(FreePort(t, "udp")) })
	return c
}
