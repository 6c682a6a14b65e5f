package device

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/hdphone/hdphone/provisioning/vlan"
)

// stageLink waits for the Ethernet carrier in raw mode, showing "LAN Link
// failure" while there is none (BOOT-17). It also starts the cycle's System
// Logging service, the first thing a phone brings up.
func (p *Phone) stageLink(ctx context.Context, b *Boot) error {
	p.startSyslog(b)
	if !p.waitCable(b) { // an emulated cable pulled out (SetLink)
		return nil
	}
	nc := p.cfg.Network
	if nc.mode() != netRaw {
		return nil
	}
	down := false
	for {
		err := nc.carrier()
		if err == nil {
			if down {
				b.Clear(NoteLinkFailure)
				b.Log("LAN link up on " + nc.Interface)
			}
			return nil
		}
		if !down {
			p.log.Warn("no LAN link", "interface", nc.Interface, "err", err, "component", "control_center")
			b.Notify(NoteLinkFailure)
			down = true
		}
		if b.Sleep(nc.linkPoll()) != nil {
			return nil
		}
	}
}

// carrier reports whether the interface is up with a carrier, asking the
// kernel from inside the interface's namespace.
func (n NetConfig) carrier() error {
	return n.do(func() error {
		ifc, err := net.InterfaceByName(n.Interface)
		if err != nil {
			return fmt.Errorf("%w: %w", dhcp.ErrLinkDown, err)
		}
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagRunning == 0 {
			return fmt.Errorf("%w: %s has no carrier", dhcp.ErrLinkDown, n.Interface)
		}
		return nil
	})
}

// stageNetwork gives the phone its address: the fixed_ip values under
// network/lan_type=STATIC (BOOT-14), else a DHCP lease (BOOT-1), retried with
// back-off until one comes: in DHCP mode the phone never goes on without an
// address. The lease is then kept by the "dhcp" service.
func (p *Phone) stageNetwork(ctx context.Context, b *Boot) error {
	cfg := b.Config()
	if cfg.Get("network/lan_type") == "STATIC" || p.cfg.Network.mode() == netNone {
		return stageStaticNetwork(ctx, b)
	}
	b.Status("Acquiring IP…")
	c, err := p.openDHCP(ctx, b, cfg, false)
	if err != nil {
		return nil // powered off
	}
	lease, err := p.acquire(ctx, b, c)
	if err != nil {
		c.Close()
		return nil
	}
	if id, src := vlanFor(cfg, lease, b.voice); src == "DHCP" && p.cfg.Network.mode() == netRaw {
		// Option 43 names the voice VLAN (BOOT-9) and no switch did: as
		// after a switch's answer, the phone leaves the untagged network
		// and asks for its address in the voice VLAN.
		b.Log(fmt.Sprintf("voice VLAN %d from DHCP: asking again in it", id))
		c.Release(ctx)
		c.Close()
		b.voice = &vlan.Policy{Tagged: true, VLAN: id, Source: "DHCP"}
		if c, err = p.openDHCP(ctx, b, cfg, false); err != nil {
			return nil // powered off
		}
		if lease, err = p.acquire(ctx, b, c); err != nil {
			c.Close()
			return nil
		}
	}
	if err := p.useLease(b, cfg, lease); err != nil {
		c.Close()
		return nil
	}
	if err := b.Go("dhcp", func(ctx context.Context) {
		defer c.Close()
		c.Run(ctx)
	}); err != nil {
		c.Close()
	}
	return nil
}

