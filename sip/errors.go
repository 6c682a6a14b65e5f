package sip

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotRunning: an intent was given before Run started or after it ended.
	ErrNotRunning = errors.New("sip: user agent is not running")
	// ErrConfig: the Config cannot be used.
	ErrConfig = errors.New("sip: bad configuration")
	// ErrNoResponse: no server answered within the no-response timeout.
	ErrNoResponse = errors.New("sip: no response")
	// ErrNoServer: there is no server to send a request to (nothing
	// configured, or DNS found nothing).
	ErrNoServer = errors.New("sip: no server")
	// ErrResolve: DNS resolution failed.
	ErrResolve = errors.New("sip: resolve")
	// ErrAuth: the server refused the credentials.
	ErrAuth = errors.New("sip: authentication failed")
	// ErrCallState: the intent does not fit the call's state (answering a
	// call that is already answered, cancelling an established call).
	ErrCallState = errors.New("sip: wrong call state")
	// ErrCallEnded: the call has ended.
	ErrCallEnded = errors.New("sip: call ended")
	// ErrTLSVersion: a TLS method or version the Go runtime cannot speak
	// (SSL 2 and 3).
	ErrTLSVersion = errors.New("sip: TLS version not supported")
	// ErrParse: a header or body could not be parsed.
	ErrParse = errors.New("sip: parse error")
	// ErrSubscription: the subscription is not active.
	ErrSubscription = errors.New("sip: subscription not active")
)

// ResponseError is a final SIP response that ended a request (a 486 Busy
// Here to an INVITE, a 403 to a REGISTER). Match it with errors.As; the UI
// shows Code and Reason.
type ResponseError struct {
	Method string
	Code   int
	Reason string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("sip: %s: %d %s", e.Method, e.Code, e.Reason)
}

// Is makes errors.Is(err, ErrAuth) true for 401, 403 and 407 responses.
func (e *ResponseError) Is(target error) bool {
	return target == ErrAuth && (e.Code == 401 || e.Code == 403 || e.Code == 407)
}
