package g729

import "errors"

var (
	// ErrNotInBuild is returned by the stub: this binary has no G.729.
	ErrNotInBuild = errors.New("g729: not in this build (needs cgo and the bcg729 build tag)")
	// ErrFrameLength is returned for PCM that is not whole 80-sample frames
	// or a payload that is not whole 10-byte frames plus an optional SID.
	ErrFrameLength = errors.New("g729: not a whole number of frames")
)
