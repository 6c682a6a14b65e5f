package fleet

import (
	"os"
	"runtime"
)

// StormProcsFactor is how many schedulers (GOMAXPROCS) a fleet runs per
// core while its phones boot. A booting phone makes many short system calls
// (sockets bound to its own address, connections opened and closed, files
// read from the lab), and a scheduler stays with its thread in the kernel
// until the runtime takes it back: with one per core, a 10,000-phone storm
// against the embedded lab kept a quarter of two cores idle (1,5xx-1,9xx
// phones/s); with two per core, 1,8xx-2,7xx (three per core did no
// better). Only while booting: with more schedulers than cores, the media
// pacers' send jitter doubled (p99 7-8 ms against 12-20 ms for 500 calls).
const StormProcsFactor = 2

// BootProcs is hdphone fleet's Options.BootProcs: StormProcsFactor times
// the runtime's default (the cores, or the cgroup's CPU limit), or 0 when
// the user set GOMAXPROCS.
func BootProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	return StormProcsFactor * defaultProcs
}

// defaultProcs is the runtime's own choice, read before anything changes
// it.
var defaultProcs = runtime.GOMAXPROCS(0)
