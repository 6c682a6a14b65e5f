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
	booting, after := whileBooting(t, fleet.Options{BootProcs: before + 3}, func() int64 { return int64(runtime.GOMAXPROCS(0)) })
	if booting != int64(before+3) || after != int64(before) || runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS %d before, %d booting, %d after the boot, %d at the end",
			before, booting, after, runtime.GOMAXPROCS(0))
	}
}

// Options.BootHeap holds the collector back while the phones boot and puts
// it back after.
func TestBootHeapOnlyWhileBooting(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	booting, after := whileBooting(t, fleet.Options{BootHeap: fleet.StormHeapPerPhone}, gcPercent)
	if booting != -1 || after != 300 || gcPercent() != 300 {
		t.Errorf("GOGC 300 before, %d booting, %d after the boot, %d at the end", booting, after, gcPercent())
	}
}

// whileBooting runs two phones with opts and returns what read gives as
// they boot and in a step after the boot.
func whileBooting(t *testing.T, opts fleet.Options, read func() int64) (booting, after int64) {
	t.Helper()
	f := mustParse(t, `
phones:
  - {group: desk, model: 450HD, count: 2}
scenario:
  - {name: after, sleep: 10ms}
`)
	var mu sync.Mutex
	seen := map[string]int64{}
	opts.Progress = func(pr fleet.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if pr.Result != nil {
			seen[pr.Step] = read()
		}
	}
	r := run(t, f, opts)
	if r.Failed() {
		t.Fatalf("%s\n%s", r.Summary, dump(r))
	}
	mu.Lock()
	defer mu.Unlock()
	return seen[fleet.BootStep], seen["after"]
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
