//go:build !linux

package dot1x

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"time"
)

// Config is a supplicant's port and credentials.
type Config struct {
	Interface          string
	Identity, Password string
	TLS                *tls.Config
	TLSFragment        int
	Timeout            time.Duration
	Tries              int
	Logger             *slog.Logger
}

// Supplicant needs Linux packet sockets.
type Supplicant struct{}

var errUnsupported = errors.New("dot1x: 802.1X needs Linux packet sockets")

// Open fails outside Linux.
func Open(Config) (*Supplicant, error) { return nil, errUnsupported }

func (*Supplicant) Authenticate(context.Context) error { return errUnsupported }
func (*Supplicant) Run(context.Context, func(error))   {}
func (*Supplicant) Close() error                       { return nil }
