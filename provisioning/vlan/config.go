package vlan

import (
	"log/slog"
)

// Config says what an Agent speaks on which interface.
type Config struct {
	Interface string
	LLDP, CDP bool
	Identity  Identity
	// Logger gets the frames it could not read; nil discards.
	Logger *slog.Logger
}
