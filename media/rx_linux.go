//go:build linux

package media

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/pion/rtp"
	"golang.org/x/sys/unix"
)

// The receive poller: on Linux the pacer itself reads every media socket.
// The sockets sit in one epoll set; on each tick the pacer takes the ready
// ones and drains them with non-blocking recvmsg, and the kernel's receive
// timestamp (SO_TIMESTAMPNS) gives each packet its true arrival time for the
// jitter estimate. No goroutine per socket is woken per packet, so a loaded
// engine's pacer never waits for a processor behind hundreds of readers.

type pollKind uint8

const (
	pollRTP pollKind = iota
	pollRTCP
)

type pollEntry struct {
	s    *Session
	kind pollKind
	// fd is read directly, without RawConn.Control (whose closure would
	// cost an allocation per drain): Session.Close marks the session closed
	// under paceMu, which drain holds, before it closes the socket.
	fd int
}

type rxPoller struct {
	epfd int

	mu      sync.RWMutex // guards byFD
	byFD    map[int32]pollEntry
	closing atomic.Bool
	ready   []pollEntry // pacer only

	// pacer-only receive state
	events [128]unix.EpollEvent
	buf    [maxPacket + 1]byte
	oob    [128]byte
	name   [unix.SizeofSockaddrInet6]byte
	iov    unix.Iovec
	msg    unix.Msghdr
	plain  []byte
	hdr    rtp.Header
	evs    []Event
}

func newRxPoller() *rxPoller {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	return &rxPoller{epfd: fd, plain: make([]byte, 0, maxPacket+1), byFD: map[int32]pollEntry{}}
}

// add puts a socket of s into the set.
func (p *rxPoller) add(s *Session, c *net.UDPConn, kind pollKind) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var fd int32
	var serr error
	if err := rc.Control(func(f uintptr) {
		fd = int32(f)
		// Arrival times from the kernel; without them the poll interval
		// would show up as jitter.
		if serr = unix.SetsockoptInt(int(f), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); serr != nil {
			return
		}
		serr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(f), &unix.EpollEvent{Events: unix.EPOLLIN, Fd: fd})
	}); err != nil {
		return err
	}
	if serr != nil {
		return serr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byFD[fd] = pollEntry{s: s, kind: kind, fd: int(fd)}
	return nil
}

// remove takes the sockets of s out of the set (before they are closed).
func (p *rxPoller) remove(s *Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range []*net.UDPConn{s.rtpConn, s.rtcpConn} {
		if c == nil {
			continue
		}
		rc, err := c.SyscallConn()
		if err != nil {
			continue
		}
		rc.Control(func(f uintptr) {
			if e, ok := p.byFD[int32(f)]; ok && e.s == s {
				unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(f), nil)
				delete(p.byFD, int32(f))
			}
		})
	}
}

func (p *rxPoller) close() {
	if p.closing.CompareAndSwap(false, true) {
		unix.Close(p.epfd)
	}
}

// poll reads what has arrived on every ready socket; pacer only.
func (p *rxPoller) poll() {
	for round := 0; round < 8; round++ {
		n, err := unix.EpollWait(p.epfd, p.events[:], 0)
		if err != nil || n <= 0 {
			return
		}
		p.ready = p.ready[:0]
		p.mu.RLock()
		for _, ev := range p.events[:n] {
			if e, ok := p.byFD[ev.Fd]; ok {
				p.ready = append(p.ready, e)
			}
		}
		p.mu.RUnlock()
		for _, e := range p.ready {
			p.drain(e)
		}
		if n < len(p.events) {
			return
		}
	}
}

// drain reads one socket until it would block (at most a bounded number of
// packets, so one flooded socket cannot starve the others).
func (p *rxPoller) drain(e pollEntry) {
	s := e.s
	s.paceMu.Lock()
	defer s.paceMu.Unlock()
	if s.closed {
		return
	}
	for range 64 {
		n, from, at, ok := p.recv(e.fd)
		if !ok {
			return
		}
		pk := p.buf[:min(n, len(p.buf))]
		if s.e.cfg.Clock != nil {
			at = s.e.clk.Now() // an injected clock rules the stream's times
		}
		switch e.kind {
		case pollRTP:
			p.evs = s.receiveRTP(pk, n > maxPacket, from, &p.hdr, p.plain, p.evs[:0], at)
		case pollRTCP:
			if n > maxPacket {
				s.dropOversize.Add(1)
				continue
			}
			par := s.params.Load()
			if par == nil {
				s.dropBefore.Add(1)
				continue
			}
			p.evs = s.receiveRTCP(par, pk, from, p.evs[:0])
		}
		for _, ev := range p.evs {
			s.emit(ev)
		}
	}
}

// recv is a non-blocking recvmsg into the poller's buffers that allocates
// nothing: it returns the datagram's full length (MSG_TRUNC), its source and
// its kernel arrival time.
func (p *rxPoller) recv(fd int) (n int, from netip.AddrPort, at time.Time, ok bool) {
	p.iov.Base = &p.buf[0]
	p.iov.SetLen(len(p.buf))
	p.msg.Name = &p.name[0]
	p.msg.Namelen = uint32(len(p.name))
	p.msg.Iov = &p.iov
	p.msg.SetIovlen(1)
	p.msg.Control = &p.oob[0]
	p.msg.SetControllen(len(p.oob))
	r, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&p.msg)), unix.MSG_DONTWAIT|unix.MSG_TRUNC)
	if errno != 0 {
		return 0, netip.AddrPort{}, time.Time{}, false
	}
	n = int(r)
	port := uint16(p.name[2])<<8 | uint16(p.name[3])
	switch *(*uint16)(unsafe.Pointer(&p.name[0])) {
	case unix.AF_INET:
		from = netip.AddrPortFrom(netip.AddrFrom4([4]byte(p.name[4:8])), port)
	case unix.AF_INET6:
		from = netip.AddrPortFrom(netip.AddrFrom16([16]byte(p.name[8:24])).Unmap(), port)
	}
	now := time.Now()
	at = now
	oob := p.oob[:p.msg.Controllen]
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(data) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&data[0]))
			// Keep the monotonic reading of now, moved back by how long
			// the packet waited in the socket.
			if waited := now.Sub(time.Unix(ts.Unix())); waited > 0 && waited < time.Second {
				at = now.Add(-waited)
			}
		}
		oob = rest
	}
	return n, from, at, true
}
