package sip

import (
	"context"
	"slices"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Messages in the order they were read. sipgo's transaction layer handles
// each message it reads on a goroutine of its own, so a message can overtake
// the one read before it: a 200 its 180, which the INVITE's transaction then
// drops (the phone would skip ringing, early media and the PRACK), or the
// second of two requests of a dialog the first, which is then answered 500
// as out of order (RFC 3261 §12.2.2: a DTMF digit or a transfer's progress
// lost). The transport layer also calls the UA's own handler (onRead), on its
// read loop, in the order it read the messages. There the UA queues the
// responses of the transactions that take provisional responses (transact
// takes those from the queue instead of from the transaction), and lines up
// the requests of each dialog: a request is routed once those read before it
// in its dialog have been (inOrder).

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
	switch m := m.(type) {
	case *sipgosip.Request:
		u.lineUp(m)
	case *sipgosip.Response:
		u.mu.Lock()
		waiting := len(u.arriving) > 0
		u.mu.Unlock()
		if !waiting {
			return
		}
		key, err := sipgosip.ClientTxKeyMake(m)
		if err != nil {
			return
		}
		u.mu.Lock()
		a := u.arriving[key]
		u.mu.Unlock()
		if a != nil {
			a.add(m)
		}
	}
}

// requestLine is the UA's requests read and not yet routed, in read order.
type requestLine struct {
	mu      sync.Mutex
	waiting []*lined
	// seen are the transactions of requests lined up lately: sipgo's
	// transaction absorbs a request sent again, which never reaches route.
	seen map[string]time.Time
	// more is closed (and replaced) when a request is lined up.
	more chan struct{}
}

// lined is a request read and not yet routed.
type lined struct {
	req    *sipgosip.Request
	callID string
	at     time.Time
	routed chan struct{}
}

// Both bounds are on the system clock, not the UA's: they mirror sipgo's
// transaction timers and bound its goroutines' race, which run on it too (a
// test's fake clock would hold the line until the test moved it).
const (
	// seenFor is how long a request's transaction absorbs the request sent
	// again (Timer J over UDP, 64·T1 with sipgo's T1 of 500 ms).
	seenFor = 32 * time.Second
	// lineWait bounds the wait for a request read before: one that never
	// reaches route (sipgo could not make its transaction) holds up the
	// next ones only that long.
	lineWait = time.Second
)

// lineKey is the transaction key of a request that is lined up (sipgo's
// server transactions key it the same way: branch and method, ACK as
// INVITE). CANCEL is not lined up (sipgo answers it itself when it matches
// an INVITE), nor are requests sipgo rejects before route. An ACK to a
// 2xx is (a BYE right behind it waits for it: the call is confirmed, then
// ended); an ACK to a failure has its INVITE's branch, so lineUp takes it
// for the INVITE sent again, which sipgo's transaction absorbs as it does
// that ACK.
func lineKey(req *sipgosip.Request) (string, bool) {
	if req.Method == sipgosip.CANCEL || req.CallID() == nil {
		return "", false
	}
	key, err := sipgosip.ClientTxKeyMake(req)
	return key, err == nil
}

// lineUp records a request as read.
func (u *UA) lineUp(req *sipgosip.Request) {
	key, ok := lineKey(req)
	if !ok {
		return
	}
	now := time.Now()
	l := &u.requests
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, at := range l.seen {
		if now.Sub(at) > seenFor {
			delete(l.seen, k)
		}
	}
	// One that never reached route is forgotten as its transaction would
	// have been.
	l.waiting = slices.DeleteFunc(l.waiting, func(w *lined) bool { return now.Sub(w.at) > seenFor })
	if l.more != nil {
		close(l.more)
		l.more = nil
	}
	if _, again := l.seen[key]; again {
		return
	}
	if l.seen == nil {
		l.seen = make(map[string]time.Time)
	}
	l.seen[key] = now
	l.waiting = append(l.waiting, &lined{req: req, callID: req.CallID().Value(), at: now, routed: make(chan struct{})})
}

// place finds req in the line and the requests of its dialog read before
// it. sipgo starts route's goroutine before the read loop calls onRead, so
// req may not be lined up yet: place waits for it, lineWait at most. A
// request its transaction's key was seen for already, and not in the line,
// was taken for one sent again (an ACK repeated for a 2xx sent again, say):
// it is routed at once.
func (l *requestLine) place(ctx context.Context, req *sipgosip.Request, key string) (me *lined, before []*lined) {
	var timeout <-chan time.Time
	for {
		l.mu.Lock()
		for _, w := range l.waiting {
			if w.req == req {
				l.mu.Unlock()
				return w, before
			}
			if w.callID == req.CallID().Value() {
				before = append(before, w)
			}
		}
		before = before[:0]
		if _, seen := l.seen[key]; seen {
			l.mu.Unlock()
			return nil, nil
		}
		if l.more == nil {
			l.more = make(chan struct{})
		}
		more := l.more
		l.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(lineWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-more:
		case <-timeout:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// inOrder routes req once the requests of its dialog (its Call-ID) read
// before it have been routed, or have waited lineWait.
func (u *UA) inOrder(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	l := &u.requests
	var me *lined
	var before []*lined
	if key, ok := lineKey(req); ok {
		me, before = l.place(u.runCtx, req, key)
	}
	for _, w := range before {
		if wait := lineWait - time.Since(w.at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-w.routed:
			case <-t.C:
			case <-u.runCtx.Done():
			}
			t.Stop()
		}
	}
	if me != nil {
		defer func() {
			close(me.routed)
			l.mu.Lock()
			l.waiting = slices.DeleteFunc(l.waiting, func(w *lined) bool { return w == me })
			l.mu.Unlock()
		}()
	}
	u.route(req, tx)
}
