package flash

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Slot describes the firmware in the slot: the version the phone runs after
// its next boot, and the length and SHA-256 of the burnt image (zero when
// the version was recorded without an image, see Firmware.SetVersion).
type Slot struct {
	Version string
	Size    int64
	SHA256  [sha256.Size]byte
}

// HasImage reports whether the slot records a burnt image.
func (s Slot) HasImage() bool { return s.SHA256 != [sha256.Size]byte{} }

// Firmware is the handle on a store's firmware slot.
//
// A burn has three steps: BeginBurn writes the recovery marker, the image is
// written through the returned Burn, and Commit installs it and clears the
// marker. A power cut at any point before Commit returns leaves the marker, and
// the next boot sees Recovery and enters recovery mode, as a real 400HD does
// when it loses power while upgrading.
type Firmware struct{ s *Store }

// Firmware returns the store's firmware slot.
func (s *Store) Firmware() Firmware { return Firmware{s} }

// Slot returns what the slot holds; ErrNotFound when no firmware was ever
// burnt (the phone runs its factory version).
func (f Firmware) Slot() (Slot, error) {
	b, err := f.s.Read(RecordFirmwareVersion)
	if err != nil {
		return Slot{}, err
	}
	sl, err := ParseSlot(b)
	if err != nil {
		return Slot{}, fmt.Errorf("%s: %w", RecordFirmwareVersion, err)
	}
	return sl, nil
}

// Version returns the slot's version, or fallback when the slot holds none
// or cannot be read.
func (f Firmware) Version(fallback string) string {
	sl, err := f.Slot()
	if err != nil {
		return fallback
	}
	return sl.Version
}

// Recovery reports whether a burn was interrupted (the recovery marker is
// present), and which version was being burnt.
func (f Firmware) Recovery() (burning string, recovery bool, err error) {
	b, err := f.s.Read(RecordFirmwareBurning)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(string(b)), true, nil
}

// SetVersion records version as the slot's firmware without an image, for
// a firmware stage that burns by other means.
func (f Firmware) SetVersion(version string) error {
	if err := checkVersion(version); err != nil {
		return err
	}
	return f.s.Write(RecordFirmwareVersion, formatSlot(Slot{Version: version}))
}

// Image opens the burnt image. It returns ErrNotFound when none was burnt and
// ErrNoImage on a memory store.
func (f Firmware) Image() (io.ReadCloser, error) {
	if f.s.dir == "" {
		if ok, _ := f.s.Exists(RecordFirmwareVersion); !ok {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, RecordFirmwareImage)
		}
		return nil, ErrNoImage
	}
	r, err := os.Open(f.s.path(RecordFirmwareImage))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, RecordFirmwareImage)
	}
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	return r, nil
}

// BeginBurn starts burning version: it writes the recovery marker and
// returns the Burn to write the image to. A burn still open on this store
// (one whose phone lost power in the middle, in a process that lives on) is
// superseded: its Write and Commit return ErrBurnDone.
func (f Firmware) BeginBurn(version string) (*Burn, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	s := f.s
	b := &Burn{s: s, version: version, h: sha256.New()}
	s.mu.Lock()
	old := s.burning
	s.burning = b
	s.mu.Unlock()
	if old != nil {
		old.finish()
	}
	if err := s.Write(RecordFirmwareBurning, []byte(version+"\n")); err != nil {
		b.finish()
		return nil, err
	}
	if s.dir != "" {
		dir := filepath.Dir(s.path(RecordFirmwareImage))
		tmp, err := os.CreateTemp(dir, "image.*"+tmpSuffix)
		if err != nil {
			b.finish()
			return nil, fmt.Errorf("flash: burn: %w", err)
		}
		b.mu.Lock()
		if b.done { // superseded already
			tmp.Close()
			os.Remove(tmp.Name())
		} else {
			b.tmp = tmp
		}
		b.mu.Unlock()
	}
	return b, nil
}

// Install burns version from image in one go: BeginBurn, copy, Commit.
func (f Firmware) Install(version string, image io.Reader) (Slot, error) {
	b, err := f.BeginBurn(version)
	if err != nil {
		return Slot{}, err
	}
	if _, err := io.Copy(b, image); err != nil {
		b.Abort()
		return Slot{}, err
	}
	return b.Commit()
}

// Burn is a firmware burn in progress; write the image to it, then Commit.
type Burn struct {
	s       *Store
	version string

	mu   sync.Mutex // guards the fields below; a superseding burn ends this one
	tmp  *os.File   // the image being written (directory stores)
	h    hash.Hash
	n    int64
	done bool
}

// Version returns the version being burnt.
func (b *Burn) Version() string { return b.version }

