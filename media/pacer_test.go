package media

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// countedStream counts the ticks it was served.
type countedStream struct{ paces atomic.Int64 }

func (c *countedStream) pace(time.Time, uint64) { c.paces.Add(1) }
func (c *countedStream) setPhase(uint64)        {}

// TestPacerSleepsWithoutStreams: a pacer with no streams does not tick (a
// fleet's booting and idle phones have none); the first stream wakes it,
// and it sleeps again once the last one leaves.
func TestPacerSleepsWithoutStreams(t *testing.T) {
	t.Parallel()
	for _, goTimer := range []bool{false, true} {
		p := NewPacer(PacerConfig{GoTimer: goTimer})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		time.Sleep(50 * time.Millisecond) // ten ticks' time
		if st := p.Stats(); st.Ticks != 0 {
			t.Fatalf("GoTimer=%v: %d ticks with no stream", goTimer, st.Ticks)
		}
		s := &countedStream{}
		if err := p.add(s); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the stream to be paced", func() bool { return s.paces.Load() >= 3 })
		p.remove(s)
		// A tick may have begun as it left (and a loaded machine may
		// finish it late); after that, none.
		waitFor(t, 5*time.Second, "the ticks to stop", func() bool {
			n := p.Stats().Ticks
			time.Sleep(3 * tickPeriod)
			return p.Stats().Ticks == n
		})
		n := p.Stats().Ticks
		time.Sleep(50 * time.Millisecond)
		if st := p.Stats(); st.Ticks != n {
			t.Errorf("GoTimer=%v: %d ticks after the last stream left", goTimer, st.Ticks-n)
		}
		// And it wakes again for the next one.
		s2 := &countedStream{}
		if err := p.add(s2); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the next stream to be paced", func() bool { return s2.paces.Load() >= 1 })
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("GoTimer=%v: Run = %v", goTimer, err)
		}
		p.Close()
	}
}
