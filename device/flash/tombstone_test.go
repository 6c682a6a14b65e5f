package flash_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// behaviour: DIAG-5
func TestTombstonesCountLastTimeAndDownload(t *testing.T) {
	tarBin := testpeer.Need(t, "tar")[0]
	kinds(t, func(t *testing.T, s *flash.Store) {
		ts := s.Tombstones()
		if sum, err := ts.Summary(); err != nil || sum.Count != 0 || !sum.Last.IsZero() {
			t.Fatalf("fresh Summary = %+v, %v", sum, err)
		}
		if err := ts.Download(&bytes.Buffer{}); !errors.Is(err, flash.ErrNotFound) {
			t.Fatalf("Download with no crash = %v, want ErrNotFound", err)
		}
		var last time.Time
		for i := range 3 {
			last = t0.Add(time.Duration(i) * time.Hour)
			if _, err := ts.Record(last, "nxphone", []byte(fmt.Sprintf("dump %d", i+1))); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := ts.Summary()
		if err != nil || sum.Count != 3 || !sum.Last.Equal(last) {
			t.Fatalf("Summary = %+v, %v; want 3 crashes, last at %v", sum, err, last)
		}
		var archive bytes.Buffer
		if err := ts.Download(&archive); err != nil {
			t.Fatal(err)
		}
		// GNU tar, not archive/tar, reads the archive back.
		dir := t.TempDir()
		file := filepath.Join(dir, flash.TombstoneArchive)
		os.WriteFile(file, archive.Bytes(), 0o644)
		out, err := exec.Command(tarBin, "-tf", file).CombinedOutput()
		if err != nil {
			t.Fatalf("tar -tf: %v\n%s", err, out)
		}
		if got := strings.Fields(string(out)); strings.Join(got, " ") != "tombstone_00000003 tombstone_00000002 tombstone_00000001" {
			t.Fatalf("archive lists %v", got)
		}
		if out, err := exec.Command(tarBin, "-xf", file, "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("tar -xf: %v\n%s", err, out)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "tombstone_00000002")); string(b) != "dump 2" {
			t.Fatalf("extracted dump 2 = %q", b)
		}
		if b, err := ts.Read(1); err != nil || string(b) != "dump 1" {
			t.Fatalf("Read(1) = %q, %v", b, err)
		}
	})
}

func TestTombstonesKeepTheNewestAndCountAll(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		ts := s.Tombstones()
		n := flash.MaxTombstones + 4
		for i := range n {
			if _, err := ts.Record(t0.Add(time.Duration(i)*time.Minute), "voip_task", []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		sum, _ := ts.Summary()
		list, _ := ts.List()
		if sum.Count != uint64(n) || len(list) != flash.MaxTombstones || list[0].Seq != uint64(n) {
			t.Fatalf("count %d, kept %d, newest %d", sum.Count, len(list), list[0].Seq)
		}
		files, _ := s.List(flash.DirCrash)
		if len(files) != flash.MaxTombstones+1 { // dumps and the index
			t.Fatalf("crash/ holds %d records: %v", len(files), files)
		}
		if _, err := ts.Read(1); !errors.Is(err, flash.ErrNotFound) {
			t.Fatalf("dropped dump still readable: %v", err)
		}
		if err := ts.Clear(); err != nil {
			t.Fatal(err)
		}
		if sum, _ := ts.Summary(); sum.Count != 0 {
			t.Fatalf("count after Clear: %d", sum.Count)
		}
		if files, _ := s.List(flash.DirCrash); len(files) != 0 {
			t.Fatalf("Clear left %v", files)
		}
	})
}

func TestTombstoneOrphanOfAnInterruptedRecordIsReplaced(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		ts := s.Tombstones()
		ts.Record(t0, "a", []byte("first"))
		// A cut after the dump was written but before the index: an orphan.
		s.Write(flash.DirCrash+"tombstone_00000002", []byte("orphan"))
		s.Write(flash.DirCrash+"tombstone_00000099", []byte("stray"))
		if sum, _ := ts.Summary(); sum.Count != 1 {
			t.Fatalf("orphan counted: %d", sum.Count)
		}
		ts.Record(t0.Add(time.Hour), "b", []byte("second"))
		if b, _ := ts.Read(2); string(b) != "second" {
			t.Fatalf("Read(2) = %q", b)
		}
		if ok, _ := s.Exists(flash.DirCrash + "tombstone_00000099"); ok {
			t.Fatal("stray dump not pruned")
		}
	})
}

func TestCorruptTombstoneIndexIsReported(t *testing.T) {
	s := flash.NewMemory()
	s.Write(flash.RecordTombstoneIndex, []byte(`{"version":1,"count":1,"dumps":[{"seq":5}]}`))
	if _, err := s.Tombstones().Summary(); !errors.Is(err, flash.ErrCorrupt) {
		t.Fatalf("Summary = %v, want ErrCorrupt", err)
	}
	if _, err := s.Tombstones().Record(t0, "x", nil); !errors.Is(err, flash.ErrCorrupt) {
		t.Fatalf("Record = %v, want ErrCorrupt", err)
	}
	if err := s.Tombstones().Clear(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tombstones().Record(t0, "x", nil); err != nil {
		t.Fatalf("Record after Clear: %v", err)
	}
}
