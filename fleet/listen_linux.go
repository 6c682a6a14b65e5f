package fleet

import (
	"context"
	"errors"
	"net"

	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/sockopt"
)

// stormListeners is how many accept queues the lab's HTTP port has. A boot
// storm opens thousands of connections within a second; one queue (capped
// at net.core.somaxconn) overflows while the accepting goroutine waits its
// turn on a busy machine, and every dropped SYN costs its phone a one-second
// retransmission. SO_REUSEPORT lets the kernel spread the connections over
// several queues of the same port, as nginx's reuseport does.
const stormListeners = 8

// listenStorm listens on addr with stormListeners accept queues (one when
// SO_REUSEPORT is refused).
func listenStorm(addr string) ([]net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1, Control: sockopt.Int(unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)}
	first, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		// No SO_REUSEPORT here: one queue.
		ln, err2 := net.Listen("tcp", addr)
		if err2 != nil {
			return nil, errors.Join(err, err2)
		}
		return []net.Listener{ln}, nil
	}
	lns := []net.Listener{first}
	for range stormListeners - 1 {
		ln, err := lc.Listen(context.Background(), "tcp", first.Addr().String())
		if err != nil {
			break // the queues bound so far serve
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
