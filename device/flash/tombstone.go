package flash

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// MaxTombstones is how many crash dumps are kept; older ones are dropped,
// but the crash count keeps counting them.
const MaxTombstones = 10

// TombstoneArchive is the file name the Download archive is offered under.
const TombstoneArchive = "tombstones.tar"

// Tombstone describes one kept crash dump.
type Tombstone struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Process string    `json:"process,omitempty"`
	Size    int64     `json:"size"`
}

// Name is the dump's file name in the store and in the Download archive.
func (t Tombstone) Name() string { return fmt.Sprintf("tombstone_%08d", t.Seq) }

// TombstoneSummary is what the Tombstone Dump page shows: the number of
// crashes ("Total tombstones") and the time of the last ("Last tombstone").
type TombstoneSummary struct {
	Count uint64
	Last  time.Time // zero when there was none
}

type tombstoneIndex struct {
	Version int         `json:"version"`
	Count   uint64      `json:"count"`
	Last    time.Time   `json:"last"`
	Dumps   []Tombstone `json:"dumps"` // newest first
}

const tombstoneVersion = 1

// Tombstones is the handle on the crash dumps kept in flash.
type Tombstones struct{ s *Store }

// Tombstones returns the store's crash dumps.
func (s *Store) Tombstones() Tombstones { return Tombstones{s} }

func (t Tombstones) load() (tombstoneIndex, error) {
	b, err := t.s.Read(RecordTombstoneIndex)
	if errors.Is(err, ErrNotFound) {
		return tombstoneIndex{Version: tombstoneVersion}, nil
	}
	if err != nil {
		return tombstoneIndex{}, err
	}
	ix, err := decodeTombstoneIndex(b)
	if err != nil {
		return tombstoneIndex{}, fmt.Errorf("%s: %w", RecordTombstoneIndex, err)
	}
	return ix, nil
}

func decodeTombstoneIndex(b []byte) (tombstoneIndex, error) {
	var ix tombstoneIndex
	if err := json.Unmarshal(b, &ix); err != nil {
		return tombstoneIndex{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if ix.Version != tombstoneVersion {
		return tombstoneIndex{}, fmt.Errorf("%w: tombstone index version %d", ErrCorrupt, ix.Version)
	}
	if ix.Count == math.MaxUint64 {
		return tombstoneIndex{}, fmt.Errorf("%w: crash count at its limit", ErrCorrupt)
	}
	if uint64(len(ix.Dumps)) > ix.Count {
		return tombstoneIndex{}, fmt.Errorf("%w: %d dumps but a count of %d", ErrCorrupt, len(ix.Dumps), ix.Count)
	}
	for i, d := range ix.Dumps {
		if d.Seq == 0 || d.Seq > ix.Count || d.Size < 0 || (i > 0 && d.Seq >= ix.Dumps[i-1].Seq) {
			return tombstoneIndex{}, fmt.Errorf("%w: dump %d: sequence %d out of order", ErrCorrupt, i, d.Seq)
		}
	}
	return ix, nil
}

// Record keeps a crash dump taken at at from process, and counts the crash.
func (t Tombstones) Record(at time.Time, process string, dump []byte) (Tombstone, error) {
	t.s.rmw.Lock()
	defer t.s.rmw.Unlock()
	ix, err := t.load()
	if err != nil {
		return Tombstone{}, err
	}
	ts := Tombstone{Seq: ix.Count + 1, Time: at.Round(0), Process: cutField(process), Size: int64(len(dump))}
	// The dump goes first: a power cut before the index is written leaves an
	// orphan that the next Record overwrites (same sequence number).
	if err := t.s.Write(DirCrash+ts.Name(), dump); err != nil {
		return Tombstone{}, err
	}
	ix.Count++
	ix.Last = ts.Time
	ix.Dumps = append([]Tombstone{ts}, ix.Dumps...)
	if len(ix.Dumps) > MaxTombstones {
		ix.Dumps = ix.Dumps[:MaxTombstones]
	}
	b, err := json.Marshal(ix)
	if err != nil {
		return Tombstone{}, fmt.Errorf("flash: encode tombstone index: %w", err)
	}
	if err := t.s.Write(RecordTombstoneIndex, b); err != nil {
		return Tombstone{}, err
	}
	return ts, t.pruneLocked(ix)
}

// pruneLocked removes dumps the index no longer lists (dropped ones, and
// orphans of an interrupted Record).
func (t Tombstones) pruneLocked(ix tombstoneIndex) error {
	keep := map[string]bool{RecordTombstoneIndex: true}
	for _, d := range ix.Dumps {
		keep[DirCrash+d.Name()] = true
	}
	names, err := t.s.List(DirCrash)
	if err != nil {
		return err
	}
	var doomed []string
	for _, n := range names {
		if !keep[n] && strings.HasPrefix(n, DirCrash+"tombstone_") {
			doomed = append(doomed, n)
		}
	}
	return t.s.removeAll(doomed)
}

// Summary returns the crash count and the time of the last crash.
func (t Tombstones) Summary() (TombstoneSummary, error) {
	ix, err := t.load()
	if err != nil {
		return TombstoneSummary{}, err
	}
	return TombstoneSummary{Count: ix.Count, Last: ix.Last}, nil
}

// List returns the kept dumps, newest first.
func (t Tombstones) List() ([]Tombstone, error) {
	ix, err := t.load()
	if err != nil {
		return nil, err
	}
	return ix.Dumps, nil
}

// Read returns the dump with sequence number seq.
func (t Tombstones) Read(seq uint64) ([]byte, error) {
	ix, err := t.load()
	if err != nil {
		return nil, err
	}
	for _, d := range ix.Dumps {
		if d.Seq == seq {
			return t.s.Read(DirCrash + d.Name())
		}
	}
	return nil, fmt.Errorf("%w: tombstone %d", ErrNotFound, seq)
}

// Download writes the kept dumps, newest first, as a tar archive (offered
// as TombstoneArchive). It returns ErrNotFound when there is none.
func (t Tombstones) Download(w io.Writer) error {
	ix, err := t.load()
	if err != nil {
		return err
	}
	if len(ix.Dumps) == 0 {
		return fmt.Errorf("%w: no tombstone", ErrNotFound)
	}
	tw := tar.NewWriter(w)
	for _, d := range ix.Dumps {
		b, err := t.s.Read(DirCrash + d.Name())
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: d.Name(), Mode: 0o644, Size: int64(len(b)), ModTime: d.Time, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("flash: tombstone archive: %w", err)
		}
		if _, err := tw.Write(b); err != nil {
			return fmt.Errorf("flash: tombstone archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("flash: tombstone archive: %w", err)
	}
	return nil
}

// Clear deletes every dump and resets the count.
func (t Tombstones) Clear() error {
	t.s.rmw.Lock()
	defer t.s.rmw.Unlock()
	names, err := t.s.List(DirCrash)
	if err != nil {
		return err
	}
	// The index goes first, so a cut leaves orphans, not a dangling index.
	if err := t.s.Remove(RecordTombstoneIndex); err != nil {
		return err
	}
	return t.s.removeAll(names)
}
