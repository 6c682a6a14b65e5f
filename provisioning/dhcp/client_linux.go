//go:build linux

package dhcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
)

// link is how a client reaches servers: a UDP socket (fleet mode) or a raw
// socket on an interface.
type link interface {
	net.PacketConn
	// broadcast is where DISCOVER, selecting REQUEST and rebinding go.
	broadcast() *net.UDPAddr
	// unicast is where renewing REQUEST and RELEASE go.
	unicast(l *Lease) *net.UDPAddr
	// bind tells the link the client's address (nil: none).
	bind(l *Lease)
	// carrier returns ErrLinkDown when the interface has no link.
	carrier() error
	// probe looks for another owner of addr (raw mode); nil means none.
	probe(ctx context.Context, addr netip.Addr, wait time.Duration) (net.HardwareAddr, error)
	// hasCarrier reports whether carrier can ever fail (raw mode).
	hasCarrier() bool
}

// Client is a DHCP client for one phone. Acquire, Renew, Rebind and Release
// are single exchanges; Run keeps a lease for as long as its context lives.
// Methods are safe for concurrent use, but exchanges are serialised.
type Client struct {
	cfg  Config
	mac  net.HardwareAddr
	clk  clock.Clock
	log  *slog.Logger
	link link
	nc   *nclient4.Client

	xmu sync.Mutex // serialises exchanges

	mu    sync.Mutex // guards lease
	lease *Lease
}

func newClient(cfg Config, l link, mac net.HardwareAddr) (*Client, error) {
	if len(mac) != 6 {
		l.Close()
		return nil, fmt.Errorf("%w: MAC %q is not a 6-byte Ethernet address", ErrConfig, mac)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 4 * time.Second
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 4
	}
	if cfg.ProbeWait == 0 {
		cfg.ProbeWait = 500 * time.Millisecond
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 10 * time.Second
	}
	if cfg.LinkPoll <= 0 {
		cfg.LinkPoll = time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:  cfg,
		mac:  mac,
		clk:  clock.OrReal(cfg.Clock),
		log:  log.With("component", "control_center", "mac", mac.String()),
		link: l,
	}
	nc, err := nclient4.NewWithConn(l, mac,
		nclient4.WithTimeout(cfg.Timeout),
		nclient4.WithRetry(cfg.Retries),
		nclient4.WithServerAddr(l.broadcast()))
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("dhcp: client: %w", err)
	}
	c.nc = nc
	return c, nil
}

// NewUDP returns a client in UDP mode: it sends from local (port 0 lets the
// kernel choose) to a server at server, unicast, and needs no privilege.
// Fleets give each phone its own 127.x.y.z as local. cfg.MAC is required.
func NewUDP(cfg Config, local, server netip.AddrPort) (*Client, error) {
	l, err := listenUDP(local, server)
	if err != nil {
		return nil, err
	}
	return newClient(cfg, l, cfg.MAC)
}

// MAC returns the client hardware address.
func (c *Client) MAC() net.HardwareAddr { return append(net.HardwareAddr(nil), c.mac...) }

// LocalAddr returns the address the client sends from.
func (c *Client) LocalAddr() net.Addr { return c.link.LocalAddr() }

// Lease returns the current lease, or nil.
func (c *Client) Lease() *Lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lease == nil {
		return nil
	}
	return c.lease.Clone()
}

func (c *Client) setLease(l *Lease) {
	c.mu.Lock()
	c.lease = l
	c.mu.Unlock()
	c.link.bind(l)
}

func (c *Client) current() *Lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lease
}

// Close releases the socket. It does not send DHCPRELEASE (see Release).
func (c *Client) Close() error { return c.nc.Close() }

// Acquire runs a full DISCOVER-OFFER-REQUEST-ACK exchange and returns the
// new lease. In raw mode it first checks the carrier (ErrLinkDown) and
// afterwards probes the address with ARP: if another host has it, the client
// sends DHCPDECLINE and returns a *DuplicateIPError.
func (c *Client) Acquire(ctx context.Context) (*Lease, error) {
	c.xmu.Lock()
	defer c.xmu.Unlock()
	if err := c.link.carrier(); err != nil {
		return nil, err
	}
	c.setLease(nil)
	disc, err := c.discover()
	if err != nil {
		return nil, fmt.Errorf("dhcp: build DISCOVER: %w", err)
	}
	c.log.Debug("DHCPDISCOVER", "xid", disc.TransactionID.String())
	offer, err := c.exchange(ctx, c.link.broadcast(), disc, nclient4.IsMessageType(dhcpv4.MessageTypeOffer))
	if err != nil {
		return nil, fmt.Errorf("dhcp: discover: %w", err)
	}
	c.log.Debug("DHCPOFFER", "addr", offer.YourIPAddr.String(), "server", offer.ServerIdentifier().String())
	req, err := c.requestSelecting(offer)
	if err != nil {
		return nil, fmt.Errorf("dhcp: build REQUEST: %w", err)
	}
	ack, err := c.exchange(ctx, c.link.broadcast(), req, nclient4.IsAll(
		nclient4.IsCorrectServer(offer.ServerIdentifier()),
		nclient4.IsMessageType(dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak)))
	if err != nil {
		return nil, fmt.Errorf("dhcp: request: %w", err)
	}
	if ack.MessageType() == dhcpv4.MessageTypeNak {
		return nil, nakError(ack)
	}
	lease, err := c.decode(ack)
	if err != nil {
		return nil, err
	}
	if c.cfg.ProbeWait > 0 {
		owner, err := c.link.probe(ctx, lease.Address.Addr(), c.cfg.ProbeWait)
		if err != nil {
			return nil, fmt.Errorf("dhcp: probe %s: %w", lease.Address.Addr(), err)
		}
		if owner != nil {
			if msg, err := c.decline(lease); err == nil {
				c.link.WriteTo(msg.ToBytes(), c.link.broadcast())
			}
			c.log.Warn("offered address in use; declined", "addr", lease.Address.Addr().String(), "owner", owner.String())
			return nil, &DuplicateIPError{Addr: lease.Address.Addr(), Owner: owner}
		}
	}
	c.setLease(lease)
	c.log.Info("DHCP lease", "addr", lease.Address.String(), "server", lease.Server.String(), "lease", lease.Duration.String())
	return lease.Clone(), nil
}

