package flash

import (
	"encoding/json"
	"errors"
	"testing"
)

func FuzzDecodeHistory(f *testing.F) {
	f.Add([]byte(`{"version":1,"next":3,"calls":[{"id":2,"kind":"missed","time":"2026-03-01T09:00:00Z","number":"2002","duration":0},{"id":1,"kind":"dialed","time":"2026-03-01T08:00:00Z","number":"2001","duration":5000000000}]}`))
	f.Add([]byte(`{"version":1,"next":1,"calls":null}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"next":2,"calls":[{"id":1,"kind":"elsewhere"}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":1,"next":18446744073709551615}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeHistory(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrInvalid", err)
			}
			return
		}
		// A record that decodes can be written back and decoded again, and
		// Add works on it.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := decodeHistory(out); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		s := NewMemory()
		s.Write(RecordHistory, b)
		if _, err := s.History().Add(Call{Kind: Missed, Number: "1"}); err != nil {
			t.Fatalf("Add on a record that decodes: %v", err)
		}
	})
}

func FuzzDecodeTombstoneIndex(f *testing.F) {
	f.Add([]byte(`{"version":1,"count":3,"last":"2026-03-01T09:00:00Z","dumps":[{"seq":3,"time":"2026-03-01T09:00:00Z","size":4},{"seq":1,"size":2}]}`))
	f.Add([]byte(`{"version":1,"count":0}`))
	f.Add([]byte(`{"version":1,"count":18446744073709551615}`))
	f.Add([]byte(`{"version":1,"count":1,"dumps":[{"seq":1},{"seq":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := decodeTombstoneIndex(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		s := NewMemory()
		s.Write(RecordTombstoneIndex, b)
		ts, err := s.Tombstones().Record(ix.Last, "p", []byte("d"))
		if err != nil {
			t.Fatalf("Record on an index that decodes: %v", err)
		}
		if ts.Seq != ix.Count+1 {
			t.Fatalf("new dump %d after a count of %d", ts.Seq, ix.Count)
		}
	})
}
