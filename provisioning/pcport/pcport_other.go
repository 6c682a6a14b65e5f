//go:build !linux

package pcport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"
)

// Config names the two ports.
type Config struct {
	LAN, PC  string
	Mirror   bool
	LinkPoll time.Duration
	OnLogoff func(net.HardwareAddr)
	Logger   *slog.Logger
}

// Port needs Linux packet sockets.
type Port struct{}

// Open fails outside Linux.
func Open(Config) (*Port, error) {
	return nil, errors.New("pcport: the PC port needs Linux packet sockets")
}

func (*Port) Run(context.Context) {}
func (*Port) Close() error        { return nil }
