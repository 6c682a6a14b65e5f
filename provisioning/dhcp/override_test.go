package dhcp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// behaviour: BOOT-13
func TestOverride(t *testing.T) {
	a := netip.MustParseAddr
	leased := &dhcp.Lease{
		Address:    netip.MustParsePrefix("10.0.0.130/24"),
		Server:     a("10.0.0.1"),
		Routers:    []netip.Addr{a("10.0.0.1")},
		DNS:        []netip.Addr{a("10.0.0.53"), a("10.0.0.54")},
		DomainName: "dhcp.example",
	}
	fixed := map[string]string{
		"ip_address": "10.0.0.9", "netmask": "255.255.0.0", "gateway": "10.0.0.254",
		"domain_name": "fixed.example", "primary_dns": "192.0.2.53", "secondary_dns": "192.0.2.54",
	}
	tests := []struct {
		name    string
		enabled []string
		want    dhcp.Lease
	}{
		{name: "no override: the DHCP values", want: *leased},
		{name: "address only keeps the leased mask", enabled: []string{"ip_address"},
			want: dhcp.Lease{Address: netip.MustParsePrefix("10.0.0.9/24"), Routers: leased.Routers, DNS: leased.DNS, DomainName: "dhcp.example"}},
		{name: "mask only", enabled: []string{"netmask"},
			want: dhcp.Lease{Address: netip.MustParsePrefix("10.0.0.130/16"), Routers: leased.Routers, DNS: leased.DNS, DomainName: "dhcp.example"}},
		{name: "gateway and domain", enabled: []string{"gateway", "domain_name"},
			want: dhcp.Lease{Address: leased.Address, Routers: []netip.Addr{a("10.0.0.254")}, DNS: leased.DNS, DomainName: "fixed.example"}},
		{name: "secondary DNS only", enabled: []string{"secondary_dns"},
			want: dhcp.Lease{Address: leased.Address, Routers: leased.Routers, DNS: []netip.Addr{a("10.0.0.53"), a("192.0.2.54")}, DomainName: "dhcp.example"}},
		{name: "every field", enabled: []string{"ip_address", "netmask", "gateway", "domain_name", "primary_dns", "secondary_dns"},
			want: dhcp.Lease{Address: netip.MustParsePrefix("10.0.0.9/16"), Routers: []netip.Addr{a("10.0.0.254")},
				DNS: []netip.Addr{a("192.0.2.53"), a("192.0.2.54")}, DomainName: "fixed.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default().New("450HD")
			for f, v := range fixed {
				if err := cfg.Set("network/lan/fixed_ip/"+f, v); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.enabled {
				if err := cfg.Set("network/lan/dhcp/"+f+"/enabled", "1"); err != nil {
					t.Fatal(err)
				}
			}
			got, err := dhcp.Override(cfg, leased)
			if err != nil {
				t.Fatal(err)
			}
			if got.Address != tt.want.Address || !slices.Equal(got.Routers, tt.want.Routers) ||
				!slices.Equal(got.DNS, tt.want.DNS) || got.DomainName != tt.want.DomainName {
				t.Fatalf("got %v %v %v %q, want %v %v %v %q", got.Address, got.Routers, got.DNS, got.DomainName,
					tt.want.Address, tt.want.Routers, tt.want.DNS, tt.want.DomainName)
			}
			if got.Server != leased.Server {
				t.Fatal("override changed the server")
			}
		})
	}
	if leased.Address != netip.MustParsePrefix("10.0.0.130/24") || leased.DomainName != "dhcp.example" {
		t.Fatal("Override changed its input")
	}
}

// A fixed value that is enabled but missing keeps the leased value and
// says so.
func TestOverrideBadFixedValue(t *testing.T) {
	cfg := config.Default().New("450HD")
	for _, f := range []string{"ip_address", "gateway"} {
		if err := cfg.Set("network/lan/dhcp/"+f+"/enabled", "1"); err != nil {
			t.Fatal(err)
		}
	}
	leased := &dhcp.Lease{Address: netip.MustParsePrefix("10.0.0.130/24"), Routers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}}
	got, err := dhcp.Override(cfg, leased)
	if err == nil || !strings.Contains(err.Error(), "ip_address") || !strings.Contains(err.Error(), "gateway") {
		t.Fatalf("error %v should name both fields", err)
	}
	if got.Address != leased.Address || !slices.Equal(got.Routers, leased.Routers) {
		t.Fatalf("bad fixed values replaced the lease: %v %v", got.Address, got.Routers)
	}
}
