//go:build linux

package media

import (
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

func controlMulticastListener(rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		// Linux delivers a group's traffic to every socket bound to the port
		// that joined any group, unless IP_MULTICAST_ALL is off.
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0)
	})
	if err != nil {
		return err
	}
	return serr
}

// setMulticastIF pins outgoing multicast to the interface with address a.
func setMulticastIF(c *net.UDPConn, a netip.Addr) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInet4Addr(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, a.As4())
	})
	if err != nil {
		return err
	}
	return serr
}
