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

// residentFreeHeap is the heap's free memory the runtime has not returned
// to the system: pages mapped and ready for the next spans.
func residentFreeHeap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

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
	// The allocations of a storm: small objects, kept.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f0 := threadFaults(t)
	kept := make([][]byte, 0, use/1024)
	for range use / 1024 {
		kept = append(kept, make([]byte, 1000))
	}
	faults := threadFaults(t) - f0
	if pages := int64(use / 4096); faults > pages/8 && !racetest.Enabled {
		t.Errorf("%d page faults allocating %d MiB on a readied heap, want far fewer than its %d pages", faults, use>>20, pages)
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

// populate leaves every page of its buffer resident, whatever its length
// against the huge pages it is shared out by.
func TestPopulateCoversEveryPage(t *testing.T) {
	if !kernelPopulates(t) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE")
	}
	pageSize := os.Getpagesize()
	for _, size := range []int{pageSize, 2<<20 - pageSize, 5<<20 + 3*pageSize, 9 << 20} {
		b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		if err := populate(b); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		in := make([]byte, size/pageSize)
		if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(size), uintptr(unsafe.Pointer(&in[0]))); errno != 0 {
			t.Fatal(errno)
		}
		for i, v := range in {
			if v&1 == 0 {
				t.Errorf("%d bytes: page %d not resident after populate", size, i)
				break
			}
		}
		syscall.Munmap(b)
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
	if !kernelPopulates(t) || !hugePagesOnAdvice() {
		t.Skipf("this kernel populates nothing or gives huge pages without advice (%s)", thpEnabled)
	}
	const ready = 64 << 20
	if os.Getenv("HDPHONE_TEST_READY_CHILD") != "" {
		debug.SetGCPercent(-1)
		before := anonHugeKiB(t)
		readyHeap(ready)
		fmt.Printf("huge-KiB %d\n", anonHugeKiB(t)-before)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestReadiedHeapIsHuge$", "-test.count=1")
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
	if got < ready/1024/2 {
		t.Errorf("%d KiB more in huge pages after readying %d MiB, want at least half of it\n%s", got, ready>>20, out)
	}
}

// The shares cover the buffer in order, each but the first beginning where
// a huge page does, about one a core.
func TestPopulateShares(t *testing.T) {
	backing := make([]byte, 40<<20)
	base := int(uintptr(unsafe.Pointer(&backing[0])) % hugePage)
	aligned := backing[(hugePage-base)%hugePage:]
	for _, tc := range []struct {
		name   string
		b      []byte
		cores  int
		shares int // at most
	}{
		{"aligned, two cores", aligned[:16<<20], 2, 2},
		{"misaligned, two cores", aligned[4096 : 4096+16<<20], 2, 3},
		{"misaligned, three cores", aligned[12345 : 12345+30<<20], 3, 4},
		{"one core", aligned[:16<<20], 1, 1},
		{"a huge page or less a core", aligned[100 : 100+3<<19], 2, 1},
		{"no cores said", aligned[:8<<20], 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := populateShares(tc.b, tc.cores)
			if len(parts) > tc.shares {
				t.Errorf("%d shares, want at most %d", len(parts), tc.shares)
			}
			next := unsafe.SliceData(tc.b)
			total := 0
			for i, p := range parts {
				if len(p) == 0 {
					t.Fatalf("share %d empty", i)
				}
				if unsafe.SliceData(p) != next {
					t.Fatalf("share %d does not begin where the one before ended", i)
				}
				if at := uintptr(unsafe.Pointer(unsafe.SliceData(p))); i > 0 && at%hugePage != 0 {
					t.Errorf("share %d begins %d bytes into a huge page", i, at%hugePage)
				}
				next = (*byte)(unsafe.Add(unsafe.Pointer(next), len(p)))
				total += len(p)
			}
			if total != len(tc.b) {
				t.Errorf("shares cover %d bytes of %d", total, len(tc.b))
			}
		})
	}
}
