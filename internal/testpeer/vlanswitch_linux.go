package testpeer

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/packetsock"
)

// StartVLANSwitch runs a switch port in user space inside ns: trunk carries
// 802.1Q-tagged frames; access maps a VLAN ID (0: untagged) to the
// interface that carries that VLAN untagged. Frames the trunk receives in a
// VLAN go out of its access interface without the tag; frames an access
// interface receives go out of the trunk tagged with its VLAN (priority
// 0), or untagged for VLAN 0. The machines this runs on have no 802.1Q in
// their kernel (no VLAN interfaces, no VLAN-filtering bridge), which is
// why the switch is a program; it stops when the test ends.
func StartVLANSwitch(t testing.TB, ns *NS, trunk string, access map[int]string) {
	t.Helper()
	var conns []*packet.Conn
	type pair struct {
		from, to *packet.Conn
		tag      uint16 // the tag to add on the way to the trunk; 0: none
	}
	var pairs []pair
	err := ns.Do(func() error {
		tr, err := net.InterfaceByName(trunk)
		if err != nil {
			return err
		}
		for vid, name := range access {
			ac, err := net.InterfaceByName(name)
			if err != nil {
				return err
			}
			// The trunk's frames of this VLAN, and the access port's.
			in, err := packet.Listen(tr, packet.Raw, unix.ETH_P_ALL, &packet.Config{Filter: packetsock.ReceivedOnVLAN(vid)})
			if err != nil {
				return err
			}
			conns = append(conns, in)
			out, err := packet.Listen(ac, packet.Raw, unix.ETH_P_ALL, &packet.Config{Filter: packetsock.ReceivedOnVLAN(0)})
			if err != nil {
				return err
			}
			conns = append(conns, out)
			pairs = append(pairs, pair{from: in, to: out}, pair{from: out, to: in, tag: uint16(vid)})
		}
		return nil
	})
	if err != nil {
		for _, c := range conns {
			c.Close()
		}
		t.Fatalf("testpeer: VLAN switch on %s: %v", trunk, err)
	}
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Go(func() {
			buf := make([]byte, 9000)
			for {
				n, _, err := p.from.ReadFrom(buf)
				if err != nil {
					return
				}
				f := buf[:n]
				if n < 14 {
					continue
				}
				if p.tag != 0 {
					// Insert the 802.1Q header after the two MACs.
					tagged := make([]byte, n+4)
					copy(tagged, f[:12])
					binary.BigEndian.PutUint16(tagged[12:], unix.ETH_P_8021Q)
					binary.BigEndian.PutUint16(tagged[14:], p.tag)
					copy(tagged[16:], f[12:])
					f = tagged
				}
				dst := append(net.HardwareAddr(nil), f[:6]...)
				p.to.WriteTo(f, &packet.Addr{HardwareAddr: dst})
			}
		})
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
}
