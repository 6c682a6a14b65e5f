package sip

import (
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/sipinorder"
)

// Messages in the order they were read (see internal/sipinorder): the UA
// takes a transaction's provisional responses, and the requests of each
// dialog, in the order its transport read them, not in the order sipgo's
// goroutines handled them.

// readOrder is what sipgo's transport read, in order.
type readOrder struct {
	responses sipinorder.Responses
	requests  sipinorder.Requests
}

// onRead sees every message sipgo's transport layer reads, in order, on its
// read loop.
func (u *UA) onRead(m sipgosip.Message) {
	switch m := m.(type) {
	case *sipgosip.Request:
		u.read.requests.Read(m)
	case *sipgosip.Response:
		u.read.responses.Read(m)
	}
}

// inOrder routes req once the requests of its dialog read before it have
// been routed.
func (u *UA) inOrder(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u.read.requests.Turn(u.runCtx, req)
	defer u.read.requests.Done(req)
	if u.late() {
		return
	}
	u.route(req, tx)
}

// late reports whether a request reached the UA after its socket closed,
// and then closes sipgo's transport again. sipgo hands each request read to
// a goroutine of its own, which finds the socket to answer from in its
// pool; one that ran after the UA's stack closed found the pool emptied
// and bound a socket of its own for the answer, which nothing would close
// (a phone powered off as requests came left one open each time). It
// comes here next: closing the transport closes that socket, and the
// request, read by a socket now gone, is left unanswered.
func (u *UA) late() bool {
	u.spawnMu.Lock()
	closed := u.socketClosed
	u.spawnMu.Unlock()
	if closed {
		u.sua.TransportLayer().Close()
	}
	return closed
}
