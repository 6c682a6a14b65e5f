//go:build linux

// Package sockbuf sizes socket receive buffers for bursts: the lab's servers
// take a boot storm's datagrams from thousands of phones on one socket.
package sockbuf

import (
	"net"

	"golang.org/x/sys/unix"
)

// SetReadBuffer asks for an n-byte receive buffer on c. The kernel caps the
// ordinary request at net.core.rmem_max (often 208 KiB, some 270 small
// datagrams); a process with CAP_NET_ADMIN (root in CI) may go past it with
// SO_RCVBUFFORCE, which is tried when the ordinary request fell short. It
// returns the size the kernel reports (twice the request, for its own
// bookkeeping), 0 when unknown.
func SetReadBuffer(c *net.UDPConn, n int) int {
	c.SetReadBuffer(n)
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	rc.Control(func(fd uintptr) {
		got, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		if got < 2*n && unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) == nil {
			got, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		}
	})
	return got
}
