package device

import (
	"fmt"
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
	mu      sync.Mutex // guards subs and next
	subs    map[int]chan Event
	next    int
	dropped atomic.Uint64
}

func (h *hub) subscribe(buf int) (<-chan Event, func()) {
	if buf <= 0 {
		buf = 64
	}
	ch := make(chan Event, buf)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]chan Event{}
	}
	id := h.next
	h.next++
	h.subs[id] = ch
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(ch)
		})
	}
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- e:
		default:
			h.dropped.Add(1)
		}
	}
}
