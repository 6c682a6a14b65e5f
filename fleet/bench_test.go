package fleet_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media"
)

// Fleet-scale benchmarks: boot storms to "registered", memory per idle
// registered phone, and concurrent calls with media, against the embedded
// lab and against Kamailio (with SIPp's registration rate at the same
// Kamailio in the same run). They report numbers and assert nothing about
// speed; a run that cannot boot the fleet at all fails. Each iteration is a
// whole storm: run them with -benchtime 1x (scripts/bench.sh does).

func benchSizes() []int {
	if testing.Short() {
		return []int{1000}
	}
	if os.Getenv("HDPHONE_BENCH_SIZES") == "small" {
		return []int{1000}
	}
	return []int{1000, 10000}
}

// benchAddresses is a random /16 of 127/8 for a storm's phones.
func benchAddresses() string {
	var b [1]byte
	rand.Read(b[:])
	return fmt.Sprintf("127.%d.0.0/16", 130+int(b[0])%60)
}

// settle is how long an idle fleet is left before its memory is read: the
// last server transactions of the boot (the lab's REGISTERs, the phones'
// NOTIFYs) live on for Timer J, 64×T1 = 32 s over UDP (RFC 3261 §17.2.2),
// and an idle phone has none.
const settle = 33 * time.Second

// settleTime is settle, or HDPHONE_BENCH_SETTLE (a duration) for runs that
// look at storm rates only.
func settleTime() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("HDPHONE_BENCH_SETTLE")); err == nil {
		return d
	}
	return settle
}

// storm boots n phones all at once with the given network section, waits
// until every line is registered and the fleet is idle, and reports the
// storm's rate, boot-time percentiles and the memory each idle phone holds.
// talk, when > 0, then has the phones call in pairs and talk that long, and
// reports the CPU the media took.
func storm(b *testing.B, n int, network string, talk time.Duration) fleet.Summary {
	return stormWith(b, n, network, stormShape{talk: talk, procs: fleet.BootProcs()})
}

// stormShape is how a storm runs beyond its size and network.
type stormShape struct {
	talk  time.Duration // how long pairs talk after the boot (0: no calls)
	limit int           // at most this many phones booting at once (0: all)
	procs int           // GOMAXPROCS while they boot (0: as it is)
	// booted, if set, is called when every phone has booted (before the
	// fleet settles), to read a peer's counters at the storm's end.
	booted func()
}

