package dhcp

import (
	"net"
	"net/netip"
	"slices"
)

// basePRL is the Parameter Request List (option 55) of a booting 400HD, in
// the order the phone sends it: subnet mask, time offset, router, time
// server, DNS, domain name, NTP servers, vendor info, TFTP server, boot file,
// SIP servers, provisioning URL.
var basePRL = []uint8{
	OptSubnetMask, OptTimeOffset, OptRouter, OptTimeServer, OptDNS, OptDomainName,
	OptNTPServers, OptVendorInfo, OptTFTPServer, OptBootFile, OptSIPServers, OptProvisioningURL,
}

// recoveryPRL is what the recovery loader asks for: an address and the
// TFTP server and file of a firmware image (FW-3, FW-4).
var recoveryPRL = []uint8{OptSubnetMask, OptRouter, OptTFTPServer, OptBootFile}

// RequestList returns the Parameter Request List the client sends: the base
// list plus urlOption when it is not 160 (provisioning/url_option_value), or
// the recovery list.
func RequestList(urlOption uint8, recovery bool) []uint8 {
	if recovery {
		return slices.Clone(recoveryPRL)
	}
	prl := slices.Clone(basePRL)
	if urlOption != 0 && !slices.Contains(prl, urlOption) {
		prl = append(prl, urlOption)
	}
	return prl
}

// maxMessageSize is option 57: an Ethernet MTU.
const maxMessageSize = 1500

func ip4(a netip.Addr) net.IP {
	if !a.IsValid() {
		return net.IPv4zero.To4()
	}
	b := a.As4()
	return net.IP(b[:])
}
