// Package datagramtest runs shared sockets (datagram.Mux) for tests.
package datagramtest

import (
	"context"
	"sync"
	"testing"

	"github.com/hdphone/hdphone/internal/datagram"
)

// StartMux runs a Mux on a port the kernel picks; stop (run when the test
// ends, if not before) stops it and waits for Run, which must end without
// an error.
func StartMux(t testing.TB) (m *datagram.Mux, stop func()) {
	t.Helper()
	return StartMuxAt(t, 0)
}

// StartMuxAt is StartMux on port.
func StartMuxAt(t testing.TB, port int) (m *datagram.Mux, stop func()) {
	t.Helper()
	m, err := datagram.NewMux(port)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(stop)
	return m, stop
}
