//go:build linux

package dhcp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/packetsock"
)

// NewRaw returns a client in raw mode on the named interface: it speaks
// DHCP with AF_PACKET sockets, so the interface needs no address, and it
// broadcasts like a phone on a LAN. It needs CAP_NET_RAW. The sockets belong
// to the network namespace of the calling thread. cfg.MAC defaults to the
// interface's address.
//
// Raw mode also probes a new address with ARP before using it (a conflict
// gives ErrDuplicateIP), answers ARP for the leased address so that servers
// can unicast to it, and reports a missing carrier as ErrLinkDown. With
// cfg.VLAN its DHCP and ARP frames carry that 802.1Q tag and it hears only
// frames so tagged, as a phone in its voice VLAN; without, only untagged
// frames.
func NewRaw(iface string, cfg Config) (*Client, error) {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("dhcp: interface %s: %w", iface, err)
	}
	mac := cfg.MAC
	if mac == nil {
		mac = ifc.HardwareAddr
	}
	if cfg.VLAN < 0 || cfg.VLAN > 4094 || cfg.VLANPriority < 0 || cfg.VLANPriority > 7 {
		return nil, fmt.Errorf("dhcp: VLAN %d priority %d out of range (1-4094, 0-7)", cfg.VLAN, cfg.VLANPriority)
	}
	l, err := openRaw(ifc, mac, cfg.VLAN, cfg.VLANPriority)
	if err != nil {
		return nil, err
	}
	return newClient(cfg, l, mac)
}

const (
	clientPort = 68
	serverPort = 67
	ipHeader   = 20
	udpHeader  = 8
)

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// rawLink carries DHCP in hand-made IPv4/UDP datagrams over a packet socket
// and runs a small ARP agent on a second one.
type rawLink struct {
	ifc *net.Interface
	mac net.HardwareAddr // our Ethernet source address
	ip  *packet.Conn     // ETH_P_IP, datagram (no Ethernet header)
	arp *packet.Conn     // ETH_P_ARP
	// tag, in a VLAN, sends the frames with an 802.1Q header (ETH_P_8021Q;
	// the tag control information and the inner type lead the payload);
	// tci is that tag: priority and VLAN ID.
	tag *packet.Conn
	tci uint16

	done chan struct{}
	wg   sync.WaitGroup // the ARP agent
	rbuf []byte         // ReadFrom's buffer: the client has one reader

	mu        sync.Mutex // guards the following fields
	local     netip.Addr // the bound address, if any
	neigh     map[netip.Addr]net.HardwareAddr
	probing   netip.Addr
	conflicts chan net.HardwareAddr
	ipID      uint16
}

func openRaw(ifc *net.Interface, mac net.HardwareAddr, vlan, priority int) (*rawLink, error) {
	// Each socket hears only its VLAN's frames (or the untagged ones) for
	// this host: a promiscuous port (the PC port's bridge) carries others.
	// In a VLAN the sockets take every EtherType and the filter picks one
	// (see packetsock.ForThisHostOnVLAN).
	ipProto, arpProto := uint16(unix.ETH_P_IP), uint16(unix.ETH_P_ARP)
	if vlan > 0 {
		ipProto, arpProto = unix.ETH_P_ALL, unix.ETH_P_ALL
	}
	ipc, err := packet.Listen(ifc, packet.Datagram, int(ipProto), &packet.Config{Filter: packetsock.ForThisHostOnVLAN(unix.ETH_P_IP, vlan)})
	if err != nil {
		return nil, fmt.Errorf("dhcp: raw socket on %s (needs CAP_NET_RAW): %w", ifc.Name, err)
	}
	arpc, err := packet.Listen(ifc, packet.Datagram, int(arpProto), &packet.Config{Filter: packetsock.ForThisHostOnVLAN(unix.ETH_P_ARP, vlan)})
	if err != nil {
		ipc.Close()
		return nil, fmt.Errorf("dhcp: ARP socket on %s: %w", ifc.Name, err)
	}
	var tag *packet.Conn
	if vlan > 0 {
		// A send-only socket: it hears nothing (the kernel has moved every
		// tag into the metadata before packet sockets see a frame).
		tag, err = packet.Listen(ifc, packet.Datagram, unix.ETH_P_8021Q, &packet.Config{Filter: packetsock.Nothing()})
		if err != nil {
			ipc.Close()
			arpc.Close()
			return nil, fmt.Errorf("dhcp: 802.1Q socket on %s: %w", ifc.Name, err)
		}
	}
	r := &rawLink{ifc: ifc, mac: mac, ip: ipc, arp: arpc, tag: tag, tci: uint16(priority)<<13 | uint16(vlan),
		done: make(chan struct{}), neigh: map[netip.Addr]net.HardwareAddr{}}
	r.wg.Add(1)
	go r.arpAgent()
	return r, nil
}

