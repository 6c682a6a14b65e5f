//go:build linux

package dhcpserver_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// A lab server on a kernel-chosen loopback port hands a 450HD its own
// source address and the model's provisioning URL.
func ExampleServer() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := dhcpserver.New(dhcpserver.Config{
		ClientSourceAddress: true,
		Classes: []dhcpserver.Class{
			{Match: "450HD", Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1/450HD.img;450HD_<MAC>.cfg"}},
			{Match: "445HD", Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1/445HD.img;445HD_<MAC>.cfg"}},
		},
	})
	if err != nil {
		panic(err)
	}
	go srv.Run(ctx)

	phone, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: net.HardwareAddr{0, 0x90, 0x8f, 0, 0, 1}},
		netip.MustParseAddrPort("127.0.4.1:0"), srv.Addr())
	if err != nil {
		panic(err)
	}
	defer phone.Close()
	lease, err := phone.Acquire(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(lease.ProvisioningURL)
	for _, l := range srv.Leases() {
		fmt.Println(l.MAC, l.Address, l.Bound)
	}
	// Output:
	// http://127.0.0.1/450HD.img;450HD_<MAC>.cfg
	// 00:90:8f:00:00:01 127.0.4.1 true
}
