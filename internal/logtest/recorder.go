package logtest

import (
	"context"
	"log/slog"
	"sync"
)

// Recorder keeps every record at or above Level (the zero value: info and
// above). Attributes and groups added with With are dropped: a record keeps
// its own attributes only. Safe for concurrent use.
type Recorder struct {
	Level slog.Level

	mu      sync.Mutex
	records []slog.Record
}

func (r *Recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.Level }

func (r *Recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

func (r *Recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *Recorder) WithGroup(string) slog.Handler      { return r }

// Records returns what was kept so far, oldest first.
func (r *Recorder) Records() []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]slog.Record(nil), r.records...)
}

// Line is rec on one line: its level, message and attributes.
func Line(rec slog.Record) string {
	line := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	return line
}