func (r *rawLink) Close() error {
	select {
	case <-r.done:
		return nil
	default:
	}
	close(r.done)
	err := r.ip.Close()
	r.arp.Close()
	if r.tag != nil {
		r.tag.Close()
	}
	r.wg.Wait()
	return err
}

func (r *rawLink) LocalAddr() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &net.UDPAddr{IP: ip4(r.local), Port: clientPort}
}

func (r *rawLink) SetDeadline(t time.Time) error      { return r.ip.SetDeadline(t) }
func (r *rawLink) SetReadDeadline(t time.Time) error  { return r.ip.SetReadDeadline(t) }
func (r *rawLink) SetWriteDeadline(t time.Time) error { return r.ip.SetWriteDeadline(t) }

func (r *rawLink) broadcast() *net.UDPAddr {
	return &net.UDPAddr{IP: net.IPv4bcast, Port: serverPort}
}

func (r *rawLink) unicast(l *Lease) *net.UDPAddr {
	return &net.UDPAddr{IP: ip4(l.Server), Port: serverPort}
}

func (r *rawLink) hasCarrier() bool { return true }

func (r *rawLink) bind(l *Lease) {
	r.mu.Lock()
	var announce netip.Addr
	if l == nil {
		r.local = netip.Addr{}
	} else {
		if r.local != l.Address.Addr() {
			announce = l.Address.Addr()
		}
		r.local = l.Address.Addr()
		if l.ServerMAC != nil {
			r.neigh[l.Server] = l.ServerMAC
		}
	}
	r.mu.Unlock()
	if announce.IsValid() {
		// A gratuitous ARP tells the segment where the address now lives.
		r.sendARP(arpRequest, announce, nil, announce, broadcastMAC)
	}
}

func (r *rawLink) neighbour(a netip.Addr) net.HardwareAddr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(net.HardwareAddr(nil), r.neigh[a]...)
}

// carrier asks the kernel for the interface flags through the packet socket,
// so the answer comes from the socket's own network namespace.
func (r *rawLink) carrier() error {
	up, err := packetsock.Running(r.ip, r.ifc.Name)
	if err != nil {
		return fmt.Errorf("dhcp: %w", err)
	}
	if !up {
		return fmt.Errorf("%w: %s has no carrier", ErrLinkDown, r.ifc.Name)
	}
	return nil
}

// ReadFrom returns the next UDP datagram for the DHCP client port.
func (r *rawLink) ReadFrom(b []byte) (int, net.Addr, error) {
	if r.rbuf == nil {
		r.rbuf = make([]byte, 65536)
	}
	buf := r.rbuf
	for {
		n, from, err := r.ip.ReadFrom(buf)
		if err != nil {
			return 0, nil, err
		}
		src, srcPort, dstPort, payload, ok := parseUDP4(buf[:n])
		if !ok || dstPort != clientPort {
			continue
		}
		if pa, ok := from.(*packet.Addr); ok && !bytes.Equal(pa.HardwareAddr, r.mac) {
			r.mu.Lock()
			r.neigh[src] = append(net.HardwareAddr(nil), pa.HardwareAddr...)
			r.mu.Unlock()
		}
		return copy(b, payload), &net.UDPAddr{IP: ip4(src), Port: int(srcPort)}, nil
	}
}

