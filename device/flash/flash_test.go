package flash_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hdphone/hdphone/device/flash"
)

// kinds runs f against a directory store and a memory store: both must
// behave the same.
func kinds(t *testing.T, f func(t *testing.T, s *flash.Store)) {
	t.Helper()
	t.Run("dir", func(t *testing.T) {
		s, err := flash.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		f(t, s)
	})
	t.Run("memory", func(t *testing.T) { f(t, flash.NewMemory()) })
}

func mustWrite(t *testing.T, s *flash.Store, name, data string) {
	t.Helper()
	if err := s.Write(name, []byte(data)); err != nil {
		t.Fatalf("Write %s: %v", name, err)
	}
}

func TestReadWriteRemoveList(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		if _, err := s.Read("config.cfg"); !errors.Is(err, flash.ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Read of a missing record: %v, want ErrNotFound wrapping fs.ErrNotExist", err)
		}
		mustWrite(t, s, "config.cfg", "a=1\n")
		mustWrite(t, s, "certs/ca/0.pem", "x")
		mustWrite(t, s, "certs/sip/cert.pem", "y")
		mustWrite(t, s, "config.cfg", "a=2\n")
		b, err := s.Read("config.cfg")
		if err != nil || string(b) != "a=2\n" {
			t.Fatalf("Read = %q, %v; want the last write", b, err)
		}
		names, err := s.List("certs/")
		if err != nil || !slices.Equal(names, []string{"certs/ca/0.pem", "certs/sip/cert.pem"}) {
			t.Fatalf("List(certs/) = %v, %v", names, err)
		}
		all, _ := s.List("")
		if len(all) != 3 {
			t.Fatalf("List() = %v", all)
		}
		if ok, err := s.Exists("certs/ca/0.pem"); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		if err := s.Remove("certs/ca/0.pem"); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove("certs/ca/0.pem"); err != nil {
			t.Fatalf("removing a missing record: %v", err)
		}
		if ok, _ := s.Exists("certs/ca/0.pem"); ok {
			t.Fatal("record still exists after Remove")
		}
	})
}

func TestWriteKeepsNoReferenceToTheCallersBytes(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		buf := []byte("original")
		s.Write("r", buf)
		copy(buf, "CHANGED!")
		got, _ := s.Read("r")
		got[0] = 'X'
		again, _ := s.Read("r")
		if string(again) != "original" {
			t.Fatalf("record is %q; the store must copy in and out", again)
		}
	})
}

func TestBadNamesAreRefusedAndChangeNothing(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		for _, name := range []string{"", ".", "..", "../escape", "/abs", "a//b", "a/", "a/../b", "x.tmp~", `a\..\b/..`} {
			if err := s.Write(name, []byte("x")); !errors.Is(err, flash.ErrBadName) {
				t.Errorf("Write(%q) = %v, want ErrBadName", name, err)
			}
			if _, err := s.Read(name); !errors.Is(err, flash.ErrBadName) {
				t.Errorf("Read(%q) = %v, want ErrBadName", name, err)
			}
			if err := s.Remove(name); !errors.Is(err, flash.ErrBadName) {
				t.Errorf("Remove(%q) = %v, want ErrBadName", name, err)
			}
		}
		if names, _ := s.List(""); len(names) != 0 {
			t.Fatalf("bad names left records: %v", names)
		}
	})
}

func TestOpenSweepsTemporaryFilesAndKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	s, _ := flash.Open(dir)
	mustWrite(t, s, "history/calls.json", "{}")
	// What a write cut before its rename leaves behind.
	leftover := filepath.Join(dir, "history", "calls.json.123456.tmp~")
	os.WriteFile(leftover, []byte("half"), 0o644)
	s2, err := flash.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temporary file survived Open: %v", err)
	}
	if b, _ := s2.Read("history/calls.json"); string(b) != "{}" {
		t.Fatalf("record lost by the sweep: %q", b)
	}
}

func TestConcurrentWritersLeaveOneCompleteVersion(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				content := bytes.Repeat([]byte{byte('a' + w)}, 4096)
				for range 20 {
					if err := s.Write("shared", content); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		stop := make(chan struct{})
		var readers sync.WaitGroup
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, err := s.Read("shared")
				if errors.Is(err, flash.ErrNotFound) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if len(b) != 4096 || bytes.Count(b, b[:1]) != 4096 {
					t.Errorf("torn read: %d bytes, first %q", len(b), b[:min(len(b), 1)])
					return
				}
			}
		})
		wg.Wait()
		close(stop)
		readers.Wait()
	})
}

func TestFactoryResetKeepsFirmwareAndFactoryIdentity(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		keep := map[string]string{
			flash.RecordFirmwareVersion: "UC_3.4.9.1\n",
			"factory/cert.pem":          "factory cert",
			"factory/key.pem":           "factory key",
		}
		erase := []string{flash.RecordConfig, flash.RecordHistory, "certs/ca/0.pem", "certs/sip/key.pem",
			flash.RecordTombstoneIndex, "crash/tombstone_00000001", "web/https.pem", "speed_dial_list.txt"}
		for n, v := range keep {
			mustWrite(t, s, n, v)
		}
		for _, n := range erase {
			mustWrite(t, s, n, "user data")
		}
		if err := s.FactoryReset(); err != nil {
			t.Fatal(err)
		}
		left, _ := s.List("")
		var want []string
		for n := range keep {
			want = append(want, n)
		}
		slices.Sort(want)
		if !slices.Equal(left, want) {
			t.Fatalf("after FactoryReset: %v, want only %v", left, want)
		}
		for n, v := range keep {
			if b, _ := s.Read(n); string(b) != v {
				t.Errorf("%s changed to %q", n, b)
			}
		}
	})
}

func TestOpenFinishesAnInterruptedFactoryReset(t *testing.T) {
	dir := t.TempDir()
	s, _ := flash.Open(dir)
	mustWrite(t, s, flash.RecordConfig, "a=1")
	mustWrite(t, s, flash.RecordFirmwareVersion, "UC_1\n")
	// A power cut just after the reset began: its marker is on flash.
	mustWrite(t, s, "reset-pending", "")
	s2, err := flash.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	left, _ := s2.List("")
	if !slices.Equal(left, []string{flash.RecordFirmwareVersion}) {
		t.Fatalf("after reopening: %v, want the reset finished", left)
	}
}

func TestOpenFailsClearlyOnAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(f, nil, 0o644)
	if _, err := flash.Open(f); err == nil || !strings.HasPrefix(err.Error(), "flash: ") {
		t.Fatalf("Open(file) = %v, want a flash error", err)
	}
}
