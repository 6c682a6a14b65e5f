package fleet

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// gcSettings reads the collector's percent and memory limit without
// changing them.
func gcSettings() (percent, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// Holds overlap (fleets booting in one process): the collector stays off
// until the last is released, the memory limit grows by each hold's budget
// and never above the process's own, and the first settings come back
// whatever order the holds end in.
func TestHoldCollectorNests(t *testing.T) {
	// GOGC=1: what the collector's own target allows (1% of the memory in
	// use) stays below the budgets, whatever the tests before left in use
	// (at 250, with -count=3, the package's earlier runs left enough that
	// the target outgrew both budgets); the process's own limit far above.
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	own := runtimeMemoryInUse()*2 + 8<<30
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(own))

	for _, order := range []string{"first-first", "last-first"} {
		t.Run(order, func(t *testing.T) {
			a := holdCollector(100<<20, 0)
			percent, limitA := gcSettings()
			if percent != -1 {
				t.Fatalf("collector at %d%% while held, want off", percent)
			}
			b := holdCollector(200<<20, 0)
			_, limitAB := gcSettings()
			if limitAB-limitA != 200<<20 {
				t.Errorf("second hold raised the limit by %d, want %d", limitAB-limitA, 200<<20)
			}
			if order == "first-first" {
				a()
				a() // twice changes nothing
			} else {
				b()
			}
			if p, _ := gcSettings(); p != -1 {
				t.Errorf("collector back on (%d%%) while a hold remains", p)
			}
			if order == "first-first" {
				b()
			} else {
				a()
			}
			if p, l := gcSettings(); p != 1 || l != own {
				t.Errorf("after both holds: percent %d limit %d, want 1 and %d", p, l, own)
			}
		})
	}
	// A hold never raises the process's own limit.
	debug.SetMemoryLimit(runtimeMemoryInUse() + 64<<20)
	_, tight := gcSettings()
	release := holdCollector(1<<40, 0)
	if _, l := gcSettings(); l != tight {
		t.Errorf("limit %d under a hold, want the process's own %d", l, tight)
	}
	release()
}

// A small fleet in a process with a larger heap: the hold lets the memory
// grow at least as far as the collector's own target would have.
func TestHoldCollectorNoTighterThanGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	base := runtimeMemoryInUse()
	release := holdCollector(1<<10, 0)
	defer release()
	if _, l := gcSettings(); l < base+base*4 {
		t.Errorf("limit %d while held for 1 KiB, want at least %d (GOGC=400 from %d in use)", l, base+base*4, base)
	}
}
