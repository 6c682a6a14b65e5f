package ui

import "errors"

var (
	// ErrNotRunning is returned by Press when the App is not running.
	ErrNotRunning = errors.New("ui: screen application not running")
	// ErrNotAvailable is returned by an intent the phone does not offer.
	ErrNotAvailable = errors.New("ui: not available on this phone")
	// ErrBadKey is returned by Press for a key the model does not have.
	ErrBadKey = errors.New("ui: no such key")
	// ErrConfig is returned by New for a Config without a phone or board.
	ErrConfig = errors.New("ui: incomplete configuration")
)
