package main

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// The SIP stack's process-wide logger writes to the running command's
// output, with the attributes the stack added, and to nobody once that
// command has returned (its goroutines can outlive it; the command's
// buffer is its caller's again).
func TestStackLogFollowsTheCommand(t *testing.T) {
	var f forwardHandler
	log := slog.New(&f).With("component", "sipgo")
	var first, second bytes.Buffer
	h1 := slog.NewTextHandler(&first, nil)
	f.set(h1)
	log.Info("one", "k", "v")
	if s := first.String(); !strings.Contains(s, "component=sipgo") || !strings.Contains(s, "k=v") || !strings.Contains(s, "one") {
		t.Fatalf("first command's output %q", s)
	}
	h2 := slog.NewTextHandler(&second, nil)
	f.set(h2)
	f.drop(h1) // the first command returns after the second started
	log.Info("two")
	if !strings.Contains(second.String(), "two") || strings.Contains(first.String(), "two") {
		t.Fatalf("after the second command started: first %q, second %q", first.String(), second.String())
	}
	f.drop(h2)
	n := second.Len()
	log.Warn("late")
	if second.Len() != n || strings.Contains(first.String(), "late") {
		t.Fatal("a line reached a command that had returned")
	}

	// A goroutine logging while the command returns: nothing is written
	// to the buffer once drop returned (the race detector watches the
	// read; the length checks the rest).
	var third bytes.Buffer
	wrote := make(chan struct{})
	var once sync.Once
	h3 := slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		once.Do(func() { close(wrote) })
		return third.Write(b)
	}), nil)
	f.set(h3)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				log.Warn("busy")
			}
		}
	})
	<-wrote // the goroutine is writing to the command's output
	f.drop(h3)
	n = third.Len()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if third.Len() != n {
		t.Errorf("%d bytes reached the output after its command returned", third.Len()-n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
