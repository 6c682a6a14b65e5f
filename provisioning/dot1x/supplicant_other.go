//go:build !linux

package dot1x

import (
	"context"
	"errors"
)

// Supplicant needs Linux packet sockets.
type Supplicant struct{}

var errUnsupported = errors.New("dot1x: 802.1X needs Linux packet sockets")

// Open fails outside Linux.
func Open(Config) (*Supplicant, error) { return nil, errUnsupported }

func (*Supplicant) Authenticate(context.Context) error { return errUnsupported }
func (*Supplicant) Run(context.Context, func(error))   {}
func (*Supplicant) Close() error                       { return nil }
