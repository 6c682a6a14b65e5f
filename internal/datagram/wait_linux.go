package datagram

import (
	"fmt"
	"net"
	"sync"
	"syscall"
)

// waiter waits on the socket through the runtime's poller, holding no
// buffer: once the socket is readable a datagram is read into a buffer
// lent by a process-wide pool, big enough for any datagram, and copied out
// at its size (one system call, where peeking at the size first took two).
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

// maxDatagram is the largest UDP payload (IPv4 or IPv6 without jumbograms).
const maxDatagram = 65535

var buffers = sync.Pool{New: func() any { return new([maxDatagram]byte) }}

func (w waiter) read() ([]byte, net.Addr, error) {
	var data []byte
	var from syscall.Sockaddr
	var serr error
	err := w.rc.Read(func(fd uintptr) bool {
		// The buffer is borrowed for the call alone: a phone waiting
		// for its next datagram holds none.
		buf := buffers.Get().(*[maxDatagram]byte)
		var n int
		n, from, serr = syscall.Recvfrom(int(fd), buf[:], 0)
		if serr == nil && n > 0 {
			data = append([]byte(nil), buf[:n]...)
		}
		buffers.Put(buf)
		return serr != syscall.EAGAIN
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, nil, err
	}
	return data, udpAddr(from), nil
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
