package dhcpserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Config configures a Server. Only ServerID (when the socket is not bound
// to a specific address) and a way to get addresses (a pool, hosts, or
// ClientSourceAddress) are required.
type Config struct {
	// Addr is where to listen when Conn is nil; "" means 127.0.0.1:0 (a
	// port chosen by the kernel).
	Addr string
	// Conn is a prepared socket (for example from ListenInterface); the
	// server owns it from New on.
	Conn net.PacketConn
	// ServerID is option 54; by default the address the socket is bound to.
	ServerID netip.Addr

	// PoolStart and PoolEnd bound the dynamic addresses (inclusive).
	PoolStart, PoolEnd netip.Addr
	// PrefixLen is the subnet mask sent as option 1; 0 means 24.
	PrefixLen int
	Routers   []netip.Addr // option 3
	DNS       []netip.Addr // option 6
	// DomainName is option 15.
	DomainName string
	// LeaseTime is option 51; 0 means one hour. RenewalTime and
	// RebindingTime (58, 59) default to a half and seven eighths of it.
	LeaseTime, RenewalTime, RebindingTime time.Duration

	// ClientSourceAddress offers every client the IPv4 address its packets
	// come from: in a UDP fleet each phone already owns its 127.x.y.z.
	ClientSourceAddress bool
	// OnLink makes the server answer as on an Ethernet segment (RFC 2131
	// §4.1): to the relay, to ciaddr, or else broadcast to 255.255.255.255:68.
	// Without it, replies go back to the packet's source address.
	OnLink bool

	// Options go to every client; Classes and Hosts override them.
	Options Options
	// Classes add options for clients whose option 60 or 77 contains
	// Match, like dnsmasq's dhcp-vendorclass/dhcp-userclass tags. Every
	// matching class applies, in order.
	Classes []Class
	// Hosts give fixed addresses and options by MAC.
	Hosts []Host

	Clock  clock.Clock  // nil means the system clock
	Logger *slog.Logger // nil discards
	// OnRequest, if set, sees every well-formed client message before the
	// server answers it (tests use it to check what clients send).
	OnRequest func(peer net.Addr, m *dhcpv4.DHCPv4)
}

// Class is a set of options for clients of one kind.
type Class struct {
	Name    string
	Match   string // substring of option 60 or option 77
	Options Options
}

// Host is a client known by MAC.
type Host struct {
	MAC     net.HardwareAddr
	Address netip.Addr // a static lease; invalid means from the pool
	Options Options
}

// Lease is the server's record of a client address.
type Lease struct {
	MAC     string
	Address netip.Addr
	Expires time.Time
	Bound   bool // false while only offered
}

// Stats counts the messages a server has handled.
type Stats struct {
	Discovers, Offers, Requests, Acks, Naks, Declines, Releases, Informs, Ignored uint64
}

// Server is a DHCPv4 server for the lab: a pool, static hosts, per-model
// classes and the 400HD's provisioning options. Run serves until its context
// ends.
type Server struct {
	cfg      Config
	conn     net.PacketConn
	serverID netip.Addr
	clk      clock.Clock
	log      *slog.Logger

	stats struct {
		discovers, offers, requests, acks, naks, declines, releases, informs, ignored atomic.Uint64
	}

	closeOnce sync.Once

	mu       sync.Mutex // guards the following fields
	hosts    []Host
	byMAC    map[string]*Lease
	byAddr   map[netip.Addr]*Lease
	declined map[netip.Addr]time.Time
	next     netip.Addr // where the pool scan starts
}

// offerHold is how long an offered address stays reserved for its client.
const offerHold = time.Minute

// declineHold is how long a declined address stays out of the pool.
const declineHold = 10 * time.Minute

// New checks cfg and opens the server's socket.
func New(cfg Config) (*Server, error) {
	if cfg.PrefixLen == 0 {
		cfg.PrefixLen = 24
	}
	if cfg.PrefixLen < 0 || cfg.PrefixLen > 32 {
		return nil, fmt.Errorf("%w: prefix length %d", ErrConfig, cfg.PrefixLen)
	}
	if cfg.LeaseTime <= 0 {
		cfg.LeaseTime = time.Hour
	}
	if cfg.RenewalTime <= 0 {
		cfg.RenewalTime = cfg.LeaseTime / 2
	}
	if cfg.RebindingTime <= 0 {
		cfg.RebindingTime = cfg.LeaseTime * 7 / 8
	}
	if cfg.PoolStart.IsValid() != cfg.PoolEnd.IsValid() || (cfg.PoolStart.IsValid() && cfg.PoolEnd.Less(cfg.PoolStart)) {
		return nil, fmt.Errorf("%w: pool %s-%s", ErrConfig, cfg.PoolStart, cfg.PoolEnd)
	}
	for _, o := range append([]Options{cfg.Options}, optionSets(cfg)...) {
		if _, err := o.encode(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	conn := cfg.Conn
	if conn == nil {
		addr := cfg.Addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return nil, fmt.Errorf("dhcpserver: listen %s: %w", addr, err)
		}
		conn = c
	}
	id := cfg.ServerID
	if !id.IsValid() {
		if ua, ok := conn.LocalAddr().(*net.UDPAddr); ok {
			id, _ = netip.AddrFromSlice(ua.IP.To4())
		}
	}
	if !id.IsValid() || id.IsUnspecified() {
		conn.Close()
		return nil, fmt.Errorf("%w: no server identifier (set ServerID when listening on 0.0.0.0)", ErrConfig)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:      cfg,
		conn:     conn,
		serverID: id,
		clk:      clock.OrReal(cfg.Clock),
		log:      log.With("component", "dhcpserver"),
		hosts:    slices.Clone(cfg.Hosts),
		byMAC:    map[string]*Lease{},
		byAddr:   map[netip.Addr]*Lease{},
		declined: map[netip.Addr]time.Time{},
		next:     cfg.PoolStart,
	}, nil
}

func optionSets(cfg Config) []Options {
	var out []Options
	for _, c := range cfg.Classes {
		out = append(out, c.Options)
	}
	for _, h := range cfg.Hosts {
		out = append(out, h.Options)
	}
	return out
}

// Addr returns the address the server listens on.
func (s *Server) Addr() netip.AddrPort {
	if ua, ok := s.conn.LocalAddr().(*net.UDPAddr); ok {
		return ua.AddrPort()
	}
	return netip.AddrPort{}
}

// ServerID returns the server identifier (option 54).
func (s *Server) ServerID() netip.Addr { return s.serverID }

// Close closes the socket, ending Run.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.conn.Close() })
	return err
}

// Run answers clients until ctx ends, then closes the socket and returns
// ctx's error (or the socket's error if it failed first).
func (s *Server) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	defer s.Close()
	buf := make([]byte, 65536)
	for {
		n, peer, err := s.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("dhcpserver: %w", err)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("dhcpserver: read: %w", err)
		}
		s.serve(buf[:n], peer)
	}
}

