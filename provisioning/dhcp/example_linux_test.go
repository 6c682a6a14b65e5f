//go:build linux

package dhcp_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// A phone of a UDP fleet gets its lease from the lab server on loopback.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := dhcpserver.New(dhcpserver.Config{
		ClientSourceAddress: true, PrefixLen: 8,
		Classes: []dhcpserver.Class{{Match: "450HD",
			Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1/450HD.img;<MAC>.cfg"}}},
	})
	if err != nil {
		panic(err)
	}
	go srv.Run(ctx)

	mac := net.HardwareAddr{0x00, 0x90, 0x8f, 0x12, 0x34, 0x56}
	c, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: mac}, netip.MustParseAddrPort("127.0.3.7:0"), srv.Addr())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	lease, err := c.Acquire(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(lease.Address, lease.ProvisioningURL)
	// Output: 127.0.3.7/8 http://127.0.0.1/450HD.img;<MAC>.cfg
}
