package flash_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"testing"

	"github.com/hdphone/hdphone/device/flash"
)

// The fault-injection tests re-execute this test binary as a writer process
// and kill it. TestMain turns the binary into the writer when these
// variables are set.
const (
	writerModeEnv = "HDPHONE_FLASH_WRITER"
	writerDirEnv  = "HDPHONE_FLASH_DIR"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(writerModeEnv); mode != "" {
		os.Exit(runWriter(mode, os.Getenv(writerDirEnv), os.Stdout))
	}
	code := m.Run()
	if writerBuildDir != "" {
		os.RemoveAll(writerBuildDir)
	}
	os.Exit(code)
}

// runWriter updates records in dir until it is killed, printing one line to
// out after each update returned, so the parent knows the newest version that
// must have survived.
func runWriter(mode, dir string, out io.Writer) int {
	if mode == "probe" {
		return 0
	}
	s, err := flash.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer: open:", err)
		return 3
	}
	var run func(*flash.Store, io.Writer) error
	switch mode {
	case "records":
		run = writeRecords
	case "burn":
		run = burnFirmware
	case "typed":
		run = writeTyped
	default:
		fmt.Fprintln(os.Stderr, "writer: unknown mode", mode)
		return 2
	}
	fmt.Fprintln(out, "ready")
	if err := run(s, out); err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 1
	}
	return 0
}

// testRecords are the records the "records" writer updates: nested and flat,
// the phone's own names among them.
var testRecords = []string{flash.RecordConfig, "rec/a", "rec/b/c/deep", "history/other.json", "certs/ca/0.pem", "big"}

// payload returns n deterministic bytes for (tag, seq). It repeats a digest
// rather than running a generator byte by byte, which the race detector
// would make the slowest part of the writer.
func payload(tag string, seq uint64, n int) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seq)
	h := sha256.Sum256(append([]byte(tag), b[:]...))
	return bytes.Repeat(h[:], n/len(h)+1)[:n]
}

// selfChecking builds a record that names itself and its sequence number and
// ends with the SHA-256 of everything before it, so a reader can tell a
// complete version from a torn or mixed one.
func selfChecking(name string, seq uint64, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HDFLASH1 %s %d %d\n", name, seq, n)
	b.Write(payload(name, seq, n))
	sum := sha256.Sum256(b.Bytes())
	fmt.Fprintf(&b, "\n%x\n", sum)
	return b.Bytes()
}

// checkSelf verifies a selfChecking record and returns its sequence number.
func checkSelf(name string, b []byte) (uint64, error) {
	head, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return 0, errors.New("no header line")
	}
	f := strings.Fields(string(head))
	if len(f) != 4 || f[0] != "HDFLASH1" || f[1] != name {
		return 0, fmt.Errorf("bad header %q", head)
	}
	seq, err1 := strconv.ParseUint(f[2], 10, 64)
	n, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad header %q", head)
	}
	body := len(head) + 1 + n
	if len(b) != body+1+2*sha256.Size+1 {
		return 0, fmt.Errorf("seq %d: %d bytes, want %d", seq, len(b), body+2+2*sha256.Size)
	}
	sum := sha256.Sum256(b[:body])
	if got := string(b[body+1 : body+1+2*sha256.Size]); got != hex.EncodeToString(sum[:]) {
		return 0, fmt.Errorf("seq %d: checksum mismatch", seq)
	}
	return seq, nil
}

func writeRecords(s *flash.Store, out io.Writer) error {
	seqs := make([]uint64, len(testRecords))
	for i, name := range testRecords {
		if b, err := s.Read(name); err == nil {
			seq, err := checkSelf(name, b)
			if err != nil {
				return fmt.Errorf("found %s torn at start: %w", name, err)
			}
			seqs[i] = seq
		}
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	for {
		i := rng.IntN(len(testRecords))
		name := testRecords[i]
		n := rng.IntN(4096)
		if name == "big" || rng.IntN(4) == 0 {
			n = rng.IntN(256 << 10) // long writes: more kills land mid-write
		}
		seqs[i]++
		if err := s.Write(name, selfChecking(name, seqs[i], n)); err != nil {
			return err
		}
		fmt.Fprintf(out, "w %d %d\n", i, seqs[i])
	}
}

// firmwareImage is the deterministic image of burn number n.
func firmwareImage(n uint64) []byte {
	return payload("image", n, 16<<10+int(n%7)*(64<<10))
}

func firmwareVersion(n uint64) string { return fmt.Sprintf("UC_3.4.%d.%d", n/1000, n%1000) }

func parseFirmwareVersion(v string) (uint64, error) {
	var a, b uint64
	if _, err := fmt.Sscanf(v, "UC_3.4.%d.%d", &a, &b); err != nil {
		return 0, fmt.Errorf("version %q: %w", v, err)
	}
	return a*1000 + b, nil
}

func burnFirmware(s *flash.Store, out io.Writer) error {
	fw := s.Firmware()
	var n uint64
	if v, rec, err := fw.Recovery(); err != nil {
		return err
	} else if rec {
		// Recovery mode: burn the interrupted version again.
		if n, err = parseFirmwareVersion(v); err != nil {
			return err
		}
		n--
	} else if sl, err := fw.Slot(); err == nil {
		if n, err = parseFirmwareVersion(sl.Version); err != nil {
			return err
		}
	}
	for {
		n++
		b, err := fw.BeginBurn(firmwareVersion(n))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "begin %d\n", n)
		img := firmwareImage(n)
		for len(img) > 0 {
			c := img[:min(len(img), 4096)]
			img = img[len(c):]
			if _, err := b.Write(c); err != nil {
				return err
			}
		}
		if _, err := b.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(out, "commit %d\n", n)
	}
}

func writeTyped(s *flash.Store, out io.Writer) error {
	h := flash.History{Store: s, Limit: 20}
	var seq uint64
	if calls, err := h.List(0); err != nil {
		return err
	} else if len(calls) > 0 {
		if seq, err = strconv.ParseUint(calls[0].Number, 10, 64); err != nil {
			return err
		}
	}
	for {
		seq++
		kind := []flash.CallKind{flash.Missed, flash.Received, flash.Dialed}[seq%3]
		c := flash.Call{Kind: kind, Time: time.Unix(int64(seq), 0), Number: strconv.FormatUint(seq, 10), Duration: time.Duration(seq) * time.Second}
		if _, err := h.Add(c); err != nil {
			return err
		}
		fmt.Fprintf(out, "h %d\n", seq)
		if seq%4 == 0 {
			ts, err := s.Tombstones().Record(time.Unix(int64(seq), 0), dumpProcess(seq), payload("dump", seq, 8<<10))
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "t %d %d\n", ts.Seq, seq)
		}
	}
}

// dumpProcess names the process of the dump taken at history entry seq, so
// the checker can rebuild the dump's content.
func dumpProcess(seq uint64) string { return fmt.Sprintf("nxphone-%d", seq) }
