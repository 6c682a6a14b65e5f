//go:build !linux

package fleet

import "net"

// listenStorm listens on addr with one accept queue.
func listenStorm(addr string) ([]net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return []net.Listener{ln}, nil
}
