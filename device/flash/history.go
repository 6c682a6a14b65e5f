package flash

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// CallKind is the list a call history entry belongs to, as the Call History
// page's Type selector names them.
type CallKind uint8

// The call history lists.
const (
	Missed CallKind = iota + 1
	Received
	Dialed
)

var callKindNames = [...]string{Missed: "missed", Received: "received", Dialed: "dialed"}

func (k CallKind) String() string {
	if k.valid() {
		return callKindNames[k]
	}
	return fmt.Sprintf("CallKind(%d)", uint8(k))
}

func (k CallKind) valid() bool { return k >= Missed && k <= Dialed }

// ParseCallKind returns the kind named s ("missed", "received", "dialed").
func ParseCallKind(s string) (CallKind, error) {
	for k, n := range callKindNames {
		if n != "" && strings.EqualFold(n, s) {
			return CallKind(k), nil
		}
	}
	return 0, fmt.Errorf("%w: call kind %q", ErrInvalid, s)
}

// MarshalText implements encoding.TextMarshaler.
func (k CallKind) MarshalText() ([]byte, error) {
	if !k.valid() {
		return nil, fmt.Errorf("%w: call kind %d", ErrInvalid, uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *CallKind) UnmarshalText(b []byte) error {
	v, err := ParseCallKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Call is one entry of the call history.
type Call struct {
	// ID is assigned by Add; it names the entry for Delete.
	ID     uint64    `json:"id"`
	Kind   CallKind  `json:"kind"`
	Time   time.Time `json:"time"`
	Number string    `json:"number"`
	Name   string    `json:"name,omitempty"`
	// Duration is how long the call was connected (zero for a missed call).
	Duration time.Duration `json:"duration"`
}

// DefaultHistoryLimit is how many entries each list keeps when History.Limit
// is zero. The manual gives no number; 100 per list is what the call log
// screens of desk phones of this class hold.
const DefaultHistoryLimit = 100

// maxCallField bounds Number and Name so that a hostile SIP peer cannot
// grow the record; longer values are cut at a rune boundary.
const maxCallField = 256

// History is the handle on the call history: three lists (missed, received,
// dialled), each newest first and capped at Limit entries, kept in one
// record so that a power cut never leaves the lists out of step.
type History struct {
	Store *Store
	// Limit is the number of entries kept per list; 0 means
	// DefaultHistoryLimit.
	Limit int
}

// History returns the store's call history with the default limit.
func (s *Store) History() History { return History{Store: s} }

type historyRecord struct {
	Version int    `json:"version"`
	Next    uint64 `json:"next"`
	Calls   []Call `json:"calls"` // newest first
}

const historyVersion = 1

func (h History) limit() int {
	if h.Limit > 0 {
		return h.Limit
	}
	return DefaultHistoryLimit
}

func (h History) load() (historyRecord, error) {
	b, err := h.Store.Read(RecordHistory)
	if errors.Is(err, ErrNotFound) {
		return historyRecord{Version: historyVersion, Next: 1}, nil
	}
	if err != nil {
		return historyRecord{}, err
	}
	r, err := decodeHistory(b)
	if err != nil {
		return historyRecord{}, fmt.Errorf("%s: %w", RecordHistory, err)
	}
	return r, nil
}

func (h History) save(r historyRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("flash: encode history: %w", err)
	}
	return h.Store.Write(RecordHistory, b)
}

// decodeHistory decodes and checks a call history record.
func decodeHistory(b []byte) (historyRecord, error) {
	var r historyRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return historyRecord{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if r.Version != historyVersion {
		return historyRecord{}, fmt.Errorf("%w: history version %d", ErrCorrupt, r.Version)
	}
	if r.Next == 0 || r.Next == math.MaxUint64 {
		return historyRecord{}, fmt.Errorf("%w: history id counter %d", ErrCorrupt, r.Next)
	}
	seen := make(map[uint64]bool, len(r.Calls))
	for i, c := range r.Calls {
		switch {
		case c.ID == 0 || c.ID >= r.Next:
			return historyRecord{}, fmt.Errorf("%w: entry %d: id %d outside 1..%d", ErrCorrupt, i, c.ID, r.Next)
		case seen[c.ID]:
			return historyRecord{}, fmt.Errorf("%w: entry %d: duplicate id %d", ErrCorrupt, i, c.ID)
		case !c.Kind.valid():
			return historyRecord{}, fmt.Errorf("%w: entry %d: no kind", ErrCorrupt, i)
		case c.Duration < 0:
			return historyRecord{}, fmt.Errorf("%w: entry %d: negative duration", ErrCorrupt, i)
		}
		seen[c.ID] = true
	}
	return r, nil
}

func cutField(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxCallField {
		return s
	}
	s = s[:maxCallField]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Add records a call as the newest entry of its list, drops the oldest
// entries beyond the limit, and returns the entry as stored (with its ID).
func (h History) Add(c Call) (Call, error) {
	if !c.Kind.valid() {
		return Call{}, fmt.Errorf("%w: call kind %d", ErrInvalid, uint8(c.Kind))
	}
	if c.Duration < 0 {
		return Call{}, fmt.Errorf("%w: negative call duration %v", ErrInvalid, c.Duration)
	}
	c.Number, c.Name = cutField(c.Number), cutField(c.Name)
	c.Time = c.Time.Round(0) // no monotonic reading: it does not survive a reboot
	h.Store.rmw.Lock()
	defer h.Store.rmw.Unlock()
	r, err := h.load()
	if err != nil {
		return Call{}, err
	}
	c.ID = r.Next
	r.Next++
	calls := make([]Call, 0, len(r.Calls)+1)
	calls = append(calls, c)
	n := 1
	for _, old := range r.Calls {
		if old.Kind == c.Kind {
			if n >= h.limit() {
				continue
			}
			n++
		}
		calls = append(calls, old)
	}
	r.Calls = calls
	if err := h.save(r); err != nil {
		return Call{}, err
	}
	return c, nil
}

// List returns the entries of kind, newest first; kind 0 lists every entry.
func (h History) List(kind CallKind) ([]Call, error) {
	if kind != 0 && !kind.valid() {
		return nil, fmt.Errorf("%w: call kind %d", ErrInvalid, uint8(kind))
	}
	r, err := h.load()
	if err != nil {
		return nil, err
	}
	out := make([]Call, 0, len(r.Calls))
	for _, c := range r.Calls {
		if kind == 0 || c.Kind == kind {
			out = append(out, c)
		}
	}
	return out, nil
}

// Delete removes the entry with id; ErrNotFound when there is none.
func (h History) Delete(id uint64) error {
	h.Store.rmw.Lock()
	defer h.Store.rmw.Unlock()
	r, err := h.load()
	if err != nil {
		return err
	}
	for i, c := range r.Calls {
		if c.ID == id {
			r.Calls = append(r.Calls[:i:i], r.Calls[i+1:]...)
			return h.save(r)
		}
	}
	return fmt.Errorf("%w: call history entry %d", ErrNotFound, id)
}

// Clear deletes every entry of kind; kind 0 clears all lists. IDs are not
// reused afterwards, so a stale page cannot delete a newer entry. Clearing
// every list also replaces a corrupt record.
func (h History) Clear(kind CallKind) error {
	if kind != 0 && !kind.valid() {
		return fmt.Errorf("%w: call kind %d", ErrInvalid, uint8(kind))
	}
	h.Store.rmw.Lock()
	defer h.Store.rmw.Unlock()
	r, err := h.load()
	if kind == 0 && errors.Is(err, ErrCorrupt) {
		return h.Store.Remove(RecordHistory)
	}
	if err != nil {
		return err
	}
	kept := r.Calls[:0]
	for _, c := range r.Calls {
		if kind != 0 && c.Kind != kind {
			kept = append(kept, c)
		}
	}
	r.Calls = kept
	return h.save(r)
}
