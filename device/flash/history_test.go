package flash_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hdphone/hdphone/device/flash"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func numbers(calls []flash.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Number
	}
	return out
}

// behaviour: STAT-3
func TestHistoryListsEachTypeNewestFirstWithDuration(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		h := s.History()
		add := []flash.Call{
			{Kind: flash.Received, Time: t0, Number: "2001", Name: "Alice", Duration: 90 * time.Second},
			{Kind: flash.Missed, Time: t0.Add(time.Minute), Number: "2002", Name: "Bob"},
			{Kind: flash.Dialed, Time: t0.Add(2 * time.Minute), Number: "2003", Duration: 5 * time.Second},
			{Kind: flash.Received, Time: t0.Add(3 * time.Minute), Number: "2004", Duration: time.Hour},
		}
		for _, c := range add {
			if _, err := h.Add(c); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			kind flash.CallKind
			want string
		}{
			{flash.Received, "2004 2001"},
			{flash.Missed, "2002"},
			{flash.Dialed, "2003"},
			{0, "2004 2003 2002 2001"},
		} {
			got, err := h.List(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(numbers(got), " "); g != tt.want {
				t.Errorf("List(%v) = %s, want %s", tt.kind, g, tt.want)
			}
		}
		rec, _ := h.List(flash.Received)
		if rec[1].Name != "Alice" || rec[1].Duration != 90*time.Second || !rec[1].Time.Equal(t0) {
			t.Fatalf("entry not kept as given: %+v", rec[1])
		}
	})
}

// behaviour: STAT-3
func TestHistoryDeleteOneAndDeleteAll(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		h := s.History()
		var ids []uint64
		for i, k := range []flash.CallKind{flash.Missed, flash.Missed, flash.Dialed} {
			c, err := h.Add(flash.Call{Kind: k, Time: t0.Add(time.Duration(i) * time.Minute), Number: fmt.Sprint(100 + i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if ids[0] == ids[1] || ids[1] == ids[2] {
			t.Fatalf("IDs not unique: %v", ids)
		}
		if err := h.Delete(ids[0]); err != nil {
			t.Fatal(err)
		}
		if err := h.Delete(ids[0]); !errors.Is(err, flash.ErrNotFound) {
			t.Fatalf("deleting twice = %v, want ErrNotFound", err)
		}
		if got, _ := h.List(flash.Missed); strings.Join(numbers(got), " ") != "101" {
			t.Fatalf("after Delete: %v", numbers(got))
		}
		if err := h.Clear(flash.Missed); err != nil {
			t.Fatal(err)
		}
		if got, _ := h.List(0); strings.Join(numbers(got), " ") != "102" {
			t.Fatalf("Clear(Missed) touched other lists: %v", numbers(got))
		}
		if err := h.Clear(0); err != nil {
			t.Fatal(err)
		}
		if got, _ := h.List(0); len(got) != 0 {
			t.Fatalf("after Clear(0): %v", numbers(got))
		}
		// IDs are never reused after a delete, so a stale page cannot delete
		// the wrong entry.
		c, _ := h.Add(flash.Call{Kind: flash.Dialed, Number: "x"})
		if c.ID <= ids[2] {
			t.Fatalf("ID %d reused after Clear (last was %d)", c.ID, ids[2])
		}
	})
}

func TestHistoryCapDropsTheOldestOfTheSameList(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		h := flash.History{Store: s, Limit: 3}
		h.Add(flash.Call{Kind: flash.Dialed, Number: "d1"})
		for i := range 5 {
			h.Add(flash.Call{Kind: flash.Missed, Number: fmt.Sprint("m", i)})
		}
		got, _ := h.List(0)
		if g := strings.Join(numbers(got), " "); g != "m4 m3 m2 d1" {
			t.Fatalf("List = %s, want three missed and the dialled one", g)
		}
	})
}

