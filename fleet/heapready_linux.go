package fleet

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readyChunk is the size of the pieces readyHeap allocates the heap it
// readies in.
const readyChunk = 256 << 10

// readyHeap maps n bytes into the heap, then hands them back to the runtime
// free, so that what is allocated next finds its pages already there. A
// page touched for the first time costs a fault, and on some virtual
// machines that fault is dear: 12-25 µs here, under a paravirtual
// hypervisor (a system call costs 1 µs), about a third of a 10,000-phone
// storm's processor time. With the collector held, nothing returns the
// pages to the system before they are used.
//
// The runtime gives out free heap pages lowest address first, and a large
// object takes the lowest free range it fits in. The heap is readied in
// pieces of readyChunk, so that they fill the lowest free ranges, as the
// storm's spans and stacks will: a process that booted a fleet before has
// free ranges the runtime returned to the system among those it kept, and
// one object of n bytes, readied above them, left the storm to fault them
// in again (a second 10,000-phone storm in one process: 23 faults a phone,
// three times the first storm's CPU).
//
// The pages are asked for huge (MADV_HUGEPAGE, where the kernel gives them
// only on advice; the pieces of fresh memory lie side by side, so the
// kernel can give a huge page across them), then populated
// (MADV_POPULATE_WRITE) on every core. Populated small, a page still cost
// about 6 µs at its first write from Go on the same machine, the
// hypervisor's share of a fault: 1.25 GiB readied, then 1 GiB of small
// objects allocated on it took 0.3 s to ready and 2.3 s to allocate
// (memory never readied: 4.2 s), where populated huge it took 1.2-2.6 s to
// ready on one core and 0.4 s to allocate; on two cores, 1.2 s to ready.
// Memory the hypervisor still backs (a process's freed a moment before)
// readies in a tenth of that. Where transparent huge pages are off, or the
// kernel has none, the pages are populated small.
//
// A heap readied after a fleet has run is mostly resident already, in small
// pages (see below), and populating does nothing there: the storm that
// followed a 10,000-phone lab storm in one process took 352-482 µs of CPU a
// phone at Kamailio, against about 230 alone, with no faults. Collapsing
// the readied range into huge pages in place took 52 ms for 895 MiB and
// brought that storm to 183-238 µs.
//
// The collection costs a mark of the live heap, small before a storm. On a
// kernel without MADV_POPULATE_WRITE (before 5.14) nothing is readied and
// nothing collected: fresh pieces' pages were never touched.
func readyHeap(n int64) {
	size := min(n, readyChunk)
	pieces := make([][]byte, 0, n/size+1)
	for got := int64(0); got < n; got += size {
		pieces = append(pieces, make([]byte, size))
	}
	var runs []span
	advise := hugePagesOnAdvice()
	if advise {
		runs = adjacentRuns(pieces)
		for _, r := range runs {
			_ = madviseSpan(r, unix.MADV_HUGEPAGE)
		}
	}
	err := populate(pieces)
	if len(runs) > 0 {
		// What populating could not make huge is made huge in place:
		// the runtime's returns of free pages after a fleet split the
		// huge pages its readying got, and the free ranges among what is
		// still in use are then mostly smaller than a huge page, already
		// resident, small. So the whole range the pieces took, with what
		// lies between them, is collapsed (MADV_COLLAPSE, Linux 6.1; a
		// range already huge costs next to nothing, and before 6.1 it is
		// refused).
		whole := cover(runs)
		_ = madviseSpan(whole, unix.MADV_HUGEPAGE)
		_ = madviseSpan(whole, unix.MADV_COLLAPSE)
		runs = []span{whole}
	}
	// The huge pages stay; what is faulted in these ranges later is small
	// again, as in the rest of the heap, and the kernel's collapsing
	// thread leaves them alone, so that pages the runtime returns to the
	// system stay returned. Withdrawn over the range as it was asked for:
	// a range's end inside a huge page splits it.
	for _, r := range runs {
		_ = madviseSpan(r, unix.MADV_NOHUGEPAGE)
	}
	// The runs are addresses only: the pieces stay live until the advice
	// is withdrawn, and are garbage for the collection.
	runtime.KeepAlive(pieces)
	if err == nil {
		runtime.GC()
	}
}

// span is a range of memory by address, for madvise: pieces that follow
// one another are separate objects, and no Go slice may span two.
type span struct {
	addr uintptr
	len  int
}

// cover is the span from the lowest run's start to the highest one's end.
func cover(runs []span) span {
	lo, hi := runs[0].addr, runs[0].addr+uintptr(runs[0].len)
	for _, r := range runs[1:] {
		lo, hi = min(lo, r.addr), max(hi, r.addr+uintptr(r.len))
	}
	return span{lo, int(hi - lo)}
}

// adjacentRuns joins the pieces that follow one another in memory into runs.
func adjacentRuns(pieces [][]byte) []span {
	var runs []span
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		addr := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
		if n := len(runs); n > 0 && runs[n-1].addr+uintptr(runs[n-1].len) == addr {
			runs[n-1].len += len(p)
			continue
		}
		runs = append(runs, span{addr, len(p)})
	}
	return runs
}

// madviseSpan is madvise(2) on s.
func madviseSpan(s span, advice int) error {
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, s.addr, uintptr(s.len), uintptr(advice))
	if errno != 0 {
		return errno
	}
	return nil
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

// populate populates the pieces, one goroutine on each core taking the
// next piece, and stops at the first refusal.
func populate(pieces [][]byte) error {
	workers := min(runtime.GOMAXPROCS(0), len(pieces))
	var next atomic.Int64
	var refused atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for !refused.Load() {
				i := next.Add(1) - 1
				if i >= int64(len(pieces)) {
					return
				}
				if err := unix.Madvise(pieces[i], unix.MADV_POPULATE_WRITE); err != nil {
					errs[w] = err
					refused.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
