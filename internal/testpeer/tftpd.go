package testpeer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TFTPD is a running tftpd-hpa serving Root (read-only).
type TFTPD struct {
	*Process
	Root string // the served directory (world-readable); write files here
	Addr string // 127.0.0.1:port
}

// StartTFTPD starts tftpd-hpa in the foreground on a free loopback port
// (recipe: testbench tftpd.sh). It chroots into Root and serves as nobody, so
// files must be world-readable. tftpd-hpa logs only to syslog, so tests judge
// transfers by what the client received.
func StartTFTPD(t testing.TB) *TFTPD {
	t.Helper()
	bins := Need(t, "in.tftpd")
	NeedRoot(t)
	root := worldReadableDir(t, "tftpd-root")
	var addr string
	p := startOnFreePort(t, func() (*Process, error) {
		addr = "127.0.0.1:" + strconv.Itoa(FreePort(t, "udp"))
		p := Start(t, "tftpd-hpa", root, bins[0], "-L", "-a", addr, "-s", "-u", "nobody", root)
		return p, p.WaitUDPBound(addr, 15*time.Second)
	})
	return &TFTPD{Process: p, Root: root, Addr: addr}
}

// errPortTaken is returned by a start function given to startOnFreePort
// when the peer, still running, reports that it could not bind its port.
var errPortTaken = errors.New("testpeer: port taken")

// startOnFreePort starts a peer on ports chosen by FreePort, trying again
// (up to three times) when the peer dies at once or start reports
// errPortTaken: another test may have taken the port between FreePort and
// the peer's bind.
func startOnFreePort(t testing.TB, start func() (*Process, error)) *Process {
	t.Helper()
	var err error
	for range 3 {
		var p *Process
		p, err = start()
		if err == nil {
			// A peer that lost the race for its port exits at once.
			time.Sleep(50 * time.Millisecond)
			if !p.Exited() {
				return p
			}
			err = fmt.Errorf("%w: %s: %s", ErrExited, p.Name, p.Output())
		}
		if !errors.Is(err, ErrExited) && !errors.Is(err, errPortTaken) {
			t.Fatal(err)
		}
		p.Stop()
	}
	t.Fatal(err)
	return nil
}

// worldReadableDir makes a directory outside the test's private temporary
// tree (whose parents are mode 0700) so that daemons that drop privileges
// (nginx workers, tftpd as nobody, vsftpd's users) can read it. It is removed
// when the test ends.
func worldReadableDir(t testing.TB, prefix string) string {
	t.Helper()
	d, err := os.MkdirTemp("", "hdphone-"+prefix+"-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
