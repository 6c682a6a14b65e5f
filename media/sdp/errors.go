package sdp

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrMalformed: the body is not valid SDP. Parse returns a *ParseError
	// wrapping it.
	ErrMalformed = errors.New("sdp: malformed description")
	// ErrNoAudio: the description has no usable audio stream (none, or every
	// audio m= line has port 0 or a transport the phone cannot speak).
	ErrNoAudio = errors.New("sdp: no usable audio stream")
	// ErrNoCommonCodec: no codec is common to both sides (behaviour MEDIA-2).
	ErrNoCommonCodec = errors.New("sdp: no common codec")
	// ErrSecurity: the sides disagree on SRTP: one requires it and the other
	// does not support it, or no crypto suite is common.
	ErrSecurity = errors.New("sdp: media security mismatch")
	// ErrBadLocal: the Local description is unusable (no codecs, no port,
	// a crypto key of the wrong length).
	ErrBadLocal = errors.New("sdp: bad local description")
)

// ParseError tells which line of a description is malformed.
type ParseError struct {
	Line int    // 1-based line number, 0 for the whole body
	Text string // the offending line, truncated
	Err  error  // the cause
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("sdp: %v", e.Err)
	}
	return fmt.Sprintf("sdp: line %d %q: %v", e.Line, e.Text, e.Err)
}

// Unwrap lets errors.Is find ErrMalformed and the cause.
func (e *ParseError) Unwrap() []error { return []error{ErrMalformed, e.Err} }
