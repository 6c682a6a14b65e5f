//go:build unix

package main

import "syscall"

// raiseFileLimit lifts the soft limit on open files to the hard limit: a
// fleet phone holds a few sockets (SIP, DHCP, media), so thousands of phones
// need far more than the usual 1024.
func raiseFileLimit(e *env) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		e.log.Warn("open-file limit unknown", "err", err)
		return
	}
	if l.Cur >= l.Max {
		return
	}
	was := l.Cur
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		e.log.Warn("open-file limit not raised", "limit", was, "err", err)
		return
	}
	e.log.Info("open-file limit raised", "from", was, "to", l.Cur)
}
