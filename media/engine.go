package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/hdphone/hdphone/clock"
)

// Port and DS byte defaults (voip/media/media_port, voip/media/media_tos).
const (
	DefaultPortBase  = 4000
	DefaultPortCount = 1000
	// PortAny makes the kernel choose every port (RTP and RTCP then need not
	// be adjacent; SDP states the RTCP port with a=rtcp). Tests and large
	// fleets on one address use it.
	PortAny = -1
	// DefaultTOS is DSCP 46 (EF) in the DS byte.
	DefaultTOS = 0xb8
	// NoTOS leaves the DS byte 0.
	NoTOS = -1
)

// XRMode is voip/rtcp_xr/vq_statistics/mode.
type XRMode uint8

const (
	// XRDisable: no voice-quality metrics and no RTCP-XR.
	XRDisable XRMode = iota
	// XREventsOnly: metrics are computed every 5 s and delivered as
	// EventQuality (the SIP layer publishes them); nothing goes to the far
	// end.
	XREventsOnly
	// XRRemoteAndEvents: as XREventsOnly, and an RTCP-XR VoIP-metrics block
	// (RFC 3611) goes to the far end every 5 s.
	XRRemoteAndEvents
)

var xrNames = [...]string{"DISABLE", "EVENTS_ONLY", "REMOTE_AND_EVENTS"}

func (m XRMode) String() string {
	if int(m) < len(xrNames) {
		return xrNames[m]
	}
	return fmt.Sprintf("XRMode(%d)", m)
}

// ParseXRMode reads the parameter's value in any case; 0 and 1 (the manual's
// §4.27 form) mean DISABLE and EVENTS_ONLY.
func ParseXRMode(v string) (XRMode, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "", "DISABLE", "0":
		return XRDisable, nil
	case "EVENTS_ONLY", "1":
		return XREventsOnly, nil
	case "REMOTE_AND_EVENTS":
		return XRRemoteAndEvents, nil
	}
	return 0, fmt.Errorf("%w: rtcp_xr mode %q", ErrBadConfig, v)
}

// Config configures an Engine; the zero value works (all ports on 0.0.0.0
// from 4000, DS byte 0xb8).
type Config struct {
	// Addr is the phone's address that media sockets bind to; the zero
	// Addr binds to all IPv4 addresses.
	Addr netip.Addr
	// PortBase is the first RTP port (voip/media/media_port); 0 means 4000
	// and PortAny lets the kernel choose. PortCount is the size of the range;
	// 0 means 1000.
	PortBase  int
	PortCount int
	// TOS is the DS byte of every media packet (voip/media/media_tos); 0
	// means 0xb8 and NoTOS leaves it 0.
	TOS int
	// XR is the voice-quality reporting mode.
	XR XRMode
	// DTMFLevel is voip/audio/gain/dtmf_tone_signal_level, 1-32; 0 means 16.
	DTMFLevel int
	// MinDelay and MaxDelay bound the adaptive jitter buffer's playout
	// delay; 0 means 40 ms and 300 ms.
	MinDelay time.Duration
	MaxDelay time.Duration
	// ReportInterval is the mean time between RTCP reports and between
	// voice-quality computations; 0 means 5 s (the manual's interval and
	// RFC 3550's minimum). Tests shorten it.
	ReportInterval time.Duration
	// CNAME is the RTCP canonical name; "" makes one from Addr.
	CNAME string
	// Pacer is a pacer shared with other engines (a fleet of phones in one
	// process: one thread clocks them all); its owner runs and closes it.
	// nil gives the engine its own, run by Engine.Run.
	Pacer *Pacer
	// GoTimer makes the engine's own pacer sleep on the Go runtime's timers
	// instead of an OS timer (clock_nanosleep). Platforms without the OS
	// timer always use Go's.
	GoTimer bool
	// RealTime runs the engine's own pacer in the real-time scheduling
	// class (see PacerConfig.RealTime).
	RealTime bool
	// Clock stamps packets and statistics; nil means the system clock. The
	// pacer's wakeups always follow the real monotonic clock.
	Clock clock.Clock
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
}

