package fleet

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readyHeap maps n bytes into the heap, then hands them back to the runtime
// free, so that what is allocated next finds its pages already there. A
// page touched for the first time costs a fault, and on some virtual
// machines that fault is dear: 12-25 µs here, under a paravirtual
// hypervisor (a system call costs 1 µs), about a third of a 10,000-phone
// storm's processor time. The runtime gives out free heap pages lowest
// address first, so a large object's pages, once it is collected, go to the
// next spans and stacks; with the collector held, nothing returns them to
// the system before they are used.
//
// The pages are asked for huge (MADV_HUGEPAGE, where the kernel gives them
// only on advice), then populated (MADV_POPULATE_WRITE), a share on each
// core. Populated small, a page still cost about 6 µs at its first write
// from Go on the same machine, the hypervisor's share of a fault: 1.25 GiB
// readied, then 1 GiB of small objects allocated on it took 0.3 s to ready
// and 2.3 s to allocate (memory never readied: 4.2 s), where populated huge
// it took 1.2-2.6 s to ready on one core and 0.4 s to allocate; on two
// cores, 1.2 s to ready. Memory the hypervisor still backs (a process's
// freed a moment before) readies in a tenth of that. Where transparent huge
// pages are off, or the kernel has none, the pages are populated small.
//
// The collection costs a mark of the live heap, small before a storm. On a
// kernel without MADV_POPULATE_WRITE (before 5.14) nothing is readied and
// nothing collected: the object's pages were never touched.
func readyHeap(n int64) {
	b := make([]byte, n)
	advise := hugePagesOnAdvice()
	if advise {
		_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	}
	err := populate(b)
	if advise {
		// The huge pages stay; what is faulted in the range later is
		// small again, as in the rest of the heap, and the kernel's
		// collapsing thread leaves it alone, so that pages the runtime
		// returns to the system stay returned.
		_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE)
	}
	if err == nil {
		b = nil
		runtime.GC()
	}
}

// thpEnabled is where the kernel says when it gives transparent huge pages.
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// hugePagesOnAdvice reports whether this kernel gives transparent huge pages
// only where asked (its mode "madvise"); where it gives them always, a
// populated range has them unasked, and where never, asking does nothing.
func hugePagesOnAdvice() bool {
	mode, err := os.ReadFile(thpEnabled)
	return err == nil && bytes.Contains(mode, []byte("[madvise]"))
}

// hugePage is the size of the huge pages populate shares b out by.
const hugePage = 2 << 20

// populate populates b, a share on each core (populateShares).
func populate(b []byte) error {
	parts := populateShares(b, runtime.GOMAXPROCS(0))
	if len(parts) == 1 {
		return unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = unix.Madvise(part, unix.MADV_POPULATE_WRITE) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// populateShares splits b into about one share for each of cores, each
// split where a huge page begins, so that no huge page is populated from
// two threads: b itself when it is smaller than two shares.
func populateShares(b []byte, cores int) [][]byte {
	share := (len(b)/max(cores, 1) + hugePage - 1) &^ (hugePage - 1)
	if share >= len(b) {
		return [][]byte{b}
	}
	// The first share ends where a huge page begins.
	first := share - int(uintptr(unsafe.Pointer(unsafe.SliceData(b)))%hugePage)
	var parts [][]byte
	for n := first; len(b) > 0; n = share {
		parts = append(parts, b[:min(n, len(b))])
		b = b[len(parts[len(parts)-1]):]
	}
	return parts
}