// WriteTo sends b in a UDP datagram from the bound address (0.0.0.0 before
// one is bound). Broadcasts go to ff:ff:ff:ff:ff:ff, unicasts to the MAC the
// destination's replies came from.
func (r *rawLink) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("dhcp: raw write to %T", addr)
	}
	dst, ok := netip.AddrFromSlice(ua.IP.To4())
	if !ok {
		return 0, fmt.Errorf("dhcp: raw write to non-IPv4 %s", ua)
	}
	r.mu.Lock()
	src := r.local
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
	}
	hw := broadcastMAC
	if m, ok := r.neigh[dst]; ok && dst != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		hw = m
	}
	r.ipID++
	id := r.ipID
	r.mu.Unlock()
	pkt := buildUDP4(src, dst, clientPort, uint16(ua.Port), id, b)
	if err := r.send(r.ip, unix.ETH_P_IP, pkt, hw); err != nil {
		return 0, err
	}
	return len(b), nil
}

// send writes payload of EtherType proto to hw: through c, or in the VLAN
// behind an 802.1Q header.
func (r *rawLink) send(c *packet.Conn, proto uint16, payload []byte, hw net.HardwareAddr) error {
	if r.tag == nil {
		_, err := c.WriteTo(payload, &packet.Addr{HardwareAddr: hw})
		return err
	}
	f := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint16(f[0:], r.tci)
	binary.BigEndian.PutUint16(f[2:], proto)
	copy(f[4:], payload)
	_, err := r.tag.WriteTo(f, &packet.Addr{HardwareAddr: hw})
	return err
}

// parseUDP4 takes an IPv4 packet apart; ok is false for anything but an
// unfragmented, well-formed UDP datagram.
func parseUDP4(p []byte) (src netip.Addr, srcPort, dstPort uint16, payload []byte, ok bool) {
	if len(p) < ipHeader || p[0]>>4 != 4 {
		return
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:]))
	if ihl < ipHeader || total < ihl+udpHeader || total > len(p) || p[9] != unix.IPPROTO_UDP {
		return
	}
	if binary.BigEndian.Uint16(p[6:])&0x3fff != 0 {
		return // a fragment: DHCP messages fit in one frame
	}
	src = netip.AddrFrom4([4]byte(p[12:16]))
	u := p[ihl:total]
	ulen := int(binary.BigEndian.Uint16(u[4:]))
	if ulen < udpHeader || ulen > len(u) {
		return
	}
	// Checksums are not verified: on veth and offloading NICs the kernel
	// hands packet sockets frames whose UDP checksum is still partial.
	return src, binary.BigEndian.Uint16(u[0:]), binary.BigEndian.Uint16(u[2:]), u[udpHeader:ulen], true
}

func buildUDP4(src, dst netip.Addr, srcPort, dstPort, id uint16, payload []byte) []byte {
	p := make([]byte, ipHeader+udpHeader+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:], id)
	p[8] = 64 // TTL
	p[9] = unix.IPPROTO_UDP
	s, d := src.As4(), dst.As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	binary.BigEndian.PutUint16(p[10:], checksum(p[:ipHeader], 0))
	u := p[ipHeader:]
	binary.BigEndian.PutUint16(u[0:], srcPort)
	binary.BigEndian.PutUint16(u[2:], dstPort)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[udpHeader:], payload)
	// The pseudo-header: addresses, protocol and UDP length.
	var sum uint32
	for i := 0; i < 4; i += 2 {
		sum += uint32(s[i])<<8 | uint32(s[i+1])
		sum += uint32(d[i])<<8 | uint32(d[i+1])
	}
	sum += unix.IPPROTO_UDP + uint32(len(u))
	cs := checksum(u, sum)
	if cs == 0 {
		cs = 0xffff // 0 would mean "no checksum"
	}
	binary.BigEndian.PutUint16(u[6:], cs)
	return p
}

