package media

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

// Paging defaults (voip/services/group_paging/*).
const (
	DefaultPagingGroup = "224.0.1.0:8888"
	// DefaultPageEndTimeout is end_income_paging_timeout (800 ms; the
	// manual's "8 seconds" is a typo, see the parameter notes).
	DefaultPageEndTimeout = 800 * time.Millisecond
	// DefaultPagingCodec is group_paging/codec's default, G722_8000.
	DefaultPagingCodec = "G722_8000"
)

// PagerConfig configures a multicast page sender.
type PagerConfig struct {
	// Group is group/{n}/multicast_addr:port.
	Group netip.AddrPort
	// Interface is the local address the page leaves from
	// (IP_MULTICAST_IF); the zero Addr lets the routing table choose. On
	// loopback it must be 127.0.0.1, or the page follows the default route.
	Interface netip.Addr
	// Codec is the paging codec (group_paging/codec).
	Codec codec.Codec
	// Ptime in ms; 0 means 20.
	Ptime int
	// TTL of the multicast packets; 0 means 1 (the local network).
	TTL int
	// Source is the microphone; nil pages silence.
	Source Source
	// AudioRate: see SessionConfig.
	AudioRate int
}

// Pager sends one page: live RTP to a multicast group, clocked by the
// engine's pacer, until Close. It sends no RTCP.
type Pager struct{ s *Session }

// NewPager starts paging.
func (e *Engine) NewPager(cfg PagerConfig) (*Pager, error) {
	if !cfg.Group.Addr().Is4() || !cfg.Group.Addr().IsMulticast() || cfg.Group.Port() == 0 {
		return nil, fmt.Errorf("%w: paging group %v is not an IPv4 multicast address and port", ErrBadConfig, cfg.Group)
	}
	if cfg.Codec == nil {
		return nil, fmt.Errorf("%w: no paging codec", ErrBadConfig)
	}
	bind := netip.IPv4Unspecified()
	if cfg.Interface.IsValid() {
		bind = cfg.Interface
	} else if e.cfg.Addr.Is4() {
		bind = e.cfg.Addr
	}
	c, err := e.listenUDP(netip.AddrPortFrom(bind, 0))
	if err != nil {
		return nil, fmt.Errorf("media: paging socket: %w", err)
	}
	pc := ipv4.NewPacketConn(c)
	ttl := cfg.TTL
	if ttl == 0 {
		ttl = 1
	}
	if err := pc.SetMulticastTTL(ttl); err != nil {
		c.Close()
		return nil, fmt.Errorf("media: paging TTL: %w", err)
	}
	// Listeners on this host (other phones of a fleet, this phone's own
	// groups) must hear the page too.
	if err := pc.SetMulticastLoopback(true); err != nil {
		c.Close()
		return nil, fmt.Errorf("media: paging loopback: %w", err)
	}
	if cfg.Interface.IsValid() {
		if err := setMulticastIF(c, cfg.Interface); err != nil {
			c.Close()
			return nil, fmt.Errorf("media: paging interface %s: %w", cfg.Interface, err)
		}
	}
	ptime := cfg.Ptime
	if ptime == 0 {
		ptime = sdp.DefaultPtime
	}
	f := sdp.Format{PayloadType: uint8(max(cfg.Codec.PayloadType(), 0)), Name: cfg.Codec.Name(), ClockRate: cfg.Codec.ClockRate()}
	if cfg.Codec.PayloadType() < 0 {
		f.PayloadType = 96
	}
	s := e.newSession(SessionConfig{Codecs: []codec.Codec{cfg.Codec}, Source: cfg.Source, AudioRate: cfg.AudioRate, Name: "page " + cfg.Group.String()},
		modePageSend, c, nil)
	if err := s.Start(sdp.Result{Codec: f, Ptime: ptime, Remote: cfg.Group, Direction: sdp.SendOnly, DTMFSend: -1, DTMFRecv: -1}); err != nil {
		c.Close()
		return nil, err
	}
	if err := s.register(); err != nil {
		return nil, err
	}
	return &Pager{s: s}, nil
}

// Stats of the page sent so far.
func (p *Pager) Stats() Stats { return p.s.Stats() }

// Close ends the page.
func (p *Pager) Close() error { return p.s.Close() }

