package dhcp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Sentinel errors. Match them with errors.Is; the typed errors below wrap
// them with details.
var (
	// ErrLinkDown means the interface has no carrier: the phone shows
	// "LAN Link failure" (raw mode only).
	ErrLinkDown = errors.New("dhcp: LAN link failure")
	// ErrDuplicateIP means another host answered the ARP probe for the
	// offered address; the client declined it. The phone shows "Duplicate IP".
	ErrDuplicateIP = errors.New("dhcp: duplicate IP")
	// ErrNoAnswer means no server answered within the retransmissions.
	ErrNoAnswer = errors.New("dhcp: no answer from a DHCP server")
	// ErrNak means a server refused a request with DHCPNAK.
	ErrNak = errors.New("dhcp: request refused (DHCPNAK)")
	// ErrLeaseExpired means the lease ran out before a renew or rebind
	// succeeded.
	ErrLeaseExpired = errors.New("dhcp: lease expired")
	// ErrBadOption means an option's bytes do not decode.
	ErrBadOption = errors.New("dhcp: malformed option")
	// ErrBadReply means a reply lacks what a lease needs (address, server).
	ErrBadReply = errors.New("dhcp: unusable reply")
	// ErrUnsupported means raw sockets are not available on this platform.
	ErrUnsupported = errors.New("dhcp: raw-socket mode is not supported on this platform")
	// ErrConfig means the client configuration is incomplete.
	ErrConfig = errors.New("dhcp: bad configuration")
)

// Screen notifications the phone shows for these errors (Table 2-9).
const (
	NotifyLinkDown    = "LAN Link failure"
	NotifyDuplicateIP = "Duplicate IP"
)

// Notification returns the screen notification for err, or "" when the
// phone shows none for it.
func Notification(err error) string {
	switch {
	case errors.Is(err, ErrLinkDown):
		return NotifyLinkDown
	case errors.Is(err, ErrDuplicateIP):
		return NotifyDuplicateIP
	}
	return ""
}

// DuplicateIPError reports an address that another host already uses.
type DuplicateIPError struct {
	Addr  netip.Addr       // the offered address
	Owner net.HardwareAddr // the MAC that answered the probe
}

func (e *DuplicateIPError) Error() string {
	return fmt.Sprintf("dhcp: duplicate IP: %s is already used by %s", e.Addr, e.Owner)
}

// Unwrap makes errors.Is(err, ErrDuplicateIP) true.
func (e *DuplicateIPError) Unwrap() error { return ErrDuplicateIP }

// NakError is a DHCPNAK from a server.
type NakError struct {
	Server  netip.Addr
	Message string // option 56, if the server sent one
}

func (e *NakError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("dhcp: request refused (DHCPNAK) by %s: %s", e.Server, e.Message)
	}
	return fmt.Sprintf("dhcp: request refused (DHCPNAK) by %s", e.Server)
}

// Unwrap makes errors.Is(err, ErrNak) true.
func (e *NakError) Unwrap() error { return ErrNak }

// OptionError is an option that did not decode. A lease keeps its other
// options; the bad one is listed in Lease.BadOptions with its raw bytes in
// Lease.Raw.
type OptionError struct {
	Code uint8
	Err  error
}

func (e *OptionError) Error() string { return fmt.Sprintf("option %d: %v", e.Code, e.Err) }

// Unwrap returns the cause (which wraps ErrBadOption).
func (e *OptionError) Unwrap() error { return e.Err }
