package sip

import (
	"log/slog"
	"testing"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/logtest"
	"github.com/hdphone/hdphone/internal/stacklog"
)

// sipgo's warning about a socket released twice (it comes when a phone
// stops with a request arriving) is debug output; its other warnings stay
// warnings.
func TestStackLoggerLowersBookkeeping(t *testing.T) {
	defer SetStackLogger(slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		level     slog.Level
		wantNoise bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		r := &logtest.Recorder{Level: tc.level}
		SetStackLogger(slog.New(r))
		sipgosip.DefaultLogger().Warn(stacklog.RefWentNegative, "src", "0.0.0.0:5060", "ref", -1)
		sipgosip.DefaultLogger().Warn("something else")
		var noise, other bool
		for _, rec := range r.Records() {
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
