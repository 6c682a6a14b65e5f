package audiotest

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
)

// Sox runs the sox program (an independent signal generator and converter)
// with args, failing the test on error. It stops the test through
// testpeer.Need when sox is missing.
func Sox(t testing.TB, args ...string) {
	t.Helper()
	bin := testpeer.Need(t, "sox")[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("sox %v: %v\n%s", args, err, out.String())
	}
}

// SoxSynth makes a mono 16-bit signal at rate with sox's synthesiser:
// effects follow "sox -n", e.g. "synth", "1", "sine", "425", "gain", "-20".
// It returns the samples (dither off, so levels are exact).
func SoxSynth(t testing.TB, rate int, effects ...string) []int16 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "synth.raw")
	args := append([]string{"-D", "-n", "-r", strconv.Itoa(rate), "-b", "16", "-c", "1", "-e", "signed", "-t", "raw", out}, effects...)
	Sox(t, args...)
	return ReadRaw(t, out)
}
