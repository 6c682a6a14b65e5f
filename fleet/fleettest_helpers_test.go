package fleet_test

import (
	"crypto/rand"
	"fmt"
	"net/netip"
)

// testAddresses is a random /24 of 127/8 for one test's phones, so that
// test binaries running at the same time never share a phone address.
func testAddresses() netip.Prefix {
	var b [2]byte
	rand.Read(b[:])
	return netip.MustParsePrefix(fmt.Sprintf("127.%d.%d.0/24", 130+int(b[0])%60, b[1]))
}
