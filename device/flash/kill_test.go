package flash_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/internal/racetest"
)

// Environment knobs of the fault-injection tests.
const (
	killsEnv = "HDPHONE_FLASH_KILLS" // kills of the records writer (default 1000)
	seedEnv  = "HDPHONE_FLASH_SEED"  // random seed, to replay a failure
)

// writerBuildDir holds the writer binary built without the race detector;
// TestMain removes it.
var writerBuildDir string

// writerCommand returns the argv that runs a writer, and says what it is.
// Under -race a race-instrumented process takes ten times longer to start
// and write, and the writer has only one goroutine for the detector to
// watch, so this test package is built once more without -race and that
// binary is the writer; without a Go toolchain the test binary re-executes
// itself. On a foreign architecture without binfmt_misc (the ARM test run
// under qemu-user-static) the binary cannot exec itself, so it is run
// through the emulator explicitly.
var writerCommand = sync.OnceValues(func() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if racetest.Enabled {
		if built, err := buildWriter(); err == nil {
			exe = built
		} else {
			fmt.Fprintf(os.Stderr, "flash tests: writer not built without -race (%v); using the race-instrumented test binary\n", err)
		}
	}
	probe := exec.Command(exe)
	probe.Env = writerEnv("probe", "")
	err = probe.Run()
	if err == nil {
		return []string{exe}, nil
	}
	if !errors.Is(err, syscall.ENOEXEC) {
		return nil, fmt.Errorf("running the writer %s: %w", exe, err)
	}
	arch := map[string]string{"arm64": "aarch64", "arm": "arm", "amd64": "x86_64", "386": "i386", "riscv64": "riscv64"}[runtime.GOARCH]
	emu, lerr := exec.LookPath("qemu-" + arch + "-static")
	if lerr != nil {
		return nil, fmt.Errorf("test binary for %s cannot run itself (%w) and no emulator: %w", runtime.GOARCH, err, lerr)
	}
	return []string{emu, exe}, nil
})

// buildWriter compiles this test package without -race.
func buildWriter() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "hdphone-flash-writer-")
	if err != nil {
		return "", err
	}
	writerBuildDir = dir
	out := filepath.Join(dir, "writer.test")
	cmd := exec.Command(goBin, "test", "-c", "-o", out, ".")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go test -c: %w\n%s", err, msg)
	}
	return out, nil
}

// writerEnv is the environment of a writer process. A race-instrumented
// binary sleeps a second at a normal exit unless told not to.
func writerEnv(mode, dir string) []string {
	race := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	return append(os.Environ(), writerModeEnv+"="+mode, writerDirEnv+"="+dir, "GORACE="+race)
}

// emulated reports whether writers run under an emulator, where each start
// costs far more.
func emulated(argv []string) bool { return len(argv) > 1 }

// killPlan is how many kills a mode gets and where the random instants come
// from.
type killPlan struct {
	argv  []string
	rng   *rand.Rand
	kills int
}

func newKillPlan(t *testing.T, full int) killPlan {
	t.Helper()
	argv, err := writerCommand()
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(seedEnv); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("writer %v, seed %d (set %s to replay)", argv, seed, seedEnv)
	return killPlan{argv: argv, rng: rand.New(rand.NewPCG(seed, 0x5eed)), kills: scaled(t, full)}
}

// scaled is how many rounds a fault-injection test whose full run has
// full rounds does: full natively; a fortieth under an emulator, where
// every process start costs a third of a second, or with -short;
// HDPHONE_FLASH_KILLS=n sets the records test to n kills and the others in
// proportion.
func scaled(t *testing.T, full int) int {
	t.Helper()
	if v := os.Getenv(killsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q", killsEnv, v)
		}
		return max(n*full/1000, 1)
	}
	if argv, err := writerCommand(); (err == nil && emulated(argv)) || testing.Short() {
		return max(full/40, 5)
	}
	return full
}

// instant picks when the next kill comes, counted from the writer's
// readiness: after some of its reported writes (so that the kills spread
// over the writer's whole loop whatever the disk's speed), then after a short
// random delay, which lands the kill anywhere inside the write in progress.
func (p killPlan) instant() (afterAcks int, delay time.Duration) {
	switch r := p.rng.IntN(10); {
	case r < 2:
		return 0, 0 // during start-up and the first write
	case r < 5:
		return 0, time.Duration(p.rng.Int64N(int64(3 * time.Millisecond)))
	default:
		return 1 + p.rng.IntN(8), time.Duration(p.rng.Int64N(int64(2 * time.Millisecond)))
	}
}

