package sip

import (
	"sync"
	"testing"
)

// TryEvent takes an event at once only while none waits for OnEvent, so
// that events arrive in the order they were raised; refused, the event
// goes to the pump, and so does every event raised while it pumps.
func TestEventQueueTriesFirstInOrder(t *testing.T) {
	var mu sync.Mutex
	var got []string // "try:…" and "deliver:…", in arrival order
	accept := true
	release := make(chan struct{})
	delivering := make(chan struct{}, 4)
	var pumps sync.WaitGroup
	q := &eventQueue{
		deliver: func(ev Event) {
			delivering <- struct{}{}
			<-release
			mu.Lock()
			got = append(got, "deliver:"+ev.(DTMFEvent).Call.id)
			mu.Unlock()
		},
		try: func(ev Event) bool {
			mu.Lock()
			defer mu.Unlock()
			if accept {
				got = append(got, "try:"+ev.(DTMFEvent).Call.id)
			}
			return accept
		},
		spawn: func(f func()) bool {
			pumps.Add(1)
			go func() { defer pumps.Done(); f() }()
			return true
		},
	}
	ev := func(id string) Event { return DTMFEvent{Call: &Call{id: id}} }
	q.push(ev("a")) // nothing waits: taken at once
	mu.Lock()
	accept = false
	mu.Unlock()
	q.push(ev("b")) // refused: pumped
	<-delivering    // the pump holds b, the queue is empty
	mu.Lock()
	accept = true
	mu.Unlock()
	q.push(ev("c")) // b is pumping: c waits behind it though try would take it
	close(release)
	pumps.Wait()
	q.push(ev("d")) // the pump is done: taken at once again
	want := []string{"try:a", "deliver:b", "deliver:c", "try:d"}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}
