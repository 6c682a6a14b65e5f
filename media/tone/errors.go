package tone

import "errors"

var (
	// ErrUnknownCountry is returned for a selected_country value that is not
	// one of the fourteen the phone supports.
	ErrUnknownCountry = errors.New("tone: unknown country")
	// ErrBadTone is returned for a user-defined tone whose values are out of
	// the manual's ranges; the tone is left out, the others stay.
	ErrBadTone = errors.New("tone: invalid user-defined tone")
	// ErrUnknownRing is returned for a ring tone name that is neither built
	// in nor uploaded.
	ErrUnknownRing = errors.New("tone: unknown ring tone")
	// ErrRingFormat is returned for an uploaded ring tone in a format the
	// phone does not accept (it takes A-law or µ-law 8 kHz 8-bit, or PCM
	// 16 kHz 16-bit, mono WAV files).
	ErrRingFormat = errors.New("tone: ring tone format not accepted")
	// ErrRate is returned for a sample rate other than 8000 or 16000.
	ErrRate = errors.New("tone: sample rate must be 8000 or 16000")
)
