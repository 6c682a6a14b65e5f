package portaudio

import "sync"

// ring is a bounded FIFO of samples shared by the PortAudio callback and
// the media pacer.
type ring struct {
	mu      sync.Mutex // guards the following fields
	buf     []int16
	r, n    int
	dropped int // samples overwritten because the ring was full
	short   int // samples asked for and not there
}

func newRing(capacity int) *ring { return &ring{buf: make([]int16, capacity)} }

// write appends p, overwriting the oldest samples when full.
func (q *ring) write(p []int16) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(p) > len(q.buf) {
		q.dropped += len(p) - len(q.buf)
		p = p[len(p)-len(q.buf):]
	}
	if over := q.n + len(p) - len(q.buf); over > 0 {
		q.r = (q.r + over) % len(q.buf)
		q.n -= over
		q.dropped += over
	}
	w := (q.r + q.n) % len(q.buf)
	k := copy(q.buf[w:], p)
	copy(q.buf, p[k:])
	q.n += len(p)
}

// read fills dst with the oldest samples and returns how many there were.
func (q *ring) read(dst []int16) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(dst), q.n)
	k := copy(dst[:n], q.buf[q.r:])
	copy(dst[k:n], q.buf)
	q.r = (q.r + n) % len(q.buf)
	q.n -= n
	q.short += len(dst) - n
	return n
}

func (q *ring) stats() (dropped, short int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped, q.short
}
