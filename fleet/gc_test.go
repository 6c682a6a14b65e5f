package fleet_test

import (
	"runtime/debug"
	"testing"

	"github.com/hdphone/hdphone/fleet"
)

// A fleet process collects at GOGC=400 unless the user set GOGC, and bounds
// the higher target with a memory limit unless GOMEMLIMIT is set.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	percent, limit := fleet.TuneGC()
	if percent != fleet.StormGCPercent || debug.SetGCPercent(-1) != fleet.StormGCPercent {
		t.Errorf("GOGC unset: percent %d, want %d", percent, fleet.StormGCPercent)
	}
	if limit <= 0 || debug.SetMemoryLimit(-1) != limit {
		t.Errorf("GOMEMLIMIT unset: limit %d, not in force", limit)
	}

	debug.SetGCPercent(100)
	t.Setenv("GOGC", "100")
	t.Setenv("GOMEMLIMIT", "1GiB")
	percent, limit = fleet.TuneGC()
	if percent != -1 || limit != 0 || debug.SetGCPercent(-1) != 100 {
		t.Errorf("GOGC and GOMEMLIMIT set: TuneGC changed them (%d, %d)", percent, limit)
	}
}
