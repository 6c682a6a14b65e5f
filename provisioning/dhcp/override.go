package dhcp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/hdphone/hdphone/config"
)

// Override applies the per-field manual overrides of DHCP mode (BOOT-13):
// for each field f of ip_address, netmask, gateway, domain_name, primary_dns
// and secondary_dns, network/lan/dhcp/<f>/enabled=1 replaces the leased value
// with network/lan/fixed_ip/<f>. It returns a new lease and leaves l alone. A
// fixed value that does not parse keeps the leased value and is reported in
// the error, which joins one error per bad field.
func Override(cfg *config.Config, l *Lease) (*Lease, error) {
	out := l.Clone()
	var errs []error
	fixed := func(field string) (string, bool) {
		if !cfg.Bool("network/lan/dhcp/" + field + "/enabled") {
			return "", false
		}
		return cfg.Get("network/lan/fixed_ip/" + field), true
	}
	addr := func(field string) (netip.Addr, bool) {
		v, ok := fixed(field)
		if !ok {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			errs = append(errs, fmt.Errorf("dhcp: network/lan/fixed_ip/%s=%q is not an IPv4 address; keeping the DHCP value", field, v))
			return netip.Addr{}, false
		}
		return a, true
	}
	bits := out.Address.Bits()
	if m, ok := addr("netmask"); ok {
		b := m.As4()
		n, err := DecodeSubnetMask(b[:])
		if err != nil {
			errs = append(errs, fmt.Errorf("dhcp: network/lan/fixed_ip/netmask: %w; keeping the DHCP value", err))
		} else {
			bits = n
		}
	}
	ip := out.Address.Addr()
	if a, ok := addr("ip_address"); ok {
		ip = a
	}
	out.Address = netip.PrefixFrom(ip, bits)
	if a, ok := addr("gateway"); ok {
		out.Routers = append([]netip.Addr{a}, without(out.Routers, 0)...)
	}
	if a, ok := addr("primary_dns"); ok {
		out.DNS = setAt(out.DNS, 0, a)
	}
	if a, ok := addr("secondary_dns"); ok {
		out.DNS = setAt(out.DNS, 1, a)
	}
	if v, ok := fixed("domain_name"); ok {
		out.DomainName = v
	}
	return out, errors.Join(errs...)
}

func without(s []netip.Addr, i int) []netip.Addr {
	if i >= len(s) {
		return s
	}
	return slices.Delete(slices.Clone(s), i, i+1)
}

// setAt puts a at index i, padding with the first entry's value when the
// list is shorter (a secondary DNS without a primary keeps a primary).
func setAt(s []netip.Addr, i int, a netip.Addr) []netip.Addr {
	s = slices.Clone(s)
	for len(s) < i {
		s = append(s, a)
	}
	if i == len(s) {
		return append(s, a)
	}
	s[i] = a
	return s
}
