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
	defer debug.SetGCPercent(debug.SetGCPercent(250))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(8 << 30))

	for _, order := range []string{"first-first", "last-first"} {
		t.Run(order, func(t *testing.T) {
			a := holdCollector(100 << 20)
			percent, limitA := gcSettings()
			if percent != -1 {
				t.Fatalf("collector at %d%% while held, want off", percent)
			}
			b := holdCollector(200 << 20)
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
			if p, l := gcSettings(); p != 250 || l != 8<<30 {
				t.Errorf("after both holds: percent %d limit %d, want 250 and 8 GiB", p, l)
			}
		})
	}
	// A hold never raises the process's own limit.
	debug.SetMemoryLimit(runtimeMemoryInUse() + 64<<20)
	_, own := gcSettings()
	release := holdCollector(1 << 40)
	if _, l := gcSettings(); l != own {
		t.Errorf("limit %d under a hold, want the process's own %d", l, own)
	}
	release()
}

// A small fleet in a process with a larger heap: the hold lets the memory
// grow at least as far as the collector's own target would have.
func TestHoldCollectorNoTighterThanGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	base := runtimeMemoryInUse()
	release := holdCollector(1 << 10)
	defer release()
	if _, l := gcSettings(); l < base+base*4 {
		t.Errorf("limit %d while held for 1 KiB, want at least %d (GOGC=400 from %d in use)", l, base+base*4, base)
	}
}