// Write appends p to the image.
func (b *Burn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return 0, ErrBurnDone
	}
	if b.tmp != nil {
		n, err := b.tmp.Write(p)
		b.h.Write(p[:n])
		b.n += int64(n)
		if err != nil {
			return n, fmt.Errorf("flash: burn: %w", err)
		}
		return n, nil
	}
	b.h.Write(p)
	b.n += int64(len(p))
	return len(p), nil
}

// Commit installs the image and its version and clears the recovery marker.
// The order (image, then version, then marker) means a power cut before the
// marker is gone still boots into recovery mode, never into a half-installed
// slot.
func (b *Burn) Commit() (Slot, error) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return Slot{}, ErrBurnDone
	}
	b.done = true
	tmp := b.tmp
	b.tmp = nil
	sl := Slot{Version: b.version, Size: b.n}
	copy(sl.SHA256[:], b.h.Sum(nil))
	b.mu.Unlock()
	defer b.release()
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return Slot{}, fmt.Errorf("flash: burn: sync image: %w", err)
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return Slot{}, fmt.Errorf("flash: burn: close image: %w", err)
		}
		dst := b.s.path(RecordFirmwareImage)
		if err := os.Rename(tmp.Name(), dst); err != nil {
			os.Remove(tmp.Name())
			return Slot{}, fmt.Errorf("flash: burn: install image: %w", err)
		}
		if err := syncDir(filepath.Dir(dst)); err != nil {
			return Slot{}, err
		}
	}
	if err := b.s.Write(RecordFirmwareVersion, formatSlot(sl)); err != nil {
		return Slot{}, err
	}
	if err := b.s.Remove(RecordFirmwareBurning); err != nil {
		return Slot{}, err
	}
	return sl, nil
}

// Abort gives up a burn that failed before its image was complete (a broken
// download) and clears the marker: the previous firmware stays. A burn cut
// by a power loss is not aborted; its marker stays and means recovery mode.
func (b *Burn) Abort() error {
	if !b.finish() {
		return ErrBurnDone
	}
	return b.s.Remove(RecordFirmwareBurning)
}

// finish ends the burn, discarding a partial image; it reports whether the
// burn was still open.
func (b *Burn) finish() bool {
	b.mu.Lock()
	was := !b.done
	b.done = true
	if b.tmp != nil {
		b.tmp.Close()
		os.Remove(b.tmp.Name())
		b.tmp = nil
	}
	b.mu.Unlock()
	b.release()
	return was
}

// release forgets the burn as the store's open one.
func (b *Burn) release() {
	b.s.mu.Lock()
	if b.s.burning == b {
		b.s.burning = nil
	}
	b.s.mu.Unlock()
}

func checkVersion(v string) error {
	if v == "" || len(v) > 128 || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("%w: firmware version %q", ErrInvalid, v)
	}
	return nil
}

// formatSlot writes the version record: the version on the first line (so
// older readers that take the whole record as the version still work after
// trimming), then "size N" and "sha256 HEX" when an image was burnt.
func formatSlot(sl Slot) []byte {
	var b bytes.Buffer
	b.WriteString(sl.Version)
	b.WriteByte('\n')
	if sl.HasImage() {
		fmt.Fprintf(&b, "size %d\nsha256 %x\n", sl.Size, sl.SHA256)
	}
	return b.Bytes()
}

// ParseSlot decodes a firmware version record.
func ParseSlot(b []byte) (Slot, error) {
	var sl Slot
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	var haveSize, haveSum bool
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			if err := checkVersion(text); err != nil {
				return Slot{}, fmt.Errorf("%w: line 1: bad version %q", ErrCorrupt, text)
			}
			sl.Version = text
			continue
		}
		if text == "" {
			continue
		}
		key, val, _ := strings.Cut(text, " ")
		switch key {
		case "size":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || haveSize {
				return Slot{}, fmt.Errorf("%w: line %d: bad size %q", ErrCorrupt, line, val)
			}
			sl.Size, haveSize = n, true
		case "sha256":
			d, err := hex.DecodeString(val)
			if err != nil || len(d) != sha256.Size || haveSum {
				return Slot{}, fmt.Errorf("%w: line %d: bad sha256 %q", ErrCorrupt, line, val)
			}
			copy(sl.SHA256[:], d)
			haveSum = true
		default:
			return Slot{}, fmt.Errorf("%w: line %d: unknown field %q", ErrCorrupt, line, key)
		}
	}
	if err := sc.Err(); err != nil {
		return Slot{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if line == 0 {
		return Slot{}, fmt.Errorf("%w: empty version record", ErrCorrupt)
	}
	if haveSize != haveSum || (haveSum && !sl.HasImage()) {
		return Slot{}, fmt.Errorf("%w: size and sha256 must come together", ErrCorrupt)
	}
	return sl, nil
}
