// Package proctest reads and raises what a benchmark's process holds: its
// memory after a full collection, its open descriptors, and its open-file
// limit. The fleet-scale benchmarks of sip, device and fleet share it.
package proctest

import (
	"os"
	"runtime"
	"syscall"
	"testing"
)

// Memory is what the process holds after a full collection.
type Memory struct {
	Live  uint64 // bytes of live heap objects (HeapAlloc)
	Spans uint64 // bytes of heap spans in use, free slots included (HeapInuse)
	Stack uint64 // bytes of goroutine stacks (StackInuse)
}

// Sub is m less an earlier reading, each figure at least zero: a process
// whose heap shrank meanwhile (what an earlier benchmark left behind, freed
// at last) grew by nothing, not by the wrapped-around difference.
func (m Memory) Sub(before Memory) Memory {
	return Memory{less(m.Live, before.Live), less(m.Spans, before.Spans), less(m.Stack, before.Stack)}
}

func less(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// MemoryNow collects garbage (twice: finalizers free more on the second)
// and reads the process's memory.
func MemoryNow() Memory {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Memory{m.HeapAlloc, m.HeapInuse, m.StackInuse}
}

// OpenFiles counts the process's open descriptors.
func OpenFiles() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

// RaiseFiles lifts the open-file limit so that need descriptors fit, as
// hdphone fleet does: the hard limit too when the process may (root), else
// the soft limit up to the hard one. A limit still too low skips tb: the
// machine cannot hold that many phones.
func RaiseFiles(tb testing.TB, need int) {
	tb.Helper()
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		tb.Fatal(err)
	}
	if want := uint64(need); l.Max < want {
		raised := syscall.Rlimit{Cur: want, Max: want}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return
		}
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		tb.Fatal(err)
	}
	if l.Cur < uint64(need) {
		tb.Skipf("open-file limit %d is below the %d descriptors this needs", l.Cur, need)
	}
}
