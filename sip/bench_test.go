package sip_test

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
)

// phoneAddr gives phone i its own loopback address (127.1.0.1, …): Linux
// routes all of 127/8 with no set-up.
func phoneAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, byte(1 + i/62500), byte(i / 250 % 250), byte(i%250 + 1)})
}

// fleetResult is what one fleet registration run measured.
type fleetResult struct {
	regsPerSec float64
	kibPerUA   float64
	goroutines float64
}

// registerFleet starts n UAs (user first+i at server) on their own
// addresses, registers them all with 200 in flight, and measures the rate
// and the memory each idle registered UA holds.
func registerFleet(b *testing.B, n, first int, server sip.Server, domain string) fleetResult {
	proctest.RaiseFiles(b, n+200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := proctest.MemoryNow()
	g0 := runtime.NumGoroutine()
	uas := make([]*sip.UA, n)
	var wg sync.WaitGroup
	for i := range n {
		user := strconv.Itoa(first + i)
		ua, err := sip.New(sip.Config{
			User: user, Password: sip.Secret("pass" + user), Domain: domain,
			Registrar: server, Proxy: server,
			LocalAddr: phoneAddr(i), LocalPort: 5060,
			NoResponseTimeout: 10 * time.Second,
		})
		if err != nil {
			b.Fatalf("phone %d: %v", i, err)
		}
		uas[i] = ua
		wg.Add(1)
		go func() {
			defer wg.Done()
			ua.Run(ctx)
		}()
		// Drain events so that none pile up (the integrator reads them).
		go func() {
			for range ua.Events() {
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	time.Sleep(200 * time.Millisecond)
	var next, failed atomic.Int64
	start := time.Now()
	var workers sync.WaitGroup
	for range 200 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := uas[i].Register(ctx); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	workers.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d registrations failed", f, n)
	}
	time.Sleep(300 * time.Millisecond) // let transactions and pumps wind down
	used := proctest.MemoryNow().Sub(base)
	mem := used.Spans + used.Stack
	return fleetResult{
		regsPerSec: float64(n) / elapsed.Seconds(),
		kibPerUA:   float64(mem) / 1024 / float64(n),
		goroutines: float64(runtime.NumGoroutine()-g0) / float64(n),
	}
}

func fleetSizes(b *testing.B) []int {
	if testing.Short() {
		return []int{1000}
	}
	return []int{1000, 10000}
}

// BenchmarkRegisterFleetLab registers fleets of phones, each with its own
// address and socket, at the lab registrar (digest auth, in process).
func BenchmarkRegisterFleetLab(b *testing.B) {
	for _, n := range fleetSizes(b) {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			for range b.N {
				lab, err := sipproxy.New(sipproxy.Config{Users: sipproxy.Numbered(100000, 199999, "pass")})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { lab.Run(ctx); close(done) }()
				a := lab.Addr()
				r := registerFleet(b, n, 100000, sip.Server{Host: a.Addr().String(), Port: int(a.Port())}, lab.Domain())
				cancel()
				<-done
				b.ReportMetric(r.regsPerSec, "reg/s")
				b.ReportMetric(r.kibPerUA, "KiB/UA")
				b.ReportMetric(r.goroutines, "goroutines/UA")
			}
		})
	}
}

// BenchmarkRegisterFleetKamailio registers fleets at Kamailio, and runs
// SIPp's REGISTER scenario against the same Kamailio in the same run: the
// ratio compares the emulated phones' rate with SIPp's (one socket for all
// its registrations, where every phone here has its own).
func BenchmarkRegisterFleetKamailio(b *testing.B) {
	for _, n := range fleetSizes(b) {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			k := testpeer.StartKamailio(b, testpeer.KamailioConfig{UserRange: struct{ First, Last int }{100000, 100000 + 2*n}, Children: 4, SharedMemMB: 256})
			server := sip.Server{Host: k.Host, Port: k.Port}
			for range b.N {
				r := registerFleet(b, n, 100000, server, k.Domain)
				sippRate := testpeer.SIPpBestRegisterRate(b, k, n, 100000+n).PerSec
				b.ReportMetric(r.regsPerSec, "reg/s")
				b.ReportMetric(r.kibPerUA, "KiB/UA")
				b.ReportMetric(sippRate, "sipp-reg/s")
				b.ReportMetric(r.regsPerSec/sippRate, "ratio-vs-sipp")
			}
		})
	}
}
