// Package dhcp is the phone's DHCP client (RFC 2131) and the decoders of the
// options a 400HD reads.
//
// # Modes
//
// NewRaw speaks DHCP on a real interface through AF_PACKET sockets, as the
// phone does on its LAN port: broadcast DISCOVER and REQUEST from 0.0.0.0 on
// an interface with no address, an ARP probe of the offered address
// (a conflict is declined and reported as ErrDuplicateIP, "Duplicate IP"),
// ARP answers for the leased address, and the carrier watched
// (ErrLinkDown, "LAN Link failure"). It needs CAP_NET_RAW and Linux.
//
// NewUDP speaks DHCP over an ordinary UDP socket from the phone's own address
// to one server address and port, without privilege: the mode of fleets of
// thousands of phones on loopback, each with its own 127.x.y.z.
//
// # What the phone sends and reads
//
// DISCOVER and REQUEST carry the bare model name in options 60 and 77 and the
// 400HD's Parameter Request List (RequestList). A Lease holds the address and
// every option decoded into plain values: the provisioning URL (option 160, or
// provisioning/url_option_value), 66/67, the Skype for Business sub-options of
// 43, 120 (RFC 3361 names, compression pointers included, or addresses), 42, 4
// and 2. Real servers' quirks are tolerated: dnsmasq's NUL-terminated 66/67,
// its reversed 43 with a trailing End byte. A malformed option never costs the
// lease: it is listed in Lease.BadOptions and the rest is used.
//
// # Keeping the lease
//
// Acquire, Renew, Rebind and Release are single exchanges. Run keeps the
// lease for the phone's power cycle: renewal at T1 (unicast to the server),
// rebinding at T2 (broadcast), a new DISCOVER when the lease expires or a
// server sends a NAK, with every change reported through Config.OnEvent.
//
//	c, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: mac},
//		netip.MustParseAddrPort("127.0.3.7:0"), netip.MustParseAddrPort("127.0.0.1:6767"))
//	if err != nil { ... }
//	defer c.Close()
//	lease, err := c.Acquire(ctx)
//	if err != nil { ... }
//	fmt.Println(lease.Address, lease.ProvisioningURL) // 127.0.3.7/8 http://127.0.0.1/450HD.img;<MAC>.cfg
//	go c.Run(ctx) // renew, rebind, restart, until ctx ends
//
// Override applies the per-field fixed values of network/lan/dhcp/*/enabled
// to a lease (BOOT-13). The package never imports the phone: it returns
// plain values and takes contexts, an injected clock and a logger.
package dhcp
