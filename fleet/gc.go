package fleet

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
)

// StormGCPercent is the garbage collector's target a fleet process runs
// with (GOGC=400 rather than 100). A boot storm allocates fast and keeps
// little: at the default target the collector took a third of the CPU of a
// 10,000-phone storm on two cores (748 phones/s against 1,164 at 400). The
// live heap of an idle fleet does not change; the peak between collections
// does, which is what the memory limit below bounds.
const StormGCPercent = 400

// TuneGC sets the collector for a fleet process, as hdphone fleet does:
// GOGC=StormGCPercent unless GOGC is set, and, unless GOMEMLIMIT is set, a
// soft memory limit of half the memory the process may use (the machine's,
// or its cgroup's when lower), so that the higher target never runs a
// container out of memory: near the limit the collector runs as often as it
// must. It returns what it set (-1, 0 when it left one alone).
func TuneGC() (percent int, limit int64) {
	percent, limit = -1, 0
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(StormGCPercent)
		percent = StormGCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail := availableMemory(); avail > 0 {
			limit = avail / 2
			debug.SetMemoryLimit(limit)
		}
	}
	return percent, limit
}

// availableMemory is the smaller of the machine's memory and the cgroup's
// limit, in bytes; 0 when neither is known.
func availableMemory() int64 {
	var total int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(rest); len(f) == 2 && f[1] == "kB" {
					if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						total = n << 10
					}
				}
			}
		}
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
		break
	}
	return total
}

// StormHeapPerPhone is how far the heap may grow for each phone of a storm
// before the collector runs while the phones boot (Options.BootHeap). A
// booting phone allocates about 52 KiB and keeps about 18 (130 KiB
// allocated with the embedded lab's share); at StormGCPercent the collector
// marked the storm's growing heap again and again, about a sixth of a
// 10,000-phone storm's CPU against Kamailio. Held back, it runs once the
// phones have booted, on a heap no larger than StormGCPercent would have
// let it reach by then.
const StormHeapPerPhone = 256 << 10

// StormReadyPerPhone is how much heap a hold readies for each phone
// (see Options.BootHeap): about what a booting phone allocates, 47 KiB of
// heap and 12 KiB of stacks; labReadyPerPhone is what the embedded lab
// adds for each phone it serves (its files, registrations and
// subscriptions, with the phone's file fetches: about 65-75 KiB, 80 before
// its registrar and the phone's downloader were made leaner). More than a
// storm uses costs the time to ready it (1-2.5 s for a 10,000-phone storm
// into the lab here, before the first phone is powered on) and memory the
// process holds until the collector runs; less leaves the rest to be
// faulted in page by page. labDHCPReadyPerPhone is what a phone that
// asks the lab's DHCP for its address adds: the lease and its exchange,
// and the stacks of its DHCP client (a storm's boots took 20.7 KiB of
// stacks a phone with DHCP against 13.3 without, and stacks are not
// counted in what a boot allocates). Without it a 10,000-phone storm with
// DHCP faulted in 6-11 pages a phone (1.8-1.9 with it; 1.9-2.0 with 128
// KiB) and spent 772-1,577 µs of CPU a phone against 676-848
// (interleaved, six rounds without and four with; 2,092-2,498 phones/s
// against 2,654-2,849 in the quietest two).
const (
	StormReadyPerPhone   = 64 << 10
	labReadyPerPhone     = 64 << 10
	labDHCPReadyPerPhone = 64 << 10
)

// minReady is the least readyHeap is worth its collection for.
const minReady = 4 << 20

// BootHeap is hdphone fleet's Options.BootHeap: StormHeapPerPhone, or 0
// when the user set GOGC.
func BootHeap() int64 {
	if os.Getenv("GOGC") != "" {
		return 0
	}
	return StormHeapPerPhone
}

// collectorHold is the process's hold on its collector: fleets boot
// concurrently in one process (tests, a library user), and the first one's
// settings come back only when the last one has booted.
var collectorHold collectorHoldState

// collectorHoldState is what holdCollector keeps.
type collectorHoldState struct {
	sync.Mutex
	holders int
	percent int   // the GC percent before the first hold
	limit   int64 // the memory limit before the first hold
	budget  int64 // the holders' budgets together
	base    int64 // the runtime's memory in use when the first held
	// least is how far the memory may grow whatever the budgets: what the
	// collector's own target allowed when the first held, so that a small
	// fleet in a process with a large heap is collected no more often
	// than before.
	least int64
}

// holdLimit is the memory limit while held.
func (h *collectorHoldState) holdLimit() int64 {
	return min(h.limit, satAdd(h.base, max(h.budget, h.least)))
}

// holdCollector turns the collector off until the runtime's memory has
// grown by budget from now (at least as far as the collector's own target
// would have let it), or reaches the process's own memory limit, and
// returns what lets it go. The first hold also readies up to ready bytes
// of heap (readyHeap) for what is to be allocated under it: the budget
// at most, and half of what the process's own limit leaves.
func holdCollector(budget, ready int64) (release func()) {
	budget = min(budget, maxHoldBudget)
	h := &collectorHold
	h.Lock()
	defer h.Unlock()
	if h.holders == 0 {
		h.limit = debug.SetMemoryLimit(-1)
		h.percent = debug.SetGCPercent(-1)
		h.base, h.budget = runtimeMemoryInUse(), 0
		h.least = 0
		if h.percent > 0 {
			h.least = satMul(h.base, int64(h.percent)) / 100
		}
		ready = min(ready, budget, max(0, h.limit-h.base)/2)
		if ready >= minReady {
			// Counted in the budget: the storm fills it first.
			readyHeap(ready)
		}
	}
	h.holders++
	h.budget += budget
	debug.SetMemoryLimit(h.holdLimit())
	var once sync.Once
	return func() {
		once.Do(func() {
			h.Lock()
			defer h.Unlock()
			h.holders--
			h.budget -= budget
			if h.holders > 0 {
				debug.SetMemoryLimit(h.holdLimit())
				return
			}
			debug.SetGCPercent(h.percent)
			debug.SetMemoryLimit(h.limit)
		})
	}
}

// maxHoldBudget bounds one hold's budget, so that the budgets of up to
// 8,192 overlapping holds add up without overflowing (1 PiB: no memory
// limit lets a heap reach it anyway).
const maxHoldBudget = 1 << 50

// runtimeMemoryInUse is the memory the runtime holds from the system, less
// what it has returned: what its memory limit counts.
func runtimeMemoryInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// satAdd is a+b, or the largest int64 where that overflows.
func satAdd(a, b int64) int64 {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

// satMul is a*b for a, b ≥ 0, or the largest int64 where that overflows.
func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}
