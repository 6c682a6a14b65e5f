package fleet_test

import (
	"runtime"
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
