package flash_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device/flash"
)

func TestFirmwareSlotIsEmptyOutOfTheBox(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		fw := s.Firmware()
		if _, err := fw.Slot(); !errors.Is(err, flash.ErrNotFound) {
			t.Fatalf("Slot = %v, want ErrNotFound", err)
		}
		if v := fw.Version("UC_3.4.8.808"); v != "UC_3.4.8.808" {
			t.Fatalf("Version = %q, want the fallback", v)
		}
		if _, rec, err := fw.Recovery(); rec || err != nil {
			t.Fatalf("Recovery = %v, %v", rec, err)
		}
	})
}

func TestBurnInstallsImageAndVersion(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		fw := s.Firmware()
		image := bytes.Repeat([]byte("450HD firmware "), 10000)
		b, err := fw.BeginBurn("UC_3.4.9.1")
		if err != nil {
			t.Fatal(err)
		}
		if v, rec, _ := fw.Recovery(); !rec || v != "UC_3.4.9.1" {
			t.Fatalf("during the burn Recovery = %q, %v; the marker must be on flash", v, rec)
		}
		for chunk := range slices.Chunk(image, 4096) {
			if _, err := b.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		sl, err := b.Commit()
		if err != nil {
			t.Fatal(err)
		}
		want := flash.Slot{Version: "UC_3.4.9.1", Size: int64(len(image)), SHA256: sha256.Sum256(image)}
		if sl != want {
			t.Fatalf("Commit = %+v, want %+v", sl, want)
		}
		if got, _ := fw.Slot(); got != want {
			t.Fatalf("Slot = %+v, want %+v", got, want)
		}
		if _, rec, _ := fw.Recovery(); rec {
			t.Fatal("marker left after Commit")
		}
		if fw.Version("x") != "UC_3.4.9.1" {
			t.Fatal("Version not updated")
		}
		r, err := fw.Image()
		if s.Dir() == "" {
			if !errors.Is(err, flash.ErrNoImage) {
				t.Fatalf("memory store Image = %v, want ErrNoImage", err)
			}
		} else {
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(got, image) {
				t.Fatalf("image read back differs: %d bytes, want %d", len(got), len(image))
			}
		}
		if _, err := b.Write([]byte("x")); !errors.Is(err, flash.ErrBurnDone) {
			t.Fatalf("Write after Commit = %v", err)
		}
		if _, err := b.Commit(); !errors.Is(err, flash.ErrBurnDone) {
			t.Fatalf("second Commit = %v", err)
		}
	})
}

// behaviour: FW-2
func TestUncommittedBurnMeansRecoveryAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s, _ := flash.Open(dir)
	s.Firmware().Install("UC_3.4.8.808", strings.NewReader("old image"))
	b, err := s.Firmware().BeginBurn("UC_3.4.9.1")
	if err != nil {
		t.Fatal(err)
	}
	b.Write([]byte("half of the new ima"))
	// Power cut: nothing else runs. A new boot opens the flash again.
	s2, err := flash.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, rec, err := s2.Firmware().Recovery()
	if !rec || v != "UC_3.4.9.1" || err != nil {
		t.Fatalf("Recovery = %q, %v, %v; want recovery mode for UC_3.4.9.1", v, rec, err)
	}
	if names, _ := s2.List("firmware/"); strings.Contains(strings.Join(names, " "), "tmp") {
		t.Fatalf("partial image left: %v", names)
	}
	// The recovery flow burns again, which clears the marker.
	if _, err := s2.Firmware().Install("UC_3.4.9.1", strings.NewReader("new image")); err != nil {
		t.Fatal(err)
	}
	if _, rec, _ := s2.Firmware().Recovery(); rec {
		t.Fatal("still in recovery after a completed burn")
	}
}

func TestAbortKeepsThePreviousFirmware(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		fw := s.Firmware()
		old, _ := fw.Install("UC_3.4.8.808", strings.NewReader("old"))
		b, _ := fw.BeginBurn("UC_3.4.9.1")
		b.Write([]byte("partial"))
		if err := b.Abort(); err != nil {
			t.Fatal(err)
		}
		if got, _ := fw.Slot(); got != old {
			t.Fatalf("Slot after Abort = %+v, want %+v", got, old)
		}
		if _, rec, _ := fw.Recovery(); rec {
			t.Fatal("marker left after Abort")
		}
		if err := b.Abort(); !errors.Is(err, flash.ErrBurnDone) {
			t.Fatalf("second Abort = %v", err)
		}
	})
}