// checksum is the Internet checksum (RFC 1071) of b, starting from sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

const (
	arpRequest = 1
	arpReply   = 2
	arpLen     = 28
)

// sendARP sends an ARP packet for Ethernet/IPv4 from our MAC.
func (r *rawLink) sendARP(op uint16, spa netip.Addr, tha net.HardwareAddr, tpa netip.Addr, to net.HardwareAddr) error {
	p := make([]byte, arpLen)
	binary.BigEndian.PutUint16(p[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(p[2:], 0x0800) // IPv4
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:], op)
	copy(p[8:14], r.mac)
	if spa.IsValid() {
		a := spa.As4()
		copy(p[14:18], a[:])
	}
	copy(p[18:24], tha)
	t := tpa.As4()
	copy(p[24:28], t[:])
	return r.send(r.arp, unix.ETH_P_ARP, p, to)
}

// arpAgent answers ARP requests for the bound address and reports conflicts
// while a probe runs. It ends when the link closes.
func (r *rawLink) arpAgent() {
	defer r.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := r.arp.ReadFrom(buf)
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p := buf[:n]
		if n < arpLen || binary.BigEndian.Uint16(p[0:]) != 1 || binary.BigEndian.Uint16(p[2:]) != 0x0800 || p[4] != 6 || p[5] != 4 {
			continue
		}
		op := binary.BigEndian.Uint16(p[6:])
		sha := append(net.HardwareAddr(nil), p[8:14]...)
		spa := netip.AddrFrom4([4]byte(p[14:18]))
		tpa := netip.AddrFrom4([4]byte(p[24:28]))
		if bytes.Equal(sha, r.mac) {
			continue // our own frame, looped back to the socket
		}
		r.mu.Lock()
		probing, local, conflicts := r.probing, r.local, r.conflicts
		if !spa.IsUnspecified() {
			r.neigh[spa] = sha
		}
		r.mu.Unlock()
		// RFC 5227 §2.1.1: during a probe, any packet from the address, or
		// another host probing the same address, is a conflict.
		if probing.IsValid() && (spa == probing || (op == arpRequest && spa.IsUnspecified() && tpa == probing)) {
			select {
			case conflicts <- sha:
			default:
			}
			continue
		}
		if local.IsValid() && op == arpRequest && tpa == local {
			r.sendARP(arpReply, local, sha, spa, sha)
		}
	}
}

// probe sends ARP probes for addr (sender address 0.0.0.0, RFC 5227) and
// returns the MAC of a host that claims it within wait, or nil.
func (r *rawLink) probe(ctx context.Context, addr netip.Addr, wait time.Duration) (net.HardwareAddr, error) {
	conflicts := make(chan net.HardwareAddr, 1)
	r.mu.Lock()
	r.probing, r.conflicts = addr, conflicts
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.probing, r.conflicts = netip.Addr{}, nil
		r.mu.Unlock()
	}()
	// Two probes half the wait apart, so one lost frame does not hide a
	// conflict.
	end := time.NewTimer(wait)
	defer end.Stop()
	again := time.NewTimer(wait / 2)
	defer again.Stop()
	if err := r.sendARP(arpRequest, netip.Addr{}, nil, addr, broadcastMAC); err != nil {
		return nil, err
	}
	for {
		select {
		case mac := <-conflicts:
			return mac, nil
		case <-again.C:
			if err := r.sendARP(arpRequest, netip.Addr{}, nil, addr, broadcastMAC); err != nil {
				return nil, err
			}
		case <-end.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
