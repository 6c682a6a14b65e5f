package fleet_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/hdphone/hdphone/fleet"
)

// warnings keeps the records at Warn or above that reach it.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.msgs) < 5 {
		line := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
		w.msgs = append(w.msgs, line)
	} else {
		w.msgs = append(w.msgs, "")
	}
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

// A run whose steps all passed ends without warnings or errors: hanging up
// can leave a CANCEL or a BYE in flight when the scenario ends, and the
// embedded lab, stopped with the phones, logged each as a failure (the
// phones now stop first, and the lab's stack says nothing once it stops).
func TestPassingRunEndsQuietly(t *testing.T) {
	f := mustParse(t, `
network:
  lab: embedded
phones:
  - {group: desk, model: 450HD, count: 200, user: "{{3000+i}}"}
scenario:
  - wait: registered
  - {name: call, each: pairs, call: peer, timeout: 30s}
  - {name: answer, each: pairs, answer: peer, timeout: 30s}
  - {name: hangup, each: pairs, hangup: , timeout: 30s}
`)
	for range 3 {
		w := &warnings{}
		r := run(t, f, fleet.Options{Logger: slog.New(w)})
		if r.Failed() {
			t.Fatalf("%s\n%s", r.Summary, dump(r))
		}
		if len(w.msgs) > 0 {
			t.Fatalf("a passing run logged %d warnings or errors; the first: %q", len(w.msgs), w.msgs[:min(len(w.msgs), 5)])
		}
	}
}
