package proctest

import (
	"net"
	"strings"
	"testing"
)

// A reading smaller than the earlier one (the heap shrank) is no growth,
// not a wrapped-around 16 EiB.
func TestSubNeverWraps(t *testing.T) {
	for _, tc := range []struct{ now, before, want Memory }{
		{Memory{300, 400, 50}, Memory{100, 100, 10}, Memory{200, 300, 40}},
		{Memory{100, 100, 10}, Memory{300, 400, 50}, Memory{0, 0, 0}},
		{Memory{100, 500, 10}, Memory{300, 400, 10}, Memory{0, 100, 0}},
	} {
		if got := tc.now.Sub(tc.before); got != tc.want {
			t.Errorf("%+v.Sub(%+v) = %+v, want %+v", tc.now, tc.before, got, tc.want)
		}
	}
}

// A socket the process holds is listed with its address; one connected
// with its peer's too.
func TestUDPSocketsListsOurs(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 65, 1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := UDPSockets()
	for _, want := range []string{c.LocalAddr().String() + " -> 0.0.0.0:0", d.LocalAddr().String() + " -> " + c.LocalAddr().String()} {
		if !strings.Contains(got, want) {
			t.Errorf("UDPSockets() =\n%s\nwant a line %q", got, want)
		}
	}
}
