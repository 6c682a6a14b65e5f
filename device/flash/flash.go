// Package flash is a phone's persistent storage: the configuration, the
// firmware slot and its version, call history, certificates and crash dumps.
//
// A Store keeps each record in its own file under a state directory. Every
// write is atomic: the new content goes to a temporary file that is synced and
// then renamed over the old one, and the directory is synced, so a power cut
// at any instant leaves either the old or the new record, never a torn one.
// NewMemory gives a Store without a directory, for fleets that keep nothing.
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

// ErrNotFound is returned when a record does not exist. It wraps fs.ErrNotExist.
var ErrNotFound = fmt.Errorf("flash: record not found: %w", fs.ErrNotExist)

// ErrBadName is returned for a record name that would leave the store.
var ErrBadName = errors.New("flash: bad record name")

// Store is a phone's flash. It is safe for concurrent use.
type Store struct {
	dir string // "" for a memory store

	mu  sync.Mutex        // guards mem
	mem map[string][]byte // records of a memory store
}

// Open returns the store kept in dir, creating the directory if needed.
// Temporary files left by an interrupted write are removed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	s := &Store{dir: dir}
	if err := s.sweep(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewMemory returns a store that lives only in memory.
func NewMemory() *Store { return &Store{mem: map[string][]byte{}} }

// Dir returns the state directory, or "" for a memory store.
func (s *Store) Dir() string { return s.dir }

const tmpSuffix = ".tmp~"

func (s *Store) sweep() error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, tmpSuffix) {
			return os.Remove(p)
		}
		return nil
	})
}

func checkName(name string) error {
	if name == "" || strings.HasSuffix(name, tmpSuffix) || !fs.ValidPath(name) {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// Read returns the content of record name.
func (s *Store) Read(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if s.dir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		b, ok := s.mem[name]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return slices.Clone(b), nil
	}
	b, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	return b, nil
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
	path := filepath.Join(s.dir, filepath.FromSlash(name))
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

// Remove deletes record name; a missing record is not an error.
func (s *Store) Remove(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if s.dir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.mem, name)
		return nil
	}
	err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(name)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("flash: %w", err)
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
