//go:build linux

package dhcp_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// BenchmarkRawDORA measures full DORAs per second of one raw-mode phone on
// a veth segment, against the lab server and against dnsmasq in the same
// run, and reports dnsmasq's rate as a fraction of the lab server's. The ARP probe is off: it is a fixed wait, not
// work.
func BenchmarkRawDORA(b *testing.B) {
	testpeer.NeedRoot(b)
	rates := map[string]float64{}
	servers := []struct {
		name  string
		start func(b *testing.B, l *benchLab)
	}{
		{"lab", func(b *testing.B, l *benchLab) {
			var srv *dhcpserver.Server
			err := l.ns.Do(func() error {
				conn, err := dhcpserver.ListenInterface("br0", 67)
				if err != nil {
					return err
				}
				srv, err = dhcpserver.New(dhcpserver.Config{Conn: conn, ServerID: netip.MustParseAddr("10.0.0.1"), OnLink: true,
					PoolStart: netip.MustParseAddr("10.0.0.100"), PoolEnd: netip.MustParseAddr("10.0.0.199"),
					Options: dhcpserver.Options{ProvisioningURL: "http://10.0.0.1/450HD.img;<MAC>.cfg"}})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Run(ctx) }()
			b.Cleanup(func() { cancel(); <-done })
		}},
		{"dnsmasq", func(b *testing.B, l *benchLab) {
			testpeer.StartDnsmasq(b, l.ns, "br0", "dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,1h", "quiet-dhcp",
				`dhcp-option-force=160,"http://10.0.0.1/450HD.img;<MAC>.cfg"`)
		}},
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			l := newBenchLab(b)
			s.start(b, l)
			var c *dhcp.Client
			err := l.phone.Do(func() error {
				var err error
				c, err = dhcp.NewRaw("eth0", dhcp.Config{Model: "450HD", ProbeWait: -1, Timeout: time.Second})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if _, err := c.Acquire(ctx); err != nil { // warm up: the server's first offer
				b.Fatal(err)
			}
			b.ReportAllocs()
			began := time.Now()
			for b.Loop() {
				if _, err := c.Acquire(ctx); err != nil {
					b.Fatal(err)
				}
			}
			rates[s.name] = float64(b.N) / time.Since(began).Seconds()
			b.ReportMetric(rates[s.name], "DORA/s")
			if lab := rates["lab"]; s.name != "lab" && lab > 0 {
				// The peer's rate as a fraction of the lab server's, same run.
				b.ReportMetric(rates[s.name]/lab, "x-lab")
			}
		})
	}
}

type benchLab struct{ ns, phone *testpeer.NS }

func newBenchLab(b *testing.B) *benchLab {
	b.Helper()
	l := &benchLab{ns: testpeer.Netns(b, "blab"), phone: testpeer.Netns(b, "bph")}
	l.ns.MustRun(b, "ip", "link", "add", "br0", "type", "bridge")
	l.ns.MustRun(b, "ip", "addr", "add", "10.0.0.1/24", "dev", "br0")
	l.ns.MustRun(b, "ip", "link", "set", "br0", "up")
	testpeer.Veth(b, l.ns, "vp1", "", l.phone, "eth0", "", "00:90:8f:00:00:01")
	l.ns.MustRun(b, "ip", "link", "set", "vp1", "master", "br0")
	return l
}
