package audiotest

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
)

// FFmpeg runs the ffmpeg program (an independent codec implementation) with
// args after the usual quiet flags, failing the test on error. It stops the
// test through testpeer.Need when ffmpeg is missing.
func FFmpeg(t testing.TB, args ...string) {
	t.Helper()
	if err := RunFFmpeg(t, args...); err != nil {
		t.Fatal(err)
	}
}

// RunFFmpeg is FFmpeg returning the error instead of failing (benchmarks
// time it).
func RunFFmpeg(t testing.TB, args ...string) error {
	t.Helper()
	_, err := runFFmpeg(t, args...)
	return err
}

// runFFmpeg runs ffmpeg and returns the CPU time (user and system) it used.
func runFFmpeg(t testing.TB, args ...string) (time.Duration, error) {
	t.Helper()
	bin := testpeer.Need(t, "ffmpeg")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, &ffmpegError{args: argv, err: err, out: out.String()}
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

type ffmpegError struct {
	args []string
	err  error
	out  string
}

func (e *ffmpegError) Error() string {
	return "ffmpeg " + joinArgs(e.args) + ": " + e.err.Error() + "\n" + e.out
}

func (e *ffmpegError) Unwrap() error { return e.err }

func joinArgs(a []string) string {
	var b bytes.Buffer
	for i, s := range a {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// WriteRaw writes pcm as headerless signed 16-bit little-endian samples
// (ffmpeg's s16le) into dir and returns the path.
func WriteRaw(t testing.TB, dir, name string, pcm []int16) string {
	t.Helper()
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ReadRaw reads a s16le file.
func ReadRaw(t testing.TB, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// ReadBytes reads a file, failing the test on error.
func ReadBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WriteBytes writes a file into dir and returns its path.
func WriteBytes(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Cost is what ffmpeg spends per frame of a job.
type Cost struct {
	Wall time.Duration // elapsed time
	CPU  time.Duration // user and system CPU time (steadier on a busy machine)
}

// FFmpegFrameCost estimates ffmpeg's cost per frame for a job: it runs long
// (an input of frames frames) and short (a one-frame input) five times each
// and divides the difference of the fastest runs by frames-1, which removes
// process start-up. The result includes ffmpeg's file reading, demuxing and
// muxing, as a user of the program would see it.
func FFmpegFrameCost(tb testing.TB, frames int, long, short []string) (Cost, error) {
	tb.Helper()
	best := func(args []string) (Cost, error) {
		var c Cost
		for i := range 5 {
			start := time.Now()
			cpu, err := runFFmpeg(tb, args...)
			if err != nil {
				return Cost{}, err
			}
			wall := time.Since(start)
			if i == 0 || wall < c.Wall {
				c.Wall = wall
			}
			if i == 0 || cpu < c.CPU {
				c.CPU = cpu
			}
		}
		return c, nil
	}
	l, err := best(long)
	if err != nil {
		return Cost{}, err
	}
	s, err := best(short)
	if err != nil {
		return Cost{}, err
	}
	tb.Logf("ffmpeg: %d frames %+v, one frame %+v", frames, l, s)
	n := time.Duration(frames - 1)
	return Cost{Wall: max(l.Wall-s.Wall, 0) / n, CPU: max(l.CPU-s.CPU, 0) / n}, nil
}

// ReportVsFFmpeg reports, after a b.Loop over frames frames that used cpu
// of CPU time (CPUTime after minus before), our time per frame beside
// ffmpeg's, wall and CPU, and the ratios ffmpeg/ours (above 1: we are
// faster). On a busy machine the CPU figures are the ones to compare.
func ReportVsFFmpeg(b *testing.B, frames int, ff Cost, cpu time.Duration) {
	perFrame := float64(b.N) * float64(frames)
	wall := float64(b.Elapsed().Nanoseconds()) / perFrame
	ours := float64(cpu.Nanoseconds()) / perFrame
	b.ReportMetric(wall, "ns/frame")
	b.ReportMetric(ours, "cpu-ns/frame")
	b.ReportMetric(float64(ff.Wall.Nanoseconds()), "ffmpeg-wall-ns/frame")
	b.ReportMetric(float64(ff.CPU.Nanoseconds()), "ffmpeg-cpu-ns/frame")
	b.ReportMetric(float64(ff.Wall.Nanoseconds())/wall, "ffmpeg/ours-wall")
	if ours > 0 {
		b.ReportMetric(float64(ff.CPU.Nanoseconds())/ours, "ffmpeg/ours-cpu")
	}
}
