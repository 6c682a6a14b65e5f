package dhcp

import (
	"log/slog"
	"net"
	"time"

	"github.com/hdphone/hdphone/clock"
)

// Config configures a Client. The zero value of every field but Model (and
// MAC in UDP mode) is a working default.
type Config struct {
	// Model is the bare model name ("450HD") sent as options 60 and 77.
	Model string
	// VendorClass and UserClass override options 60 and 77; "" means Model.
	VendorClass, UserClass string
	// MAC is the client hardware address (chaddr). Raw mode defaults to the
	// interface's address; UDP mode requires it.
	MAC net.HardwareAddr
	// URLOption is provisioning/url_option_value, the option read as the
	// provisioning URL; 0 means 160.
	URLOption uint8
	// Recovery makes the DISCOVER of the recovery loader (FW-3): it asks for
	// 66 and 67 only.
	Recovery bool
	// BroadcastFlag sets the BOOTP broadcast flag on DISCOVER and REQUEST.
	BroadcastFlag bool
	// VLAN, in raw mode, is the 802.1Q VLAN the client speaks in (the
	// voice VLAN: network/lan/vlan/id, or the switch's LLDP-MED or CDP
	// answer) with VLANPriority (802.1p, 0-7); 0 means untagged.
	VLAN, VLANPriority int

	// Timeout is the wait for the first answer of an exchange; each
	// retransmission doubles it. 0 means 4 s (RFC 2131 §4.1).
	Timeout time.Duration
	// Retries is the number of transmissions per exchange; 0 means 4.
	Retries int
	// ProbeWait is how long raw mode listens for an answer to its ARP
	// probe of a new address; 0 means 500 ms, negative skips the probe.
	ProbeWait time.Duration
	// RetryWait is Run's pause after a failed DORA; 0 means 10 s, the
	// minimum RFC 2131 §3.1 asks after a DHCPDECLINE.
	RetryWait time.Duration
	// LinkPoll is how often Run checks the carrier in raw mode; 0 means 1 s.
	LinkPoll time.Duration

	Clock  clock.Clock  // nil means the system clock
	Logger *slog.Logger // nil discards
	// OnEvent, if set, is called by Run for every lease change, in order, on
	// Run's goroutine: it must not block for long.
	OnEvent func(Event)
}

// EventKind says what happened to the lease.
type EventKind string

// Event kinds.
const (
	EventBound    EventKind = "bound"     // a DORA gave a new lease
	EventRenewed  EventKind = "renewed"   // the server extended it at T1
	EventRebound  EventKind = "rebound"   // some server extended it at T2
	EventExpired  EventKind = "expired"   // it ran out; DHCP restarts
	EventNak      EventKind = "nak"       // a server refused it; DHCP restarts
	EventDeclined EventKind = "declined"  // the address was in use (Duplicate IP)
	EventLinkDown EventKind = "link-down" // no carrier (LAN Link failure)
	EventFailed   EventKind = "failed"    // a DORA got no usable answer
	EventReleased EventKind = "released"
)

// Event is a change of the client's lease, reported by Run.
type Event struct {
	At    time.Time
	Kind  EventKind
	Lease *Lease // the new lease (bound, renewed, rebound), else the lost one or nil
	Err   error  // why, for expired, nak, declined, link-down and failed
}
