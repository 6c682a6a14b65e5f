//go:build !linux

package vlan

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// Agent needs Linux packet sockets.
type Agent struct{}

var errUnsupported = errors.New("vlan: LLDP and CDP need Linux packet sockets")

// Open fails outside Linux.
func Open(Config) (*Agent, error) { return nil, errUnsupported }

func (*Agent) Advertise() error { return errUnsupported }
func (*Agent) Discover(context.Context, time.Duration) (Policy, bool, error) {
	return Policy{}, false, errUnsupported
}
func (*Agent) SetAddr(netip.Addr)                                     {}
func (*Agent) Run(context.Context, time.Duration, func(Policy)) error { return errUnsupported }
func (*Agent) Close() error                                           { return nil }
