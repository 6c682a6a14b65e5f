//go:build linux

package pcport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/packetsock"
	"github.com/hdphone/hdphone/provisioning/dot1x"
)

// Port bridges the PC port. Its sockets belong to the network namespace of
// the thread that called Open.
type Port struct {
	cfg       Config
	log       *slog.Logger
	lan, pc   *packet.Conn
	lanIf     *net.Interface
	pcIf      *net.Interface
	wg        sync.WaitGroup
	mu        sync.Mutex
	hosts     map[[6]byte]bool // computers seen on the PC port (by MAC) → authenticated with 802.1X
	closeOnce sync.Once
}

// Open opens both ports' sockets; Run bridges them.
func Open(cfg Config) (*Port, error) {
	p := &Port{cfg: cfg, log: cfg.Logger, hosts: map[[6]byte]bool{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if p.lanIf, err = net.InterfaceByName(cfg.LAN); err != nil {
		return nil, fmt.Errorf("pcport: LAN interface: %w", err)
	}
	if p.pcIf, err = net.InterfaceByName(cfg.PC); err != nil {
		return nil, fmt.Errorf("pcport: PC interface: %w", err)
	}
	if p.lan, err = listen(p.lanIf); err != nil {
		return nil, err
	}
	if p.pc, err = listen(p.pcIf); err != nil {
		p.lan.Close()
		return nil, err
	}
	return p, nil
}

// listen opens a socket for every frame the interface receives (not those
// it sends: the bridge's own writes must not come back to it).
func listen(ifc *net.Interface) (*packet.Conn, error) {
	c, err := packet.Listen(ifc, packet.Raw, unix.ETH_P_ALL, nil)
	if err != nil {
		return nil, fmt.Errorf("pcport: packet socket on %s (needs CAP_NET_RAW): %w", ifc.Name, err)
	}
	err = c.SetBPF(packetsock.Received())
	if err == nil {
		err = c.SetPromiscuous(true)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("pcport: %s: %w", ifc.Name, err)
	}
	return c, nil
}

// Run bridges until ctx ends, then closes the port.
func (p *Port) Run(ctx context.Context) {
	p.wg.Go(func() { p.forward(p.pc, p.lan, true) })
	p.wg.Go(func() { p.forward(p.lan, p.pc, false) })
	p.watchLink(ctx)
	p.Close()
}

// forward copies frames from one socket to the other. From the PC it
// learns the computers' MACs and notes which authenticate with 802.1X;
// towards the PC it passes only what a switch would, unless mirroring.
func (p *Port) forward(from, to *packet.Conn, fromPC bool) {
	buf := make([]byte, 1<<16)
	for {
		n, _, err := from.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Debug("pcport: read", "err", err)
			}
			return
		}
		f := buf[:n]
		if n < 14 {
			continue
		}
		dst, src := net.HardwareAddr(f[0:6]), net.HardwareAddr(f[6:12])
		if fromPC {
			p.mu.Lock()
			eapol := n >= 16 && f[12] == 0x88 && f[13] == 0x8e
			p.hosts[[6]byte(src)] = p.hosts[[6]byte(src)] || eapol
			p.mu.Unlock()
		} else if !p.cfg.Mirror && dst[0]&1 == 0 {
			p.mu.Lock()
			_, known := p.hosts[[6]byte(dst)]
			p.mu.Unlock()
			if !known {
				continue // unicast for someone else (the phone itself)
			}
		}
		if _, err := to.WriteTo(f, &packet.Addr{HardwareAddr: dst}); err != nil {
			p.log.Debug("pcport: write", "err", err)
		}
	}
}

// watchLink polls the PC port's carrier; when it drops, the computers that
// authenticated are logged off at the switch and forgotten.
func (p *Port) watchLink(ctx context.Context) {
	poll := p.cfg.LinkPoll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	up := p.linkUp()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := p.linkUp()
		if up && !now {
			p.logoff()
		}
		up = now
	}
}

// linkUp reports the PC port's carrier (false when it cannot be asked).
func (p *Port) linkUp() bool {
	up, err := packetsock.Running(p.pc, p.pcIf.Name)
	return err == nil && up
}

// logoff sends an EAPOL-Logoff from each computer that authenticated.
func (p *Port) logoff() {
	p.mu.Lock()
	var macs []net.HardwareAddr
	for mac, authed := range p.hosts {
		if authed {
			macs = append(macs, net.HardwareAddr(mac[:]))
		}
	}
	p.hosts = map[[6]byte]bool{}
	p.mu.Unlock()
	for _, m := range macs {
		f := make([]byte, 0, 18)
		f = append(f, dot1x.PAEGroup...)
		f = append(f, m...)
		f = append(f, 0x88, 0x8e)
		f = append(f, dot1x.LogoffFrame()...)
		if _, err := p.lan.WriteTo(f, &packet.Addr{HardwareAddr: dot1x.PAEGroup}); err != nil {
			p.log.Warn("pcport: proxy logoff", "pc", m.String(), "err", err)
			continue
		}
		if p.cfg.OnLogoff != nil {
			p.cfg.OnLogoff(m)
		}
	}
}

// Close closes both sockets and waits for the forwarders.
func (p *Port) Close() error {
	p.closeOnce.Do(func() {
		p.lan.Close()
		p.pc.Close()
	})
	p.wg.Wait()
	return nil
}
