package audio

import "errors"

var (
	// ErrRate is returned for a sample rate other than 8000 or 16000, or a
	// conversion between rates that are not 8000 and 16000.
	ErrRate = errors.New("audio: sample rate must be 8000 or 16000")
	// ErrFrame is returned by Mixer.Mix for frames of the wrong shape.
	ErrFrame = errors.New("audio: frames do not match the mixer")
	// ErrClosed is returned by a sink written after Close.
	ErrClosed = errors.New("audio: endpoint closed")
)
