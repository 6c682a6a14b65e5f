// Package logtest gives tests a logger that writes to the test's output
// until the test ends. Goroutines of the code under test (a SIP stack's
// transactions, a media stream's reports) may still log a moment after it,
// and the testing package forbids writing to a finished test's output: it is
// a data race the race detector reports against the test itself. Recorder
// keeps records instead, for tests that check what was logged.
package logtest

import (
	"io"
	"log/slog"
	"sync"
	"testing"
)

// New returns a text logger at level on t's output; from t's cleanup on, its
// records are dropped.
func New(t testing.TB, level slog.Level) *slog.Logger {
	w := &writer{w: t.Output()}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type writer struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (w *writer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(b), nil
	}
	return w.w.Write(b)
}

func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}
