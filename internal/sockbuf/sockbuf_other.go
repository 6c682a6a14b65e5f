//go:build !linux

package sockbuf

import "net"

// SetReadBuffer asks for an n-byte receive buffer on c; it returns 0 (the
// size is not reported here).
func SetReadBuffer(c *net.UDPConn, n int) int {
	c.SetReadBuffer(n)
	return 0
}
