package device

import (
	"net/netip"
	"testing"

	"github.com/hdphone/hdphone/provisioning/dhcp"
)

// Where the recovery loader fetches from: options 66 and 67 first, else the
// BOOTP next-server and file field; a port only for a server without one.
func TestRecoverySource(t *testing.T) {
	next := netip.MustParseAddr("10.0.0.9")
	tests := []struct {
		name         string
		lease        dhcp.Lease
		port         int
		server, file string
	}{
		{"options 66 and 67", dhcp.Lease{TFTPServer: "10.0.0.1", BootFile: "a.img", NextServer: next, BootFileField: "b.img"}, 0, "10.0.0.1", "a.img"},
		{"66 as a URL with a port", dhcp.Lease{TFTPServer: "tftp://10.0.0.1:6969/", BootFile: "/a.img"}, 69, "10.0.0.1:6969", "a.img"},
		{"next-server and file field", dhcp.Lease{NextServer: next, BootFileField: "b.img"}, 0, "10.0.0.9", "b.img"},
		{"next-server, test port", dhcp.Lease{NextServer: next, BootFile: "a.img"}, 6969, "10.0.0.9:6969", "a.img"},
		{"no file named", dhcp.Lease{TFTPServer: "10.0.0.1"}, 0, "10.0.0.1", ""},
		{"no server named", dhcp.Lease{BootFile: "a.img"}, 0, "", "a.img"},
	}
	for _, tt := range tests {
		server, file := recoverySource(&tt.lease, tt.port)
		if server != tt.server || file != tt.file {
			t.Errorf("%s: %q %q, want %q %q", tt.name, server, file, tt.server, tt.file)
		}
	}
}