// PageListenerConfig configures a listener of one paging group.
type PageListenerConfig struct {
	// Group is group/{n}/multicast_addr:port.
	Group netip.AddrPort
	// Interface is the local address of the interface to join on; the zero
	// Addr lets the kernel choose (by the routing table).
	Interface netip.Addr
	// Codecs are the codecs a page may use, matched by static payload type.
	Codecs []codec.Codec
	// EndTimeout is end_income_paging_timeout; 0 means 800 ms.
	EndTimeout time.Duration
	// Sink plays the page; nil discards it.
	Sink      Sink
	AudioRate int
}

// PageListener receives the pages of one group: it reports EventPageStart
// when page RTP begins and EventPageEnd after EndTimeout without it, and
// plays the page to its sink. What the phone does with a page (play it when
// idle, ask or barge in during a call) is the device's decision.
type PageListener struct{ s *Session }

// ListenPage joins a paging group.
func (e *Engine) ListenPage(cfg PageListenerConfig) (*PageListener, error) {
	g := cfg.Group
	if !g.Addr().Is4() || !g.Addr().IsMulticast() || g.Port() == 0 {
		return nil, fmt.Errorf("%w: paging group %v is not an IPv4 multicast address and port", ErrBadConfig, g)
	}
	var recv []sdp.Format
	for _, c := range cfg.Codecs {
		if pt := c.PayloadType(); pt >= 0 {
			recv = append(recv, sdp.Format{PayloadType: uint8(pt), Name: c.Name(), ClockRate: c.ClockRate()})
		}
	}
	if len(recv) == 0 {
		return nil, fmt.Errorf("%w: no paging codec with a static payload type", ErrBadConfig)
	}
	// Every listener of the group on this host binds the group address and
	// port with SO_REUSEADDR, so each gets a copy, and none gets the
	// traffic of another group on the same port.
	lc := net.ListenConfig{Control: func(network, address string, rc syscall.RawConn) error {
		return controlMulticastListener(rc)
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", g.String())
	if err != nil {
		return nil, fmt.Errorf("media: paging listener %s: %w", g, err)
	}
	c := pc.(*net.UDPConn)
	ifi, err := interfaceOf(cfg.Interface)
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := ipv4.NewPacketConn(c).JoinGroup(ifi, &net.UDPAddr{IP: g.Addr().AsSlice()}); err != nil {
		c.Close()
		return nil, fmt.Errorf("media: join %s on %v: %w", g.Addr(), cfg.Interface, err)
	}
	timeout := cfg.EndTimeout
	if timeout <= 0 {
		timeout = DefaultPageEndTimeout
	}
	s := e.newSession(SessionConfig{Codecs: cfg.Codecs, Sink: cfg.Sink, AudioRate: cfg.AudioRate, Name: "paging " + g.String()},
		modePageListen, c, nil)
	s.pageTimeout = timeout
	if err := s.Start(sdp.Result{Receive: recv, Direction: sdp.RecvOnly, DTMFSend: -1, DTMFRecv: -1}); err != nil {
		c.Close()
		return nil, err
	}
	if err := s.register(); err != nil {
		return nil, err
	}
	return &PageListener{s: s}, nil
}

// Events delivers EventPageStart and EventPageEnd; it is closed by Close.
func (l *PageListener) Events() <-chan Event { return l.s.Events() }

// Stats of the pages received.
func (l *PageListener) Stats() Stats { return l.s.Stats() }

// Close leaves the group.
func (l *PageListener) Close() error { return l.s.Close() }

// checkPageEnd ends a page after the timeout without RTP; pacer only.
func (s *Session) checkPageEnd(now time.Time) {
	s.rmu.Lock()
	rx := &s.rx
	ended := rx.pageActive && now.Sub(rx.last) >= s.pageTimeout
	var ev Event
	if ended {
		rx.pageActive = false
		rx.haveSSRC = false
		ev = Event{Kind: EventPageEnd, At: now, SSRC: rx.ssrc}
		rx.seq = seqTracker{}
		rx.jitter = jitterEstimator{}
		s.jb.reset()
	}
	s.rmu.Unlock()
	if ended {
		s.emit(ev)
	}
}

// interfaceOf finds the interface that has address a (nil for the zero
// Addr).
func interfaceOf(a netip.Addr) (*net.Interface, error) {
	if !a.IsValid() || a.IsUnspecified() {
		return nil, nil
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("media: interfaces: %w", err)
	}
	for i := range ifs {
		addrs, err := ifs[i].Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
					return &ifs[i], nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%w: no interface has address %s", ErrBadConfig, a)
}
