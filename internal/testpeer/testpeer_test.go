package testpeer

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// FreePort's ports lie below the kernel's ephemeral range, where no socket
// bound to port 0 can take them, and are free on both transports.
func TestFreePortOutsideTheEphemeralRange(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		if runtime.GOOS != "linux" {
			t.Skip("no /proc/sys/net/ipv4/ip_local_port_range")
		}
		t.Fatal(err)
	}
	var first, last int
	if _, err := fmt.Sscan(string(b), &first, &last); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for range 20 {
		port := FreePort(t, "udp")
		if lo, hi := freePortRange(); hi > lo && (port < lo || port >= hi || port >= first) {
			t.Fatalf("port %d outside %d-%d (ephemeral %d-%d)", port, lo, hi-1, first, last)
		}
		c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("port %d not free for UDP: %v", port, err)
		}
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("port %d not free for TCP: %v", port, err)
		}
		l.Close()
		c.Close()
		seen[port] = true
	}
	if len(seen) < 10 {
		t.Fatalf("20 calls gave only %d distinct ports: not random", len(seen))
	}
}

// holdsPort tells a peer's own socket from another process's on a port:
// StartSIPp waits on it (a probe bind cannot tell who took the port).
func TestHoldsPortTellsWhoseSocketItIs(t *testing.T) {
	s := StartSIPpFeatureServer(t)
	if !s.holdsPort(s.Port) {
		t.Errorf("SIPp listening on %d does not hold it", s.Port)
	}
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if mine := c.LocalAddr().(*net.UDPAddr).Port; s.holdsPort(mine) {
		t.Errorf("SIPp said to hold port %d, which this test holds", mine)
	}
}

// A peer given several ports binds none before it has them all: FreePort
// never gives the same port twice in a row of calls (nginx given one port
// for two of its servers merged them, and a CI run's HTTP tests got 400s).
func TestFreePortGivesEachPortOnce(t *testing.T) {
	seen := map[int]bool{}
	for range 300 {
		port := FreePort(t, "tcp")
		if seen[port] {
			t.Fatalf("port %d given twice", port)
		}
		seen[port] = true
	}
}

// WaitUDPBound waits for the peer's own socket, found in /proc, not for a
// probe bind to fail: a probe took the port from a peer binding it that
// moment (chronyd then ran on without its socket: a CI run), and a port
// someone else holds is not the peer's.
func TestWaitUDPBoundWaitsForThePeersOwnSocket(t *testing.T) {
	p := Start(t, "sleep", t.TempDir(), "sleep", "30")
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := p.WaitUDPBound(c.LocalAddr().String(), 300*time.Millisecond); err == nil {
		t.Errorf("a peer that binds nothing was taken to hold %s, which this test holds", c.LocalAddr())
	}
}
