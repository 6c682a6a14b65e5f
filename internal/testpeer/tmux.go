package testpeer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tmux is a program running in a detached tmux session of its own tmux
// server (a private socket, so tests never touch the user's sessions): a
// terminal a test can type into and read back, as a user would see it.
type Tmux struct {
	bin    string
	socket string
	// Cols and Rows are the terminal's size.
	Cols, Rows int
}

// StartTmux runs argv in a new cols×rows terminal with env set ("K=V").
// The session and its server are killed when the test ends, and the last
// screen is logged if the test failed.
func StartTmux(t testing.TB, cols, rows int, env []string, argv ...string) *Tmux {
	t.Helper()
	bin := Need(t, "tmux")[0]
	var id [6]byte
	rand.Read(id[:])
	tm := &Tmux{bin: bin, socket: "hdphone-test-" + hex.EncodeToString(id[:]), Cols: cols, Rows: rows}
	cmd := append([]string{"env"}, env...)
	cmd = append(cmd, argv...)
	args := []string{"-L", tm.socket, "-f", "/dev/null", "new-session", "-d", "-s", "main",
		"-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "--"}
	if out, err := exec.Command(bin, append(args, cmd...)...).CombinedOutput(); err != nil {
		t.Fatalf("testpeer: tmux new-session: %v\n%s", err, out)
	}
	// Keep the pane (and its last screen) when the program exits.
	tm.tmux("set-option", "-t", "main", "remain-on-exit", "on")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- tmux screen ---\n%s", tm.Capture())
		}
		tm.tmux("kill-server")
	})
	return tm
}

func (tm *Tmux) tmux(args ...string) (string, error) {
	out, err := exec.Command(tm.bin, append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	return string(out), err
}

// Send types keys: tmux key names ("Enter", "Space", "F1", "C-c", "Up").
func (tm *Tmux) Send(t testing.TB, keys ...string) {
	t.Helper()
	if out, err := tm.tmux(append([]string{"send-keys", "-t", "main"}, keys...)...); err != nil {
		t.Fatalf("testpeer: tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

// Type types text literally.
func (tm *Tmux) Type(t testing.TB, text string) {
	t.Helper()
	if out, err := tm.tmux("send-keys", "-t", "main", "-l", text); err != nil {
		t.Fatalf("testpeer: tmux send-keys -l %q: %v\n%s", text, err, out)
	}
}

// Capture returns the screen as text, one line per row.
func (tm *Tmux) Capture() string {
	out, err := tm.tmux("capture-pane", "-p", "-t", "main")
	if err != nil {
		return fmt.Sprintf("(capture-pane: %v: %s)", err, out)
	}
	return out
}

// Dead reports whether the program in the pane has exited.
func (tm *Tmux) Dead() bool {
	out, err := tm.tmux("display-message", "-p", "-t", "main", "#{pane_dead}")
	return err != nil || strings.TrimSpace(out) == "1"
}

// WaitScreen waits until the screen shows every one of texts and returns
// it; the test fails after timeout with the last screen.
func (tm *Tmux) WaitScreen(t testing.TB, timeout time.Duration, texts ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.Capture()
		all := true
		for _, x := range texts {
			if !strings.Contains(s, x) {
				all = false
			}
		}
		if all {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("testpeer: the terminal does not show %q after %v:\n%s", texts, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
