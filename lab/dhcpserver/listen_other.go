//go:build !linux

package dhcpserver

import (
	"errors"
	"net"
)

// ListenInterface is only available on Linux.
func ListenInterface(iface string, port int) (net.PacketConn, error) {
	return nil, errors.ErrUnsupported
}
