package fleet

import (
	"os"
	"runtime"
)

// StormProcsFactor is how many schedulers (GOMAXPROCS) a fleet process runs
// per core the runtime would use by default. A booting phone makes many
// short system calls (sockets bound to its own address, connections opened
// and closed, files read from the lab), and a scheduler stays with its
// thread in the kernel until the runtime takes it back: with one per core, a
// 10,000-phone storm against the embedded lab kept a quarter of two cores
// idle (1,5xx-1,9xx phones/s); with two per core, 2,3xx-2,4xx (three per
// core did no better).
const StormProcsFactor = 2

// defaultProcs is the runtime's own choice (the cores, or the cgroup's CPU
// limit), read before anything changes it.
var defaultProcs = runtime.GOMAXPROCS(0)

// TuneProcs sets GOMAXPROCS for a fleet process, as hdphone fleet does:
// StormProcsFactor times the default, unless GOMAXPROCS is set. It returns
// what it set (0 when it left it alone); calling it again sets the same.
func TuneProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	n := StormProcsFactor * defaultProcs
	runtime.GOMAXPROCS(n)
	return n
}
