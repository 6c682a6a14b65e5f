package fleet_test

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/hdphone/hdphone/fleet"
)

// hdphone fleet's choice is StormProcsFactor schedulers per default one,
// and none when the user set GOMAXPROCS.
func TestBootProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	if n := fleet.BootProcs(); n != fleet.StormProcsFactor*runtime.GOMAXPROCS(0) {
		t.Errorf("BootProcs %d with GOMAXPROCS %d", n, runtime.GOMAXPROCS(0))
	}
	t.Setenv("GOMAXPROCS", "3")
	if n := fleet.BootProcs(); n != 0 {
		t.Errorf("GOMAXPROCS set by the user: BootProcs %d", n)
	}
}

// Options.BootProcs holds while the phones boot and is put back after.
func TestBootProcsOnlyWhileBooting(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	f := mustParse(t, `
phones:
  - {group: desk, model: 450HD, count: 2}
scenario:
  - {name: after, sleep: 10ms}
`)
	var mu sync.Mutex
	seen := map[string]int{}
	r := run(t, f, fleet.Options{BootProcs: before + 3, Progress: func(pr fleet.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if pr.Result != nil {
			seen[pr.Step] = runtime.GOMAXPROCS(0)
		}
	}})
	if r.Failed() {
		t.Fatalf("%s\n%s", r.Summary, dump(r))
	}
	if seen[fleet.BootStep] != before+3 || seen["after"] != before || runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS %d before, %d booting, %d after the boot, %d at the end",
			before, seen[fleet.BootStep], seen["after"], runtime.GOMAXPROCS(0))
	}
}

// Options.BootHeap holds the collector back while the phones boot and puts
// it back after.
func TestBootHeapOnlyWhileBooting(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	f := mustParse(t, `
phones:
  - {group: desk, model: 450HD, count: 2}
scenario:
  - {name: after, sleep: 10ms}
`)
	var mu sync.Mutex
	seen := map[string]int64{}
	r := run(t, f, fleet.Options{BootHeap: fleet.StormHeapPerPhone, Progress: func(pr fleet.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if pr.Result != nil {
			seen[pr.Step] = gcPercent()
		}
	}})
	if r.Failed() {
		t.Fatalf("%s\n%s", r.Summary, dump(r))
	}
	if seen[fleet.BootStep] != -1 || seen["after"] != 300 || gcPercent() != 300 {
		t.Errorf("GOGC 300 before, %d booting, %d after the boot, %d at the end",
			seen[fleet.BootStep], seen["after"], gcPercent())
	}
}

// gcPercent reads the collector's GOGC without changing it (-1: off).
func gcPercent() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// hdphone fleet holds the collector unless the user set GOGC.
func TestBootHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	if n := fleet.BootHeap(); n != fleet.StormHeapPerPhone {
		t.Errorf("BootHeap %d, want %d", n, fleet.StormHeapPerPhone)
	}
	t.Setenv("GOGC", "200")
	if n := fleet.BootHeap(); n != 0 {
		t.Errorf("GOGC set by the user: BootHeap %d", n)
	}
}