// killOnce starts a writer on dir, kills it with SIGKILL at a random instant
// after it is ready, and returns what it acknowledged.
func (p killPlan) killOnce(t *testing.T, mode, dir string) []string {
	t.Helper()
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = writerEnv(mode, dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	fail := func(format string, args ...any) {
		cmd.Process.Kill()
		for range lines {
		}
		cmd.Wait()
		t.Fatalf("writer %s: %s; stderr:\n%s", mode, fmt.Sprintf(format, args...), stderr.String())
	}
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	next := func() (string, bool) {
		select {
		case l, ok := <-lines:
			return l, ok
		case <-timeout.C:
			fail("no progress for 60 s")
		}
		return "", false
	}
	if l, ok := next(); !ok || l != "ready" {
		fail("first line %q, want ready", l)
	}
	var acks []string
	n, d := p.instant()
	for len(acks) < n {
		l, ok := next()
		if !ok {
			fail("ended by itself")
		}
		acks = append(acks, l)
	}
	if d > 0 {
		time.Sleep(d)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for l := range lines {
		acks = append(acks, l)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer %s ended by itself (%v) instead of being killed; stderr:\n%s", mode, err, stderr.String())
	}
	return acks
}

// tempFiles counts what interrupted writes left behind.
func tempFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tmp~") {
			n++
		}
		return nil
	})
	return n
}

func parseAck(t *testing.T, line string, want string, fields int) []uint64 {
	t.Helper()
	f := strings.Fields(line)
	if len(f) != fields+1 || f[0] != want {
		return nil
	}
	out := make([]uint64, fields)
	for i := range out {
		v, err := strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			t.Fatalf("bad ack %q", line)
		}
		out[i] = v
	}
	return out
}

// TestKilledWriterNeverTearsARecord is the fault-injection proof of atomic
// writes: a process updating records as fast as it can is killed with
// SIGKILL at random instants 1,000 times. After each kill the store is
// reopened, and every record must be exactly the last version the writer
// reported written, or the one after it (written, not yet reported): never
// torn, never older, never missing once it existed.
func TestKilledWriterNeverTearsARecord(t *testing.T) {
	t.Parallel() // the kills wait on the disk, not on the CPU
	plan := newKillPlan(t, 1000)
	dir := t.TempDir()
	floor := make([]uint64, len(testRecords)) // newest version known durable
	var landedMidWrite, unreported, quiet int
	start := time.Now()
	// The planned kills, and more (up to four times as many) until one
	// lands during a write: under an emulator the planned 25 sometimes all
	// miss, and the test must exercise what it claims.
	kills := 0
	for k := 0; k < plan.kills || landedMidWrite == 0 && k < 4*plan.kills; k++ {
		kills++
		acks := plan.killOnce(t, "records", dir)
		if len(acks) == 0 {
			quiet++
		}
		for _, a := range acks {
			v := parseAck(t, a, "w", 2)
			if v == nil {
				t.Fatalf("kill %d: unexpected line %q", k, a)
			}
			floor[v[0]] = max(floor[v[0]], v[1])
		}
		if tempFiles(dir) > 0 {
			landedMidWrite++
		}
		s, err := flash.Open(dir)
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", k, err)
		}
		if n := tempFiles(dir); n != 0 {
			t.Fatalf("kill %d: %d temporary files survive Open", k, n)
		}
		for i, name := range testRecords {
			b, err := s.Read(name)
			if errors.Is(err, flash.ErrNotFound) {
				if floor[i] > 0 {
					t.Fatalf("kill %d: %s missing; version %d was written", k, name, floor[i])
				}
				continue
			}
			if err != nil {
				t.Fatalf("kill %d: read %s: %v", k, name, err)
			}
			seq, err := checkSelf(name, b)
			if err != nil {
				t.Fatalf("kill %d: %s torn: %v", k, name, err)
			}
			switch seq {
			case floor[i]:
			case floor[i] + 1:
				unreported++
				floor[i] = seq
			default:
				t.Fatalf("kill %d: %s holds version %d; want %d or %d", k, name, seq, floor[i], floor[i]+1)
			}
		}
	}
	var total uint64
	for _, f := range floor {
		total += f
	}
	t.Logf("%d kills in %v: %d record versions written; %d kills cut a write in progress, %d found a version written but not reported, %d ended before reporting any write",
		kills, time.Since(start).Round(time.Millisecond), total, landedMidWrite, unreported, quiet)
	if landedMidWrite == 0 {
		t.Errorf("no kill landed during a write: the test did not exercise what it claims")
	}
}

