package device

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind classifies an Event.
type EventKind string

// Event kinds.
const (
	EventPower           EventKind = "power"            // Text is "on" or "off"
	EventStage           EventKind = "stage"            // Stage entered
	EventStageFailed     EventKind = "stage-failed"     // Stage failed; Err says why
	EventStatus          EventKind = "status"           // boot screen text
	EventNotification    EventKind = "notification"     // Text shown
	EventNotificationEnd EventKind = "notification-end" // Text cleared
	EventConfigApplied   EventKind = "config-applied"   // Text names the source
	EventConfigRejected  EventKind = "config-rejected"  // Err says why
	EventReboot          EventKind = "reboot"           // Text gives the reason
	EventFactoryReset    EventKind = "factory-reset"
	EventLog             EventKind = "log"          // a noteworthy step, Text says what
	EventRegistration    EventKind = "registration" // a line's registration changed
	EventCall            EventKind = "call"         // a call changed state; Text: "<id> <state> <number> (why)"
	EventDTMF            EventKind = "dtmf"         // a digit sent or received
	EventMWI             EventKind = "mwi"          // message-waiting indication changed
	EventPage            EventKind = "page"         // a page started, ended or was answered
	EventKey             EventKind = "key"          // a key's lamp (BLF) changed
)

// Event is something that happened to a phone.
type Event struct {
	At        time.Time `json:"at"`
	Kind      EventKind `json:"kind"`
	Stage     Stage     `json:"stage,omitempty"`
	Text      string    `json:"text,omitempty"`
	Err       string    `json:"error,omitempty"`
	BootCount int       `json:"boot"`
}

func (e Event) String() string {
	s := fmt.Sprintf("%s boot=%d %s", e.At.Format("15:04:05.000"), e.BootCount, e.Kind)
	if e.Stage != "" {
		s += " " + string(e.Stage)
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	if e.Err != "" {
		s += " error=" + e.Err
	}
	return s
}

// hub fans events out to subscribers without ever blocking the publisher.
type hub struct {
	mu sync.Mutex // guards subs and next
	// subs are few (a fleet's watcher, a waiter or two, a UI): a slice,
	// where a map cost a booting phone more to make, grow and walk.
	subs    []subscriber
	next    int
	dropped atomic.Uint64
}

type subscriber struct {
	id int
	ch chan Event
	// wake marks a subscriber that only needs to know something happened
	// (Wait): a full buffer already holds its wake-up, so a dropped event
	// is no loss and is not counted.
	wake bool
	// check, for a watcher (When) instead of a channel, runs after every
	// published change or event, once per step, under the hub's lock (it
	// must not block); once it reports true the watcher is gone.
	check func() bool
}

func (h *hub) subscribe(buf int) (<-chan Event, func()) {
	if buf <= 0 {
		buf = 64
	}
	return h.add(subscriber{ch: make(chan Event, buf)})
}

// subscribeWake returns a channel that receives at least one event after
// every change, and no more than it can hold.
func (h *hub) subscribeWake() (<-chan Event, func()) {
	return h.add(subscriber{ch: make(chan Event, 1), wake: true})
}

// watch runs check after every event until it reports true or stop.
func (h *hub) watch(check func() bool) (stop func()) {
	_, stop = h.add(subscriber{check: check})
	return stop
}

func (h *hub) add(sub subscriber) (<-chan Event, func()) {
	h.mu.Lock()
	id := h.next
	h.next++
	sub.id = id
	h.subs = append(h.subs, sub)
	h.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			h.drop(id)
			h.mu.Unlock()
			if sub.ch != nil {
				close(sub.ch)
			}
		})
	}
}

// drop removes a subscriber.
func (h *hub) drop(id int) {
	h.removeWhere(func(s subscriber) bool { return s.id == id })
}

// removeWhere removes the subscribers gone reports; the last one's leaving
// frees the slice (most phones of a fleet have nobody listening once
// booted).
func (h *hub) removeWhere(gone func(subscriber) bool) {
	h.subs = slices.DeleteFunc(h.subs, gone)
	if len(h.subs) == 0 {
		h.subs = nil
	}
}

// publishAll gives a step's events, in order, to the event subscribers,
// and wakes the waiters and runs the watchers' checks once: they read the
// snapshot, the same for every event of the step (a booting phone's steps
// emit a few events each). changed says the snapshot changed; with no
// event either, nobody is told.
func (h *hub) publishAll(events []Event, changed bool) {
	if len(events) == 0 && !changed {
		return
	}
	var first Event // what a waiter is woken with: the step's first event, if any
	if len(events) > 0 {
		first = events[0]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	dropped := false
	for i, sub := range h.subs {
		switch {
		case sub.check != nil:
			if sub.check() {
				h.subs[i].check, dropped = nil, true
			}
		case sub.wake:
			select {
			case sub.ch <- first:
			default:
			}
		default:
			for _, e := range events {
				select {
				case sub.ch <- e:
				default:
					h.dropped.Add(1)
				}
			}
		}
	}
	if dropped {
		// A watcher that is done is left without its check above; its
		// stop, if it comes, finds nothing.
		h.removeWhere(func(s subscriber) bool { return s.ch == nil && s.check == nil })
	}
}
