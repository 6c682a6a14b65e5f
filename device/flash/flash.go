// Package flash is a phone's persistent storage: the configuration, the
// firmware slot and its version, call history, certificates and crash dumps.
//
// A Store keeps each record in its own file under a state directory. Every
// write is atomic: the new content goes to a temporary file that is synced and
// then renamed over the old one, and the directory is synced, so a power cut
// at any instant leaves either the old or the new record, never a torn one.
// NewMemory gives a Store without a directory, for fleets that keep nothing.
//
// # Records
//
// Raw records are read and written by name (Read, Write, Remove, List). The
// typed records the phone needs sit on top, each behind a small handle:
//
//	config.cfg                  the configuration (RecordConfig)
//	firmware/version, /image    the firmware slot (Firmware)
//	firmware/burning            the marker of a burn in progress: recovery mode
//	history/calls.json          missed, received and dialled calls (History)
//	certs/...                   CA slots 0-4 and client certificates (Certificates)
//	crash/...                   crash dumps, "tombstones" (Tombstones)
//	factory/...                 the factory identity (kept by FactoryReset)
//
// FactoryReset erases every record except the firmware slot and the factory
// identity; a power cut in the middle of it is finished by the next Open.
package flash

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Names of the records and record directories the phone keeps.
const (
	RecordConfig          = "config.cfg"
	RecordFirmwareVersion = "firmware/version"
	RecordFirmwareBurning = "firmware/burning"
	RecordFirmwareImage   = "firmware/image"
	RecordHistory         = "history/calls.json"
	RecordTombstoneIndex  = "crash/index.json"

	// DirFirmware and DirFactory survive a factory reset.
	DirFirmware = "firmware/"
	DirFactory  = "factory/"
	DirCerts    = "certs/"
	DirCrash    = "crash/"
	DirHistory  = "history/"

	// recordResetPending marks a factory reset that has not finished.
	recordResetPending = "reset-pending"
)

// Store is a phone's flash. It is safe for concurrent use.
type Store struct {
	dir string // "" for a memory store

	// rmw serialises the read-modify-write cycles of typed records
	// (history, crash index) so concurrent updates do not lose each other.
	rmw sync.Mutex

	mu      sync.Mutex        // guards mem and burning
	mem     map[string][]byte // records of a memory store
	burning *Burn             // the open burn, if any
}

// Open returns the store kept in dir, creating the directory if needed.
// Temporary files left by an interrupted write are removed, and a factory
// reset that was interrupted is finished.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	s := &Store{dir: dir}
	if err := s.sweep(); err != nil {
		return nil, err
	}
	if _, err := s.Read(recordResetPending); err == nil {
		if err := s.FactoryReset(); err != nil {
			return nil, fmt.Errorf("flash: finish interrupted factory reset: %w", err)
		}
	}
	return s, nil
}

// NewMemory returns a store that lives only in memory.
func NewMemory() *Store { return &Store{mem: map[string][]byte{}} }

// Dir returns the state directory, or "" for a memory store.
func (s *Store) Dir() string { return s.dir }

const tmpSuffix = ".tmp~"

func (s *Store) sweep() error {
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, tmpSuffix) {
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("flash: sweep: %w", err)
	}
	return nil
}

func checkName(name string) error {
	if name == "" || strings.HasSuffix(name, tmpSuffix) || !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

func (s *Store) path(name string) string { return filepath.Join(s.dir, filepath.FromSlash(name)) }

// Read returns the content of record name.
func (s *Store) Read(name string) ([]byte, error) {
	if s.dir == "" {
		// A name found was checked as it was written; one not found is
		// checked now, for its error (a booting phone reads several
		// records, and checking a good name cost more than finding it).
		s.mu.Lock()
		b, ok := s.mem[name]
		s.mu.Unlock()
		if !ok {
			if err := checkName(name); err != nil {
				return nil, err
			}
			return nil, notFoundError{name}
		}
		return slices.Clone(b), nil
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFoundError{name}
	}
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	return b, nil
}

// notFoundError is ErrNotFound for one record: cheaper than a formatted
// error, as phones look for records that are mostly absent (certificates,
// side files) at every boot.
type notFoundError struct{ name string }

func (e notFoundError) Error() string { return ErrNotFound.Error() + ": " + e.name }
func (e notFoundError) Unwrap() error { return ErrNotFound }

// Exists reports whether record name exists.
func (s *Store) Exists(name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if s.dir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		_, ok := s.mem[name]
		return ok, nil
	}
	st, err := os.Stat(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("flash: %w", err)
	}
	return !st.IsDir(), nil
}

// Write replaces record name with data atomically.
func (s *Store) Write(name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if s.dir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.mem[name] = slices.Clone(data)
		return nil
	}
	path := s.path(name)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("flash: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*"+tmpSuffix)
	if err != nil {
		return fmt.Errorf("flash: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("flash: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("flash: sync %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("flash: close %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("flash: rename %s: %w", name, err)
	}
	ok = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("flash: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("flash: sync dir: %w", err)
	}
	return nil
}

// Remove deletes record name; a missing record is not an error. The removal
// is synced, so a power cut after Remove returns cannot bring it back.
func (s *Store) Remove(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return s.removeAll([]string{name})
}

// removeAll deletes records, then syncs each directory once.
func (s *Store) removeAll(names []string) error {
	if s.dir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, n := range names {
			delete(s.mem, n)
		}
		return nil
	}
	dirs := map[string]bool{}
	for _, n := range names {
		p := s.path(n)
		err := os.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("flash: remove %s: %w", n, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// List returns the names of the records under prefix (a directory name like
// "certs/", or "" for all), sorted.
func (s *Store) List(prefix string) ([]string, error) {
	var out []string
	if s.dir == "" {
		s.mu.Lock()
		for k := range s.mem {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		s.mu.Unlock()
		slices.Sort(out)
		return out, nil
	}
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, tmpSuffix) {
			return nil
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, prefix) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// FactoryReset erases the configuration, call history, user certificates,
// crash dumps and every other record, keeping only the firmware slot
// (firmware/) and the factory identity (factory/). A marker written first
// makes the reset survive a power cut: Open finishes it.
func (s *Store) FactoryReset() error {
	s.rmw.Lock()
	defer s.rmw.Unlock()
	if err := s.Write(recordResetPending, nil); err != nil {
		return err
	}
	names, err := s.List("")
	if err != nil {
		return err
	}
	var doomed []string
	for _, n := range names {
		if n == recordResetPending || strings.HasPrefix(n, DirFirmware) || strings.HasPrefix(n, DirFactory) {
			continue
		}
		doomed = append(doomed, n)
	}
	if err := s.removeAll(doomed); err != nil {
		return err
	}
	return s.removeAll([]string{recordResetPending})
}