// TestKilledBurnLeavesRecoveryMarker kills a process that burns firmware
// images in a loop. After each kill either the burn had committed (the slot
// holds the new version, its image matches the recorded digest, no marker),
// or the marker is present and names the version being burnt: the boot then
// enters recovery mode, and the writer's next run burns that version again,
// as the recovery flow does.
//
// behaviour: FW-2
func TestKilledBurnLeavesRecoveryMarker(t *testing.T) {
	t.Parallel() // the kills wait on the disk, not on the CPU
	plan := newKillPlan(t, 200)
	dir := t.TempDir()
	var begun, committed uint64
	var recoveries, commits int
	// Under an emulator the plan is a handful of kills, and all of them
	// may land outside a burn (about one run in thirty): then the test
	// goes on, up to four times as many, until one has left the marker.
	for k := 0; k < plan.kills || (recoveries == 0 && k < 4*plan.kills); k++ {
		for _, a := range plan.killOnce(t, "burn", dir) {
			if v := parseAck(t, a, "begin", 1); v != nil {
				begun = v[0]
			} else if v := parseAck(t, a, "commit", 1); v != nil {
				committed = v[0]
				commits++
			} else {
				t.Fatalf("unexpected line %q", a)
			}
		}
		s, err := flash.Open(dir)
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", k, err)
		}
		fw := s.Firmware()
		sl, slotErr := fw.Slot()
		if slotErr != nil && !errors.Is(slotErr, flash.ErrNotFound) {
			t.Fatalf("kill %d: slot torn: %v", k, slotErr)
		}
		var inSlot uint64
		if slotErr == nil {
			if inSlot, err = parseFirmwareVersion(sl.Version); err != nil {
				t.Fatalf("kill %d: %v", k, err)
			}
		}
		if inSlot < committed {
			t.Fatalf("kill %d: slot holds %d but %d was committed", k, inSlot, committed)
		}
		marker, rec, err := fw.Recovery()
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if rec {
			recoveries++
			m, err := parseFirmwareVersion(marker)
			if err != nil {
				t.Fatalf("kill %d: marker torn: %v", k, err)
			}
			if (m != begun && m != begun+1) || m <= committed {
				t.Fatalf("kill %d: marker names %d; begun %d, committed %d", k, m, begun, committed)
			}
			begun = m - 1 // the writer burns m again
			continue
		}
		if begun > 0 && inSlot != begun {
			t.Fatalf("kill %d: no marker, but the slot holds %d while %d was begun", k, inSlot, begun)
		}
		if inSlot == 0 {
			continue
		}
		img, err := fw.Image()
		if err != nil {
			t.Fatalf("kill %d: committed slot without image: %v", k, err)
		}
		b, _ := io.ReadAll(img)
		img.Close()
		if sha256.Sum256(b) != sl.SHA256 || int64(len(b)) != sl.Size || !bytes.Equal(b, firmwareImage(inSlot)) {
			t.Fatalf("kill %d: image of %s does not match its slot record", k, sl.Version)
		}
		begun, committed = inSlot, inSlot
	}
	t.Logf("%d kills or more: %d commits reported, %d kills left the recovery marker", plan.kills, commits, recoveries)
	if recoveries == 0 {
		t.Errorf("no kill landed during a burn: recovery mode was never exercised")
	}
}

// TestKilledWriterKeepsHistoryAndTombstonesWhole kills a process that adds
// call history entries and crash dumps: after each kill both decode, nothing
// reported written is lost, every entry is one the writer made, and every
// listed dump is present with its content.
func TestKilledWriterKeepsHistoryAndTombstonesWhole(t *testing.T) {
	t.Parallel() // the kills wait on the disk, not on the CPU
	plan := newKillPlan(t, 200)
	dir := t.TempDir()
	var calls, dumps uint64
	for k := range plan.kills {
		for _, a := range plan.killOnce(t, "typed", dir) {
			if v := parseAck(t, a, "h", 1); v != nil {
				calls = max(calls, v[0])
			} else if v := parseAck(t, a, "t", 2); v != nil {
				dumps = max(dumps, v[0])
			} else {
				t.Fatalf("unexpected line %q", a)
			}
		}
		s, err := flash.Open(dir)
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", k, err)
		}
		list, err := s.History().List(0)
		if err != nil {
			t.Fatalf("kill %d: history: %v", k, err)
		}
		var newest uint64
		if len(list) > 0 {
			newest, _ = strconv.ParseUint(list[0].Number, 10, 64)
		}
		if newest != calls && newest != calls+1 {
			t.Fatalf("kill %d: newest call %d, want %d or %d", k, newest, calls, calls+1)
		}
		calls = newest
		for _, c := range list {
			n, _ := strconv.ParseUint(c.Number, 10, 64)
			if c.Duration != time.Duration(n)*time.Second || c.Time.Unix() != int64(n) {
				t.Fatalf("kill %d: entry %+v is not one the writer made", k, c)
			}
		}
		sum, err := s.Tombstones().Summary()
		if err != nil {
			t.Fatalf("kill %d: tombstones: %v", k, err)
		}
		if sum.Count != dumps && sum.Count != dumps+1 {
			t.Fatalf("kill %d: %d crashes counted, want %d or %d", k, sum.Count, dumps, dumps+1)
		}
		dumps = sum.Count
		kept, _ := s.Tombstones().List()
		for _, d := range kept {
			var at uint64
			fmt.Sscanf(d.Process, "nxphone-%d", &at)
			b, err := s.Tombstones().Read(d.Seq)
			if err != nil || !bytes.Equal(b, payload("dump", at, 8<<10)) {
				t.Fatalf("kill %d: dump %d (%s) lost or damaged: %v", k, d.Seq, d.Process, err)
			}
		}
	}
	t.Logf("%d kills: %d calls and %d crash dumps recorded", plan.kills, calls, dumps)
}
