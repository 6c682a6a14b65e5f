package fleet

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hdphone/hdphone/internal/racetest"
)

// heapBytes reads one of the runtime's memory classes, in bytes.
func heapBytes(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// heapReleased is the free heap the runtime has returned to the system.
func heapReleased() int64 { return heapBytes("/memory/classes/heap/released:bytes") }

// residentFreeHeap is the heap's free memory the runtime has not returned
// to the system: pages mapped and ready for the next spans.
func residentFreeHeap() int64 { return heapBytes("/memory/classes/heap/free:bytes") }

// threadFaults is the minor page faults of the calling thread so far.
func threadFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}

// The first hold readies the heap its fleet is about to use: the pages are
// the heap's, free and resident, and what is allocated next takes them
// without a fault each.
func TestHoldReadiesHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(runtimeMemoryInUse() + 8<<30))
	const ready, use = 64 << 20, 32 << 20
	if !kernelPopulates(t) {
		// Before Linux 5.14 the advice is refused: the hold readies
		// nothing, and runs no collection for it.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		release := holdCollector(1<<30, ready)
		runtime.ReadMemStats(&after)
		release()
		if after.NumForcedGC != before.NumForcedGC {
			t.Errorf("a kernel without MADV_POPULATE_WRITE: the hold still collected")
		}
		return
	}
	release := holdCollector(1<<30, ready)
	defer release()
	if got := residentFreeHeap(); got < ready*9/10 {
		t.Fatalf("%d MiB of free heap ready under the hold, want at least about %d", got>>20, ready>>20)
	}
	checkStormFaults(t, use, "on a readied heap")
}

// checkStormFaults allocates use bytes as a storm does (small objects,
// kept, each written: a page the runtime returned comes back zero, and an
// allocation alone never touches it) and fails unless they took far fewer
// page faults than their pages.
func checkStormFaults(t *testing.T, use int, where string) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f0 := threadFaults(t)
	kept := make([][]byte, 0, use/1024)
	for range use / 1024 {
		b := make([]byte, 1000)
		b[0] = 1
		kept = append(kept, b)
	}
	faults := threadFaults(t) - f0
	if pages := int64(use / 4096); faults > pages/8 && !racetest.Enabled {
		t.Errorf("%d page faults allocating %d MiB %s, want far fewer than its %d pages", faults, use>>20, where, pages)
	}
	runtime.KeepAlive(kept)
}

// kernelPopulates reports whether this kernel takes MADV_POPULATE_WRITE.
func kernelPopulates(t *testing.T) bool {
	page, err := syscall.Mmap(-1, 0, os.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(page)
	return unix.Madvise(page, unix.MADV_POPULATE_WRITE) == nil
}

// kernelCollapses reports whether this kernel takes MADV_COLLAPSE (Linux
// 6.1 and later; before, it is an unknown advice).
func kernelCollapses(t *testing.T) bool {
	const huge = 2 << 20
	mem, err := syscall.Mmap(-1, 0, 2*huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	off := (huge - int(uintptr(unsafe.Pointer(&mem[0]))%huge)) % huge
	aligned := mem[off : off+huge]
	unix.Madvise(aligned, unix.MADV_HUGEPAGE)
	aligned[0] = 1
	return unix.Madvise(aligned, unix.MADV_COLLAPSE) != unix.EINVAL
}

// A hold too small to be worth a collection readies nothing.
func TestSmallHoldReadiesNothing(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	release := holdCollector(64<<20, minReady-1)
	runtime.ReadMemStats(&after)
	release()
	if after.NumForcedGC != before.NumForcedGC {
		t.Errorf("a %d-byte hold ran a collection", minReady-1)
	}
}

// populate leaves every page of its pieces resident, whatever their sizes
// and however many there are for the cores.
func TestPopulateCoversEveryPage(t *testing.T) {
	if !kernelPopulates(t) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE")
	}
	pageSize := os.Getpagesize()
	sizes := []int{pageSize, 2<<20 - pageSize, 5<<20 + 3*pageSize, 9 << 20, 3 * pageSize}
	var pieces [][]byte
	for _, size := range sizes {
		b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Munmap(b)
		pieces = append(pieces, b)
	}
	if err := populate(pieces); err != nil {
		t.Fatal(err)
	}
	for _, b := range pieces {
		in := make([]byte, len(b)/pageSize)
		if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&in[0]))); errno != 0 {
			t.Fatal(errno)
		}
		for i, v := range in {
			if v&1 == 0 {
				t.Errorf("%d-byte piece: page %d not resident after populate", len(b), i)
				break
			}
		}
	}
}

// anonHugeKiB is the process's anonymous memory in transparent huge pages.
func anonHugeKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no smaps_rollup: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("smaps_rollup: %q: %v", line, err)
			}
			return kib
		}
	}
	t.Skip("smaps_rollup has no AnonHugePages")
	return 0
}

