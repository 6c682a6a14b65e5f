package web

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrNoPhone is returned by New when Config.Phone is nil.
	ErrNoPhone = errors.New("web: Config.Phone is required")
	// ErrTooLarge: an upload is over its size limit.
	ErrTooLarge = errors.New("web: upload too large")
	// ErrBadUpload: an upload is not the kind of file the page takes.
	ErrBadUpload = errors.New("web: not an accepted file")
	// ErrNotAvailable: the feature's hook is not wired in.
	ErrNotAvailable = errors.New("web: not available on this phone")
)
