package dhcpserver

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// discardConn is a socket that swallows replies.
type discardConn struct{ net.PacketConn }

func (discardConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (discardConn) LocalAddr() net.Addr                       { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 67} }
func (discardConn) Close() error                              { return nil }

// FuzzServe feeds arbitrary datagrams to the server: it must answer or
// ignore them, never panic, and keep its books consistent.
func FuzzServe(f *testing.F) {
	mac := net.HardwareAddr{0, 0x90, 0x8f, 0, 0, 1}
	for _, mods := range [][]dhcpv4.Modifier{
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover), dhcpv4.WithOption(dhcpv4.OptClassIdentifier("450HD"))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(127, 0, 9, 10)))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest), dhcpv4.WithClientIP(net.IPv4(127, 0, 9, 10))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(127, 0, 9, 11)))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease), dhcpv4.WithClientIP(net.IPv4(127, 0, 9, 10))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeInform)},
	} {
		m, err := dhcpv4.New(append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(mac)}, mods...)...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.ToBytes())
	}
	tz := time.Hour
	srv, err := New(Config{
		Conn: discardConn{}, PoolStart: netip.MustParseAddr("127.0.9.10"), PoolEnd: netip.MustParseAddr("127.0.9.12"),
		Options: Options{ProvisioningURL: "http://h/", TimeOffset: &tz, SIPServerNames: []string{"sip.lab.test"},
			VendorInfo: MSUCVendorInfo("lab.example.test", 200)},
		Classes: []Class{{Match: "450HD", Options: Options{BootFile: "450HD.img"}}},
		Hosts:   []Host{{MAC: mac, Options: Options{TFTPServer: "10.0.0.1"}}},
	})
	if err != nil {
		f.Fatal(err)
	}
	peer := &net.UDPAddr{IP: net.IPv4(127, 0, 9, 20), Port: 68}
	f.Fuzz(func(t *testing.T, b []byte) {
		srv.serve(b, peer)
		for _, l := range srv.Leases() {
			if !srv.inPool(l.Address) {
				t.Fatalf("lease outside the pool: %+v", l)
			}
		}
	})
}