// stormWith is storm in the given shape.
func stormWith(b *testing.B, n int, network string, shape stormShape) fleet.Summary {
	talk, limit, procs := shape.talk, shape.limit, shape.procs
	fdsPerPhone := 1 // SIP
	if strings.Contains(network, "shared_socket: true") {
		fdsPerPhone = 0
	}
	if strings.Contains(network, "lab: embedded") && !strings.Contains(network, "dhcp: false") {
		fdsPerPhone++ // the DHCP client kept for renewals
	}
	if talk > 0 {
		fdsPerPhone += 2 // RTP and RTCP
	}
	proctest.RaiseFiles(b, fdsPerPhone*n+1000)
	scenario := "  - wait: registered\n"
	if talk > 0 {
		scenario += fmt.Sprintf(`  - {name: call, each: pairs, call: peer, timeout: 60s}
  - {name: answer, each: pairs, answer: peer, timeout: 60s}
  - {name: talk, sleep: %s}
  - {name: audio, each: pairs, check_audio: peer, timeout: 60s}
  - {name: hangup, each: pairs, hangup: , timeout: 60s}
`, talk)
	}
	src := fmt.Sprintf(`name: storm
network:
%s  addresses: %s
boot:
  timeout: 5m
  concurrency: %d
phones:
  - group: desk
    model: 450HD
    count: %d
    user: "{{100000+i}}"
    password: "pass{{user}}"
scenario:
%s`, network, benchAddresses(), limit, n, scenario)
	f, err := fleet.Parse("storm.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("HDPHONE_BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	mem0 := proctest.MemoryNow()
	g0 := runtime.NumGoroutine()
	fd0 := proctest.OpenFiles()
	var idle proctest.Memory
	var idleG, idleFD int
	var cpu0, cpu1, boot0, boot1, storm0 syscall.Rusage
	var stormOnce sync.Once
	// A CPU profile to the file the environment variable env names, if
	// any, until stopProfile: go tool pprof fleet.test path.
	stopProfile := func() {}
	startProfile := func(env string) {
		if path := os.Getenv(env); path != "" {
			if f, err := os.Create(path); err == nil {
				if err := pprof.StartCPUProfile(f); err == nil {
					stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
				}
			}
		}
	}
	defer func() { stopProfile() }()
	syscall.Getrusage(syscall.RUSAGE_SELF, &boot0)
	alloc0 := heapAllocs()
	var alloc1 [4]uint64
	bootStart := time.Now()
	var bootWall time.Duration
	var talkStart time.Time
	var talkWall time.Duration
	var pacing media.PacingStats
	var fl *fleet.Fleet
	fl, err = fleet.New(f, fleet.Options{BootProcs: procs, BootHeap: fleet.BootHeap(), Progress: func(pr fleet.Progress) {
		if pr.Result == nil && pr.Index == -1 {
			// The first phone powered on: the storm begins.
			stormOnce.Do(func() {
				// The storm alone, as storm-cpu-µs counts it: from the
				// first phone powered on (not the heap readied and the
				// phones made before it) to the last booted.
				startProfile("HDPHONE_BENCH_CPUPROFILE")
				syscall.Getrusage(syscall.RUSAGE_SELF, &storm0)
			})
		}
		if pr.Result != nil && pr.Step == fleet.BootStep && pr.Done == pr.Total/4 {
			if path := os.Getenv("HDPHONE_BENCH_GOROUTINES_PEAK"); path != "" {
				if f, err := os.Create(path); err == nil {
					pprof.Lookup("goroutine").WriteTo(f, 1)
					f.Close()
				}
			}
		}
		if pr.Result != nil && pr.Step == fleet.BootStep && pr.Done == pr.Total {
			syscall.Getrusage(syscall.RUSAGE_SELF, &boot1)
			alloc1 = heapAllocs()
			bootWall = time.Since(bootStart)
			stopProfile()
			stopProfile = func() {}
			if shape.booted != nil {
				shape.booted()
			}
		}
		if pr.Result == nil || pr.Done != pr.Total {
			return
		}
		switch pr.Step {
		case "01 wait":
			// Every phone registered and idle: measure it at rest.
			time.Sleep(settleTime())
			idle = proctest.MemoryNow().Sub(mem0)
			idleG, idleFD = runtime.NumGoroutine()-g0, proctest.OpenFiles()-fd0
			if path := os.Getenv("HDPHONE_BENCH_HEAPPROFILE"); path != "" {
				// Where an idle fleet's heap goes: go tool pprof -sample_index=inuse_space.
				if f, err := os.Create(path); err == nil {
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			if path := os.Getenv("HDPHONE_BENCH_GOROUTINES"); path != "" {
				// What each idle phone keeps running, grouped by stack.
				if f, err := os.Create(path); err == nil {
					pprof.Lookup("goroutine").WriteTo(f, 1)
					f.Close()
				}
			}
		case "answer":
			fl.ResetPacing()
			// The talk alone.
			startProfile("HDPHONE_BENCH_TALKPROFILE")
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
			talkStart = time.Now()
		case "talk":
			// The talk itself: every phone in a call, nothing else to do.
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
			stopProfile()
			stopProfile = func() {}
			talkWall = time.Since(talkStart)
			pacing = fl.Pacing()
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	r, err := fl.Run(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fails := r.Summary.Failed
	b.ReportMetric(r.Summary.BootPerSec, "phones/s")
	b.ReportMetric(float64(r.Summary.BootP50ms), "boot-p50-ms")
	b.ReportMetric(float64(r.Summary.BootP99ms), "boot-p99-ms")
	b.ReportMetric(float64(r.Summary.BootMaxms), "boot-max-ms")
	b.ReportMetric(float64(fails), "failures")
	b.ReportMetric(float64(idle.Live)/1024/float64(n), "heap-KiB/phone")
	b.ReportMetric(float64(idle.Spans)/1024/float64(n), "heap-spans-KiB/phone")
	b.ReportMetric(float64(idle.Stack)/1024/float64(n), "stack-KiB/phone")
	b.ReportMetric(float64(idleG)/float64(n), "goroutines/phone")
	b.ReportMetric(float64(idleFD)/float64(n), "fds/phone")
	// The CPU the storm took, in cores: near the machine's count, the
	// storm is bound by this process's (and the in-process lab's) work.
	b.ReportMetric(cpuSeconds(boot0, boot1)/bootWall.Seconds(), "boot-cores")
	// phones/s counts from the first power-on; this from before the fleet
	// is made, its phones' objects and the heap readied for them included.
	b.ReportMetric(float64(n)/bootWall.Seconds(), "whole-phones/s")
	// Per phone, from making the phones (their flash and objects) to the
	// last one registered.
	b.ReportMetric(cpuSeconds(boot0, boot1)*1e6/float64(n), "boot-cpu-µs/phone")
	// From the first power-on only, as phones/s counts: the storm's own
	// cost, without making the phones and readying the heap.
	b.ReportMetric(cpuSeconds(storm0, boot1)*1e6/float64(n), "storm-cpu-µs/phone")
	// The kernel's share of it (sockets, polling, waking threads).
	b.ReportMetric(float64(boot1.Stime.Nano()-boot0.Stime.Nano())/1e3/float64(n), "boot-sys-µs/phone")
	// What the same span allocated: unlike CPU time, the same on a busy
	// machine as on a quiet one, so it shows a change the noise hides. It
	// counts the heap the collector hold readies as one object (64 KiB a
	// phone, 128 with the embedded lab), and the faults below its pages.
	b.ReportMetric(float64(alloc1[0]-alloc0[0])/1024/float64(n), "boot-alloc-KiB/phone")
	b.ReportMetric(float64(alloc1[1]-alloc0[1])/float64(n), "boot-allocs/phone")
	// Goroutines started, and the stacks grown: each new stack page is
	// fresh memory the kernel maps in (boot-faults).
	b.ReportMetric(float64(alloc1[2]-alloc0[2])/float64(n), "boot-goroutines/phone")
	b.ReportMetric((float64(alloc1[3])-float64(alloc0[3]))/1024/float64(n), "boot-stack-KiB/phone")
	// Pages the kernel mapped in for the first time (fresh heap and
	// stacks): a share of the system time above.
	b.ReportMetric(float64(boot1.Minflt-boot0.Minflt)/float64(n), "boot-faults/phone")
	// Threads put to sleep or preempted: a goroutine woken while the
	// others sleep wakes a thread in the kernel.
	b.ReportMetric(float64(boot1.Nvcsw+boot1.Nivcsw-boot0.Nvcsw-boot0.Nivcsw)/float64(n), "boot-ctxsw/phone")
	// What this machine charges for the two things a storm does most
	// besides computing: figures of runs on other machines compare only
	// beside these (a fresh page cost 14 µs on a paravirtualized VM, well
	// under 1 µs on bare metal).
	fault, call := machineCosts()
	b.ReportMetric(float64(fault.Nanoseconds())/1e3, "machine-fault-µs")
	b.ReportMetric(float64(call.Nanoseconds())/1e3, "machine-syscall-µs")
	if talk > 0 && talkWall > 0 {
		used := time.Duration(cpuSeconds(cpu0, cpu1) * float64(time.Second))
		cores := used.Seconds() / talkWall.Seconds()
		b.ReportMetric(cores, "cores")
		if cores > 0 {
			b.ReportMetric(float64(n)/cores, "streams/core")
		}
		b.ReportMetric(float64(pacing.JitterP99.Microseconds()), "send-jitter-p99-µs")
		b.ReportMetric(float64(pacing.WakeupP99.Microseconds()), "wakeup-p99-µs")
	}
	if fails > 0 {
		b.Logf("%s", r.Summary)
		for _, st := range r.Steps {
			shown := 0
			for _, res := range st.Results {
				if res.Status == fleet.StatusFailed && shown < 3 {
					b.Logf("  %s [%s]: %s", res.Phone, st.Name, res.Error)
					shown++
				}
			}
		}
	}
	return r.Summary
}

// BenchmarkBootStormLab: n phones power on at once into the embedded lab:
// with DHCP (option 160 to the lab's file server), or staged with the file
// server as their static provisioning URL (one socket less per phone, for
// machines whose open-file limit is low), or with DHCP and the phones' SIP
// on the fleet's shared socket (network.shared_socket).
func BenchmarkBootStormLab(b *testing.B) {
	for _, mode := range []string{"dhcp", "static", "dhcp/socket=shared"} {
		network := "  lab: embedded\n"
		switch mode {
		case "static":
			network += "  dhcp: false\n"
		case "dhcp/socket=shared":
			// One descriptor a phone (its DHCP client's) instead of
			// two: 10,000 phones fit under a 20,000-descriptor limit.
			network += "  shared_socket: true\n"
		}
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/phones=%d", mode, n), func(b *testing.B) {
				for range b.N {
					storm(b, n, network, 0)
				}
			})
		}
	}
}

// BenchmarkBootStormKamailio: n phones power on at once with their line in
// flash and register at Kamailio; SIPp then registers n users at the same
// Kamailio, at its best of testpeer.SIPpRegisterLimits in flight and
// without writing its message log, and the ratio compares the phones' rate
// with SIPp's (one process, one socket, no phone behind it).
//
// limit=200 boots at most 200 phones at once (boot.concurrency), as SIPp at
// its best keeps 50-100 registrations in flight. Without it every phone's
// REGISTER arrives at once, and the datagrams Kamailio's socket cannot hold
// are retransmitted 500 ms later; with pattern passwords, thousands of
// phones in flight also cost Kamailio more for each (184 µs a phone
// against 113 a SIPp user, on the machine of docs/fleet-files.md's VM
// figures).
//
// Kamailio looks its users up in a db_text table, which it scans for each
// registration: at 10,000 phones (20,000 users with SIPp's) that is about
// 250 µs of its CPU per registration and the server's ceiling, about 4,000
// registrations per second on two cores, is what both sides reach.
// auth=pattern checks each user against its password pattern instead (no
// table, about 60 µs per registration): the clients' own cost then decides.
func BenchmarkBootStormKamailio(b *testing.B) {
	for _, pattern := range []bool{false, true} {
		for _, limit := range []int{0, bootLimit} {
			for _, n := range benchSizes() {
				name := fmt.Sprintf("phones=%d", n)
				if limit > 0 {
					name = fmt.Sprintf("limit=%d/%s", limit, name)
				}
				if pattern {
					name = "auth=pattern/" + name
				}
				b.Run(name, func(b *testing.B) { kamailioStorm(b, n, limit, pattern, false) })
			}
		}
	}
	// The phones on one shared SIP socket (network.shared_socket).
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("auth=pattern/socket=shared/phones=%d", n), func(b *testing.B) { kamailioStorm(b, n, 0, true, true) })
	}
}

// bootLimit is the limit= variant's boot.concurrency.
const bootLimit = 200

func kamailioStorm(b *testing.B, n, limit int, pattern, shared bool) {
	k := testpeer.StartKamailio(b, testpeer.KamailioConfig{
		UserRange: struct{ First, Last int }{100000, 100000 + 2*n}, Children: 4, SharedMemMB: 256,
		PatternPasswords: pattern})
	for range b.N {
		network := fmt.Sprintf("  lab: external\n  registrar: %s\n  domain: %s\n", k.Addr(), k.Domain)
		if shared {
			network += "  shared_socket: true\n"
		}
		// Kamailio's work for each side: the requests it received and
		// the processor time it took, per phone and per SIPp user.
		var atBoot kamailioWork
		before := readKamailio(b, k)
		// Kamailio shares this machine's cores. Where it is the
		// bottleneck (its table scans), one scheduler per core while
		// booting (not BootProcs' two) leaves it its share, as
		// docs/fleet-files.md advises for a server under test on the
		// fleet's machine; where it is not (auth=pattern), the fleet
		// boots as hdphone fleet does by default.
		procs := 0
		if pattern {
			procs = fleet.BootProcs()
		}
		sum := stormWith(b, n, network, stormShape{limit: limit, procs: procs, booted: func() {
			atBoot = readKamailio(b, k)
		}})
		sipp := testpeer.SIPpBestRegisterRate(b, k, n, 100000+n)
		phones := atBoot.sub(before)
		perUser := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
		b.ReportMetric(sipp.PerSec, "sipp-reg/s")
		b.ReportMetric(float64(sipp.Limit), "sipp-in-flight")
		b.ReportMetric(perUser(sipp.CPU), "sipp-cpu-µs/user")
		b.ReportMetric(float64(phones.requests)/float64(n), "kam-req/phone")
		b.ReportMetric(float64(sipp.KamRequests)/float64(n), "kam-req/sipp-user")
		b.ReportMetric(perUser(phones.cpu), "kam-cpu-µs/phone")
		b.ReportMetric(perUser(sipp.KamCPU), "kam-cpu-µs/sipp-user")
		// Phones powered on to registered per second, against SIPp's
		// REGISTER transactions per second.
		b.ReportMetric(sum.BootPerSec/sipp.PerSec, "ratio-vs-sipp")
		// What a phone may spend at SIPp's rate: the machine's cores
		// carry the phones and Kamailio, so its CPU a second at that
		// rate, less Kamailio's share. A storm whose phones cost more
		// (storm-cpu-µs/phone) cannot reach SIPp's rate here; Kamailio's
		// share moves from run to run, and the budget with it.
		b.ReportMetric(float64(runtime.NumCPU())*1e6/sipp.PerSec-perUser(phones.cpu), "phone-budget-µs")
	}
}

// heapAllocs returns the bytes and objects this process has allocated so
// far, the goroutines it has started and the bytes its goroutine stacks
// hold now (runtime/metrics: no stop-the-world, unlike ReadMemStats).
// machineCosts measures, here and now, the first write to a fresh page of
// anonymous memory (its fault) and a system call that does nothing.
func machineCosts() (fault, call time.Duration) {
	const pages, calls = 2048, 20000
	page := os.Getpagesize()
	if mem, err := syscall.Mmap(-1, 0, pages*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE); err == nil {
		start := time.Now()
		for i := 0; i < len(mem); i += page {
			mem[i] = 1
		}
		fault = time.Since(start) / pages
		syscall.Munmap(mem)
	}
	start := time.Now()
	for range calls {
		syscall.Getppid()
	}
	return fault, time.Since(start) / calls
}

func heapAllocs() [4]uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/allocs:objects"},
		{Name: "/sched/goroutines-created:goroutines"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return [4]uint64{s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64(), s[3].Value.Uint64()}
}

// kamailioWork is what Kamailio has received and spent so far.
type kamailioWork struct {
	requests int64
	cpu      time.Duration
}

func readKamailio(b *testing.B, k *testpeer.Kamailio) kamailioWork {
	return kamailioWork{requests: k.Stats(b)["core:rcv_requests"], cpu: k.CPU(b)}
}

func (w kamailioWork) sub(from kamailioWork) kamailioWork {
	return kamailioWork{requests: w.requests - from.requests, cpu: w.cpu - from.cpu}
}

// BenchmarkCallsWithMedia: n phones boot into the lab and talk in n/2 pairs
// for five seconds (G.722 both ways, every stream clocked by the fleet's one
// pacer); cores is the CPU the process used while they talked, streams/core
// the streams (one per phone) each core carried.
func BenchmarkCallsWithMedia(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			for range b.N {
				storm(b, n, "  lab: embedded\n", 5*time.Second)
			}
		})
	}
}

// BenchmarkCallsWithMediaKamailio: as BenchmarkCallsWithMedia, with the
// phones registered at Kamailio and every call set up through it (the
// media flows between the phones); cores is this process's CPU while they
// talk, Kamailio's not included.
func BenchmarkCallsWithMediaKamailio(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			k := testpeer.StartKamailio(b, testpeer.KamailioConfig{
				UserRange: struct{ First, Last int }{100000, 100000 + n}, Children: 4, SharedMemMB: 256})
			network := fmt.Sprintf("  lab: external\n  registrar: %s\n  domain: %s\n", k.Addr(), k.Domain)
			for range b.N {
				stormWith(b, n, network, stormShape{talk: 5 * time.Second})
			}
		})
	}
}

// cpuSeconds is the CPU (user and system) the process used from a to b.
func cpuSeconds(a, b syscall.Rusage) float64 {
	return float64(b.Utime.Nano()+b.Stime.Nano()-a.Utime.Nano()-a.Stime.Nano()) / 1e9
}
