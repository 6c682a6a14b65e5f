//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// wantFiles is the open-file limit a fleet asks for: a phone holds a few
// sockets (SIP, DHCP, media in calls), so ten thousand phones need far more
// than the usual 1024.
const wantFiles = 1 << 20

// raiseFileLimit lifts the soft limit on open files to the hard limit, and
// the hard limit too when the process may (root, CAP_SYS_RESOURCE), up to
// the kernel's fs.nr_open.
func raiseFileLimit(e *env) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		e.log.Warn("open-file limit unknown", "err", err)
		return
	}
	was := l.Cur
	want := uint64(wantFiles)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			want = min(want, n)
		}
	}
	if l.Max < want {
		raised := syscall.Rlimit{Cur: want, Max: want}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			e.log.Info("open-file limit raised", "from", was, "to", want)
			return
		}
	}
	if l.Cur >= l.Max {
		return
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		e.log.Warn("open-file limit not raised", "limit", was, "err", err)
		return
	}
	e.log.Info("open-file limit raised", "from", was, "to", l.Cur)
}
