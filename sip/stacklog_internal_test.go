package sip

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/hdphone/hdphone/internal/stacklog"
)

// records keeps what reaches it at or above its level.
type records struct {
	level slog.Level
	mu    sync.Mutex
	got   []slog.Record
}

func (r *records) Enabled(_ context.Context, l slog.Level) bool { return l >= r.level }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// sipgo's warning about a socket released twice (it comes when a phone
// stops with a request arriving) is debug output; its other warnings stay
// warnings.
func TestStackLoggerLowersBookkeeping(t *testing.T) {
	defer SetStackLogger(slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		level     slog.Level
		wantNoise bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		r := &records{level: tc.level}
		SetStackLogger(slog.New(r))
		sipgosip.DefaultLogger().Warn(stacklog.RefWentNegative, "src", "0.0.0.0:5060", "ref", -1)
		sipgosip.DefaultLogger().Warn("something else")
		var noise, other bool
		for _, rec := range r.got {
			switch rec.Message {
			case stacklog.RefWentNegative:
				noise = rec.Level == slog.LevelDebug
				if rec.Level != slog.LevelDebug {
					t.Errorf("%q at %v, want debug", rec.Message, rec.Level)
				}
			case "something else":
				other = rec.Level == slog.LevelWarn
			}
		}
		if noise != tc.wantNoise || !other {
			t.Errorf("handler at %v: got the noise %v (want %v), the other warning %v", tc.level, noise, tc.wantNoise, other)
		}
	}
}