// SetHosts replaces the per-MAC entries (fixed addresses and options)
// while the server runs. A client whose address changes this way gets a NAK
// at its next renewal.
func (s *Server) SetHosts(hosts []Host) error {
	for _, h := range hosts {
		if _, err := h.Options.encode(); err != nil {
			return fmt.Errorf("%w: host %s: %w", ErrConfig, h.MAC, err)
		}
	}
	s.mu.Lock()
	s.hosts = slices.Clone(hosts)
	s.mu.Unlock()
	return nil
}

// Stats returns the message counters.
func (s *Server) Stats() Stats {
	return Stats{
		Discovers: s.stats.discovers.Load(), Offers: s.stats.offers.Load(), Requests: s.stats.requests.Load(),
		Acks: s.stats.acks.Load(), Naks: s.stats.naks.Load(), Declines: s.stats.declines.Load(),
		Releases: s.stats.releases.Load(), Informs: s.stats.informs.Load(), Ignored: s.stats.ignored.Load(),
	}
}

// Leases returns the current bindings and offers, sorted by address.
func (s *Server) Leases() []Lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	out := make([]Lease, 0, len(s.byMAC))
	for _, l := range s.byMAC {
		if l.Expires.After(now) {
			out = append(out, *l)
		}
	}
	slices.SortFunc(out, func(a, b Lease) int { return a.Address.Compare(b.Address) })
	return out
}

