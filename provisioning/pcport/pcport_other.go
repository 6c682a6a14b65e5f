//go:build !linux

package pcport

import (
	"context"
	"errors"
)

// Port needs Linux packet sockets.
type Port struct{}

// Open fails outside Linux.
func Open(Config) (*Port, error) {
	return nil, errors.New("pcport: the PC port needs Linux packet sockets")
}

func (*Port) Run(context.Context) {}
func (*Port) Close() error        { return nil }
