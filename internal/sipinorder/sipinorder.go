// Package sipinorder keeps SIP messages in the order a transport read them,
// for code built on sipgo.
//
// sipgo's transaction layer handles each message it reads on a goroutine of
// its own, so a message can overtake the one read before it: a 200 its 180,
// which the INVITE's client transaction then drops (a phone would skip
// ringing, early media and the PRACK; a proxy would never relay the 180), or
// the second of two requests of a dialog the first, which the far end then
// answers 500 as out of order (RFC 3261 §12.2.2: a DTMF digit or a
// transfer's progress lost). sipgo's transport layer also calls every
// handler given to its OnMessage, on its read loop, in the order it read the
// messages: there Responses queues the responses of the transactions that
// asked for them, and Requests lines up the requests of each dialog, so that
// their handlers can take them in that order.
package sipinorder

import (
	"context"
	"slices"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Responses queues, as they are read, the responses of the client
// transactions that Expect them. The zero value is ready to use.
type Responses struct {
	mu    sync.Mutex
	byKey map[string]*Arrivals // made by the first Expect
}

// Expect queues the responses of the transaction with this key (see
// sipgosip.ClientTxKeyMake) from now until Forget: call it before the
// request goes out, as the first response can come back at once.
func (r *Responses) Expect(key string) *Arrivals {
	a := &Arrivals{more: make(chan struct{}, 1)}
	r.mu.Lock()
	if r.byKey == nil {
		r.byKey = make(map[string]*Arrivals)
	}
	r.byKey[key] = a
	r.mu.Unlock()
	return a
}

// Forget stops queueing the responses of the transaction with this key.
func (r *Responses) Forget(key string) {
	r.mu.Lock()
	delete(r.byKey, key)
	r.mu.Unlock()
}

// Read takes a response as the transport read it (from the read loop: it
// does not block).
func (r *Responses) Read(res *sipgosip.Response) {
	r.mu.Lock()
	waiting := len(r.byKey) > 0
	r.mu.Unlock()
	if !waiting {
		return
	}
	key, err := sipgosip.ClientTxKeyMake(res)
	if err != nil {
		return
	}
	r.mu.Lock()
	a := r.byKey[key]
	r.mu.Unlock()
	if a != nil {
		a.add(res)
	}
}

// Arrivals is one transaction's responses as they were read.
type Arrivals struct {
	mu   sync.Mutex
	list []*sipgosip.Response
	done bool          // a final response was taken: the rest is late
	more chan struct{} // signalled when list grows
}

func (a *Arrivals) add(res *sipgosip.Response) {
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

// More is signalled when a response was read.
func (a *Arrivals) More() <-chan struct{} { return a.more }

// Provisionals takes the provisional responses read so far, in order, up to
// the first final one; after that final nothing more is taken. A handler
// takes the provisional responses from here, not from the transaction, and
// its final response from the transaction (whose state machine has handled
// it: a failure's ACK sent), after a last call to Provisionals for those
// read before it.
func (a *Arrivals) Provisionals() []*sipgosip.Response {
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

// Requests lines up the requests read, by dialog (Call-ID), until their
// handlers are done with them. The zero value is ready to use.
type Requests struct {
	mu      sync.Mutex
	waiting []*lined
	// seen are the transactions of requests lined up lately: sipgo's
	// server transaction absorbs a request sent again, which never reaches
	// a handler.
	seen map[string]time.Time
	// more is closed (and replaced) when a request is read.
	more chan struct{}
	// pruned is when seen and waiting were last cleared of old entries:
	// once a second, not at every request (a lab proxy's seen holds every
	// request of its phones' last half minute).
	pruned time.Time
}

// lined is a request read whose handler is not done with it.
type lined struct {
	req    *sipgosip.Request
	callID string
	at     time.Time
	done   chan struct{}
	once   sync.Once
}

// Both bounds are on the system clock: they mirror sipgo's transaction
// timers and bound its goroutines' race, which run on it too (a test's fake
// clock would hold the line until the test moved it).
const (
	// seenFor is how long a request's transaction absorbs the request sent
	// again (Timer J over UDP, 64·T1 with sipgo's T1 of 500 ms).
	seenFor = 32 * time.Second
	// Wait bounds the wait for a request read before: one that never
	// reaches its handler (sipgo could not make its transaction) holds up
	// the next ones only that long.
	Wait = time.Second
)

// lineKey is the transaction key of a request that is lined up (sipgo's
// server transactions key it the same way: branch and method, ACK as
// INVITE). CANCEL is not lined up (sipgo answers it itself when it matches
// an INVITE), nor are requests sipgo rejects before a handler. An ACK to a
// 2xx is (a BYE right behind it waits for it: the call is confirmed, then
// ended); an ACK to a failure has its INVITE's branch, so Read takes it for
// the INVITE sent again, which sipgo's transaction absorbs as it does that
// ACK.
func lineKey(req *sipgosip.Request) (string, bool) {
	if req.Method == sipgosip.CANCEL || req.CallID() == nil {
		return "", false
	}
	key, err := sipgosip.ClientTxKeyMake(req)
	return key, err == nil
}

// Read lines a request up as the transport read it (from the read loop: it
// does not block).
func (l *Requests) Read(req *sipgosip.Request) {
	key, ok := lineKey(req)
	if !ok {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.pruned) > time.Second {
		l.pruned = now
		for k, at := range l.seen {
			if now.Sub(at) > seenFor {
				delete(l.seen, k)
			}
		}
		// One that never reached its handler is forgotten as its
		// transaction would have been.
		l.waiting = slices.DeleteFunc(l.waiting, func(w *lined) bool { return now.Sub(w.at) > seenFor })
	}
	if l.more != nil {
		close(l.more)
		l.more = nil
	}
	if l.seenLately(key, now) {
		return
	}
	if l.seen == nil {
		l.seen = make(map[string]time.Time)
	}
	l.seen[key] = now
	l.waiting = append(l.waiting, &lined{req: req, callID: req.CallID().Value(), at: now, done: make(chan struct{})})
}

// seenLately reports whether a request of the transaction key was read in
// the last seenFor (an entry not pruned yet may be older).
func (l *Requests) seenLately(key string, now time.Time) bool {
	at, ok := l.seen[key]
	return ok && now.Sub(at) <= seenFor
}

// Turn waits, in req's handler, until the handlers of the requests of its
// dialog read before it are done with them (Done), or have taken Wait since
// they were read, or ctx ends.
func (l *Requests) Turn(ctx context.Context, req *sipgosip.Request) {
	key, ok := lineKey(req)
	if !ok {
		return
	}
	for _, w := range l.before(ctx, req, key) {
		if wait := Wait - time.Since(w.at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-w.done:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
}

// Done tells that req's handler is done with it: the requests of its dialog
// read after it may go. It may be called more than once.
func (l *Requests) Done(req *sipgosip.Request) {
	l.mu.Lock()
	var me *lined
	l.waiting = slices.DeleteFunc(l.waiting, func(w *lined) bool {
		if w.req == req {
			me = w
			return true
		}
		return false
	})
	l.mu.Unlock()
	if me != nil {
		me.once.Do(func() { close(me.done) })
	}
}

// before returns the requests of req's dialog read before it. sipgo starts
// the handler's goroutine before the read loop calls Read, so req may not
// be lined up yet: before waits for it, Wait at most. A request whose
// transaction key was seen already, and that is not in the line, was taken
// for one sent again (an ACK repeated for a 2xx sent again, say): nothing
// is before it.
func (l *Requests) before(ctx context.Context, req *sipgosip.Request, key string) []*lined {
	var timeout <-chan time.Time
	var before []*lined
	for {
		l.mu.Lock()
		for _, w := range l.waiting {
			if w.req == req {
				l.mu.Unlock()
				return before
			}
			if w.callID == req.CallID().Value() {
				before = append(before, w)
			}
		}
		before = before[:0]
		if l.seenLately(key, time.Now()) {
			l.mu.Unlock()
			return nil
		}
		if l.more == nil {
			l.more = make(chan struct{})
		}
		more := l.more
		l.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(Wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-more:
		case <-timeout:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}
