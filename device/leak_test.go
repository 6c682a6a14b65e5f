package device_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/lab/sipproxy"
)

// A phone powered off and on twenty times, in a call, calling, or called
// as the power goes, comes back registered each time and leaves nothing
// behind: once the transactions' timers have run out, the process has no
// more goroutines and open files than before (a fleet cuts its phones'
// power as a step). Two leaks were found so: a socket sipgo bound on the
// phone's SIP port as its agent stopped (the next power cycle's agent could
// not bind it), and the lab's relay of a call to a phone that lost its
// power while ringing, which had no end before Timer C (here a second).
func TestPowerCyclesLeaveNothingBehind(t *testing.T) {
	srv := startProxyWith(t, func(c *sipproxy.Config) { c.TimerC = time.Second })
	a := newLabPhone(t, srv, "1031", 1000)
	b := newLabPhone(t, srv, "1032", 600)
	waitState(t, a.Phone, "A registered", registered)
	waitState(t, b.Phone, "B registered", registered)
	cycle := func(what string) {
		t.Helper()
		if err := a.PowerOff(bg); err != nil {
			t.Fatal(err)
		}
		waitState(t, a.Phone, "A off "+what, func(s device.State) bool { return !s.Power })
		if err := a.PowerOn(bg); err != nil {
			t.Fatal(err)
		}
		waitState(t, a.Phone, "A registered again "+what, registered)
		for _, c := range b.Snapshot().Calls {
			b.Hangup(bg, c.ID)
		}
	}
	g0, f0 := runtime.NumGoroutine(), openFiles(t)

	for i := range 20 {
		var what string
		switch i % 3 {
		case 0:
			connect(t, a, b)
			what = "in a call"
		case 1:
			a.Dial(bg, b.user)
			time.Sleep(time.Duration(i) * 5 * time.Millisecond)
			what = "calling"
		case 2:
			b.Dial(bg, a.user)
			time.Sleep(time.Duration(i) * 5 * time.Millisecond)
			what = "called"
		}
		cycle(what)
	}
	// sipgo's transactions wait out their timers (Timer I, J: 5 s over
	// UDP on a loopback), the lab's relays Timer C and a cancelled
	// branch's second.
	waitSettled(t, g0, f0, 20*time.Second, "after 20 power cycles")
}

// waitSettled waits up to within for the process to be back to g0
// goroutines and f0 open files, and fails showing what is left.
func waitSettled(t *testing.T, g0, f0 int, within time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for runtime.NumGoroutine() > g0 || openFiles(t) > f0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d goroutines (%d before), %d open files (%d before); UDP sockets:\n%s\ngoroutines:\n%s",
				what, runtime.NumGoroutine(), g0, openFiles(t), f0, proctest.UDPSockets(), proctest.Goroutines())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openFiles counts the process's open file descriptors (proctest's count,
// which reads /proc: elsewhere than Linux the test cannot count and is
// skipped; on Linux a failure to read is the test's).
func openFiles(t *testing.T) int {
	n := proctest.OpenFiles()
	if n == 0 {
		if runtime.GOOS != "linux" {
			t.Skip("no /proc/self/fd")
		}
		t.Fatal("/proc/self/fd unreadable")
	}
	return n
}
