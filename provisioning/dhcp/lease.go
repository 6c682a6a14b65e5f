package dhcp

import (
	"maps"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Lease is an address and the options that came with it, decoded into plain
// values. A Lease is a value: the client never changes one it has handed out.
type Lease struct {
	// MAC is the client hardware address the lease is bound to.
	MAC net.HardwareAddr
	// Address is the leased address with the prefix length of option 1
	// (/32 when the server sent no mask).
	Address netip.Prefix
	// Server is the server identifier (option 54): renewals go there.
	Server netip.Addr
	// ServerMAC is the Ethernet address the server's replies came from
	// (raw mode), used to unicast renewals.
	ServerMAC net.HardwareAddr

	Routers    []netip.Addr // option 3
	DNS        []netip.Addr // option 6
	DomainName string       // option 15

	// Acquired is when the ACK arrived, on the client's clock. Duration,
	// T1 and T2 count from it.
	Acquired time.Time
	Duration time.Duration // option 51
	T1       time.Duration // option 58, else Duration/2
	T2       time.Duration // option 59, else Duration*7/8

	// ProvisioningURL is the text of the URL option (URLOption: 160 unless
	// provisioning/url_option_value says otherwise).
	ProvisioningURL string
	URLOption       uint8
	TFTPServer      string // option 66
	BootFile        string // option 67
	// NextServer (siaddr) and BootFileField (the header's file field) are
	// the BOOTP way of naming the TFTP server and the file, which DHCP
	// servers set for network boot without options 66 and 67 (dnsmasq's
	// dhcp-boot, ISC's next-server and filename, Tftpd32). Zero and "" when
	// absent.
	NextServer    netip.Addr
	BootFileField string

	NTPServers  []netip.Addr // option 42
	TimeServers []netip.Addr // option 4
	// TimeOffset is option 2, the zone's offset from UTC; nil when absent.
	TimeOffset *time.Duration

	SIPServers []string   // option 120: names or addresses
	VendorInfo VendorInfo // option 43

	// Raw holds every option as received.
	Raw map[uint8][]byte
	// BadOptions lists options that did not decode; their values above are
	// left empty and their bytes stay in Raw.
	BadOptions []*OptionError
}

// RenewAt is when the client starts renewing (T1).
func (l *Lease) RenewAt() time.Time { return l.Acquired.Add(l.T1) }

// RebindAt is when the client starts rebinding (T2).
func (l *Lease) RebindAt() time.Time { return l.Acquired.Add(l.T2) }

// ExpiresAt is when the lease ends.
func (l *Lease) ExpiresAt() time.Time { return l.Acquired.Add(l.Duration) }

// TimeServersPreferred returns the NTP servers the phone uses from DHCP:
// option 42 when present, else option 4 (§3.6.4.2).
func (l *Lease) TimeServersPreferred() []netip.Addr {
	if len(l.NTPServers) > 0 {
		return slices.Clone(l.NTPServers)
	}
	return slices.Clone(l.TimeServers)
}

// TextOptions returns the text options the provisioning decision reads,
// decoded (dnsmasq's trailing NUL and surrounding spaces removed), keyed by
// option number: the URL option, 66, 67, and every other site-specific
// option (128-254) that is text, since provisioning/url_option_value may
// name any of them.
func (l *Lease) TextOptions() map[int]string {
	out := map[int]string{}
	for code, raw := range l.Raw {
		if code != OptTFTPServer && code != OptBootFile && code != l.URLOption && code < 128 {
			continue
		}
		if s, err := DecodeString(raw); err == nil {
			out[int(code)] = s
		}
	}
	return out
}

// Clone returns a deep copy.
func (l *Lease) Clone() *Lease {
	c := *l
	c.MAC = slices.Clone(l.MAC)
	c.ServerMAC = slices.Clone(l.ServerMAC)
	c.Routers = slices.Clone(l.Routers)
	c.DNS = slices.Clone(l.DNS)
	c.NTPServers = slices.Clone(l.NTPServers)
	c.TimeServers = slices.Clone(l.TimeServers)
	c.SIPServers = slices.Clone(l.SIPServers)
	if l.TimeOffset != nil {
		off := *l.TimeOffset
		c.TimeOffset = &off
	}
	c.VendorInfo.Sub = cloneOptions(l.VendorInfo.Sub)
	c.Raw = cloneOptions(l.Raw)
	c.BadOptions = slices.Clone(l.BadOptions)
	return &c
}

func cloneOptions(m map[uint8][]byte) map[uint8][]byte {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}

// defaultLeaseTime applies when an ACK carries no option 51. RFC 2131 makes
// the option mandatory in an ACK; some servers still omit it.
const defaultLeaseTime = time.Hour

// DecodeLease turns an ACK into a Lease. urlOption is the option number read
// as the provisioning URL (0 means 160). A reply without an address or a
// server identifier is an error; a malformed optional option is only listed
// in BadOptions.
func DecodeLease(ack *dhcpv4.DHCPv4, urlOption uint8, acquired time.Time) (*Lease, error) {
	if urlOption == 0 {
		urlOption = OptProvisioningURL
	}
	l := &Lease{
		MAC:       slices.Clone(ack.ClientHWAddr),
		URLOption: urlOption,
		Acquired:  acquired,
		Raw:       map[uint8][]byte{},
	}
	for code, v := range ack.Options {
		l.Raw[code] = slices.Clone(v)
	}
	ip, ok := netip.AddrFromSlice(ack.YourIPAddr.To4())
	if !ok || ip.IsUnspecified() {
		return nil, errBadReply("no address (yiaddr)")
	}
	bad := func(code uint8, err error) {
		l.BadOptions = append(l.BadOptions, &OptionError{Code: code, Err: err})
	}
	bits := 32
	if raw, ok := l.Raw[OptSubnetMask]; ok {
		if n, err := DecodeSubnetMask(raw); err != nil {
			bad(OptSubnetMask, err)
		} else {
			bits = n
		}
	}
	l.Address = netip.PrefixFrom(ip, bits)

	if raw, ok := l.Raw[OptServerID]; ok && len(raw) == 4 {
		l.Server = netip.AddrFrom4([4]byte(raw))
	} else if sip, ok := netip.AddrFromSlice(ack.ServerIPAddr.To4()); ok && !sip.IsUnspecified() {
		// No option 54: fall back to siaddr, as old BOOTP-style servers expect.
		l.Server = sip
	} else {
		return nil, errBadReply("no server identifier (option 54)")
	}

	addrs := func(code uint8, dst *[]netip.Addr) {
		if raw, ok := l.Raw[code]; ok {
			a, err := DecodeAddrs(raw)
			if err != nil {
				bad(code, err)
				return
			}
			*dst = a
		}
	}
	text := func(code uint8, dst *string) {
		if raw, ok := l.Raw[code]; ok {
			s, err := DecodeString(raw)
			if err != nil {
				bad(code, err)
				return
			}
			*dst = s
		}
	}
	seconds := func(code uint8, dst *time.Duration) {
		if raw, ok := l.Raw[code]; ok {
			d, err := DecodeSeconds(raw)
			if err != nil {
				bad(code, err)
				return
			}
			*dst = d
		}
	}
	addrs(OptRouter, &l.Routers)
	addrs(OptDNS, &l.DNS)
	text(OptDomainName, &l.DomainName)
	addrs(OptNTPServers, &l.NTPServers)
	addrs(OptTimeServer, &l.TimeServers)
	text(urlOption, &l.ProvisioningURL)
	text(OptTFTPServer, &l.TFTPServer)
	text(OptBootFile, &l.BootFile)
	if next, ok := netip.AddrFromSlice(ack.ServerIPAddr.To4()); ok && !next.IsUnspecified() {
		l.NextServer = next
	}
	// With option 52 the file field holds options, not a name; a field
	// that is not clean text is ignored like a bad option.
	if _, overloaded := l.Raw[OptOverload]; !overloaded && ack.BootFileName != "" {
		if name, err := DecodeString([]byte(ack.BootFileName)); err == nil {
			l.BootFileField = name
		}
	}
	if raw, ok := l.Raw[OptTimeOffset]; ok {
		if d, err := DecodeTimeOffset(raw); err != nil {
			bad(OptTimeOffset, err)
		} else {
			l.TimeOffset = &d
		}
	}
	if raw, ok := l.Raw[OptSIPServers]; ok {
		if s, err := DecodeSIPServers(raw); err != nil {
			bad(OptSIPServers, err)
		} else {
			l.SIPServers = s
		}
	}
	if raw, ok := l.Raw[OptVendorInfo]; ok {
		v, err := DecodeVendorInfo(raw)
		l.VendorInfo = v
		if err != nil {
			bad(OptVendorInfo, err)
		}
	}
	l.Duration = defaultLeaseTime
	seconds(OptLeaseTime, &l.Duration)
	l.T1, l.T2 = l.Duration/2, l.Duration*7/8
	seconds(OptRenewalTime, &l.T1)
	seconds(OptRebindingTime, &l.T2)
	// Servers that send nonsense T1/T2 get the RFC 2131 defaults instead.
	if l.T2 > l.Duration || l.T2 <= 0 {
		l.T2 = l.Duration * 7 / 8
	}
	if l.T1 > l.T2 || l.T1 <= 0 {
		l.T1 = l.T2 * 4 / 7
	}
	slices.SortFunc(l.BadOptions, func(a, b *OptionError) int { return int(a.Code) - int(b.Code) })
	return l, nil
}

func errBadReply(what string) error {
	return &replyError{what}
}

type replyError struct{ what string }

func (e *replyError) Error() string { return ErrBadReply.Error() + ": " + e.what }
func (e *replyError) Unwrap() error { return ErrBadReply }
