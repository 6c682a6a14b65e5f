package logtest_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/logtest"
)

// A goroutine that goes on logging while its test ends, as a SIP stack's
// transaction does, writes nothing to the finished test: with the race
// detector, a write racing with the test's end fails the test.
func TestLoggingWhileTheTestEnds(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Run("sub", func(t *testing.T) {
		log := logtest.New(t, slog.LevelInfo)
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					log.Info("still logging")
				}
			}
		}()
		time.Sleep(10 * time.Millisecond)
	})
	time.Sleep(20 * time.Millisecond)
	close(stop)
	<-done
}
