// Package testpeer starts real, independent protocol peers (dnsmasq, ISC
// dhcpd, nginx, tftpd-hpa, vsftpd, Kamailio, baresip, linphonec, SIPp, chrony,
// rsyslog, slapd) for tests, each on loopback or in a network namespace the
// test creates, with its state in the test's temporary directory.
//
// A peer that is not installed makes the test skip, except under CI=true,
// where it makes the test fail: CI must never pass by skipping real-peer
// evidence. scripts/install-deps.sh installs every peer.
//
// Only tests import this package.
package testpeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// CI reports whether the tests run in CI, where a missing peer is a failure.
func CI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test, or fails it under CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("real peer unavailable under CI=true: %s (scripts/install-deps.sh installs every peer)", msg)
	}
	t.Skipf("real peer unavailable: %s (run scripts/install-deps.sh as root)", msg)
}

var searchPath = []string{"/usr/sbin", "/sbin", "/usr/local/sbin"}

// LookPath finds a program on PATH or in the sbin directories daemons live in.
func LookPath(bin string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	for _, d := range searchPath {
		p := filepath.Join(d, bin)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("testpeer: %s not found", bin)
}

// Need returns the paths of the programs, or stops the test (Unavailable)
// when one is missing.
func Need(t testing.TB, bins ...string) []string {
	t.Helper()
	out := make([]string, len(bins))
	for i, b := range bins {
		p, err := LookPath(b)
		if err != nil {
			Unavailable(t, "%s is not installed", b)
		}
		out[i] = p
	}
	return out
}

// NeedRoot stops the test unless it runs as root (network namespaces, raw
// sockets, privileged ports).
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root")
	}
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago, for peers
// that cannot be told to pick their own. network is "tcp" or "udp"; the port
// is free for both where possible.
//
// The port is drawn at random below the kernel's ephemeral range. A port
// the kernel chose could be chosen again for any socket bound to port 0 on
// the machine (test packages run in parallel) before the peer binds it; one
// outside that range can only collide with another FreePort. Only where the
// ephemeral range leaves too little room below it does the kernel choose.
// A port this process handed out in the last minute is not handed out again:
// a peer given two (nginx's HTTP and its mTLS server) binds neither before
// both are chosen, and the same one twice had nginx merge the two servers.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	lo, hi := freePortRange()
	for range 200 {
		var port int
		if hi > lo {
			port = lo + rand.IntN(hi-lo)
		} else {
			port = kernelPort(t, network)
		}
		// Prefer ports free on both transports (SIP listens on both).
		if portFree("tcp4", port) && portFree("udp4", port) && handOut(port) {
			return port
		}
	}
	t.Fatal("testpeer: no free port")
	return 0
}

// handedOut are the ports FreePort gave lately, and when.
var handedOut struct {
	sync.Mutex
	at map[int]time.Time
}

// handOut records port as given, unless it was given in the last minute.
func handOut(port int) bool {
	handedOut.Lock()
	defer handedOut.Unlock()
	now := time.Now()
	if at, ok := handedOut.at[port]; ok && now.Sub(at) < time.Minute {
		return false
	}
	if handedOut.at == nil {
		handedOut.at = make(map[int]time.Time)
	}
	handedOut.at[port] = now
	return true
}

// freePortRange is where FreePort draws ports from: 10000-19999, or less
// when the kernel's ephemeral range starts lower; (0, 0) when it leaves
// fewer than 1000 ports there. It stays clear of the softphones' RTP ports
// (20000 and up).
func freePortRange() (lo, hi int) {
	lo, hi = 10000, 20000
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var first, last int
		if _, err := fmt.Sscan(string(b), &first, &last); err == nil && first < hi {
			hi = first
		}
	}
	if hi-lo < 1000 {
		return 0, 0
	}
	return lo, hi
}

