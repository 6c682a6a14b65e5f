package dhcpserver

import (
	"encoding/binary"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Options are the options a server hands out besides the address, mask,
// router, DNS and lease times. Zero fields are not sent. Options sets merge:
// a class's set overrides the defaults, a host's set overrides both, field by
// field.
type Options struct {
	// ProvisioningURL is sent as URLOption (0 means 160).
	ProvisioningURL string
	URLOption       uint8
	TFTPServer      string // 66
	BootFile        string // 67
	// NULTerminate appends a NUL to 66 and 67, as dnsmasq does.
	NULTerminate bool

	NTPServers  []netip.Addr // 42
	TimeServers []netip.Addr // 4
	// TimeOffset is option 2, the zone's offset from UTC.
	TimeOffset *time.Duration

	// SIPServerNames are sent as option 120 with encoding 0 (RFC 1035 names,
	// uncompressed), SIPServerAddrs with encoding 1; names win if both are set.
	SIPServerNames []string
	SIPServerAddrs []netip.Addr

	// VendorInfo is option 43 as sub-options, sent in this order.
	VendorInfo []SubOption

	// Raw sends any other option verbatim, and overrides the fields above.
	Raw map[uint8][]byte
}

// SubOption is one encapsulated option of option 43.
type SubOption struct {
	Code  uint8
	Value string
}

// MSUCVendorInfo returns option 43 for Skype for Business / Teams
// certificate provisioning: sub-options 1-5 for
// https://<fqdn>:443/CertProv/CertProvisioningService.svc, and 10 (voice VLAN)
// when vlan is not 0.
func MSUCVendorInfo(fqdn string, vlan int) []SubOption {
	subs := []SubOption{
		{1, "MS-UC-Client"},
		{2, "https"},
		{3, fqdn},
		{4, "443"},
		{5, "/CertProv/CertProvisioningService.svc"},
	}
	if vlan != 0 {
		subs = append(subs, SubOption{10, fmt.Sprint(vlan)})
	}
	return subs
}

// merge returns o with the non-zero fields of over on top.
func (o Options) merge(over Options) Options {
	if over.ProvisioningURL != "" {
		o.ProvisioningURL = over.ProvisioningURL
	}
	if over.URLOption != 0 {
		o.URLOption = over.URLOption
	}
	if over.TFTPServer != "" {
		o.TFTPServer = over.TFTPServer
	}
	if over.BootFile != "" {
		o.BootFile = over.BootFile
	}
	o.NULTerminate = o.NULTerminate || over.NULTerminate
	if over.NTPServers != nil {
		o.NTPServers = over.NTPServers
	}
	if over.TimeServers != nil {
		o.TimeServers = over.TimeServers
	}
	if over.TimeOffset != nil {
		o.TimeOffset = over.TimeOffset
	}
	if over.SIPServerNames != nil || over.SIPServerAddrs != nil {
		o.SIPServerNames, o.SIPServerAddrs = over.SIPServerNames, over.SIPServerAddrs
	}
	if over.VendorInfo != nil {
		o.VendorInfo = over.VendorInfo
	}
	if len(over.Raw) > 0 {
		raw := maps.Clone(o.Raw)
		if raw == nil {
			raw = map[uint8][]byte{}
		}
		maps.Copy(raw, over.Raw)
		o.Raw = raw
	}
	return o
}

// encode returns the wire value of every option the set sends.
func (o Options) encode() (map[uint8][]byte, error) {
	out := map[uint8][]byte{}
	str := func(s string, nul bool) []byte {
		b := []byte(s)
		if nul {
			b = append(b, 0)
		}
		return b
	}
	if o.ProvisioningURL != "" {
		code := o.URLOption
		if code == 0 {
			code = 160
		}
		out[code] = []byte(o.ProvisioningURL)
	}
	if o.TFTPServer != "" {
		out[66] = str(o.TFTPServer, o.NULTerminate)
	}
	if o.BootFile != "" {
		out[67] = str(o.BootFile, o.NULTerminate)
	}
	if len(o.NTPServers) > 0 {
		out[42] = addrs(o.NTPServers)
	}
	if len(o.TimeServers) > 0 {
		out[4] = addrs(o.TimeServers)
	}
	if o.TimeOffset != nil {
		out[2] = binary.BigEndian.AppendUint32(nil, uint32(int32(*o.TimeOffset/time.Second)))
	}
	switch {
	case len(o.SIPServerNames) > 0:
		b := []byte{0}
		for _, n := range o.SIPServerNames {
			enc, err := encodeName(n)
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
		out[120] = b
	case len(o.SIPServerAddrs) > 0:
		out[120] = append([]byte{1}, addrs(o.SIPServerAddrs)...)
	}
	if len(o.VendorInfo) > 0 {
		var b []byte
		for _, s := range o.VendorInfo {
			if len(s.Value) > 255 {
				return nil, fmt.Errorf("dhcpserver: option 43 sub-option %d is longer than 255 bytes", s.Code)
			}
			b = append(b, s.Code, byte(len(s.Value)))
			b = append(b, s.Value...)
		}
		out[43] = b
	}
	for code, v := range o.Raw {
		out[code] = slices.Clone(v)
	}
	return out, nil
}

func addrs(as []netip.Addr) []byte {
	var b []byte
	for _, a := range as {
		v := a.As4()
		b = append(b, v[:]...)
	}
	return b
}

// encodeName writes a domain name in RFC 1035 wire form, without
// compression (RFC 3361 §3.1 forbids it).
func encodeName(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return nil, fmt.Errorf("dhcpserver: bad SIP server name %q", name)
	}
	var b []byte
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return nil, fmt.Errorf("dhcpserver: bad label %q in SIP server name %q", l, name)
		}
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0), nil
}
