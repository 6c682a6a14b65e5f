package datagram

import (
	"fmt"
	"net"
	"syscall"
)

// waiter waits on the socket through the runtime's poller: a peek with
// MSG_TRUNC gives the size of the next datagram without a buffer, then the
// datagram is read into one of that size.
type waiter struct {
	rc syscall.RawConn
}

func newWaiter(c *net.UDPConn) (waiter, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return waiter{}, fmt.Errorf("%w: %w", ErrNotUDP, err)
	}
	return waiter{rc: rc}, nil
}

func (w waiter) read() ([]byte, net.Addr, error) {
	var size int
	var serr error
	err := w.rc.Read(func(fd uintptr) bool {
		size, _, serr = syscall.Recvfrom(int(fd), nil, syscall.MSG_PEEK|syscall.MSG_TRUNC)
		return serr != syscall.EAGAIN
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, nil, err
	}
	buf := make([]byte, size)
	var n int
	var from syscall.Sockaddr
	err = w.rc.Read(func(fd uintptr) bool {
		n, from, serr = syscall.Recvfrom(int(fd), buf, 0)
		return serr != syscall.EAGAIN
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, nil, err
	}
	return buf[:n], udpAddr(from), nil
}

func udpAddr(sa syscall.Sockaddr) *net.UDPAddr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.UDPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *syscall.SockaddrInet6:
		ua := &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				ua.Zone = ifi.Name
			}
		}
		return ua
	}
	return &net.UDPAddr{}
}