func (s *Server) serve(b []byte, peer net.Addr) {
	m, err := dhcpv4.FromBytes(b)
	if err != nil || m.OpCode != dhcpv4.OpcodeBootRequest || len(m.ClientHWAddr) != 6 {
		s.stats.ignored.Add(1)
		return
	}
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(peer, m)
	}
	var reply *dhcpv4.DHCPv4
	switch m.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		s.stats.discovers.Add(1)
		reply = s.discover(m, peer)
	case dhcpv4.MessageTypeRequest:
		s.stats.requests.Add(1)
		reply = s.request(m, peer)
	case dhcpv4.MessageTypeDecline:
		s.stats.declines.Add(1)
		s.decline(m)
	case dhcpv4.MessageTypeRelease:
		s.stats.releases.Add(1)
		s.release(m)
	case dhcpv4.MessageTypeInform:
		s.stats.informs.Add(1)
		reply = s.reply(m, dhcpv4.MessageTypeAck, netip.Addr{})
	default:
		s.stats.ignored.Add(1)
	}
	if reply == nil {
		return
	}
	switch reply.MessageType() {
	case dhcpv4.MessageTypeOffer:
		s.stats.offers.Add(1)
	case dhcpv4.MessageTypeAck:
		s.stats.acks.Add(1)
	case dhcpv4.MessageTypeNak:
		s.stats.naks.Add(1)
	}
	dest := s.destination(m, reply, peer)
	if _, err := s.conn.WriteTo(reply.ToBytes(), dest); err != nil {
		s.log.Warn("send reply", "to", dest.String(), "err", err)
		return
	}
	s.log.Debug("reply", "type", reply.MessageType().String(), "mac", m.ClientHWAddr.String(),
		"addr", reply.YourIPAddr.String(), "to", dest.String())
}

// destination picks where a reply goes: back to the sender, or the RFC
// 2131 §4.1 rules on a segment (broadcast instead of an ARP-less unicast to
// yiaddr, which every client accepts).
func (s *Server) destination(req, reply *dhcpv4.DHCPv4, peer net.Addr) net.Addr {
	if !s.cfg.OnLink {
		return peer
	}
	switch {
	case !req.GatewayIPAddr.IsUnspecified():
		return &net.UDPAddr{IP: req.GatewayIPAddr, Port: 67}
	case reply.MessageType() == dhcpv4.MessageTypeNak:
		return &net.UDPAddr{IP: net.IPv4bcast, Port: 68}
	case !req.ClientIPAddr.IsUnspecified():
		return &net.UDPAddr{IP: req.ClientIPAddr, Port: 68}
	}
	return &net.UDPAddr{IP: net.IPv4bcast, Port: 68}
}

func (s *Server) discover(m *dhcpv4.DHCPv4, peer net.Addr) *dhcpv4.DHCPv4 {
	s.mu.Lock()
	addr := s.pickLocked(m, peer)
	if !addr.IsValid() {
		s.mu.Unlock()
		s.log.Warn("no address to offer", "mac", m.ClientHWAddr.String())
		return nil
	}
	mac := m.ClientHWAddr.String()
	if l := s.byMAC[mac]; l == nil || !l.Bound || l.Address != addr {
		s.setLocked(mac, addr, s.clk.Now().Add(offerHold), false)
	}
	s.mu.Unlock()
	return s.reply(m, dhcpv4.MessageTypeOffer, addr)
}

// pickLocked chooses the address for a client: its host entry, the source
// address (fleet mode), its current lease, the address it asks for, or the
// next free one of the pool.
func (s *Server) pickLocked(m *dhcpv4.DHCPv4, peer net.Addr) netip.Addr {
	mac := m.ClientHWAddr.String()
	if h := s.hostLocked(m.ClientHWAddr); h != nil && h.Address.IsValid() {
		return h.Address
	}
	if s.cfg.ClientSourceAddress {
		if ua, ok := peer.(*net.UDPAddr); ok {
			if a, ok := netip.AddrFromSlice(ua.IP.To4()); ok && !a.IsUnspecified() {
				return a
			}
		}
	}
	now := s.clk.Now()
	if l := s.byMAC[mac]; l != nil {
		return l.Address
	}
	if want, ok := netip.AddrFromSlice(m.RequestedIPAddress().To4()); ok && s.freeLocked(want, mac, now) && s.inPool(want) {
		return want
	}
	if !s.cfg.PoolStart.IsValid() {
		return netip.Addr{}
	}
	a := s.next
	for range s.poolSize() {
		if s.freeLocked(a, mac, now) {
			s.next = s.advance(a)
			return a
		}
		a = s.advance(a)
	}
	return netip.Addr{}
}

