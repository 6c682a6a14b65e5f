package sip

import (
	"sync"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Responses in the order they were read. sipgo's transaction layer handles
// each message it reads on a goroutine of its own, so a 180 followed at once
// by the 200 can reach the INVITE's transaction after the 200, which drops it:
// the phone would skip ringing, early media and the PRACK. The transport layer
// also calls the UA's own handler (onRead), on its read loop, in the order it
// read the messages; there the UA queues the responses of the transactions
// that take provisional responses, and transact takes the provisional ones
// from that queue instead of from the transaction.

// arrivals is one transaction's responses as they were read.
type arrivals struct {
	mu   sync.Mutex
	list []*sipgosip.Response
	done bool          // a final response was taken: the rest is late
	more chan struct{} // signalled when list grows
}

func newArrivals() *arrivals { return &arrivals{more: make(chan struct{}, 1)} }

func (a *arrivals) add(res *sipgosip.Response) {
	a.mu.Lock()
	if !a.done {
		a.list = append(a.list, res)
	}
	a.mu.Unlock()
	select {
	case a.more <- struct{}{}:
	default:
	}
}

// provisionals takes the provisional responses read so far, in order, up to
// the first final one; after that final nothing more is taken.
func (a *arrivals) provisionals() []*sipgosip.Response {
	a.mu.Lock()
	defer a.mu.Unlock()
	list := a.list
	a.list = nil
	for i, res := range list {
		if !res.IsProvisional() {
			a.done = true
			return list[:i]
		}
	}
	return list
}

// expect queues the responses of the transaction with this key (see
// sipgosip.ClientTxKeyMake) until forget.
func (u *UA) expect(key string) *arrivals {
	a := newArrivals()
	u.mu.Lock()
	if u.arriving == nil {
		u.arriving = make(map[string]*arrivals)
	}
	u.arriving[key] = a
	u.mu.Unlock()
	return a
}

func (u *UA) forget(key string) {
	u.mu.Lock()
	delete(u.arriving, key)
	u.mu.Unlock()
}

// onRead sees every message sipgo's transport layer reads, in order, on its
// read loop: it must not block.
func (u *UA) onRead(m sipgosip.Message) {
	res, ok := m.(*sipgosip.Response)
	if !ok {
		return
	}
	u.mu.Lock()
	waiting := len(u.arriving) > 0
	u.mu.Unlock()
	if !waiting {
		return
	}
	key, err := sipgosip.ClientTxKeyMake(res)
	if err != nil {
		return
	}
	u.mu.Lock()
	a := u.arriving[key]
	u.mu.Unlock()
	if a != nil {
		a.add(res)
	}
}