// openDHCP makes the cycle's DHCP client, trying again with back-off while
// the socket cannot be opened (an interface not there yet, an address not yet
// on the host).
func (p *Phone) openDHCP(ctx context.Context, b *Boot, cfg *config.Config, recovery bool) (*dhcp.Client, error) {
	nc := p.cfg.Network
	dc := dhcp.Config{
		Model:     string(p.cfg.Model.Name),
		MAC:       p.cfg.MAC,
		Recovery:  recovery,
		Timeout:   nc.DHCPTimeout,
		Retries:   nc.DHCPRetries,
		RetryWait: nc.retryMin(),
		LinkPoll:  nc.LinkPoll,
		Clock:     p.cfg.Clock,
		Logger:    p.log,
	}
	if opt := cfg.Int("provisioning/url_option_value"); opt > 0 && opt < 255 {
		dc.URLOption = uint8(opt)
	}
	if !recovery {
		dc.OnEvent = func(e dhcp.Event) { p.onLeaseEvent(b, e) }
		// On an Ethernet port the phone asks for its address in its voice
		// VLAN, once it knows one (manual, or the switch's answer).
		dc.VLAN, dc.VLANPriority = voiceVLAN(cfg, b.voice)
	}
	bo := nc.backoff()
	for {
		var c *dhcp.Client
		var err error
		switch nc.mode() {
		case netRaw:
			c, err = openInPort(nc, func() (*dhcp.Client, error) { return dhcp.NewRaw(nc.Interface, dc) })
		default:
			c, err = dhcp.NewUDP(dc, netip.AddrPortFrom(p.ownAddr(), 0), nc.DHCPServer)
		}
		if err == nil {
			return c, nil
		}
		p.log.Warn("DHCP client not started", "err", err, "component", "control_center")
		if errors.Is(err, dhcp.ErrUnsupported) {
			b.Log("DHCP: " + err.Error())
		}
		if b.Sleep(bo.wait()) != nil {
			return nil, ErrPoweredOff
		}
	}
}

