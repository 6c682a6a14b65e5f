package clock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/clock/clocktest"
)

// Sleep ends when the clock has moved on by d, or with ctx's error.
func TestSleep(t *testing.T) {
	fake := clocktest.New(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() { done <- clock.Sleep(context.Background(), fake, time.Minute) }()
	for fake.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	fake.Advance(59 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("woke %v before its time", err)
	case <-time.After(20 * time.Millisecond):
	}
	fake.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("after a minute: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := clock.Sleep(ctx, fake, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if fake.Pending() != 0 {
		t.Errorf("%d timers left behind", fake.Pending())
	}
}