// Engine owns the media of one phone: its port range, its pacer and the
// packet recorder. Create it with NewEngine, run the pacer with Run, and make
// sessions, pagers and page listeners from it. Its methods are safe for
// concurrent use.
type Engine struct {
	cfg   Config
	clk   clock.Clock
	log   *slog.Logger
	tos   int
	cname string
	pacer *Pacer
	own   bool // the pacer is the engine's own (not shared)

	mu       sync.Mutex // guards the following fields
	closed   bool
	inUse    map[int]bool
	nextPort int
	members  map[closer]struct{}

	running atomic.Bool
	done    chan struct{}

	rec atomic.Pointer[recorder]
}

type closer interface{ Close() error }

// Check reports what NewEngine would refuse in cfg, without making an
// engine (a phone that makes its engine on first use checks at once).
func (cfg Config) Check() error {
	_, _, err := cfg.normalize()
	return err
}

// normalize fills cfg's defaults and checks it; tos is the DS byte to set.
func (cfg Config) normalize() (_ Config, tos int, _ error) {
	if cfg.PortBase == 0 {
		cfg.PortBase = DefaultPortBase
	}
	if cfg.PortCount == 0 {
		cfg.PortCount = DefaultPortCount
	}
	if cfg.PortBase != PortAny {
		if cfg.PortBase < 1024 || cfg.PortBase > 65534 || cfg.PortCount < 2 {
			return cfg, 0, fmt.Errorf("%w: port range %d+%d", ErrBadConfig, cfg.PortBase, cfg.PortCount)
		}
		cfg.PortBase += cfg.PortBase % 2 // RTP ports are even
	}
	tos = cfg.TOS
	switch {
	case tos == 0:
		tos = DefaultTOS
	case tos == NoTOS:
		tos = 0
	case tos < 0 || tos > 255:
		return cfg, 0, fmt.Errorf("%w: DS byte %d", ErrBadConfig, cfg.TOS)
	}
	if cfg.DTMFLevel != 0 && (cfg.DTMFLevel < minDTMFLevel || cfg.DTMFLevel > maxDTMFLevel) {
		return cfg, 0, fmt.Errorf("%w: DTMF level %d (1-32)", ErrBadConfig, cfg.DTMFLevel)
	}
	if !cfg.Addr.IsValid() {
		cfg.Addr = netip.IPv4Unspecified()
	}
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = defaultReportInterval
	}
	return cfg, tos, nil
}

// NewEngine checks cfg and makes an engine. It opens no socket yet.
func NewEngine(cfg Config) (*Engine, error) {
	cfg, tos, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cname := cfg.CNAME
	if cname == "" {
		var b [6]byte
		rand.Read(b[:])
		cname = "hdphone-" + hex.EncodeToString(b[:]) + "@" + cfg.Addr.String()
	}
	e := &Engine{
		cfg:      cfg,
		clk:      clock.OrReal(cfg.Clock),
		log:      log.With("component", "media"),
		tos:      tos,
		cname:    cname,
		pacer:    cfg.Pacer,
		inUse:    map[int]bool{},
		nextPort: cfg.PortBase,
		members:  map[closer]struct{}{},
		done:     make(chan struct{}),
	}
	if e.pacer == nil {
		e.pacer = NewPacer(PacerConfig{GoTimer: cfg.GoTimer, RealTime: cfg.RealTime, Clock: cfg.Clock})
		e.own = true
	}
	return e, nil
}

// Run runs the engine's pacer until ctx ends or the engine is closed; it
// returns ctx's error, or nil after Close. Streams send and play only while
// the pacer runs. With a shared Config.Pacer, whose owner runs it, Run only
// waits. Run may be called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("media: engine already running")
	}
	if !e.own {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.done:
			return nil
		}
	}
	err := e.pacer.Run(ctx)
	if errors.Is(err, ErrClosed) {
		return nil // Close stopped it
	}
	return err
}

// Pacing returns the statistics of the engine's pacer since the last
// ResetPacing.
func (e *Engine) Pacing() PacingStats { return e.pacer.Stats() }