// ownAddr is the address a UDP-mode phone sends from.
func (p *Phone) ownAddr() netip.Addr {
	if p.cfg.Addr.IsValid() {
		return p.cfg.Addr
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// acquire runs DORA until a lease comes, showing "LAN Link failure" or
// "Duplicate IP" while that is the cause (BOOT-17).
func (p *Phone) acquire(ctx context.Context, b *Boot, c *dhcp.Client) (*dhcp.Lease, error) {
	bo := p.cfg.Network.backoff()
	var shown string
	for {
		lease, err := c.Acquire(ctx)
		if ctx.Err() != nil {
			return nil, ErrPoweredOff
		}
		note := dhcp.Notification(err)
		if shown != "" && shown != note {
			b.Clear(shown)
		}
		if note != "" {
			b.Notify(note)
		}
		shown = note
		if err == nil {
			return lease, nil
		}
		p.log.Warn("no DHCP lease yet", "err", err, "component", "control_center")
		wait := bo.wait()
		if errors.Is(err, dhcp.ErrLinkDown) {
			wait = p.cfg.Network.linkPoll()
		}
		if b.Sleep(wait) != nil {
			return nil, ErrPoweredOff
		}
	}
}

// useLease records a lease as the phone's network.
func (p *Phone) useLease(b *Boot, cfg *config.Config, lease *dhcp.Lease) error {
	l, err := dhcp.Override(cfg, lease)
	if err != nil {
		p.log.Warn("DHCP overrides", "err", err, "component", "control_center")
	}
	for _, bad := range l.BadOptions {
		p.log.Warn("DHCP option ignored", "err", bad, "component", "control_center")
		b.Log(fmt.Sprintf("DHCP option %d ignored: %v", bad.Code, bad.Err))
	}
	n := NetworkFromLease(l, p.cfg.Network.Interface)
	n.VLAN, n.VLANSource = vlanFor(cfg, l, b.voice)
	n.Dot1X = b.dot1x
	if b.vlanAgent != nil {
		b.vlanAgent.SetAddr(l.Address.Addr())
	}
	if err := b.SetNetwork(n); err != nil {
		return err
	}
	b.Clear(NoteLinkFailure)
	b.Clear(NoteDuplicateIP)
	return b.Log(fmt.Sprintf("DHCP lease %s from %s for %s", n.Address, n.DHCPServer, n.LeaseTime))
}

// NetworkFromLease turns a lease into the phone's network (the options
// decoded into plain values; see Network).
func NetworkFromLease(l *dhcp.Lease, iface string) Network {
	n := Network{
		Interface:       iface,
		Address:         l.Address,
		DNS:             append([]netip.Addr(nil), l.DNS...),
		DomainName:      l.DomainName,
		DHCPServer:      l.Server,
		LeaseTime:       l.Duration,
		ProvisioningURL: l.ProvisioningURL,
		TFTPServer:      l.TFTPServer,
		BootFile:        l.BootFile,
		SIPServers:      append([]string(nil), l.SIPServers...),
		VLAN:            l.VendorInfo.VoiceVLAN,
	}
	if len(l.Routers) > 0 {
		n.Gateway = l.Routers[0]
	}
	for _, a := range l.TimeServersPreferred() {
		n.NTPServers = append(n.NTPServers, a.String())
	}
	if l.TimeOffset != nil {
		s := int(l.TimeOffset.Seconds())
		n.TimeOffset = &s
	}
	if len(l.VendorInfo.Sub) > 0 {
		n.VendorInfo = make(map[int]string, len(l.VendorInfo.Sub))
		for k, v := range l.VendorInfo.Sub {
			n.VendorInfo[int(k)] = strings.TrimRight(string(v), "\x00")
		}
	}
	return n
}

// voiceVLAN is the VLAN and 802.1p priority the phone tags its frames with
// before DHCP: the manual ID and priority in Manual mode, else the
// switch's LLDP-MED or CDP policy; 0 is untagged.
func voiceVLAN(cfg *config.Config, voice *vlan.Policy) (id, priority int) {
	id, src := vlanFor(cfg, &dhcp.Lease{}, voice)
	switch {
	case id <= 0:
		return 0, 0
	case src == "manual":
		return id, cfg.Int("network/lan/vlan/priority")
	}
	return id, voice.Priority
}

// vlanFor is the voice VLAN the phone records and where it came from: the
// manual ID in Manual mode, none when VLANs are disabled, else the switch's
// (CDP or LLDP-MED, found before DHCP; an untagged policy means none), else
// DHCP option 43 sub-option 10 (BOOT-9). On an Ethernet port the phone's
// DHCP and ARP frames carry the tag (manual or switch's; a VLAN learnt
// from DHCP is recorded only); its other traffic goes by the host's
// routing.
func vlanFor(cfg *config.Config, l *dhcp.Lease, voice *vlan.Policy) (int, string) {
	switch cfg.Get("network/lan/vlan/mode") {
	case "Manual":
		return cfg.Int("network/lan/vlan/id"), "manual"
	case "Disable":
		return 0, ""
	}
	if voice != nil {
		return voice.VLAN, voice.Source
	}
	if l.VendorInfo.VoiceVLAN > 0 {
		return l.VendorInfo.VoiceVLAN, "DHCP"
	}
	return 0, ""
}

// onLeaseEvent follows the "dhcp" service's lease: a renewed lease updates
// the network; a lost one shows why until DHCP binds again; a new address
// restarts the phone (its sockets are bound to the old one), the same
// address re-registers SIP.
func (p *Phone) onLeaseEvent(b *Boot, e dhcp.Event) {
	if note := dhcp.Notification(e.Err); note != "" {
		b.Notify(note)
	}
	switch e.Kind {
	case dhcp.EventRenewed, dhcp.EventRebound:
		p.useLease(b, b.Config(), e.Lease)
	case dhcp.EventBound:
		old := b.Snapshot().Network.Address
		if old.IsValid() && old.Addr() != e.Lease.Address.Addr() {
			b.Log(fmt.Sprintf("DHCP gave a new address %s (was %s)", e.Lease.Address, old))
			b.Reboot("IP address changed")
			return
		}
		p.useLease(b, b.Config(), e.Lease)
		p.networkChanged(b)
	case dhcp.EventExpired, dhcp.EventNak, dhcp.EventLinkDown, dhcp.EventDeclined, dhcp.EventFailed:
		text := "DHCP " + string(e.Kind)
		if e.Err != nil {
			text += ": " + e.Err.Error()
		}
		b.Log(text)
	}
}

// networkChanged tells line 0's user agent that its network came back, so
// that it registers again at once.
func (p *Phone) networkChanged(b *Boot) {
	var ua interface{ NetworkChanged() }
	b.do(func(s *state) {
		if l := s.calls.line; l != nil && l.ua != nil {
			ua = l.ua
		}
	})
	if ua != nil {
		ua.NetworkChanged()
	}
}