func TestHistoryDefaultLimit(t *testing.T) {
	s := flash.NewMemory()
	h := s.History()
	for i := range flash.DefaultHistoryLimit + 7 {
		h.Add(flash.Call{Kind: flash.Received, Number: fmt.Sprint(i)})
	}
	got, _ := h.List(flash.Received)
	if len(got) != flash.DefaultHistoryLimit || got[0].Number != fmt.Sprint(flash.DefaultHistoryLimit+6) {
		t.Fatalf("%d entries, newest %q", len(got), got[0].Number)
	}
}

func TestHistoryRefusesBadCallsAndKeepsWhatItHas(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		h := s.History()
		h.Add(flash.Call{Kind: flash.Missed, Number: "1"})
		for _, c := range []flash.Call{
			{Kind: 0, Number: "2"},
			{Kind: 9, Number: "2"},
			{Kind: flash.Dialed, Number: "2", Duration: -time.Second},
		} {
			if _, err := h.Add(c); !errors.Is(err, flash.ErrInvalid) {
				t.Errorf("Add(%+v) = %v, want ErrInvalid", c, err)
			}
		}
		if _, err := h.List(7); !errors.Is(err, flash.ErrInvalid) {
			t.Errorf("List(7) = %v", err)
		}
		if got, _ := h.List(0); len(got) != 1 {
			t.Fatalf("history changed by refused calls: %v", numbers(got))
		}
	})
}

func TestHistoryCutsHostileFields(t *testing.T) {
	s := flash.NewMemory()
	long := strings.Repeat("é", 1000)
	c, err := s.History().Add(flash.Call{Kind: flash.Missed, Number: "\xff\xfe123", Name: long})
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.ValidString(c.Number) || !utf8.ValidString(c.Name) || len(c.Name) > 256 {
		t.Fatalf("stored %q / %d bytes", c.Number, len(c.Name))
	}
	got, _ := s.History().List(0)
	if got[0].Name != c.Name || got[0].Number != c.Number {
		t.Fatal("stored entry differs from the returned one")
	}
}

func TestCorruptHistoryIsReportedAndReplacedOnlyByClear(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		s.Write(flash.RecordHistory, []byte(`{"version":1,"next":2,"calls":[{"id":5,"kind":"missed"}]}`))
		h := s.History()
		if _, err := h.List(0); !errors.Is(err, flash.ErrCorrupt) {
			t.Fatalf("List = %v, want ErrCorrupt", err)
		}
		if _, err := h.Add(flash.Call{Kind: flash.Missed}); !errors.Is(err, flash.ErrCorrupt) {
			t.Fatalf("Add on a corrupt record = %v, want ErrCorrupt (nothing overwritten)", err)
		}
		if b, _ := s.Read(flash.RecordHistory); !strings.Contains(string(b), `"id":5`) {
			t.Fatal("corrupt record was overwritten")
		}
		if err := h.Clear(0); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Add(flash.Call{Kind: flash.Missed}); err != nil {
			t.Fatalf("Add after Clear: %v", err)
		}
	})
}

func TestHistoryConcurrentAddsLoseNothing(t *testing.T) {
	kinds(t, func(t *testing.T, s *flash.Store) {
		h := flash.History{Store: s, Limit: 1000}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 10 {
					if _, err := h.Add(flash.Call{Kind: flash.Dialed, Number: fmt.Sprint(w, "-", i)}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		got, _ := h.List(0)
		if len(got) != 40 {
			t.Fatalf("%d entries, want 40", len(got))
		}
	})
}

func TestParseCallKind(t *testing.T) {
	for _, k := range []flash.CallKind{flash.Missed, flash.Received, flash.Dialed} {
		got, err := flash.ParseCallKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseCallKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := flash.ParseCallKind("outgoing"); !errors.Is(err, flash.ErrInvalid) {
		t.Errorf("ParseCallKind(outgoing) = %v", err)
	}
}
