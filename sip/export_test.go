package sip

import (
	"context"

	sipgosip "github.com/emiago/sipgo/sip"
)

// StackMade reports whether u has made sipgo's stack, which a UA on a
// shared socket makes only once something needs it.
func StackMade(u *UA) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sua != nil
}

// SendACK sends an ACK in a dialog with the far end at target, as a call
// of u does once a 2xx arrives (whatever u's state).
func SendACK(u *UA, target sipgosip.Uri) error {
	d := &dialog{callID: newCallID(), localTag: newTag(), remoteTag: newTag(), local: u.aor, remote: target, remoteTarget: target, localSeq: 1}
	return u.sendAck(context.Background(), d, d.request(u, sipgosip.ACK))
}

// WriteRequest is writeRequest, the UA's writer of its UDP requests.
var WriteRequest = writeRequest
