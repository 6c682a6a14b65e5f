// Package dhcpserver is the lab's DHCPv4 server: the world a fleet of
// emulated phones (or one real phone) boots into. It hands out addresses from
// a pool or by MAC, and the options a 400HD reads: the provisioning URL
// (160, or any option number), TFTP server and boot file (66/67), NTP and time
// servers (42/4), the time offset (2), SIP servers (120, RFC 3361) and the
// Skype for Business sub-options of 43. Options differ per model through
// classes matched on option 60 or 77, like dnsmasq's vendor and user classes,
// and per MAC. It answers DISCOVER, REQUEST in all its states (with a NAK for
// an address that is not the client's), DECLINE, RELEASE and INFORM.
//
// # Two ways to run
//
// For an unprivileged fleet on loopback the server listens on a kernel-chosen
// port and answers each packet where it came from; ClientSourceAddress hands
// each phone the 127.x.y.z it already sends from. On an Ethernet segment (a
// real or veth interface) ListenInterface and OnLink make it behave like an
// ordinary server on port 67, broadcasting to clients that have no address
// yet, so stock clients such as udhcpc and dhclient work with it.
//
//	srv, err := dhcpserver.New(dhcpserver.Config{
//		PoolStart: netip.MustParseAddr("127.0.10.1"),
//		PoolEnd:   netip.MustParseAddr("127.0.10.254"),
//		Options:   dhcpserver.Options{ProvisioningURL: "http://127.0.0.1:8080/"},
//		Classes: []dhcpserver.Class{{Match: "450HD",
//			Options: dhcpserver.Options{ProvisioningURL: "http://127.0.0.1:8080/450HD.img;<MAC>.cfg"}}},
//	})
//	if err != nil { ... }
//	go srv.Run(ctx)
//	fmt.Println(srv.Addr()) // 127.0.0.1:41234
//
// The package never imports the phone: it must behave like the real servers
// it stands in for.
package dhcpserver
