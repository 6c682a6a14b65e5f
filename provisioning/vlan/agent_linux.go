//go:build linux

package vlan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/packetsock"
)

// Agent advertises the phone and listens for the switch's voice policy on
// one interface. Its sockets belong to the network namespace of the thread
// that called Open; it reads them on goroutines of its own until Close.
type Agent struct {
	cfg  Config
	log  *slog.Logger
	lldp *packet.Conn // LLDPDUs (datagram: the kernel adds the header)
	cdp  *packet.Conn // 802.2 LLC frames, whole (CDP is SNAP inside)

	policies chan Policy
	wg       sync.WaitGroup

	mu sync.Mutex // guards id and voice
	id Identity
	// voice is the policy in force (nil: none yet), advertised back.
	voice *Policy
}

// Open opens the agent's sockets on cfg.Interface (CAP_NET_RAW).
func Open(cfg Config) (*Agent, error) {
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("vlan: interface %s: %w", cfg.Interface, err)
	}
	a := &Agent{cfg: cfg, log: cfg.Logger, id: cfg.Identity, policies: make(chan Policy, 8)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.id.MAC == nil {
		a.id.MAC = ifc.HardwareAddr
	}
	if cfg.LLDP {
		if a.lldp, err = listen(ifc, packet.Datagram, lldpType, lldpGroup); err != nil {
			return nil, err
		}
	}
	if cfg.CDP {
		if a.cdp, err = listen(ifc, packet.Raw, unix.ETH_P_802_2, cdpGroup); err != nil {
			a.closeConns()
			return nil, err
		}
	}
	for _, c := range []*packet.Conn{a.lldp, a.cdp} {
		if c != nil {
			a.wg.Go(func() { a.read(c) })
		}
	}
	return a, nil
}

func listen(ifc *net.Interface, typ packet.Type, proto int, group net.HardwareAddr) (*packet.Conn, error) {
	c, err := packet.Listen(ifc, typ, proto, nil)
	if err != nil {
		return nil, fmt.Errorf("vlan: packet socket on %s (needs CAP_NET_RAW): %w", ifc.Name, err)
	}
	if err := c.JoinGroup(group); err != nil {
		c.Close()
		return nil, fmt.Errorf("vlan: join %s on %s: %w", group, ifc.Name, err)
	}
	// The switch's frames only, not those the PC port forwards out.
	if err := c.SetBPF(packetsock.ForThisHost()); err != nil {
		c.Close()
		return nil, fmt.Errorf("vlan: filter on %s: %w", ifc.Name, err)
	}
	return c, nil
}

// read passes the voice policies the switch sends to a.policies.
func (a *Agent) read(c *packet.Conn) {
	buf := make([]byte, 1600)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				a.log.Debug("vlan: read", "err", err)
			}
			return
		}
		var voice *Policy
		if c == a.lldp {
			info, err := ParseLLDP(buf[:n])
			if err != nil {
				a.log.Info("vlan: LLDP frame ignored", "err", err)
				continue
			}
			voice = info.Voice
		} else {
			info, err := ParseCDPFrame(buf[:n])
			if err != nil {
				continue // other LLC traffic (spanning tree, …)
			}
			voice = info.Voice
		}
		if voice == nil {
			continue
		}
		select {
		case a.policies <- *voice:
		default: // nobody is listening now; the next one will do
		}
	}
}

// Advertise sends the phone's LLDP and CDP advertisements once.
func (a *Agent) Advertise() error {
	a.mu.Lock()
	id, voice := a.id, a.voice
	a.mu.Unlock()
	var errs []error
	if a.lldp != nil {
		if _, err := a.lldp.WriteTo(Advertisement(id, voice), &packet.Addr{HardwareAddr: lldpGroup}); err != nil {
			errs = append(errs, fmt.Errorf("vlan: send LLDP: %w", err))
		}
	}
	if a.cdp != nil {
		if _, err := a.cdp.WriteTo(CDPFrame(id.MAC, CDPPacket(id)), &packet.Addr{HardwareAddr: cdpGroup}); err != nil {
			errs = append(errs, fmt.Errorf("vlan: send CDP: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Discover advertises the phone and waits up to wait for the switch's
// voice policy. An LLDP policy ends the wait; a CDP answer is kept and ends
// it only when LLDP is not spoken (LLDP beats CDP). ok is false when the
// switch said nothing.
func (a *Agent) Discover(ctx context.Context, wait time.Duration) (p Policy, ok bool, err error) {
	if err := a.Advertise(); err != nil {
		return Policy{}, false, err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return p, ok, ctx.Err()
		case <-t.C:
			a.keep(p, ok)
			return p, ok, nil
		case got := <-a.policies:
			if got.Source == "LLDP" || !ok {
				p, ok = got, true
			}
			if got.Source == "LLDP" || a.lldp == nil {
				a.keep(p, ok)
				return p, ok, nil
			}
		}
	}
}

func (a *Agent) keep(p Policy, ok bool) {
	if !ok {
		return
	}
	a.mu.Lock()
	a.voice = &p
	a.mu.Unlock()
}

// SetAddr sets the address later advertisements carry.
func (a *Agent) SetAddr(addr netip.Addr) {
	a.mu.Lock()
	a.id.Addr = addr
	a.mu.Unlock()
}

// Run advertises the phone every period until ctx ends, then closes the
// agent. A policy that differs from the one in force is passed to changed
// once (the phone logs it; it takes effect at the next start); a CDP answer
// does not displace an LLDP policy.
func (a *Agent) Run(ctx context.Context, period time.Duration, changed func(Policy)) error {
	defer a.Close()
	t := time.NewTicker(period)
	defer t.Stop()
	// seen is the policy last in force or reported: the switch repeats its
	// answer with every advertisement, and a change is told once.
	a.mu.Lock()
	seen := a.voice
	a.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := a.Advertise(); err != nil {
				a.log.Info("vlan: advertisement", "err", err)
			}
		case got := <-a.policies:
			if seen != nil && seen.Source == "LLDP" && got.Source == "CDP" {
				continue // LLDP beats CDP
			}
			if seen == nil || *seen != got {
				seen = &got
				if changed != nil {
					changed(got)
				}
			}
		}
	}
}

// Close closes the sockets and waits for the readers.
func (a *Agent) Close() error {
	a.closeConns()
	a.wg.Wait()
	return nil
}

func (a *Agent) closeConns() {
	for _, c := range []*packet.Conn{a.lldp, a.cdp} {
		if c != nil {
			c.Close()
		}
	}
}
