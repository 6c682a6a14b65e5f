package media

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/clock"
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

// PacerConfig configures a Pacer; the zero value works.
type PacerConfig struct {
	// GoTimer sleeps on the Go runtime's timers instead of an OS timer
	// (clock_nanosleep); platforms without the OS timer always use Go's.
	GoTimer bool
	// RealTime runs the pacer's thread in the SCHED_FIFO real-time class,
	// as a phone's media thread runs, so busy processes beside it cannot
	// delay packets. It needs CAP_SYS_NICE; without it the pacer runs as a
	// normal thread (RealTime in PacingStats tells which).
	RealTime bool
	// Clock is the time streams are stepped with; nil means the system
	// clock. Wakeups always follow the real monotonic clock.
	Clock clock.Clock
}

// Pacer clocks media streams: one goroutine, woken every 5 ms by one timer
// while it has streams (and not at all without), reads the sockets of its
// streams (on Linux) and serves the streams due on that tick. Every Engine
// has one, run by Engine.Run; engines of many phones in one process may
// share one (Config.Pacer), which its owner runs with Run and stops with
// Close. Its methods are safe for concurrent use.
type Pacer struct {
	cfg PacerConfig
	clk clock.Clock

	// mu guards the following fields; the loop holds it for reading while
	// it serves a tick, so adding or removing a stream waits at most a tick
	// (and costs no copy of the list, which a fleet's thousands of streams
	// would make quadratic).
	mu      sync.RWMutex
	streams []paced
	phase   uint64
	closed  bool

	running atomic.Bool
	done    chan struct{}
	once    sync.Once
	// wake tells a pacer with no streams, asleep, that one joined.
	wake chan struct{}

	rx *rxPoller // nil: reader goroutines

	jitter   histogram // send interval deviation
	wakeup   histogram // tick lateness
	overruns atomic.Uint64
	resyncs  atomic.Uint64
	osTimer  atomic.Bool
	realTime atomic.Bool
}

// NewPacer makes a pacer; it does nothing until Run.
func NewPacer(cfg PacerConfig) *Pacer {
	return &Pacer{cfg: cfg, clk: clock.OrReal(cfg.Clock), done: make(chan struct{}), wake: make(chan struct{}, 1), rx: newRxPoller()}
}

// Run clocks the streams until ctx ends (it returns ctx's error) or Close
// (ErrClosed). It may be called once.
func (p *Pacer) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("media: pacer already running")
	}
	var sl sleeper
	if !p.cfg.GoTimer {
		if s, ok := newOSSleeper(); ok {
			sl = s
			p.osTimer.Store(true)
			// The wakeups come from one syscall on one thread; keep the
			// goroutine on it.
			runtime.LockOSThread()
			if p.cfg.RealTime && setRealTime() == nil {
				// The thread stays locked and ends with Run: it must not
				// go back to the pool with its real-time class.
				p.realTime.Store(true)
			} else {
				defer runtime.UnlockOSThread()
			}
		}
	}
	if sl == nil {
		sl = &goSleeper{origin: time.Now()}
	}
	next := sl.now()
	var tick uint64
	streams := p.count() // as the last tick found them
	for {
		if streams == 0 {
			// Nothing to clock: sleep until a stream joins rather than
			// wake 200 times a second for none. A fleet's phones have no
			// streams while they boot and idle; the empty ticks were
			// 1.5% of a 10,000-phone storm's CPU at Kamailio in its
			// profile, and with the runtime retaking and handing over
			// the processor of the thread asleep in clock_nanosleep, a
			// fifth of it in all (202-253 µs a phone against 283-330).
			// A stream added after the last tick found none has sent
			// wake (add).
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-p.done:
				return ErrClosed
			case <-p.wake:
			}
			next = sl.now()
			streams = p.count()
			continue
		}
		next += int64(tickPeriod)
		sl.sleepUntil(next)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return ErrClosed
		default:
		}
		late := sl.now() - next
		p.wakeup.observe(time.Duration(late))
		if late > int64(tickPeriod) {
			p.overruns.Add(1)
			if late > maxCatchUp*int64(tickPeriod) {
				// A stall (suspend, debugger, overload): skip the backlog.
				p.resyncs.Add(1)
				skipped := late / int64(tickPeriod)
				next += skipped * int64(tickPeriod)
				tick += uint64(skipped)
			}
		}
		if p.rx != nil {
			p.rx.poll()
		}
		streams = p.step(p.clk.Now(), tick)
		tick++
	}
}

// step serves the streams of one tick and returns how many there were.
func (p *Pacer) step(now time.Time, tick uint64) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, s := range p.streams {
		s.pace(now, tick)
	}
	return len(p.streams)
}

// Close stops Run and releases the pacer; streams still registered stop
// being clocked. It is idempotent.
func (p *Pacer) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		close(p.done)
		if p.rx != nil {
			p.rx.close()
		}
	})
	return nil
}

// add gives a stream its phase and registers it.
func (p *Pacer) add(s paced) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.phase++
	s.setPhase(p.phase % uint64(frameTicks))
	p.streams = append(p.streams, s)
	if len(p.streams) == 1 {
		select {
		case p.wake <- struct{}{}:
		default: // told already
		}
	}
	return nil
}

func (p *Pacer) remove(s paced) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.streams {
		if x == s {
			// Swap with the last: order does not matter, phases do.
			last := len(p.streams) - 1
			p.streams[i] = p.streams[last]
			p.streams[last] = nil
			p.streams = p.streams[:last]
			break
		}
	}
}

// Stats returns the pacer's statistics since the last ResetStats.
func (p *Pacer) Stats() PacingStats {
	return PacingStats{
		Packets:      p.jitter.n.Load(),
		JitterP50:    p.jitter.quantile(0.50),
		JitterP99:    p.jitter.quantile(0.99),
		JitterMax:    time.Duration(p.jitter.max.Load()),
		Ticks:        p.wakeup.n.Load(),
		WakeupP50:    p.wakeup.quantile(0.50),
		WakeupP99:    p.wakeup.quantile(0.99),
		Overruns:     p.overruns.Load(),
		Resyncs:      p.resyncs.Load(),
		OSTimer:      p.osTimer.Load(),
		RealTime:     p.realTime.Load(),
		StreamsAtEnd: p.count(),
	}
}

func (p *Pacer) count() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.streams)
}

// ResetStats clears the statistics.
func (p *Pacer) ResetStats() {
	p.jitter.reset()
	p.wakeup.reset()
	p.overruns.Store(0)
	p.resyncs.Store(0)
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
	RealTime     bool   // the pacer's thread is in the real-time class
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
