package fleet

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// readyHeap maps n bytes into the heap in one system call, then hands them
// back to the runtime free, so that what is allocated next finds its pages
// already there. A page touched for the first time costs a fault, and on
// some virtual machines that fault is dear: 14 µs here, under a paravirtual
// hypervisor (a system call costs 1 µs), about a third of a 10,000-phone
// storm's processor time, where madvise(MADV_POPULATE_WRITE) readies a page
// for 0.6 µs. The runtime gives out free heap pages lowest address first,
// so a large object's pages, once it is collected, go to the next spans and
// stacks; with the collector held, nothing returns them to the system
// before they are used.
//
// The collection costs a mark of the live heap, small before a storm. On a
// kernel without MADV_POPULATE_WRITE (before 5.14) nothing is readied and
// nothing collected: the object's pages were never touched.
func readyHeap(n int64) {
	b := make([]byte, n)
	err := unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	b = nil
	if err == nil {
		runtime.GC()
	}
}
