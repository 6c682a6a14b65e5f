package fleet_test

import (
	"runtime"
	"testing"

	"github.com/hdphone/hdphone/fleet"
)

// A fleet process runs StormProcsFactor schedulers per default one, the
// same however often it is tuned, and leaves a GOMAXPROCS the user set.
func TestTuneProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	first := fleet.TuneProcs()
	if first < fleet.StormProcsFactor || runtime.GOMAXPROCS(0) != first {
		t.Fatalf("TuneProcs set %d, GOMAXPROCS is %d", first, runtime.GOMAXPROCS(0))
	}
	if again := fleet.TuneProcs(); again != first || runtime.GOMAXPROCS(0) != first {
		t.Errorf("tuned twice: %d then %d", first, again)
	}
	runtime.GOMAXPROCS(1)
	t.Setenv("GOMAXPROCS", "1")
	if n := fleet.TuneProcs(); n != 0 || runtime.GOMAXPROCS(0) != 1 {
		t.Errorf("GOMAXPROCS set by the user: TuneProcs set %d", n)
	}
}
