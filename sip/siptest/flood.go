package siptest

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/proctest"
)

// Flood sends OPTIONS, each a new transaction, to addr as fast as it can
// until the function it returns is called (a server stopping as requests
// pour in).
func Flood(t testing.TB, addr netip.AddrPort) (stop func()) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		from := c.LocalAddr().String()
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			msg := fmt.Sprintf("OPTIONS sip:1001@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-flood-%d\r\n"+
				"From: <sip:peer@127.0.0.1>;tag=f%d\r\nTo: <sip:1001@%s>\r\nCall-ID: flood-%d\r\nCSeq: 1 OPTIONS\r\n"+
				"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, from, i, i, addr.Addr(), i)
			c.WriteToUDPAddrPort([]byte(msg), addr)
		}
	}()
	return func() { close(quit); <-done; c.Close() }
}

// StackSockets counts the UDP sockets sipgo bound itself (their reading
// goroutines), in the whole process.
func StackSockets() int {
	return strings.Count(proctest.Goroutines(), "(*TransportUDP).readUDPConnection")
}

// NoStackSocketsLeft fails t unless StackSockets comes down to before and
// stays there (sipgo's last goroutines may still be running) within 2 s.
func NoStackSocketsLeft(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for settled := 0; settled < 5; time.Sleep(20 * time.Millisecond) {
		n := StackSockets()
		settled++
		if n > before {
			settled = 0
		}
		if settled == 0 && time.Now().After(deadline) {
			t.Fatalf("%d sockets of sipgo's own left open (%d before)", n-before, before)
		}
	}
}
