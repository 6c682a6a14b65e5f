package device

import (
	"context"
	"crypto/x509"
	"net/netip"
	"time"
)

// NetConfig says how a phone in DHCP mode (network/lan_type=DHCP) reaches
// its network, and tunes the boot services' time-outs and back-off. The zero
// value means no DHCP client: the phone keeps the address of Config.Addr (as
// fleets without a DHCP server and the demo do) and boots without a lease.
//
// Raw mode (Interface set) is the phone on an Ethernet port: DHCP over
// AF_PACKET sockets (CAP_NET_RAW), the carrier watched ("LAN Link failure"),
// ARP probes ("Duplicate IP"); in a voice VLAN (manual, or the switch's
// LLDP-MED or CDP answer) its DHCP and ARP frames carry the 802.1Q tag, so
// the address comes from the voice VLAN's scope. The emulator does not configure the interface
// with the leased address: the phone's other sockets (provisioning, NTP, SIP)
// use the host's routing, and SIP binds to the leased address, so that
// address must be usable on the host (a board whose OS configures eth0, or a
// test whose servers are on loopback).
//
// UDP mode (DHCPServer set) is a fleet phone: DHCP as ordinary UDP from
// Config.Addr to one server address and port, without privilege. The server
// must offer each phone the address it sends from (lab/dhcpserver's
// ClientSourceAddress), since the phone's sockets are bound to Config.Addr.
type NetConfig struct {
	// Interface puts the phone in raw mode on this interface.
	Interface string
	// PCInterface, in raw mode, is the phone's PC port: the computer behind
	// the phone is bridged from it to Interface.
	PCInterface string
	// Do runs f on a thread inside the interface's network namespace (a test
	// puts the phone's port in a namespace); nil runs f directly. The raw
	// sockets and the carrier checks are made through Do.
	Do func(f func() error) error

	// DHCPServer puts the phone in UDP mode towards this server.
	DHCPServer netip.AddrPort

	// LookupHost resolves the Static DNS provisioning name
	// (ProvisioningServer); nil means the system resolver.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// TrustRoots replaces the built-in trust store of HTTPS provisioning (a
	// private PKI, tests); nil means the built-in store. CA certificates
	// downloaded from security/ca_certificate/{n}/uri are added to either.
	TrustRoots *x509.CertPool
	// NTPPort is the port NTP servers given without one are asked on (DHCP
	// option 42 carries addresses only); 0 means 123.
	NTPPort int
	// VLANWait is how long the VLAN stage waits for the switch's CDP or
	// LLDP-MED answer on an Ethernet port; 0 means 3 s.
	VLANWait time.Duration
	// Dot1XTimeout is how long each of the 802.1X supplicant's three
	// EAPOL-Starts waits for the switch; 0 means 3 s.
	Dot1XTimeout time.Duration
	// TFTPPort is the port TFTP servers named without one are asked on
	// during recovery (option 66 without a port, or siaddr); 0 means 69.
	TFTPPort int

	// DHCPTimeout is the first wait of a DHCP exchange (each retransmission
	// doubles it); 0 means 4 s. DHCPRetries is the number of transmissions
	// per exchange; 0 means 4.
	DHCPTimeout time.Duration
	DHCPRetries int
	// FetchTimeout bounds connecting to a provisioning server and any
	// silence during a transfer; 0 means 30 s.
	FetchTimeout time.Duration
	// NTPTimeout bounds each time server's answer; 0 means 3 s.
	NTPTimeout time.Duration
	// RetryMin and RetryMax bound the back-off between failed attempts
	// (DHCP, provisioning, time); 0 means 5 s and 5 minutes.
	RetryMin, RetryMax time.Duration
	// LinkPoll is how often a missing carrier is checked again; 0 means 1 s.
	LinkPoll time.Duration
	// RecoveryDelay is how long a failed recovery waits before the phone
	// reboots to try again; 0 means 5 s (FW-3: "reboots roughly every 5 s").
	RecoveryDelay time.Duration
}

// netMode is how a phone gets its address in DHCP mode.
type netMode int

const (
	netNone netMode = iota // no DHCP client: Config.Addr
	netRaw                 // AF_PACKET on an interface
	netUDP                 // UDP towards one server
)

func (n NetConfig) mode() netMode {
	switch {
	case n.Interface != "":
		return netRaw
	case n.DHCPServer.IsValid():
		return netUDP
	}
	return netNone
}

// do runs f in the interface's namespace.
func (n NetConfig) do(f func() error) error {
	if n.Do == nil {
		return f()
	}
	return n.Do(f)
}

// openInPort runs open in the interface's namespace, so that the sockets it
// makes belong there, and returns what it opened.
func openInPort[T any](n NetConfig, open func() (T, error)) (T, error) {
	var v T
	err := n.do(func() error {
		var err error
		v, err = open()
		return err
	})
	return v, err
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (n NetConfig) retryMin() time.Duration { return orDuration(n.RetryMin, 5*time.Second) }
func (n NetConfig) retryMax() time.Duration {
	return max(orDuration(n.RetryMax, 5*time.Minute), n.retryMin())
}
func (n NetConfig) linkPoll() time.Duration      { return orDuration(n.LinkPoll, time.Second) }
func (n NetConfig) recoveryDelay() time.Duration { return orDuration(n.RecoveryDelay, 5*time.Second) }

// backoff doubles a retry wait from RetryMin up to RetryMax.
type backoff struct {
	min, max, next time.Duration
}

func (n NetConfig) backoff() *backoff {
	return &backoff{min: n.retryMin(), max: n.retryMax(), next: n.retryMin()}
}

// wait returns the next wait and doubles the one after it.
func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	return d
}

// reset starts again from the shortest wait (after a success).
func (b *backoff) reset() { b.next = b.min }
