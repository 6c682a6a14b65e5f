// Package proctest reads and raises what a benchmark's or a test's process
// holds: its memory after a full collection, its open descriptors and UDP
// sockets, its goroutines, and its open-file limit. The fleet-scale
// benchmarks of sip, device and fleet share it, and the tests that look for
// leaks report with it.
package proctest

import (
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
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

// Goroutines returns the stacks of the process's goroutines but the
// testing package's own, for a leak's report.
func Goroutines() string {
	buf := make([]byte, 1<<22)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "testing.") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// UDPSockets lists the process's IPv4 UDP sockets, local and remote
// address a line, for a leak's report (goroutine stacks do not show them).
func UDPSockets() string {
	ours := map[string]bool{}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:[") {
			ours[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	table, err := os.ReadFile("/proc/self/net/udp")
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && ours[f[9]] {
			out = append(out, procAddr(f[1])+" -> "+procAddr(f[2]))
		}
	}
	return strings.Join(out, "\n")
}

// procAddr reads /proc/net/udp's address form, AABBCCDD:PPPP, the address
// in the host's byte order (little-endian on every target hdphone has).
func procAddr(s string) string {
	ip, port, ok := strings.Cut(s, ":")
	a, err1 := strconv.ParseUint(ip, 16, 32)
	p, err2 := strconv.ParseUint(port, 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return s
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(a), byte(a >> 8), byte(a >> 16), byte(a >> 24)}), uint16(p)).String()
}