func (s *Server) inPool(a netip.Addr) bool {
	return s.cfg.PoolStart.IsValid() && !a.Less(s.cfg.PoolStart) && !s.cfg.PoolEnd.Less(a)
}

func (s *Server) advance(a netip.Addr) netip.Addr {
	a = a.Next()
	if !a.IsValid() || s.cfg.PoolEnd.Less(a) {
		return s.cfg.PoolStart
	}
	return a
}

func (s *Server) poolSize() int {
	st, en := s.cfg.PoolStart.As4(), s.cfg.PoolEnd.As4()
	from := uint32(st[0])<<24 | uint32(st[1])<<16 | uint32(st[2])<<8 | uint32(st[3])
	to := uint32(en[0])<<24 | uint32(en[1])<<16 | uint32(en[2])<<8 | uint32(en[3])
	return int(to-from) + 1
}

// freeLocked reports whether a may be given to mac: nobody else holds it,
// nobody declined it lately, no host entry reserves it.
func (s *Server) freeLocked(a netip.Addr, mac string, now time.Time) bool {
	if l := s.byAddr[a]; l != nil && l.MAC != mac && l.Expires.After(now) {
		return false
	}
	if t, ok := s.declined[a]; ok && now.Before(t) {
		return false
	}
	for _, h := range s.hosts {
		if h.Address == a && h.MAC.String() != mac {
			return false
		}
	}
	return true
}

func (s *Server) setLocked(mac string, a netip.Addr, expires time.Time, bound bool) {
	if old := s.byMAC[mac]; old != nil && s.byAddr[old.Address] == old {
		delete(s.byAddr, old.Address)
	}
	l := &Lease{MAC: mac, Address: a, Expires: expires, Bound: bound}
	s.byMAC[mac] = l
	s.byAddr[a] = l
}

func (s *Server) dropLocked(mac string) {
	if l := s.byMAC[mac]; l != nil {
		delete(s.byMAC, mac)
		if s.byAddr[l.Address] == l {
			delete(s.byAddr, l.Address)
		}
	}
}

func (s *Server) hostLocked(mac net.HardwareAddr) *Host {
	for i := range s.hosts {
		if bytes.Equal(s.hosts[i].MAC, mac) {
			return &s.hosts[i]
		}
	}
	return nil
}

// request answers SELECTING (server identifier set), INIT-REBOOT (option
// 50, no ciaddr) and RENEWING/REBINDING (ciaddr) requests. The server is
// authoritative: a request for an address it would not give that client gets
// a NAK.
func (s *Server) request(m *dhcpv4.DHCPv4, peer net.Addr) *dhcpv4.DHCPv4 {
	mac := m.ClientHWAddr.String()
	if sid := m.ServerIdentifier(); sid != nil {
		if a, _ := netip.AddrFromSlice(sid.To4()); a != s.serverID {
			// The client took another server's offer: forget ours.
			s.mu.Lock()
			if l := s.byMAC[mac]; l != nil && !l.Bound {
				s.dropLocked(mac)
			}
			s.mu.Unlock()
			return nil
		}
	}
	want, _ := netip.AddrFromSlice(m.RequestedIPAddress().To4())
	if ci, ok := netip.AddrFromSlice(m.ClientIPAddr.To4()); ok && !ci.IsUnspecified() {
		want = ci
	}
	if !want.IsValid() || want.IsUnspecified() {
		return s.nak(m, "no address requested")
	}
	s.mu.Lock()
	now := s.clk.Now()
	ok := false
	if h := s.hostLocked(m.ClientHWAddr); h != nil && h.Address.IsValid() {
		ok = h.Address == want
	} else if l := s.byMAC[mac]; l != nil {
		// Its own address, even shortly after expiry if nobody took it.
		ok = l.Address == want && s.freeLocked(want, mac, now)
	} else if s.cfg.ClientSourceAddress {
		ok = s.pickLocked(m, peer) == want
	} else {
		ok = s.inPool(want) && s.freeLocked(want, mac, now)
	}
	if ok {
		s.setLocked(mac, want, now.Add(s.cfg.LeaseTime), true)
	}
	s.mu.Unlock()
	if !ok {
		return s.nak(m, fmt.Sprintf("%s is not yours", want))
	}
	return s.reply(m, dhcpv4.MessageTypeAck, want)
}

