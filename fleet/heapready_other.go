//go:build !linux

package fleet

// readyHeap does nothing where MADV_POPULATE_WRITE is not to be had.
func readyHeap(n int64) {}
