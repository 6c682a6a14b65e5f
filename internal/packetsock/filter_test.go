//go:build linux

package packetsock

import (
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// frame is what the kernel's BPF extensions report of a packet.
type frame struct {
	typ     uint32 // PACKET_HOST, …
	proto   uint32 // EtherType after the tag is taken out
	tagged  bool
	tci     uint32
	verdict bool // want: kept
}

// run interprets the subset of classic BPF the filters use (extension
// loads, AND, conditional jumps, returns); the x/net VM has no extensions.
func run(t *testing.T, prog []bpf.RawInstruction, f frame) bool {
	t.Helper()
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatal("the program does not disassemble")
	}
	var a uint32
	for pc := 0; pc < len(ins); pc++ {
		switch i := ins[pc].(type) {
		case bpf.LoadExtension:
			switch i.Num {
			case bpf.ExtType:
				a = f.typ
			case bpf.ExtProto:
				a = f.proto
			case bpf.ExtVLANTagPresent:
				a = 0
				if f.tagged {
					a = 1
				}
			case bpf.ExtVLANTag:
				a = f.tci
			default:
				t.Fatalf("extension %v", i.Num)
			}
		case bpf.ALUOpConstant:
			if i.Op != bpf.ALUOpAnd {
				t.Fatalf("ALU op %v", i.Op)
			}
			a &= i.Val
		case bpf.JumpIf:
			var c bool
			switch i.Cond {
			case bpf.JumpEqual:
				c = a == i.Val
			case bpf.JumpNotEqual:
				c = a != i.Val
			case bpf.JumpGreaterThan:
				c = a > i.Val
			default:
				t.Fatalf("condition %v", i.Cond)
			}
			if c {
				pc += int(i.SkipTrue)
			} else {
				pc += int(i.SkipFalse)
			}
		case bpf.RetConstant:
			return i.Val != 0
		default:
			t.Fatalf("instruction %v", i)
		}
	}
	t.Fatal("the program falls off its end")
	return false
}

// The VLAN filters keep a frame for this host of the wanted EtherType in
// the wanted VLAN (VLAN 0: untagged or priority-tagged), and nothing
// else; the switch's filter keeps frames for any host, of any type.
func TestVLANFilters(t *testing.T) {
	ip, arp := uint32(unix.ETH_P_IP), uint32(unix.ETH_P_ARP)
	const prio5 = 5 << 13
	cases := []struct {
		name   string
		prog   []bpf.RawInstruction
		frames []frame
	}{
		{"IP in VLAN 123", ForThisHostOnVLAN(unix.ETH_P_IP, 123), []frame{
			{unix.PACKET_HOST, ip, true, 123, true},
			{unix.PACKET_BROADCAST, ip, true, prio5 | 123, true},
			{unix.PACKET_HOST, arp, true, 123, false},
			{unix.PACKET_HOST, ip, true, 124, false},
			{unix.PACKET_HOST, ip, false, 0, false},
			{unix.PACKET_OTHERHOST, ip, true, 123, false},
			{unix.PACKET_OUTGOING, ip, true, 123, false},
		}},
		{"ARP untagged", ForThisHostOnVLAN(unix.ETH_P_ARP, 0), []frame{
			{unix.PACKET_BROADCAST, arp, false, 0, true},
			{unix.PACKET_HOST, arp, true, prio5, true}, // priority-tagged
			{unix.PACKET_HOST, arp, true, 7, false},
			{unix.PACKET_HOST, ip, false, 0, false},
			{unix.PACKET_OTHERHOST, arp, false, 0, false},
		}},
		{"switch port, VLAN 77", ReceivedOnVLAN(77), []frame{
			{unix.PACKET_OTHERHOST, ip, true, 77, true},
			{unix.PACKET_HOST, arp, true, 77, true},
			{unix.PACKET_OTHERHOST, ip, false, 0, false},
			{unix.PACKET_OUTGOING, ip, true, 77, false},
		}},
		{"switch port, untagged", ReceivedOnVLAN(0), []frame{
			{unix.PACKET_MULTICAST, 0x88cc, false, 0, true}, // LLDP
			{unix.PACKET_OTHERHOST, ip, true, 77, false},
		}},
	}
	for _, c := range cases {
		for _, f := range c.frames {
			if got := run(t, c.prog, f); got != f.verdict {
				t.Errorf("%s: %+v kept %v", c.name, f, got)
			}
		}
	}
	if run(t, Nothing(), frame{typ: unix.PACKET_HOST, proto: ip}) {
		t.Error("Nothing kept a frame")
	}
}
