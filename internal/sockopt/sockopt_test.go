//go:build unix

package sockopt_test

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/hdphone/hdphone/internal/sockopt"
)

// The option is on the socket the listener made.
func TestIntSetsTheOption(t *testing.T) {
	lc := net.ListenConfig{Control: sockopt.Int(syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)}
	pc, err := lc.ListenPacket(context.Background(), "udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	rc, err := pc.(*net.UDPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	rc.Control(func(fd uintptr) { got, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST) })
	if gerr != nil || got != 1 {
		t.Errorf("SO_BROADCAST = %d (%v), want 1", got, gerr)
	}
}

// A refused option fails the listen.
func TestIntRefusedFailsTheListen(t *testing.T) {
	lc := net.ListenConfig{Control: sockopt.Int(syscall.SOL_SOCKET, -1, 1)}
	if pc, err := lc.ListenPacket(context.Background(), "udp4", "127.0.0.1:0"); err == nil {
		pc.Close()
		t.Fatal("listen succeeded with an option the kernel refuses")
	}
}
