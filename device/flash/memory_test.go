package flash_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/flash"
)

// TestMemoryStoreCutAtRandomInstants is the in-process counterpart of the
// kill tests for the memory store a fleet uses: a process cannot be killed
// halfway through a Go call, but everything that reads the store (the web
// pages, the next boot of a phone powered off) can look at it at any
// instant. 1,000 looks at random instants while a writer updates records,
// call history and the firmware slot must each see complete versions, never
// older than what the writer already reported.
func TestMemoryStoreCutAtRandomInstants(t *testing.T) {
	s := flash.NewMemory()
	hist := flash.History{Store: s, Limit: 10}
	acked := make([]atomic.Uint64, len(testRecords))
	var calls, burnt atomic.Uint64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		seqs := make([]uint64, len(testRecords))
		fw := s.Firmware()
		for n := uint64(1); ; n++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			i := rng.IntN(len(testRecords))
			seqs[i]++
			if err := s.Write(testRecords[i], selfChecking(testRecords[i], seqs[i], rng.IntN(2048))); err != nil {
				done <- err
				return
			}
			acked[i].Store(seqs[i])
			if _, err := hist.Add(flash.Call{Kind: flash.Dialed, Number: strconv.FormatUint(n, 10)}); err != nil {
				done <- err
				return
			}
			calls.Store(n)
			if n%8 == 0 {
				if _, err := fw.Install(firmwareVersion(n), bytes.NewReader(payload("image", n, 4096))); err != nil {
					done <- err
					return
				}
				burnt.Store(n)
			}
		}
	}()
	rng := rand.New(rand.NewPCG(3, 4))
	for k := range scaled(t, 1000) {
		time.Sleep(time.Duration(rng.Int64N(int64(200 * time.Microsecond))))
		for i, name := range testRecords {
			floor := acked[i].Load()
			b, err := s.Read(name)
			if errors.Is(err, flash.ErrNotFound) && floor == 0 {
				continue
			}
			if err != nil {
				t.Fatalf("look %d: %s: %v", k, name, err)
			}
			seq, err := checkSelf(name, b)
			if err != nil || seq < floor {
				t.Fatalf("look %d: %s version %d (reported %d): %v", k, name, seq, floor, err)
			}
		}
		floorCalls := calls.Load()
		list, err := hist.List(0)
		if err != nil {
			t.Fatalf("look %d: history: %v", k, err)
		}
		if floorCalls > 0 {
			newest, _ := strconv.ParseUint(list[0].Number, 10, 64)
			if newest < floorCalls {
				t.Fatalf("look %d: newest call %d, %d reported", k, newest, floorCalls)
			}
		}
		floorBurn := burnt.Load()
		if sl, err := s.Firmware().Slot(); err == nil {
			v, perr := parseFirmwareVersion(sl.Version)
			if perr != nil || v < floorBurn {
				t.Fatalf("look %d: slot %s, %d burnt: %v", k, sl.Version, floorBurn, perr)
			}
		} else if !errors.Is(err, flash.ErrNotFound) || floorBurn > 0 {
			t.Fatalf("look %d: slot: %v", k, err)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once the writer is gone the store holds exactly what it reported.
	for i, name := range testRecords {
		if b, err := s.Read(name); err == nil {
			if seq, _ := checkSelf(name, b); seq != acked[i].Load() {
				t.Errorf("%s: version %d, last reported %d", name, seq, acked[i].Load())
			}
		}
	}
	if _, rec, _ := s.Firmware().Recovery(); rec {
		t.Error("recovery marker left by completed burns")
	}
}