func (s *Server) decline(m *dhcpv4.DHCPv4) {
	a, ok := netip.AddrFromSlice(m.RequestedIPAddress().To4())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declined[a] = s.clk.Now().Add(declineHold)
	if l := s.byMAC[m.ClientHWAddr.String()]; l != nil && l.Address == a {
		s.dropLocked(l.MAC)
	}
	s.log.Warn("address declined", "addr", a.String(), "mac", m.ClientHWAddr.String())
}

func (s *Server) release(m *dhcpv4.DHCPv4) {
	a, _ := netip.AddrFromSlice(m.ClientIPAddr.To4())
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.byMAC[m.ClientHWAddr.String()]; l != nil && l.Address == a {
		s.dropLocked(l.MAC)
	}
}

func (s *Server) nak(m *dhcpv4.DHCPv4, why string) *dhcpv4.DHCPv4 {
	r, err := dhcpv4.NewReplyFromRequest(m,
		dhcpv4.WithMessageType(dhcpv4.MessageTypeNak),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(s.serverID.AsSlice())),
		dhcpv4.WithOption(dhcpv4.OptMessage(why)))
	if err != nil {
		return nil
	}
	s.log.Info("NAK", "mac", m.ClientHWAddr.String(), "why", why)
	return r
}

// reply builds an OFFER or ACK for addr (none for an INFORM's ACK).
func (s *Server) reply(m *dhcpv4.DHCPv4, t dhcpv4.MessageType, addr netip.Addr) *dhcpv4.DHCPv4 {
	mods := []dhcpv4.Modifier{
		dhcpv4.WithMessageType(t),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(s.serverID.AsSlice())),
		dhcpv4.WithOption(dhcpv4.OptSubnetMask(net.CIDRMask(s.cfg.PrefixLen, 32))),
	}
	if addr.IsValid() {
		mods = append(mods,
			dhcpv4.WithYourIP(addr.AsSlice()),
			dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(s.cfg.LeaseTime)),
			dhcpv4.WithOption(dhcpv4.OptRenewTimeValue(s.cfg.RenewalTime)),
			dhcpv4.WithOption(dhcpv4.OptRebindingTimeValue(s.cfg.RebindingTime)))
	}
	if len(s.cfg.Routers) > 0 {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptRouter(ips(s.cfg.Routers)...)))
	}
	if len(s.cfg.DNS) > 0 {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptDNS(ips(s.cfg.DNS)...)))
	}
	if s.cfg.DomainName != "" {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptDomainName(s.cfg.DomainName)))
	}
	opts, err := s.optionsFor(m).encode()
	if err != nil {
		s.log.Error("encode options", "err", err)
		return nil
	}
	for code, v := range opts {
		mods = append(mods, dhcpv4.WithGeneric(dhcpv4.GenericOptionCode(code), v))
	}
	r, err := dhcpv4.NewReplyFromRequest(m, mods...)
	if err != nil {
		return nil
	}
	return r
}

// optionsFor merges the defaults, every matching class and the host entry.
func (s *Server) optionsFor(m *dhcpv4.DHCPv4) Options {
	o := s.cfg.Options
	vc := m.ClassIdentifier()
	uc := string(m.Options.Get(dhcpv4.OptionUserClassInformation))
	for _, c := range s.cfg.Classes {
		if c.Match != "" && (strings.Contains(vc, c.Match) || strings.Contains(uc, c.Match)) {
			o = o.merge(c.Options)
		}
	}
	s.mu.Lock()
	h := s.hostLocked(m.ClientHWAddr)
	s.mu.Unlock()
	if h != nil {
		o = o.merge(h.Options)
	}
	return o
}

func ips(as []netip.Addr) []net.IP {
	out := make([]net.IP, len(as))
	for i, a := range as {
		out[i] = a.AsSlice()
	}
	return out
}
