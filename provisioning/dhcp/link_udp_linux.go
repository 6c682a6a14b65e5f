//go:build linux

package dhcp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// udpLink is fleet mode: an ordinary UDP socket on the phone's own address
// that sends everything, broadcasts included, to one server address. It
// needs no privilege, and a kernel-chosen port lets thousands of phones share
// a host.
type udpLink struct {
	*net.UDPConn
	server *net.UDPAddr
}

func listenUDP(local, server netip.AddrPort) (*udpLink, error) {
	if !server.IsValid() || !server.Addr().Is4() {
		return nil, fmt.Errorf("%w: server %q is not an IPv4 address and port", ErrConfig, server)
	}
	if !local.Addr().IsValid() {
		local = netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port())
	}
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("dhcp: listen %s: %w", local, err)
	}
	return &udpLink{UDPConn: conn, server: net.UDPAddrFromAddrPort(server)}, nil
}

func (u *udpLink) broadcast() *net.UDPAddr { return u.server }

func (u *udpLink) unicast(*Lease) *net.UDPAddr { return u.server }

func (u *udpLink) bind(*Lease) {}

func (u *udpLink) carrier() error { return nil }

func (u *udpLink) hasCarrier() bool { return false }

func (u *udpLink) probe(context.Context, netip.Addr, time.Duration) (net.HardwareAddr, error) {
	return nil, nil
}
