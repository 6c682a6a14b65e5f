//go:build linux

package media

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestPollerRecv checks the raw receive: full length of a truncated
// datagram, IPv4 and IPv6 sources, and kernel arrival times.
func TestPollerRecv(t *testing.T) {
	// A step of the system clock between arrival and read makes the
	// kernel time implausible and the read time is used instead; other
	// tests on the machine may step it, so allow a second attempt.
	var problems []string
	for range 2 {
		if problems = pollerRecv(t); len(problems) == 0 {
			return
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func pollerRecv(t *testing.T) (problems []string) {
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	p := newRxPoller()
	if p == nil {
		t.Fatal("no epoll")
	}
	defer p.close()
	for _, network := range []string{"udp4", "udp6"} {
		ip := net.IPv4(127, 0, 0, 1)
		if network == "udp6" {
			ip = net.IPv6loopback
		}
		c, err := net.ListenUDP(network, &net.UDPAddr{IP: ip})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s := &Session{}
		if err := p.add(s, c, pollRTP); err != nil {
			t.Fatal(err)
		}
		d, err := net.DialUDP(network, nil, c.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		sent := time.Now()
		d.Write(make([]byte, 100))
		d.Write(make([]byte, 3000))
		time.Sleep(20 * time.Millisecond)
		rc, _ := c.SyscallConn()
		var got []int
		rc.Control(func(fd uintptr) {
			for {
				n, from, at, ok := p.recv(int(fd))
				if !ok {
					return
				}
				got = append(got, n)
				want := d.LocalAddr().(*net.UDPAddr).AddrPort()
				if from != netip.AddrPortFrom(want.Addr().Unmap(), want.Port()) {
					errorf("%s: from %v, want %v", network, from, d.LocalAddr())
				}
				if at.Before(sent.Add(-time.Millisecond)) || at.After(time.Now()) {
					errorf("%s: arrival %v not between send %v and now", network, at, sent)
				}
				if time.Since(at) < 15*time.Millisecond {
					errorf("%s: arrival %v is the read time, not the kernel's (sent 20 ms before reading)", network, at)
				}
			}
		})
		if len(got) != 2 || got[0] != 100 || got[1] != 3000 {
			errorf("%s: lengths %v, want [100 3000] (the second truncated but reported whole)", network, got)
		}
		p.remove(s)
	}
	return problems
}
