package vlan

import "errors"

// ErrFrame is returned for a frame that is not well formed; the agent
// ignores such frames and keeps listening.
var ErrFrame = errors.New("vlan: malformed frame")
