package datagram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/sockbuf"
	"github.com/hdphone/hdphone/internal/sockopt"
)

// muxReadBuffer is the shared socket's receive buffer: a storm's phones'
// responses all arrive on it.
const muxReadBuffer = 8 << 20

// muxSocket is the shared socket, told to report each datagram's
// destination address (IP_PKTINFO).
type muxSocket struct {
	udp  *net.UDPConn
	once sync.Once
	err  error
}

// close closes the socket once and returns when it is closed, whichever
// goroutine called first: Go's Close returns at once to a second caller
// while the first still waits for the reader to let go of the descriptor,
// and a Mux started again at once on the same port could not bind it.
func (s *muxSocket) close() error {
	s.once.Do(func() { s.err = s.udp.Close() })
	return s.err
}

// NewMux binds the UDP port on every IPv4 address (port 0: one the kernel
// picks). It fails as a bind does when any socket holds the port on any
// address.
func NewMux(port int) (*Mux, error) {
	lc := net.ListenConfig{Control: sockopt.Int(syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)}
	pc, err := lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("datagram: shared socket: %w", err)
	}
	udp := pc.(*net.UDPConn)
	sockbuf.SetReadBuffer(udp, muxReadBuffer)
	return &Mux{
		port:  udp.LocalAddr().(*net.UDPAddr).Port,
		sock:  muxSocket{udp: udp},
		conns: map[[4]byte]*Conn{},
	}, nil
}

// Run reads the shared socket and hands each datagram to the Conn on its
// destination address until ctx ends or Close is called; then the socket
// is closed and every Conn's reads end with net.ErrClosed.
func (m *Mux) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { m.sock.close() })
	defer stop()
	defer m.closeAll()
	defer m.sock.close()
	buf := make([]byte, maxDatagram)
	oob := make([]byte, syscall.CmsgSpace(syscall.SizeofInet4Pktinfo)+64)
	for {
		// The standard library's read with control messages gives the
		// source as a value: nothing allocated for a datagram but its copy.
		n, oobn, _, from, err := m.sock.udp.ReadMsgUDPAddrPort(buf, oob)
		switch {
		case errors.Is(err, net.ErrClosed):
			return nil
		case err != nil:
			return fmt.Errorf("datagram: shared socket: %w", err)
		}
		dst, ok := pktinfoDst(oob[:oobn])
		if !ok {
			continue
		}
		m.deliver(dst, append([]byte(nil), buf[:n]...), netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	}
}

// Close stops Run (and closes the socket when Run never ran).
func (m *Mux) Close() error {
	err := m.sock.close()
	m.closeAll()
	return err
}

// pktinfoDst finds the destination address in a datagram's control
// messages (struct in_pktinfo's ipi_addr).
func pktinfoDst(oob []byte) ([4]byte, bool) {
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			break
		}
		if h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo {
			return (*unix.Inet4Pktinfo)(unsafe.Pointer(&data[0])).Addr, true
		}
		oob = rest
	}
	return [4]byte{}, false
}

// pktinfoSpace is the room a control message naming a source takes
// (CMSG_SPACE: header and struct in_pktinfo, each aligned to a word).
const pktinfoSpace = (unix.SizeofCmsghdr+wordSize-1)&^(wordSize-1) + (unix.SizeofInet4Pktinfo+wordSize-1)&^(wordSize-1)

const wordSize = int(unsafe.Sizeof(uintptr(0)))

// send sends b to to from src, naming the source in the datagram's
// control message (the socket itself is bound to no one address).
func (m *Mux) send(b []byte, src [4]byte, to netip.AddrPort) (int, error) {
	if !to.Addr().Is4() && !to.Addr().Is4In6() {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(to), Err: net.InvalidAddrError("not an IPv4 address")}
	}
	// The source in a control message of its own, written here rather
	// than made (unix.PktInfo4 allocates one each send).
	var oob struct {
		_ [0]uint64 // aligned as the header's words are
		b [pktinfoSpace]byte
	}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob.b[0]))
	h.Level, h.Type = unix.IPPROTO_IP, unix.IP_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	(*unix.Inet4Pktinfo)(unsafe.Pointer(&oob.b[unix.CmsgLen(0)])).Spec_dst = src
	_, _, err := m.sock.udp.WriteMsgUDPAddrPort(b, oob.b[:], netip.AddrPortFrom(to.Addr().Unmap(), to.Port()))
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err // said again below, with the source
	}
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: &net.UDPAddr{IP: net.IP(src[:]), Port: m.port}, Addr: net.UDPAddrFromAddrPort(to), Err: err}
	}
	return len(b), nil
}
