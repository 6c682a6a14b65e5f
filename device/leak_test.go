package device_test

import (
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
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
			buf := make([]byte, 1<<20)
			var left []string
			for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
				if !strings.Contains(g, "testing.") {
					left = append(left, g)
				}
			}
			t.Fatalf("%s: %d goroutines (%d before), %d open files (%d before); UDP sockets:\n%s\ngoroutines:\n%s",
				what, runtime.NumGoroutine(), g0, openFiles(t), f0, udpSockets(), strings.Join(left, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openFiles counts the process's open file descriptors (Linux: elsewhere
// the test cannot count them and is skipped).
func openFiles(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		if runtime.GOOS != "linux" {
			t.Skipf("no /proc/self/fd: %v", err)
		}
		t.Fatal(err)
	}
	return len(fds)
}

// udpSockets lists the process's IPv4 UDP sockets, local and remote
// address, for a failure's report (goroutine dumps do not print them).
func udpSockets() string {
	ours := map[string]bool{}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:[") {
			ours[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	table, err := os.ReadFile("/proc/self/net/udp")
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && ours[f[9]] {
			out = append(out, hexAddr(f[1])+" -> "+hexAddr(f[2]))
		}
	}
	return strings.Join(out, "\n")
}

// hexAddr reads /proc/net/udp's address form, AABBCCDD:PPPP with the
// address in host byte order (little-endian here).
func hexAddr(s string) string {
	ip, port, ok := strings.Cut(s, ":")
	a, err1 := strconv.ParseUint(ip, 16, 32)
	p, err2 := strconv.ParseUint(port, 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return s
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(a), byte(a >> 8), byte(a >> 16), byte(a >> 24)}), uint16(p)).String()
}