// Renew asks the server that granted the lease to extend it (RENEWING:
// unicast, ciaddr set). A NAK drops the lease and returns a *NakError.
func (c *Client) Renew(ctx context.Context) (*Lease, error) {
	return c.extend(ctx, false)
}

// Rebind asks any server to extend the lease (REBINDING: broadcast, ciaddr
// set). A NAK drops the lease and returns a *NakError.
func (c *Client) Rebind(ctx context.Context) (*Lease, error) {
	return c.extend(ctx, true)
}

func (c *Client) extend(ctx context.Context, rebind bool) (*Lease, error) {
	c.xmu.Lock()
	defer c.xmu.Unlock()
	old := c.current()
	if old == nil {
		return nil, fmt.Errorf("%w: no lease to extend", ErrConfig)
	}
	req, err := c.requestExtend(old)
	if err != nil {
		return nil, fmt.Errorf("dhcp: build REQUEST: %w", err)
	}
	dest, match, what := c.link.unicast(old), nclient4.IsAll(
		nclient4.IsCorrectServer(ip4(old.Server)),
		nclient4.IsMessageType(dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak)), "renew"
	if rebind {
		dest, match, what = c.link.broadcast(), nclient4.IsMessageType(dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak), "rebind"
	}
	reply, err := c.exchange(ctx, dest, req, match)
	if err != nil {
		return nil, fmt.Errorf("dhcp: %s: %w", what, err)
	}
	if reply.MessageType() == dhcpv4.MessageTypeNak {
		c.setLease(nil)
		return nil, nakError(reply)
	}
	lease, err := c.decode(reply)
	if err != nil {
		return nil, err
	}
	if lease.Address.Addr() != old.Address.Addr() {
		// A server may not move a bound client; treat it as a refusal.
		c.setLease(nil)
		return nil, &NakError{Server: lease.Server, Message: "extended a different address"}
	}
	c.setLease(lease)
	c.log.Info("DHCP lease extended", "how", what, "addr", lease.Address.String(), "lease", lease.Duration.String())
	return lease.Clone(), nil
}

// Release gives the lease back to its server (DHCPRELEASE, unicast) and
// forgets it. Without a lease it does nothing.
func (c *Client) Release(ctx context.Context) error {
	c.xmu.Lock()
	defer c.xmu.Unlock()
	l := c.current()
	if l == nil {
		return nil
	}
	msg, err := c.release(l)
	if err != nil {
		return fmt.Errorf("dhcp: build RELEASE: %w", err)
	}
	_, err = c.link.WriteTo(msg.ToBytes(), c.link.unicast(l))
	c.setLease(nil)
	if err != nil {
		return fmt.Errorf("dhcp: release: %w", err)
	}
	c.log.Info("DHCP lease released", "addr", l.Address.String())
	return nil
}

// exchange sends msg to dest and waits for a matching reply. A failure on
// a link that has meanwhile lost its carrier is reported as ErrLinkDown (the
// kernel's view of the carrier lags a pulled cable).
func (c *Client) exchange(ctx context.Context, dest *net.UDPAddr, msg *dhcpv4.DHCPv4, match nclient4.Matcher) (*dhcpv4.DHCPv4, error) {
	reply, err := c.nc.SendAndRead(ctx, dest, msg, match)
	if err == nil {
		return reply, nil
	}
	if lerr := c.link.carrier(); lerr != nil && ctx.Err() == nil {
		return nil, lerr
	}
	if errors.Is(err, nclient4.ErrNoResponse) {
		return nil, fmt.Errorf("%w (%s to %s)", ErrNoAnswer, msg.MessageType(), dest)
	}
	return nil, err
}

func (c *Client) decode(ack *dhcpv4.DHCPv4) (*Lease, error) {
	lease, err := DecodeLease(ack, c.cfg.URLOption, c.clk.Now())
	if err != nil {
		return nil, err
	}
	lease.ServerMAC = c.serverMAC(lease.Server)
	for _, b := range lease.BadOptions {
		c.log.Warn("malformed DHCP option ignored", "option", b.Code, "err", b.Err)
	}
	return lease, nil
}

// serverMAC returns the Ethernet address replies from server came from, if
// the link learns them.
func (c *Client) serverMAC(server netip.Addr) net.HardwareAddr {
	if n, ok := c.link.(interface {
		neighbour(netip.Addr) net.HardwareAddr
	}); ok {
		return n.neighbour(server)
	}
	return nil
}

func nakError(m *dhcpv4.DHCPv4) error {
	srv, _ := netip.AddrFromSlice(m.ServerIdentifier().To4())
	return &NakError{Server: srv, Message: m.Message()}
}
