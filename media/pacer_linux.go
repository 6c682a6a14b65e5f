//go:build linux

package media

import (
	"errors"

	"golang.org/x/sys/unix"
)

// osSleeper sleeps with clock_nanosleep on CLOCK_MONOTONIC to absolute
// deadlines, so wakeups do not drift and do not queue behind the Go
// runtime's timer heap.
type osSleeper struct{}

func newOSSleeper() (sleeper, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return nil, false
	}
	return osSleeper{}, true
}

func (osSleeper) now() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

func (osSleeper) sleepUntil(deadline int64) {
	ts := unix.NsecToTimespec(deadline)
	for {
		err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// rtPriority is the SCHED_FIFO priority of a real-time pacer: above normal
// threads, below the kernel's own real-time threads (50) and most audio
// servers.
const rtPriority = 20

// setRealTime puts the calling thread in the SCHED_FIFO class, so other
// processes cannot delay its wakeups; it needs CAP_SYS_NICE (root). The
// kernel's real-time throttling still leaves others 5% of each second.
func setRealTime() error {
	return unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: rtPriority}, 0)
}
