package web

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hdphone/hdphone/device/flash"
)

// FlashHistory is the call history kept in the phone's flash; a Server uses
// it when Config.History is nil.
type FlashHistory struct{ History flash.History }

var kinds = map[CallType]flash.CallKind{CallMissed: flash.Missed, CallReceived: flash.Received, CallDialed: flash.Dialed}

// Calls implements CallHistory.
func (h FlashHistory) Calls(t CallType) ([]Call, error) {
	k, ok := kinds[t]
	if !ok {
		return nil, fmt.Errorf("web: call type %q", t)
	}
	list, err := h.History.List(k)
	if err != nil {
		return nil, err
	}
	out := make([]Call, 0, len(list))
	for _, c := range list {
		out = append(out, Call{ID: strconv.FormatUint(c.ID, 10), Type: t, At: c.Time, Number: c.Number, Name: c.Name, Duration: c.Duration})
	}
	return out, nil
}

// DeleteCall implements CallHistory. The entry must be of type t, so that a
// stale page cannot delete an entry of another list.
func (h FlashHistory) DeleteCall(t CallType, id string) error {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return fmt.Errorf("web: call history entry %q: not a number", id)
	}
	list, err := h.History.List(kinds[t])
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.ID == n {
			if err := h.History.Delete(n); err != nil && !errors.Is(err, flash.ErrNotFound) {
				return err
			}
			return nil
		}
	}
	return nil
}

// FlashTombstones are the crash dumps kept in the phone's flash; a Server
// uses them when Config.Tombstones is nil.
type FlashTombstones struct{ Dumps flash.Tombstones }

// Tombstones implements Tombstones.
func (f FlashTombstones) Tombstones() (Tombstone, error) {
	s, err := f.Dumps.Summary()
	if err != nil {
		return Tombstone{}, err
	}
	return Tombstone{Count: int(s.Count), Last: s.Last}, nil
}

// WriteTombstones implements Tombstones.
func (f FlashTombstones) WriteTombstones(w io.Writer) error { return f.Dumps.Download(w) }