// Where the kernel gives huge pages on advice, the readied heap is in huge
// pages: a page populated small still cost the hypervisor a fault's worth
// at its first write. Checked in a process of its own, as a fleet readies
// its heap: in this one, earlier tests' heap is where the readied object
// begins, in the pages it already has.
func TestReadiedHeapIsHuge(t *testing.T) {
	got, out := readyInChild(t, "^TestReadiedHeapIsHuge$", func() {})
	if out != nil && got < readiedInChild/1024/2 {
		t.Errorf("%d KiB more in huge pages after readying %d MiB, want at least half of it\n%s", got, readiedInChild>>20, out)
	}
}

// A heap of small pages, half of it still in use in pieces between the free
// ranges (a fleet booted before in the same process: the runtime's returns
// of free pages split the huge ones its readying got), is made huge again
// where the storm will allocate, not only populated: the small pages left a
// second 10,000-phone storm in one process at twice the first one's CPU a
// phone without a single fault.
func TestReadiedHeapIsHugeAfterSmallPages(t *testing.T) {
	if !kernelCollapses(t) {
		t.Skip("this kernel cannot collapse a range into huge pages (MADV_COLLAPSE, Linux 6.1)")
	}
	got, out := readyInChild(t, "^TestReadiedHeapIsHugeAfterSmallPages$", func() {
		// The heap's fresh ranges written small (no advice: this kernel
		// gives huge pages only on advice), every other piece kept.
		for i := range 2 * readiedInChild / readyChunk {
			b := make([]byte, readyChunk)
			for i := 0; i < len(b); i += os.Getpagesize() {
				b[i] = 1
			}
			if i%2 == 0 {
				keptSmall = append(keptSmall, b)
			}
		}
		runtime.GC()
	})
	if out != nil && got < readiedInChild/1024 {
		t.Errorf("%d KiB more in huge pages after readying %d MiB among as much in use, want at least %d\n%s",
			got, readiedInChild>>20, readiedInChild>>10, out)
	}
}

// keptSmall holds TestReadiedHeapIsHugeAfterSmallPages's pieces in use.
var keptSmall [][]byte

const readiedInChild = 64 << 20

// readyInChild runs the test named by run again in a process of its own,
// where before runs, then readyHeap(readiedInChild), and returns how many
// KiB more the process holds in huge pages after readying, with the child's
// output (in the child: 0 and nil).
func readyInChild(t *testing.T, run string, before func()) (int64, []byte) {
	if !kernelPopulates(t) || !hugePagesOnAdvice() {
		t.Skipf("this kernel populates nothing or gives huge pages without advice (%s)", thpEnabled)
	}
	if os.Getenv("HDPHONE_TEST_READY_CHILD") != "" {
		debug.SetGCPercent(-1)
		before()
		start := anonHugeKiB(t)
		readyHeap(readiedInChild)
		fmt.Printf("huge-KiB %d\n", anonHugeKiB(t)-start)
		return 0, nil
	}
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
	cmd.Env = append(os.Environ(), "HDPHONE_TEST_READY_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var got int64
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "huge-KiB "); ok {
			got, _ = strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return got, out
}

// A heap that has returned free ranges to the system below those it kept
// (a fleet booted before in the same process) is readied from its lowest
// free range up: what is allocated next takes those ranges first, and
// finds them resident.
func TestReadyFillsLowestFreeHeap(t *testing.T) {
	if !kernelPopulates(t) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// Every other MiB kept: the freed ones become holes the runtime
	// returns to the system.
	var kept [][]byte
	for i := range 64 {
		b := make([]byte, 1<<20)
		if i%2 == 0 {
			kept = append(kept, b)
		}
	}
	debug.FreeOSMemory()
	t.Logf("released before readying: %d MiB", heapReleased()>>20)
	readyHeap(48 << 20)
	t.Logf("released after readying: %d MiB", heapReleased()>>20)
	checkStormFaults(t, 24<<20, "after readying a heap with holes")
	runtime.KeepAlive(kept)
}

// runsMem is on the heap, where it stays: TestAdjacentRuns compares
// addresses, and a stack may move.
var runsMem = make([]byte, 64)

// Pieces that follow one another in memory join into one run; a gap, or a
// piece out of order, begins the next.
func TestAdjacentRuns(t *testing.T) {
	mem := runsMem
	runs := adjacentRuns([][]byte{mem[0:8], mem[8:16], mem[16:24], mem[32:40], mem[40:48], mem[24:32], nil, mem[48:56]})
	want := [][2]int{{0, 24}, {32, 48}, {24, 32}, {48, 56}}
	if len(runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(runs), len(want))
	}
	base := uintptr(unsafe.Pointer(&mem[0]))
	for i, r := range runs {
		start := int(r.addr - base)
		if got := [2]int{start, start + r.len}; got != want[i] {
			t.Errorf("run %d is mem[%d:%d], want mem[%d:%d]", i, got[0], got[1], want[i][0], want[i][1])
		}
	}
}
