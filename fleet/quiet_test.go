package fleet_test

import (
	"log/slog"
	"testing"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/internal/logtest"
)

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
		w := &logtest.Recorder{Level: slog.LevelWarn}
		r := run(t, f, fleet.Options{Logger: slog.New(w)})
		if r.Failed() {
			t.Fatalf("%s\n%s", r.Summary, dump(r))
		}
		if recs := w.Records(); len(recs) > 0 {
			var first []string
			for _, rec := range recs[:min(len(recs), 5)] {
				first = append(first, logtest.Line(rec))
			}
			t.Fatalf("a passing run logged %d warnings or errors; the first: %q", len(recs), first)
		}
	}
}
