package device_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

// FuzzNetworkFromLease feeds DHCP replies with arbitrary options through the
// lease decoder into the phone's network: a bad option may be left out, but
// nothing panics, the address is the reply's, and the result is a value the
// phone can keep (Clone is deep).
func FuzzNetworkFromLease(f *testing.F) {
	seed := func(opts ...dhcpv4.Option) []byte {
		m, err := dhcpv4.New(dhcpv4.WithMessageType(dhcpv4.MessageTypeAck),
			dhcpv4.WithYourIP(net.IPv4(127, 1, 0, 1)),
			dhcpv4.WithServerIP(net.IPv4(127, 0, 0, 1)),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(127, 0, 0, 1))),
			dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(time.Hour)))
		if err != nil {
			f.Fatal(err)
		}
		for _, o := range opts {
			m.UpdateOption(o)
		}
		return m.ToBytes()
	}
	generic := func(code uint8, b []byte) dhcpv4.Option {
		return dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(code), b)
	}
	f.Add(seed())
	f.Add(seed(generic(160, []byte("http://127.0.0.1/450HD.img;<MAC>.cfg")), generic(66, []byte("10.0.0.1\x00")), generic(67, []byte("450HD.img\x00"))))
	f.Add(seed(generic(2, []byte{0, 0, 0x1c, 0x20}), generic(42, []byte{10, 0, 0, 1, 10, 0, 0, 2}), generic(4, []byte{10, 0, 0, 3})))
	f.Add(seed(generic(43, []byte{10, 3, '2', '0', '0', 1, 12, 'M', 'S', '-', 'U', 'C', '-', 'C', 'l', 'i', 'e', 'n', 't', 0xff})))
	f.Add(seed(generic(120, []byte{0, 3, 's', 'i', 'p', 3, 'l', 'a', 'b', 0, 6, 'p', 'r', 'o', 'x', 'y', '2', 0xc0, 0x04})))
	f.Add(seed(generic(2, []byte{1, 2, 3}), generic(43, []byte{10, 9, 'x'}), generic(120, []byte{7}), generic(1, []byte{255, 0, 255, 0})))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dhcpv4.FromBytes(b)
		if err != nil {
			return
		}
		l, err := dhcp.DecodeLease(m, 0, time.Unix(0, 0))
		if err != nil {
			return
		}
		n := device.NetworkFromLease(l, "eth0")
		if want, ok := netip.AddrFromSlice(m.YourIPAddr.To4()); !ok || n.Address.Addr() != want {
			t.Fatalf("address %v from yiaddr %v", n.Address, m.YourIPAddr)
		}
		c := n.Clone()
		if len(c.NTPServers) > 0 {
			c.NTPServers[0] = "changed"
			if n.NTPServers[0] == "changed" {
				t.Fatal("Clone shares NTPServers")
			}
		}
		for k := range c.VendorInfo {
			c.VendorInfo[k] = "changed"
			if n.VendorInfo[k] == "changed" {
				t.Fatal("Clone shares VendorInfo")
			}
			break
		}
	})
}