// kernelPort is a port the kernel chose for a socket it then closed.
func kernelPort(t testing.TB, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func portFree(network string, port int) bool {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if network == "udp4" {
		c, err := net.ListenPacket(network, addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Process is a peer program started by Start.
type Process struct {
	Name string
	Dir  string // the peer's state directory
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs a peer in the foreground mode of its program, in its own
// process group, with stdout and stderr captured. The process is killed (TERM,
// then KILL after 3 s) when the test ends, and its output is logged if the
// test failed.
func Start(t testing.TB, name string, dir string, argv ...string) *Process {
	t.Helper()
	return StartCmd(t, name, dir, exec.Command(argv[0], argv[1:]...))
}

// StartCmd is Start for a prepared command (to set Env, Stdin or Dir).
func StartCmd(t testing.TB, name string, dir string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Name: name, Dir: dir, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.log
	cmd.Stderr = p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testpeer: start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", name, p.Output())
		}
	})
	return p
}

// Output returns what the peer printed so far.
func (p *Process) Output() string { return p.log.String() }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// CPU returns the processor time (user and system) the process used: from
// its exit status once it has ended, else from /proc so far, with the
// workers it forked (Kamailio's do its work).
func (p *Process) CPU(t testing.TB) time.Duration {
	t.Helper()
	if p.Exited() && p.cmd.ProcessState != nil {
		return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	}
	return treeCPU(t, p.Pid())
}

// Stop ends the process group: TERM, then KILL after 3 s.
func (p *Process) Stop() {
	if p.Exited() {
		return
	}
	pgid := -p.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

// ErrExited is returned by the Wait helpers when the peer died while starting.
var ErrExited = errors.New("testpeer: peer exited")

// WaitFor polls ready every 50 ms until it returns nil, the process exits, or
// timeout passes.
func (p *Process) WaitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.Exited() {
			return fmt.Errorf("%w: %s: %v\n%s", ErrExited, p.Name, p.err, p.Output())
		}
		if last = ready(); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("testpeer: %s not ready after %s: %v\n%s", p.Name, timeout, last, p.Output())
}

// holdsPort reports whether the process has a socket bound to port (UDP or
// TCP, IPv4), as /proc shows it: unlike a probe bind, it tells the process's
// own socket from another process's on the same port, and it takes nothing
// from a peer still starting (a probe that held the port for a moment as
// chronyd bound it left chronyd running without its socket). The tables
// are the process's own, so a peer in a network namespace is seen in its
// namespace.
func (p *Process) holdsPort(port int) bool {
	inodes := map[string]bool{}
	for _, table := range []string{"udp", "tcp"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", p.Pid(), table))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if n, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(n) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return false
	}
	dir := fmt.Sprintf("/proc/%d/fd", p.Pid())
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if link, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && inodes[link] {
			return true
		}
	}
	return false
}

// WaitTCP waits until addr accepts TCP connections.
func (p *Process) WaitTCP(addr string, timeout time.Duration) error {
	return p.WaitFor(timeout, func() error {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// WaitUDPBound waits until the process holds a socket on addr's port (see
// holdsPort; in its own network namespace). It does not probe the port by
// binding it: a probe bind as the peer bound its port took it from the
// peer.
func (p *Process) WaitUDPBound(addr string, timeout time.Duration) error {
	return p.waitUDP(addr, timeout, func() bool { return false })
}

// waitUDP waits until the process holds addr's port, or done reports true.
func (p *Process) waitUDP(addr string, timeout time.Duration, done func() bool) error {
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("testpeer: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("testpeer: port of %s: %w", addr, err)
	}
	return p.WaitFor(timeout, func() error {
		if !done() && !p.holdsPort(port) {
			return fmt.Errorf("%s not bound yet", addr)
		}
		return nil
	})
}

// waitUDPBoundOrLost waits until the process holds addr's port or prints
// lostLine: a peer that says it could not bind runs on without its socket,
// and its start is reported as errPortTaken (startOnFreePort tries another
// port).
func (p *Process) waitUDPBoundOrLost(addr, lostLine string, timeout time.Duration) error {
	lost := func() bool { return strings.Contains(p.Output(), lostLine) }
	err := p.waitUDP(addr, timeout, lost)
	if err == nil && lost() {
		err = fmt.Errorf("%w: %s: %s", errPortTaken, p.Name, p.Output())
	}
	return err
}

// WaitOutput waits until the peer has printed substr.
func (p *Process) WaitOutput(substr string, timeout time.Duration) error {
	return p.WaitFor(timeout, func() error {
		if bytes.Contains([]byte(p.Output()), []byte(substr)) {
			return nil
		}
		return fmt.Errorf("no %q in output yet", substr)
	})
}

// Run runs a short command (a client such as curl or sipp) and returns its
// combined output; it fails the test on a non-zero exit unless allowFail.
func Run(t testing.TB, ctx context.Context, allowFail bool, argv ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil && !allowFail {
		t.Fatalf("testpeer: %v: %v\n%s", argv, err, out)
	}
	return string(out), err
}

// WriteFile writes a peer's configuration file, failing the test on error.
func WriteFile(t testing.TB, path string, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
