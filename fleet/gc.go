package fleet

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
