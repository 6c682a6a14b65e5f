package sipproxy

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// The server's stack logs until the server stops, and nothing after.
func TestStackQuietOnceStopped(t *testing.T) {
	var buf bytes.Buffer
	stopped := make(chan struct{})
	l := slog.New(untilStopped{slog.NewTextHandler(&buf, nil), stopped}).With("layer", "sipgo")
	l.Error("before")
	close(stopped)
	l.Error("after")
	l.With("k", "v").Error("after, derived")
	if got := buf.String(); !strings.Contains(got, "before") || strings.Contains(got, "after") {
		t.Errorf("logged:\n%s", got)
	}
}
