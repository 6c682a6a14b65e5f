// Package datagram gives sipgo's UDP transport a socket that holds no read
// buffer while it waits. sipgo reads every UDP socket into a buffer of its
// own, for the socket's life, sized for the largest message: 8 KiB or more
// per phone, most of an idle phone's memory in a fleet of thousands. A Conn
// waits for a datagram without a buffer, reads it into one of exactly its
// size, and hands sipgo's loop a one-byte marker; Filter, installed as the
// transport layer's read filter, puts the datagram in the marker's place
// before sipgo parses it. A Mux puts many such Conns, each on its own
// loopback address, on one shared socket (a fleet's phones).
package datagram

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// marker is what ReadFrom leaves in sipgo's buffer in place of a datagram
// (not NUL: sipgo skips all-NUL reads).
const marker = 'd'

// ErrNotUDP is returned by New for a socket it cannot wait on.
var ErrNotUDP = errors.New("datagram: not a UDP socket")

// Conn is a UDP socket for sipgo's transport layer: a socket of its own
// (New) or one address on a Mux's shared socket (Mux.Listen). It has one
// reader: sipgo's read loop, which runs Filter right after each ReadFrom.
type Conn struct {
	// Stray, if set, is told of each datagram dropped because it cannot be
	// SIP (before Filter returns; set it before serving the Conn).
	Stray func(from net.Addr, data []byte)
	// Serving, if set, is called once, when the first read begins (set it
	// before serving the Conn): sipgo's loop reads only once it has put
	// the socket in its connection pool, from which requests are sent.
	Serving func()
	laddr   *localAddr
	pending []byte // the datagram the last ReadFrom read, until Filter takes it

	udp  *net.UDPConn // the Conn's own socket; nil on a Mux
	wait waiter

	mux  *Mux                                        // the shared socket; nil for an own one
	src  [4]byte                                     // on a Mux: the address this Conn sends from
	in   *muxInbox                                   // on a Mux: the datagrams its reader has not read
	take func(data []byte, from netip.AddrPort) bool // on a Mux: see Mux.Listen
}

// New wraps c. The caller serves the Conn to sipgo (ServeUDP) and installs
// Filter with sipgosip.WithTransportLayerReadFilter.
func New(c *net.UDPConn) (*Conn, error) {
	w, err := newWaiter(c)
	if err != nil {
		return nil, err
	}
	return &Conn{udp: c, laddr: newLocalAddr(c.LocalAddr().(*net.UDPAddr)), wait: w}, nil
}

// UDP is the Conn's own socket, nil for one on a Mux.
func (c *Conn) UDP() *net.UDPConn { return c.udp }

// Arrived receives when a datagram may wait unread on a Conn on a Mux, or
// the Conn was closed: an owner that starts its reader only when needed
// waits on it (the reader finds the datagram all the same). It is nil,
// never ready, for a Conn with its own socket.
func (c *Conn) Arrived() <-chan struct{} {
	if c.in == nil {
		return nil
	}
	return c.in.ready
}

// Wake makes Arrived receive, as a datagram would, for an owner that wants
// its reader started now; the reader finds nothing more to read. It does
// nothing on a Conn with its own socket.
func (c *Conn) Wake() {
	if c.in != nil {
		c.in.signal()
	}
}

// LocalAddr returns the socket's address (one value, which Filter compares
// to tell this socket's reads from other sockets').
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// UDPAddr is LocalAddr as a UDP address.
func (c *Conn) UDPAddr() *net.UDPAddr { return c.laddr.UDPAddr }

// localAddr is a Conn's address with its text made once: sipgo asks for
// it three times as it begins serving the Conn, on the reader's
// goroutine, whose stack formatting an address would grow (a fleet's
// phones' readers then wait on small stacks).
type localAddr struct {
	*net.UDPAddr
	text string
}

func newLocalAddr(a *net.UDPAddr) *localAddr { return &localAddr{a, a.String()} }

func (a *localAddr) String() string { return a.text }

// ReadFrom reads the next datagram into a buffer of its own and leaves the
// marker in b (nothing for an empty datagram).
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	if f := c.Serving; f != nil {
		c.Serving = nil // only its one reader reads it
		f()
	}
	var data []byte
	var from net.Addr
	var err error
	if c.mux != nil {
		data, from, err = c.in.read()
	} else {
		data, from, err = c.wait.read()
	}
	if err != nil {
		return 0, nil, err
	}
	if len(data) == 0 || len(b) == 0 {
		return 0, from, nil
	}
	c.pending = data
	b[0] = marker
	return 1, from, nil
}

// WriteTo sends b to addr, a *net.UDPAddr.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.mux == nil {
		return c.udp.WriteTo(b, addr)
	}
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: c.laddr.UDPAddr, Addr: addr, Err: net.InvalidAddrError("not a UDP address")}
	}
	return c.WriteToUDPAddrPort(b, ua.AddrPort())
}

// WriteToUDPAddrPort sends b to to.
func (c *Conn) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	if c.mux == nil {
		return c.udp.WriteToUDPAddrPort(b, to)
	}
	return c.mux.send(b, c.src, to)
}

// Close closes the Conn's socket, or gives its address on the Mux back.
// A read in progress returns net.ErrClosed.
func (c *Conn) Close() error {
	if c.mux == nil {
		return c.udp.Close()
	}
	return c.mux.release(c)
}

// SetDeadline sets the read and write deadlines of an own socket; a Conn
// on a Mux has none (sipgo sets none on UDP).
func (c *Conn) SetDeadline(t time.Time) error {
	if c.mux == nil {
		return c.udp.SetDeadline(t)
	}
	return nil
}

// SetReadDeadline is SetDeadline for reads.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.mux == nil {
		return c.udp.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline is SetDeadline for writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.mux == nil {
		return c.udp.SetWriteDeadline(t)
	}
	return nil
}

// Filter gives sipgo the datagram ReadFrom read in place of its marker, and
// drops datagrams that cannot be SIP, from this socket or from the UDP
// sockets sipgo opens itself (it answers from a new one when a phone stops
// with a request arriving, and that socket can be handed a port a call's
// RTCP was just using). Reads of stream transports pass unchanged.
func (c *Conn) Filter(props sipgosip.TransportReadProps, data []byte) ([]byte, error) {
	switch {
	case props.LocalAddr == net.Addr(c.laddr) && c.pending != nil:
		data, c.pending = c.pending, nil
	case !strings.EqualFold(props.Transport, "udp"):
		return data, nil
	}
	if !maybeSIP(data) {
		// RTP, RTCP or STUN on a SIP port (a peer's stray packet): a
		// phone drops it, where sipgo would log a parse error for each.
		if c.Stray != nil {
			c.Stray(props.RemoteAddr, data)
		}
		return nil, nil
	}
	return data, nil
}

// maybeSIP reports whether a datagram can be SIP text: a request's method
// or "SIP/2.0" first, or the blank lines of a keep-alive. Binary protocols
// that share ports with SIP (RTP, RTCP, STUN) start with a byte that is none
// of these.
func maybeSIP(d []byte) bool {
	if len(d) == 0 {
		return false
	}
	switch b := d[0]; {
	case 'A' <= b && b <= 'Z', 'a' <= b && b <= 'z', b == '\r', b == '\n':
		return true
	}
	return false
}
