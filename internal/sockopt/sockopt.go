//go:build unix

// Package sockopt sets socket options on sockets the net package makes, as
// they are made (net.ListenConfig's Control), before they are bound.
package sockopt

import "syscall"

// Int gives a Control function that sets the integer option opt at level
// to value on the socket.
func Int(level, opt, value int) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), level, opt, value)
		}); err != nil {
			return err
		}
		return serr
	}
}