// ResetPacing clears the pacer's statistics.
func (e *Engine) ResetPacing() { e.pacer.ResetStats() }

// Close closes every session, pager and listener of the engine, stops Run
// and the recorder. It is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	members := make([]closer, 0, len(e.members))
	for m := range e.members {
		members = append(members, m)
	}
	e.mu.Unlock()
	close(e.done)
	for _, m := range members {
		m.Close()
	}
	if r := e.rec.Swap(nil); r != nil {
		r.conn.Close()
	}
	if e.own {
		e.pacer.Close()
	}
	return nil
}

// addStream registers a stream with the engine and its pacer.
func (e *Engine) addStream(s paced, c closer) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if err := e.pacer.add(s); err != nil {
		return err
	}
	e.members[c] = struct{}{}
	return nil
}

func (e *Engine) removeStream(s paced, c closer) {
	e.pacer.remove(s)
	e.mu.Lock()
	delete(e.members, c)
	e.mu.Unlock()
}

// listenUDP opens a UDP socket on addr with the DS byte set.
func (e *Engine) listenUDP(addr netip.AddrPort) (*net.UDPConn, error) {
	c, err := net.ListenUDP(udpNet(addr.Addr()), net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, err
	}
	if err := setTOS(c, addr.Addr(), e.tos); err != nil {
		// Not fatal: some platforms refuse; the packets still flow.
		e.log.Warn("cannot set the DS byte on media socket", "addr", addr, "tos", e.tos, "err", err)
	}
	return c, nil
}

func udpNet(a netip.Addr) string {
	if a.Is4() || a.Is4In6() {
		return "udp4"
	}
	return "udp6"
}

func setTOS(c *net.UDPConn, a netip.Addr, tos int) error {
	if a.Is4() || a.Is4In6() {
		return ipv4.NewConn(c).SetTOS(tos)
	}
	return ipv6.NewConn(c).SetTrafficClass(tos)
}

// listenPair opens the RTP socket on an even port of the range and the RTCP
// socket on the next, skipping busy ports.
func (e *Engine) listenPair() (rtpc, rtcpc *net.UDPConn, err error) {
	if e.cfg.PortBase == PortAny {
		if rtpc, err = e.listenUDP(netip.AddrPortFrom(e.cfg.Addr, 0)); err != nil {
			return nil, nil, fmt.Errorf("media: RTP socket: %w", err)
		}
		if rtcpc, err = e.listenUDP(netip.AddrPortFrom(e.cfg.Addr, 0)); err != nil {
			rtpc.Close()
			return nil, nil, fmt.Errorf("media: RTCP socket: %w", err)
		}
		return rtpc, rtcpc, nil
	}
	pairs := e.cfg.PortCount / 2
	e.mu.Lock()
	start := (e.nextPort - e.cfg.PortBase) / 2
	e.mu.Unlock()
	for i := range pairs {
		port := e.cfg.PortBase + ((start+i)%pairs)*2
		if port+1 > 65535 {
			continue
		}
		e.mu.Lock()
		busy := e.inUse[port]
		e.mu.Unlock()
		if busy {
			continue
		}
		a, err := e.listenUDP(netip.AddrPortFrom(e.cfg.Addr, uint16(port)))
		if err != nil {
			continue
		}
		b, err := e.listenUDP(netip.AddrPortFrom(e.cfg.Addr, uint16(port+1)))
		if err != nil {
			a.Close()
			continue
		}
		e.mu.Lock()
		e.inUse[port] = true
		// The next session starts after this one, so a port just released
		// is not reused at once (late packets of the old call).
		e.nextPort = port + 2
		e.mu.Unlock()
		return a, b, nil
	}
	return nil, nil, fmt.Errorf("%w: %s ports %d-%d", ErrNoPorts, e.cfg.Addr, e.cfg.PortBase, e.cfg.PortBase+e.cfg.PortCount-1)
}

func (e *Engine) releasePort(port int) {
	e.mu.Lock()
	delete(e.inUse, port)
	e.mu.Unlock()
}

// randomUint32 is used for SSRCs and initial sequence numbers and
// timestamps (RFC 3550 wants them random).
func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