// A phone of a fleet that loses power in the middle of a burn lives on in
// the same process with the same store: its next boot must see recovery
// mode and be able to burn again, whatever became of the abandoned Burn.
//
// behaviour: FW-2
func TestNewBurnSupersedesAnAbandonedOne(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		fw := s.Firmware()
		fw.Install("UC_1", strings.NewReader("one"))
		abandoned, err := fw.BeginBurn("UC_2")
		if err != nil {
			t.Fatal(err)
		}
		abandoned.Write([]byte("half"))
		if v, rec, _ := fw.Recovery(); !rec || v != "UC_2" {
			t.Fatalf("Recovery = %q, %v", v, rec)
		}
		b, err := fw.BeginBurn("UC_2")
		if err != nil {
			t.Fatalf("recovery burn: %v", err)
		}
		if _, err := abandoned.Write([]byte("late")); !errors.Is(err, flash.ErrBurnDone) {
			t.Fatalf("abandoned Write = %v, want ErrBurnDone", err)
		}
		if _, err := abandoned.Commit(); !errors.Is(err, flash.ErrBurnDone) {
			t.Fatalf("abandoned Commit = %v, want ErrBurnDone", err)
		}
		b.Write([]byte("two"))
		sl, err := b.Commit()
		if err != nil || sl.SHA256 != sha256.Sum256([]byte("two")) {
			t.Fatalf("Commit = %+v, %v", sl, err)
		}
		if _, rec, _ := fw.Recovery(); rec {
			t.Fatal("still in recovery")
		}
		if names, _ := s.List("firmware/"); len(names) > 3 {
			t.Fatalf("leftovers: %v", names)
		}
	})
}

func TestBadVersionsAreRefused(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		for _, v := range []string{"", "UC 3", "UC_3\n", strings.Repeat("9", 200), "UC_\x00"} {
			if _, err := s.Firmware().BeginBurn(v); !errors.Is(err, flash.ErrInvalid) {
				t.Errorf("BeginBurn(%q) = %v, want ErrInvalid", v, err)
			}
			if err := s.Firmware().SetVersion(v); !errors.Is(err, flash.ErrInvalid) {
				t.Errorf("SetVersion(%q) = %v, want ErrInvalid", v, err)
			}
		}
		if _, rec, _ := s.Firmware().Recovery(); rec {
			t.Fatal("a refused burn left a marker")
		}
	})
}

func TestSetVersionWithoutImage(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		if err := s.Firmware().SetVersion("UC_3.4.9.1"); err != nil {
			t.Fatal(err)
		}
		sl, err := s.Firmware().Slot()
		if err != nil || sl.Version != "UC_3.4.9.1" || sl.HasImage() {
			t.Fatalf("Slot = %+v, %v", sl, err)
		}
	})
}

func TestParseSlot(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	hexSum := hex.EncodeToString(sum[:])
	tests := []struct {
		name, in string
		want     flash.Slot
		wantErr  bool
	}{
		{"version only, as older stores wrote it", "UC_3.4.8.808\n", flash.Slot{Version: "UC_3.4.8.808"}, false},
		{"no newline", "UC_3.4.8.808", flash.Slot{Version: "UC_3.4.8.808"}, false},
		{"with image", "UC_1\nsize 1\nsha256 " + hexSum + "\n", flash.Slot{Version: "UC_1", Size: 1, SHA256: sum}, false},
		{"CRLF", "UC_1\r\nsize 1\r\nsha256 " + hexSum + "\r\n", flash.Slot{Version: "UC_1", Size: 1, SHA256: sum}, false},
		{"empty", "", flash.Slot{}, true},
		{"blank version", "\nsize 1\n", flash.Slot{}, true},
		{"size without digest", "UC_1\nsize 1\n", flash.Slot{}, true},
		{"negative size", "UC_1\nsize -1\nsha256 " + hexSum + "\n", flash.Slot{}, true},
		{"short digest", "UC_1\nsize 1\nsha256 abcd\n", flash.Slot{}, true},
		{"unknown field", "UC_1\ncolour blue\n", flash.Slot{}, true},
		{"duplicate size", "UC_1\nsize 1\nsize 2\nsha256 " + hexSum + "\n", flash.Slot{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flash.ParseSlot([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, flash.ErrCorrupt) {
					t.Fatalf("ParseSlot = %+v, %v; want ErrCorrupt", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseSlot = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCorruptSlotFallsBackAndSaysSo(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		s.Write(flash.RecordFirmwareVersion, []byte("\x00\x01garbage"))
		if _, err := s.Firmware().Slot(); !errors.Is(err, flash.ErrCorrupt) {
			t.Fatalf("Slot = %v, want ErrCorrupt", err)
		}
		if v := s.Firmware().Version("UC_factory"); v != "UC_factory" {
			t.Fatalf("Version = %q, want the fallback", v)
		}
	})
}

func FuzzParseSlot(f *testing.F) {
	f.Add([]byte("UC_3.4.8.808\n"))
	f.Add([]byte("UC_1\nsize 1\nsha256 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\n"))
	f.Add([]byte("UC_1\nsize 99999999999999999999\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		sl, err := flash.ParseSlot(b)
		if err != nil {
			if !errors.Is(err, flash.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// What parses must survive a write and a read unchanged.
		s := flash.NewMemory()
		if sl.HasImage() {
			s.Write(flash.RecordFirmwareVersion, b)
		} else if err := s.Firmware().SetVersion(sl.Version); err != nil {
			t.Fatalf("parsed version %q refused by SetVersion: %v", sl.Version, err)
		}
		again, err := s.Firmware().Slot()
		if err != nil || again != sl {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, sl)
		}
	})
}
