//go:build linux

// Package pktfilter holds the classic BPF programs the phone's packet
// sockets use to see only the frames that are theirs. With the PC port
// bridging, the LAN interface is promiscuous and also carries the frames
// the phone forwards for the computer behind it.
package pktfilter

import (
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// ForThisHost keeps the frames addressed to this host, its multicast
// groups or broadcast, and drops those for other hosts (seen in
// promiscuous mode) and the interface's own outgoing frames.
func ForThisHost() []bpf.RawInstruction {
	return assemble(unix.PACKET_MULTICAST) // HOST 0, BROADCAST 1, MULTICAST 2
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
		panic("pktfilter: " + err.Error()) // a fixed program: a build bug
	}
	return prog
}
