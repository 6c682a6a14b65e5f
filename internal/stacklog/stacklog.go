// Package stacklog is how hdphone logs what the sipgo SIP stack reports: in
// the logger it is given, with layer=sipgo, without the attributes sipgo
// derives for each of its layers (they only name its own code, and kept
// they cost every phone of a fleet a kilobyte), and at debug level for what
// no user can act on — sipgo's own bookkeeping, and everything it reports
// once its owner has stopped (requests still in flight meeting a closed
// socket).
package stacklog

import (
	"context"
	"log/slog"
)

// RefWentNegative is the warning sipgo logs when a UDP socket it opened to
// answer a request is released twice: it happens when an agent stops with a
// request still arriving (its own socket gone, sipgo answers from a new one).
const RefWentNegative = "UDP ref went negative on try close"

// New returns the handler of a logger for sipgo that passes records to h.
// Once stopped is closed (nil: never), every record is debug output.
func New(h slog.Handler, stopped <-chan struct{}) slog.Handler {
	return &handler{h, stopped}
}

type handler struct {
	h       slog.Handler
	stopped <-chan struct{}
}

func (s *handler) Enabled(ctx context.Context, l slog.Level) bool { return s.h.Enabled(ctx, l) }

func (s *handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && (r.Message == RefWentNegative || s.done()) {
		if r.Level = slog.LevelDebug; !s.h.Enabled(ctx, r.Level) {
			return nil
		}
	}
	// The layer is added per record: a With per agent would cost every
	// idle phone its copy of the attributes.
	r.AddAttrs(slog.String("layer", "sipgo"))
	return s.h.Handle(ctx, r)
}

func (s *handler) done() bool {
	select {
	case <-s.stopped:
		return true
	default:
		return false
	}
}

// WithAttrs and WithGroup drop what sipgo derives. They return the very
// handler (a pointer: a value would be boxed anew for each of the ten or
// so layers sipgo makes per agent).
func (s *handler) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *handler) WithGroup(string) slog.Handler      { return s }
