//go:build linux

package dhcp

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzParseUDP4 feeds arbitrary frames to the raw link's IPv4/UDP parser;
// whatever it accepts must lie inside the frame, and what buildUDP4 makes
// must parse back.
func FuzzParseUDP4(f *testing.F) {
	f.Add(buildUDP4(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("255.255.255.255"), 67, 68, 1, []byte("dhcp")))
	f.Add([]byte{0x45, 0, 0, 20})
	f.Add([]byte{0x4f, 0, 0xff, 0xff, 0, 0, 0x20, 0, 64, 17})
	f.Fuzz(func(t *testing.T, p []byte) {
		src, sp, dp, payload, ok := parseUDP4(p)
		if ok {
			if len(payload) > len(p) {
				t.Fatalf("payload of %d bytes from a %d-byte frame", len(payload), len(p))
			}
			again := buildUDP4(src, netip.MustParseAddr("10.0.0.2"), sp, dp, 7, payload)
			s2, sp2, dp2, pl2, ok2 := parseUDP4(again)
			if !ok2 || s2 != src || sp2 != sp || dp2 != dp || !bytes.Equal(pl2, payload) {
				t.Fatal("a rebuilt datagram does not parse back")
			}
		}
	})
}
