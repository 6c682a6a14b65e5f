package testpeer

import (
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
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t, "udp"))
	p := Start(t, "tftpd-hpa", root, bins[0], "-L", "-a", addr, "-s", "-u", "nobody", root)
	if err := p.WaitUDPBound(addr, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return &TFTPD{Process: p, Root: root, Addr: addr}
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
