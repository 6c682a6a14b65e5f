//go:build !linux

package datagram

import "net"

// waiter reads into a buffer of the largest datagram's size where the
// system has no size-only peek; each datagram is then copied out.
type waiter struct {
	c   *net.UDPConn
	buf []byte
}

func newWaiter(c *net.UDPConn) (waiter, error) {
	return waiter{c: c, buf: make([]byte, 65535)}, nil
}

func (w waiter) read() ([]byte, net.Addr, error) {
	n, from, err := w.c.ReadFrom(w.buf)
	if err != nil {
		return nil, nil, err
	}
	return append([]byte(nil), w.buf[:n]...), from, nil
}
