package pcport

import (
	"log/slog"
	"net"
	"time"
)

// Config names the two ports.
type Config struct {
	LAN, PC string
	// Mirror copies every LAN frame to the PC port (hub mode,
	// network/pc_port_mirroring/enabled); off, the port acts as a switch.
	Mirror bool
	// LinkPoll is how often the PC port's carrier is checked; 0 means 1 s.
	LinkPoll time.Duration
	// OnLogoff is told each computer logged off for (optional).
	OnLogoff func(net.HardwareAddr)
	Logger   *slog.Logger
}
