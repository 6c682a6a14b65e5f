//go:build !linux

package media

import (
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/net/ipv4"
)

func controlMulticastListener(rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) { serr = setReuseAddr(fd) })
	if err != nil {
		return err
	}
	return serr
}

func setMulticastIF(c *net.UDPConn, a netip.Addr) error {
	ifi, err := interfaceOf(a)
	if err != nil {
		return err
	}
	return ipv4.NewPacketConn(c).SetMulticastInterface(ifi)
}
