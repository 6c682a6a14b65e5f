package stacklog_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/internal/stacklog"
)

// sipgo's records reach the logger at their level with layer=sipgo and
// without the attributes sipgo derives; its bookkeeping warning, and
// everything once the owner has stopped, is debug output.
func TestLevelsAndAttributes(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		stopped := make(chan struct{})
		l := slog.New(stacklog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}), stopped))
		l.With("caller", "TransportLayer").Error("while running", "err", "x")
		l.Warn(stacklog.RefWentNegative, "ref", -1)
		close(stopped)
		l.Error("after")
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			_, rest, _ := strings.Cut(line, " level=")
			got = append(got, rest)
		}
		want := []string{`ERROR msg="while running" err=x layer=sipgo`}
		if level == slog.LevelDebug {
			want = append(want, `DEBUG msg="`+stacklog.RefWentNegative+`" ref=-1 layer=sipgo`, `DEBUG msg=after layer=sipgo`)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("handler at %v:\n got %q\nwant %q", level, got, want)
		}
	}
}
