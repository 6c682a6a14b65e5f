package media

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrClosed is returned by the methods of a closed Engine, Session,
	// Pager or PageListener.
	ErrClosed = errors.New("media: closed")
	// ErrNoPorts: every RTP/RTCP port pair of the range is busy.
	ErrNoPorts = errors.New("media: no free RTP port pair")
	// ErrNotStarted: the session has no negotiated stream yet (Start).
	ErrNotStarted = errors.New("media: session not started")
	// ErrNoCodec: the negotiated codec is not among the codecs given to the
	// session.
	ErrNoCodec = errors.New("media: negotiated codec not available")
	// ErrNoTelephoneEvent: RFC 4733 was not negotiated, so DTMF must go
	// another way (SIP INFO or in-band tones).
	ErrNoTelephoneEvent = errors.New("media: telephone-event not negotiated")
	// ErrBadDigit: not a DTMF digit (0-9, *, #, A-D).
	ErrBadDigit = errors.New("media: not a DTMF digit")
	// ErrDTMFBusy: too many digits are queued.
	ErrDTMFBusy = errors.New("media: DTMF queue full")
	// ErrBadConfig: a configuration value is out of range or unreadable.
	ErrBadConfig = errors.New("media: bad configuration")
	// ErrSRTP: SRTP keys could not be set up.
	ErrSRTP = errors.New("media: SRTP setup failed")

	errNoPoller = errors.New("media: no receive poller on this platform")
)
