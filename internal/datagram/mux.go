package datagram

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// ErrInUse is returned by Mux.Listen for an address another Conn holds.
var ErrInUse = errors.New("datagram: address already in use")

// ErrNoMux is returned by NewMux where the system cannot share a socket
// among addresses (it needs IP_PKTINFO: Linux).
var ErrNoMux = errors.New("datagram: shared sockets not supported here")

// Mux is one UDP socket on a port of every IPv4 address that many Conns
// share, each on its own loopback address of that port: a fleet's phones.
// A socket per phone costs a fleet's boot more than anything else a phone
// does in the kernel (its creation, binding and registration with the
// poller, some 30 µs) and holds a descriptor per phone; on a Mux a phone
// holds neither. Every datagram still leaves from its phone's own address
// (the kernel is told the source of each) and arrives at it (the kernel
// tells the destination of each), so the wire is as with sockets of their
// own. The socket takes the port on every address of the host while it is
// open (it does not share it: SO_REUSEADDR would let a second Mux take
// datagrams meant for the first).
//
// Make it with NewMux, serve it with Run, and give Conns out with Listen.
type Mux struct {
	port int
	sock muxSocket

	mu     sync.RWMutex
	conns  map[[4]byte]*Conn
	closed bool
}

// Port is the port the Mux serves.
func (m *Mux) Port() int { return m.port }

// Serves reports whether Listen can give a Conn on ap: an IPv4 loopback
// address on the Mux's port. Callers bind sockets of their own for others.
func (m *Mux) Serves(ap netip.AddrPort) bool {
	return m != nil && int(ap.Port()) == m.port && ap.Addr().Is4() && ap.Addr().IsLoopback()
}

// Listen gives a Conn on ap, which Serves must accept, until it is closed.
// take, if not nil, is offered each datagram that can be SIP before the
// Conn's reader, on the Mux's goroutine; a datagram it takes (returning
// true) never reaches the reader. The UA takes the responses to its own
// transactions so: the goroutine waiting for one is woken by the Mux
// directly, not through the reader.
func (m *Mux) Listen(ap netip.AddrPort, take func(data []byte, from netip.AddrPort) bool) (*Conn, error) {
	if !m.Serves(ap) {
		return nil, fmt.Errorf("datagram: %s is not on the shared port %d of a loopback address", ap, m.port)
	}
	a := ap.Addr().As4()
	c := &Conn{
		laddr: newLocalAddr(net.UDPAddrFromAddrPort(ap)),
		mux:   m,
		src:   a,
		in:    &muxInbox{ready: make(chan struct{}, 1)},
		take:  take,
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return nil, fmt.Errorf("datagram: listen %s: %w", ap, net.ErrClosed)
	case m.conns[a] != nil:
		return nil, fmt.Errorf("%w: %s", ErrInUse, ap)
	}
	m.conns[a] = c
	return c, nil
}

// release gives c's address back and ends its reads.
func (m *Mux) release(c *Conn) error {
	m.mu.Lock()
	if m.conns[c.src] == c {
		delete(m.conns, c.src)
	}
	m.mu.Unlock()
	if !c.in.close() {
		return net.ErrClosed
	}
	return nil
}

// deliver hands a datagram that arrived for dst to its Conn; it is dropped
// when no Conn holds dst, as one to an address nobody answers on.
func (m *Mux) deliver(dst [4]byte, data []byte, from netip.AddrPort) {
	m.mu.RLock()
	c := m.conns[dst]
	m.mu.RUnlock()
	if c == nil || c.take != nil && maybeSIP(data) && c.take(data, from) {
		return
	}
	c.in.put(data, from)
}

// closeAll ends every Conn's reads, once the socket is closed.
func (m *Mux) closeAll() {
	m.mu.Lock()
	m.closed = true
	conns := m.conns
	m.conns = nil
	m.mu.Unlock()
	for _, c := range conns {
		c.in.close()
	}
}

// maxQueued is how many datagrams a Conn on a Mux holds unread before it
// drops more, as a socket's receive buffer would (a phone reads each at
// once; a burst beyond this is a flood).
const maxQueued = 64

// muxInbox holds the datagrams a Conn's reader has not read yet.
type muxInbox struct {
	mu     sync.Mutex
	q      []queued
	closed bool
	ready  chan struct{} // a token when q may have grown or the inbox closed
}

// queued is a datagram for the reader; its source is made a net.Addr only
// when read (the datagrams taken before it, a storm's responses, never
// need one).
type queued struct {
	data []byte
	from netip.AddrPort
}

func (in *muxInbox) put(data []byte, from netip.AddrPort) {
	in.mu.Lock()
	if in.closed || len(in.q) >= maxQueued {
		in.mu.Unlock()
		return
	}
	in.q = append(in.q, queued{data, from})
	in.mu.Unlock()
	in.signal()
}

// signal leaves a token in ready unless one waits there already.
func (in *muxInbox) signal() {
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

func (in *muxInbox) read() ([]byte, net.Addr, error) {
	for {
		in.mu.Lock()
		if len(in.q) > 0 {
			d := in.q[0]
			if len(in.q) == 1 {
				in.q = nil // an idle phone holds no queue
			} else {
				in.q[0] = queued{}
				in.q = in.q[1:]
			}
			in.mu.Unlock()
			return d.data, udpAddrOf(d.from), nil
		}
		closed := in.closed
		in.mu.Unlock()
		if closed {
			return nil, nil, net.ErrClosed
		}
		<-in.ready
	}
}

// close ends the reads; it reports false when the inbox was closed already.
func (in *muxInbox) close() bool {
	in.mu.Lock()
	was := in.closed
	in.closed, in.q = true, nil
	in.mu.Unlock()
	in.signal()
	return !was
}

// udpAddrOf is from as the socket's own reads give it (an IPv4 address in
// its 16-byte form).
func udpAddrOf(from netip.AddrPort) *net.UDPAddr {
	a := from.Addr().Unmap().As4()
	return &net.UDPAddr{IP: net.IPv4(a[0], a[1], a[2], a[3]), Port: int(from.Port())}
}
