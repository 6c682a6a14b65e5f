//go:build linux

package dhcpserver

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenInterface opens the socket of a server on an Ethernet segment:
// 0.0.0.0:port (67 for real clients) tied to one interface, allowed to
// broadcast. Use it with Config.OnLink and a ServerID. It needs the
// privilege to bind the port, and the socket belongs to the calling thread's
// network namespace.
func ListenInterface(iface string, port int) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1); serr != nil {
				return
			}
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
				return
			}
			serr = unix.BindToDevice(int(fd), iface)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return nil, fmt.Errorf("dhcpserver: listen on %s port %d: %w", iface, port, err)
	}
	return c, nil
}
