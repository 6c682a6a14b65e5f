package media

import (
	"math"
	"sort"
	"sync/atomic"
	"time"
)

// The pacer: every stream of an engine (call sessions, pagers, page
// listeners) is clocked by one goroutine that wakes every tickPeriod on one
// OS timer and serves the streams due on that tick. One timer for all
// streams keeps send jitter low (a Go timer per stream oversleeps under
// load) and the per-stream cost small. Streams are spread over the phases of
// a 20 ms period so the work of one tick stays small.

const (
	tickPeriod = 5 * time.Millisecond
	// frameTicks is the number of ticks of one 20 ms playout frame.
	frameTicks = int(20 * time.Millisecond / tickPeriod)
	// maxCatchUp is how many missed ticks the pacer replays after a stall
	// before it gives up and resynchronises.
	maxCatchUp = 8
)

// paced is a stream the pacer serves.
type paced interface {
	// pace is called on every tick with the tick number (which the stream
	// offsets by its phase) and the engine clock's time.
	pace(now time.Time, tick uint64)
	// setPhase spreads streams over the ticks of a frame; it is called once,
	// before the first pace.
	setPhase(phase uint64)
}

// sleeper waits for absolute deadlines on a monotonic clock, in
// nanoseconds since an arbitrary origin.
type sleeper interface {
	now() int64
	sleepUntil(deadline int64)
}

// goSleeper uses the Go runtime's timers (portable fallback).
type goSleeper struct{ origin time.Time }

func (g *goSleeper) now() int64 { return int64(time.Since(g.origin)) }

func (g *goSleeper) sleepUntil(deadline int64) {
	if d := time.Duration(deadline - g.now()); d > 0 {
		time.Sleep(d)
	}
}

// PacingStats describes how regularly the pacer sent packets: the deviation
// of each packet's send time from its stream's previous send plus the packet
// time (the send jitter), and how far each tick woke after its deadline.
type PacingStats struct {
	Packets      uint64
	JitterP50    time.Duration
	JitterP99    time.Duration
	JitterMax    time.Duration
	Ticks        uint64
	WakeupP50    time.Duration
	WakeupP99    time.Duration
	Overruns     uint64 // ticks replayed late because the previous ones ran long
	Resyncs      uint64 // stalls too long to replay
	OSTimer      bool   // the pacer sleeps on an OS timer (clock_nanosleep)
	StreamsAtEnd int
}

// histogram counts durations in 10 µs buckets up to 20 ms; lock-free for
// one writer and any readers.
type histogram struct {
	buckets [histBuckets]atomic.Uint64
	max     atomic.Int64
	n       atomic.Uint64
}

const (
	histBucket  = 10 * time.Microsecond
	histBuckets = 2001
)

func (h *histogram) observe(d time.Duration) {
	if d < 0 {
		d = -d
	}
	i := int(d / histBucket)
	if i >= histBuckets {
		i = histBuckets - 1
	}
	h.buckets[i].Add(1)
	h.n.Add(1)
	if int64(d) > h.max.Load() {
		h.max.Store(int64(d))
	}
}

func (h *histogram) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.max.Store(0)
	h.n.Store(0)
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= want {
			return time.Duration(i+1) * histBucket
		}
	}
	return time.Duration(h.max.Load())
}

// sortedDurations is a helper for tests and benchmarks reporting
// percentiles of raw samples.
func sortedDurations(d []time.Duration) []time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}
