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
