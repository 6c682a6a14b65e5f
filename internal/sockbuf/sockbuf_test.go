//go:build linux

package sockbuf_test

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/internal/sockbuf"
)

// The buffer a storm server asks for is granted in full as root (past
// net.core.rmem_max), and up to rmem_max otherwise: never less than the
// ordinary request gets.
func TestSetReadBuffer(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Fatal(err) // every Linux has it
	}
	rmemMax, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	want := 2 * rmemMax
	n := rmemMax + 8<<20
	if os.Geteuid() == 0 {
		want = 2 * n // CAP_NET_ADMIN: SO_RCVBUFFORCE
	}
	if got := sockbuf.SetReadBuffer(c, n); got < want {
		t.Fatalf("receive buffer %d bytes, want at least %d (rmem_max %d, asked %d)", got, want, rmemMax, n)
	}
}
