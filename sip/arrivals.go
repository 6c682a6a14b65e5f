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
	u.route(req, tx)
}
