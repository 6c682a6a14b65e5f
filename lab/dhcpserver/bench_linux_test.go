//go:build linux

package dhcpserver_test

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// BenchmarkUDPDORA measures full DISCOVER-OFFER-REQUEST-ACK exchanges per
// second between phones in UDP mode (each with its own socket on its own
// 127.1.x.y and its own MAC) and the lab server, with 1 phone and with
// many phones at once.
func BenchmarkUDPDORA(b *testing.B) {
	for _, bc := range []struct {
		name        string
		parallelism int // goroutines per GOMAXPROCS, one phone each
	}{{"phones=1", 0}, {"phones=16xGOMAXPROCS", 16}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := start(b, dhcpserver.Config{ClientSourceAddress: true, PrefixLen: 8,
				Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1/450HD.img;<MAC>.cfg"}})
			var next atomic.Uint32
			newPhone := func() *dhcp.Client {
				i := next.Add(1)
				mac := net.HardwareAddr{0x00, 0x90, 0x8f, 0x10, byte(i >> 8), byte(i)}
				local := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)}), 0)
				c, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: mac, Timeout: time.Second}, local, srv.Addr())
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			ctx := context.Background()
			b.ReportAllocs()
			began := time.Now()
			if bc.parallelism == 0 {
				c := newPhone()
				defer c.Close()
				for b.Loop() {
					if _, err := c.Acquire(ctx); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(bc.parallelism)
				b.RunParallel(func(pb *testing.PB) {
					c := newPhone()
					defer c.Close()
					for pb.Next() {
						if _, err := c.Acquire(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "DORA/s")
		})
	}
}
