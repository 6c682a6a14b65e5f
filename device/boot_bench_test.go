package device_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/media"
)

// BenchmarkBootFleet boots n phones at once against one embedded lab, each
// in UDP mode from its own loopback address, and measures how long each
// takes from power-on to its per-MAC configuration applied (DHCP, the
// firmware header check, the configuration download). It reports phones
// booted per second and the median and 99th percentile boot time. The phones
// go on to register their SIP line with the lab afterwards, as a fleet's do.
//
//	go test -run '^$' -bench BootFleet -benchtime 1x ./device/
func BenchmarkBootFleet(b *testing.B) {
	for _, scheme := range []string{"http", "tftp"} {
		for _, n := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", scheme, n), func(b *testing.B) { benchFleet(b, scheme, n) })
		}
	}
}

func benchFleet(b *testing.B, scheme string, n int) {
	b.ReportAllocs()
	l := startLab(b, lab.Config{Scheme: scheme, Files: map[string][]byte{
		"450HD.img": image(b, device.DefaultFirmware, 1<<20), // the running version: header only
	}})
	var all []time.Duration
	var total time.Duration
	base := int(nextPhone.Add(int32(n*b.N))) - n*b.N
	for i := 0; b.Loop(); i++ {
		took, wall := bootFleet(b, l, base+i*n, n)
		all = append(all, took...)
		total += wall
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/total.Seconds(), "phones/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// bootFleet powers on n phones and returns each one's time to its
// configuration, and the time until the last one had it.
func bootFleet(b *testing.B, l *lab.Lab, first, n int) ([]time.Duration, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nc := device.NetConfig{DHCPServer: l.DHCPAddr(), DHCPTimeout: time.Second, RetryMin: 200 * time.Millisecond, RetryMax: 2 * time.Second}
	phones := make([]*device.Phone, n)
	var runs sync.WaitGroup
	defer func() {
		cancel()
		runs.Wait()
	}()
	for i := range phones {
		p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: lab.PhoneMAC(first + i),
			Addr: lab.PhoneAddr(first + i), Flash: flash.NewMemory(), MediaPorts: media.PortAny, Network: nc})
		if err != nil {
			b.Fatal(err)
		}
		phones[i] = p
		runs.Add(1)
		go func() { defer runs.Done(); p.Run(ctx) }()
	}
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			events, stop := p.Subscribe(256)
			defer stop()
			t0 := time.Now()
			if err := p.PowerOn(ctx); err != nil {
				b.Error(err)
				return
			}
			for {
				select {
				case e := <-events:
					if e.Kind == device.EventConfigApplied {
						took[i] = time.Since(t0)
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	for i, d := range took {
		if d == 0 {
			b.Fatalf("phone %d never got its configuration; state %v", i, phones[i].Snapshot().Stage)
		}
	}
	return took, wall
}
