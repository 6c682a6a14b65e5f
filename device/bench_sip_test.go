package device_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/media"
)

// Registration of whole phones in numbers: n device.Phones, each on its own
// loopback address with its own SIP socket and media engine, powered on
// with at most benchInFlight booting at once; a phone counts once its line
// is registered. Reported: registrations per second, the memory each idle
// registered phone holds, and goroutines per phone; at Kamailio also SIPp's
// registration rate at the same Kamailio in the same run, and the ratio.
// Only `go test -bench` runs these; -short keeps to 1,000 phones.

// benchInFlight bounds the phones registering at once (SIPp runs at its
// best, testpeer.SIPpBestRegisterRate).
const benchInFlight = 200

// benchFirstUser numbers the benchmark phones' lines.
const benchFirstUser = 200000

// benchAddr is phone i's loopback address (127.200.0.1 and up, away from
// the addresses the tests draw at random).
func benchAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, byte(200 + i/62500), byte(i / 250 % 250), byte(i%250 + 1)})
}

type fleetNumbers struct {
	regsPerSec, kibPerPhone, goroutinesPerPhone float64
	idleCPU                                     float64 // % of one core the registered, idle fleet uses
}

// registerPhones makes n phones for users benchFirstUser… at the proxy
// host:port of domain, powers them on (benchInFlight at a time) and
// measures until every line is registered.
func registerPhones(b *testing.B, n int, host string, port int, domain string) fleetNumbers {
	b.Helper()
	proctest.RaiseFiles(b, 3*n/2+500) // an idle UDP phone holds one socket; more while it boots
	base := proctest.MemoryNow()
	g0 := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	phones := make([]*device.Phone, n)
	var running sync.WaitGroup
	defer func() {
		cancel()
		running.Wait()
	}()
	// One pacer clocks every phone's media, as in hdphone fleet (a pacer per
	// phone is an OS thread per phone).
	pacer := media.NewPacer(media.PacerConfig{})
	running.Add(1)
	go func() {
		defer running.Done()
		pacer.Run(ctx)
	}()
	for i := range n {
		user := strconv.Itoa(benchFirstUser + i)
		fl := flash.NewMemory()
		cfg := fmt.Sprintf("voip/line/0/enabled=1\nvoip/line/0/id=%[1]s\nvoip/line/0/auth_password=pass%[1]s\n"+
			"voip/signalling/sip/use_proxy=1\nvoip/signalling/sip/proxy_address=%[2]s\nvoip/signalling/sip/proxy_port=%[3]d\n"+
			"voip/signalling/sip/proxy_gateway=%[4]s\nvoip/signalling/sip/outgoing_request_no_response_timeout_ms=10000\n",
			user, host, port, domain)
		if err := fl.Write(device.RecordConfig, []byte(cfg)); err != nil {
			b.Fatal(err)
		}
		a := benchAddr(i).As4()
		p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: net.HardwareAddr{0x00, 0x90, 0x8f, a[1], a[2], a[3]},
			Flash: fl, Addr: benchAddr(i), MediaPorts: media.PortAny, MulticastIf: netip.MustParseAddr("127.0.0.1"), Pacer: pacer})
		if err != nil {
			b.Fatal(err)
		}
		phones[i] = p
		running.Add(1)
		go func() {
			defer running.Done()
			p.Run(ctx)
		}()
	}
	var next, failed atomic.Int64
	start := time.Now()
	var workers sync.WaitGroup
	for range benchInFlight {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				wctx, stop := context.WithTimeout(ctx, time.Minute)
				err := phones[i].PowerOn(wctx)
				if err == nil {
					_, err = phones[i].Wait(wctx, registered)
				}
				stop()
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	workers.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d phones did not register", f, n)
	}
	time.Sleep(500 * time.Millisecond) // transactions end, idle goroutines settle
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	time.Sleep(time.Second)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	idle := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	used := proctest.MemoryNow().Sub(base)
	mem := used.Spans + used.Stack
	return fleetNumbers{
		idleCPU:            100 * idle.Seconds(),
		regsPerSec:         float64(n) / elapsed.Seconds(),
		kibPerPhone:        float64(mem) / 1024 / float64(n),
		goroutinesPerPhone: float64(runtime.NumGoroutine()-g0) / float64(n),
	}
}

func phoneFleetSizes() []int {
	if testing.Short() {
		return []int{1000}
	}
	return []int{1000, 10000}
}

// BenchmarkPhonesRegisterAtLab registers fleets of whole phones at the lab
// proxy (digest authentication, in process).
func BenchmarkPhonesRegisterAtLab(b *testing.B) {
	for _, n := range phoneFleetSizes() {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			for range b.N {
				srv, err := sipproxy.New(sipproxy.Config{Domain: "lab.test",
					Users: sipproxy.Numbered(benchFirstUser, benchFirstUser+n, "pass")})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- srv.Run(ctx) }()
				a := srv.Addr()
				r := registerPhones(b, n, a.Addr().String(), int(a.Port()), "lab.test")
				cancel()
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					b.Fatal(err)
				}
				b.ReportMetric(r.regsPerSec, "reg/s")
				b.ReportMetric(r.kibPerPhone, "KiB/phone")
				b.ReportMetric(r.goroutinesPerPhone, "goroutines/phone")
				b.ReportMetric(r.idleCPU, "idle-cpu-%")
			}
		})
	}
}

// BenchmarkPhonesRegisterAtKamailio registers fleets of whole phones at
// Kamailio, then has SIPp register as many users at the same Kamailio at
// its best number in flight: ratio-vs-sipp is the phones' rate over SIPp's
// (SIPp sends everything from one socket and runs no phone behind it).
func BenchmarkPhonesRegisterAtKamailio(b *testing.B) {
	for _, n := range phoneFleetSizes() {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			k := testpeer.StartKamailio(b, testpeer.KamailioConfig{
				UserRange: struct{ First, Last int }{benchFirstUser, benchFirstUser + 2*n}, Children: 4, SharedMemMB: 256})
			for range b.N {
				r := registerPhones(b, n, k.Host, k.Port, k.Domain)
				sipp := testpeer.SIPpBestRegisterRate(b, k, n, benchFirstUser+n).PerSec
				b.ReportMetric(r.regsPerSec, "reg/s")
				b.ReportMetric(r.kibPerPhone, "KiB/phone")
				b.ReportMetric(r.goroutinesPerPhone, "goroutines/phone")
				b.ReportMetric(r.idleCPU, "idle-cpu-%")
				b.ReportMetric(sipp, "sipp-reg/s")
				b.ReportMetric(r.regsPerSec/sipp, "ratio-vs-sipp")
			}
		})
	}
}
