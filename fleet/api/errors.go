package api

import "errors"

// Sentinel errors; match them with errors.Is. The server maps them to
// status codes (404, 400, 409).
var (
	// ErrNoPhone: no phone with that ID.
	ErrNoPhone = errors.New("api: no such phone")
	// ErrBadRequest: a request the API cannot read.
	ErrBadRequest = errors.New("api: bad request")
	// ErrNoScreen: the phone runs without a screen application.
	ErrNoScreen = errors.New("api: phone has no screen")
)
