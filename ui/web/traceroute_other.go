//go:build !linux

package web

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

func traceroute(context.Context, netip.Addr, int, time.Duration) ([]Hop, error) {
	return nil, fmt.Errorf("%w: traceroute needs Linux", ErrNotAvailable)
}
