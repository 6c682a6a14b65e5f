package testpeer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SIPpConfig describes one SIPp run.
type SIPpConfig struct {
	// Scenario is the path of the XML scenario.
	Scenario string
	// Remote is host:port to send to (a UAC scenario); "" runs a UAS
	// scenario that waits on Port.
	Remote string
	// Port is SIPp's local port; 0 means a free one.
	Port int
	// Transport is SIPp's -t value: u1 (UDP, default) or t1 (TCP). Debian's
	// SIPp has no TLS.
	Transport string
	// Calls is -m, how many calls before exiting; 0 means 1.
	Calls int
	// Rate is -r, calls per second; 0 means SIPp's default.
	Rate int
	// Limit is -l, the most calls at once; 0 means SIPp's default.
	Limit int
	// Service is -s, the user part of the Request-URI.
	Service string
	// Auth is -au/-ap.
	AuthUser, AuthPass string
	// Keys are -key name value pairs, used as [name] in the scenario.
	Keys map[string]string
	// InjectionFile is -inf, a CSV of per-call values ([field0], …).
	InjectionFile string
	// Timeout is -timeout, the whole run's limit; 0 means 30 s.
	Timeout time.Duration
	// Args are extra arguments.
	Args []string
	// NoMessageLog leaves out -trace_msg: writing every message to a file
	// costs SIPp time, and a rate measured as a reference is SIPp at its
	// fastest.
	NoMessageLog bool
}

// SIPp is a SIPp run in the background (UAS scenarios wait for calls).
type SIPp struct {
	*Process
	Port int
	Dir  string
}

// Addr is host:port SIPp listens on.
func (s *SIPp) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// StartSIPp starts SIPp in the background, in a temporary directory where
// its error and message logs go; the test waits for it with Wait.
func StartSIPp(t testing.TB, cfg SIPpConfig) *SIPp {
	t.Helper()
	bin := Need(t, "sipp")[0]
	dir := t.TempDir()
	autoPort := cfg.Port == 0
	if autoPort {
		cfg.Port = FreePort(t, "udp")
	}
	scen, err := filepath.Abs(cfg.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scen); err != nil {
		t.Fatalf("testpeer: SIPp scenario: %v", err)
	}
	tr := cfg.Transport
	if tr == "" {
		tr = "u1"
	}
	calls := cfg.Calls
	if calls == 0 {
		calls = 1
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	argv := []string{bin, "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(cfg.Port), "-t", tr,
		"-m", strconv.Itoa(calls), "-nostdin", "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())),
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_screen", "-screen_file", filepath.Join(dir, "screen.log")}
	if !cfg.NoMessageLog {
		argv = append(argv, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	}
	if cfg.Rate > 0 {
		argv = append(argv, "-r", strconv.Itoa(cfg.Rate))
	}
	if cfg.Limit > 0 {
		argv = append(argv, "-l", strconv.Itoa(cfg.Limit))
	}
	if cfg.Service != "" {
		argv = append(argv, "-s", cfg.Service)
	}
	if cfg.AuthUser != "" {
		argv = append(argv, "-au", cfg.AuthUser, "-ap", cfg.AuthPass)
	}
	for k, v := range cfg.Keys {
		argv = append(argv, "-key", k, v)
	}
	if cfg.InjectionFile != "" {
		argv = append(argv, "-inf", cfg.InjectionFile)
	}
	argv = append(argv, cfg.Args...)
	if cfg.Remote != "" {
		argv = append(argv, cfg.Remote)
	}
	s := &SIPp{Port: cfg.Port, Dir: dir}
	var held error
	for attempt := 0; ; attempt++ {
		s.Process = Start(t, "sipp", dir, withPort(argv, s.Port)...)
		// A port FreePort found can be taken before SIPp binds it (other
		// tests run in parallel): SIPp then exits; try another. Waited
		// for until SIPp holds the port itself or has exited: a fixed
		// 50 ms let a SIPp slow to start on a loaded machine exit on a
		// taken port after the check (a CI run), and a probe bind cannot
		// tell SIPp's socket from the one that took the port.
		held = s.WaitFor(15*time.Second, func() error {
			if s.holdsPort(s.Port) {
				return nil
			}
			return errors.New("port not held yet")
		})
		if autoPort && attempt < 5 && s.Exited() && strings.Contains(s.Output(), "Unable to bind") {
			s.Port = FreePort(t, "udp")
			continue
		}
		break
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"errors.log", "screen.log", "messages.log"} {
				if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && len(b) > 0 {
					if len(b) > 16<<10 {
						b = b[len(b)-16<<10:]
					}
					t.Logf("--- sipp %s ---\n%s", f, b)
				}
			}
		}
	})
	// A UAS over UDP must hold its port by now (the wait above, which
	// reports a SIPp that exited); over TCP it may bind no UDP port.
	if cfg.Remote == "" && tr == "u1" && held != nil {
		t.Fatal(held)
	}
	return s
}

// withPort sets the value of -p in argv.
func withPort(argv []string, port int) []string {
	out := append([]string(nil), argv...)
	for i := range out[:len(out)-1] {
		if out[i] == "-p" {
			out[i+1] = strconv.Itoa(port)
		}
	}
	return out
}

// Wait waits for SIPp to end and reports whether every call of the
// scenario succeeded (exit status 0).
func (s *SIPp) Wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.Stop()
		return fmt.Errorf("testpeer: sipp did not finish within %s", timeout)
	}
	if s.err != nil {
		return fmt.Errorf("testpeer: sipp: %w (see its messages log)", s.err)
	}
	return nil
}

// Messages returns SIPp's message log so far (what it sent and received).
func (s *SIPp) Messages() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "messages.log"))
	return string(b)
}

// Received returns the messages of the log SIPp received, in order.
func (s *SIPp) Received() []string {
	var out []string
	for _, blk := range strings.Split(s.Messages(), "----------------------------------------------- ") {
		if i := strings.Index(blk, "message received"); i >= 0 {
			if j := strings.Index(blk[i:], "\n"); j >= 0 {
				out = append(out, strings.TrimSpace(blk[i+j:]))
			}
		}
	}
	return out
}
