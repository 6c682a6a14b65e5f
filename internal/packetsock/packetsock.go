//go:build linux

// Package packetsock is what the phone's packet sockets (AF_PACKET: DHCP
// in raw mode, 802.1X, LLDP and CDP, the PC port) share: the classic BPF
// programs that keep the frames that are theirs — with the PC port
// bridging, the LAN interface is promiscuous and also carries the
// computer's frames — and their interface's link state, asked through the
// socket so that the answer comes from the socket's network namespace.
package packetsock

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// ForThisHost keeps the frames addressed to this host, its multicast
// groups or broadcast, and drops those for other hosts (seen in
// promiscuous mode) and the interface's own outgoing frames.
func ForThisHost() []bpf.RawInstruction {
	return assemble(unix.PACKET_MULTICAST) // HOST 0, BROADCAST 1, MULTICAST 2
}

// ForThisHostOnVLAN is ForThisHost for one EtherType (proto) in one 802.1Q
// VLAN: the frames tagged with VLAN ID vid, or with vid 0 the untagged
// (and priority-tagged) ones. The kernel moves a frame's tag into the
// packet's metadata before packet sockets see it, and, when it has no VLAN
// interface for the tag, clears it before the sockets of one EtherType see
// the frame (as for another host): a socket for a VLAN other than 0 must
// listen to every EtherType (ETH_P_ALL) and leave the choice of one to
// this program.
func ForThisHostOnVLAN(proto uint16, vid int) []bpf.RawInstruction {
	return onVLAN(unix.PACKET_MULTICAST, proto, vid)
}

// ReceivedOnVLAN is Received for one 802.1Q VLAN (vid 0: untagged) and any
// EtherType, as a switch's port sees its VLANs (on an ETH_P_ALL socket).
func ReceivedOnVLAN(vid int) []bpf.RawInstruction {
	return onVLAN(unix.PACKET_OTHERHOST, 0, vid)
}

// onVLAN is "accept when the packet type is at most max, the EtherType is
// proto (0: any) and the frame is in VLAN vid".
func onVLAN(max uint32, proto uint16, vid int) []bpf.RawInstruction {
	drop := bpf.RetConstant{Val: 0}
	accept := bpf.RetConstant{Val: 0xffff}
	// The checks jump forward to the two returns at the end; jumps lists
	// those to drop, whose distances are filled in once the end is known.
	var body []bpf.Instruction
	var jumps []int
	check := func(j bpf.JumpIf) {
		jumps = append(jumps, len(body))
		body = append(body, j)
	}
	// Another host's frame, or an outgoing one.
	body = append(body, bpf.LoadExtension{Num: bpf.ExtType})
	check(bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: max})
	if proto != 0 {
		body = append(body, bpf.LoadExtension{Num: bpf.ExtProto})
		check(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(proto)})
	}
	body = append(body, bpf.LoadExtension{Num: bpf.ExtVLANTagPresent})
	untagged := len(body)
	body = append(body, bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0})
	// The VLAN ID, without the priority.
	body = append(body, bpf.LoadExtension{Num: bpf.ExtVLANTag}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0fff})
	check(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(vid)})
	acceptAt := len(body)
	body = append(body, accept, drop)
	dropAt := acceptAt + 1
	for _, i := range jumps {
		j := body[i].(bpf.JumpIf)
		j.SkipTrue = uint8(dropAt - i - 1)
		body[i] = j
	}
	j := body[untagged].(bpf.JumpIf)
	j.SkipTrue = uint8(dropAt - untagged - 1) // untagged: not this VLAN's
	if vid == 0 {
		j.SkipTrue = uint8(acceptAt - untagged - 1) // untagged: the VLAN's
	}
	body[untagged] = j
	prog, err := bpf.Assemble(body)
	if err != nil {
		panic("packetsock: " + err.Error()) // a fixed program: a build bug
	}
	return prog
}

// Nothing keeps no frame: for a socket that only sends.
func Nothing() []bpf.RawInstruction {
	prog, err := bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: 0}})
	if err != nil {
		panic("packetsock: " + err.Error())
	}
	return prog
}

// Received keeps every frame the interface received, for any host, and
// drops its own outgoing frames (a bridge must not see its own writes).
func Received() []bpf.RawInstruction {
	return assemble(unix.PACKET_OTHERHOST)
}

// assemble is "accept when the packet type is at most max".
func assemble(max uint32) []bpf.RawInstruction {
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: max, SkipTrue: 1},
		bpf.RetConstant{Val: 0xffff},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		panic("packetsock: " + err.Error()) // a fixed program: a build bug
	}
	return prog
}

// Running reports whether the interface name, as seen from the network
// namespace of socket c, is up and has a carrier.
func Running(c syscall.Conn, name string) (bool, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return false, fmt.Errorf("packetsock: link state of %s: %w", name, err)
	}
	var flags uint16
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			ierr = err
			return
		}
		if ierr = unix.IoctlIfreq(int(fd), unix.SIOCGIFFLAGS, ifr); ierr == nil {
			flags = ifr.Uint16()
		}
	})
	if err := errors.Join(cerr, ierr); err != nil {
		return false, fmt.Errorf("packetsock: link state of %s: %w", name, err)
	}
	return flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING != 0, nil
}
