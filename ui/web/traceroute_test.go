//go:build linux

package web

import (
	"context"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
)

func TestTracerouteLoopback(t *testing.T) {
	hops, err := traceroute(context.Background(), netip.MustParseAddr("127.0.0.1"), 4, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(hops) != 1 || !hops[0].Reached || hops[0].From != netip.MustParseAddr("127.0.0.1") || hops[0].RTT <= 0 {
		t.Fatalf("hops %+v", hops)
	}
}

// A two-hop path through a router namespace: the phone's traceroute and
// busybox traceroute (an independent implementation, raw sockets) must name
// the same hops.
// behaviour: DIAG-6
func TestTracerouteThroughARouter(t *testing.T) {
	bb := testpeer.Need(t, "busybox")[0]
	phone := testpeer.Netns(t, "trph")
	router := testpeer.Netns(t, "trrt")
	far := testpeer.Netns(t, "trfar")
	testpeer.Veth(t, phone, "eth0", "10.77.1.2/24", router, "r0", "10.77.1.1/24", "")
	testpeer.Veth(t, router, "r1", "10.77.2.1/24", far, "eth0", "10.77.2.2/24", "")
	router.MustRun(t, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	phone.MustRun(t, "ip", "route", "add", "default", "via", "10.77.1.1")
	far.MustRun(t, "ip", "route", "add", "default", "via", "10.77.2.1")

	var hops []Hop
	err := phone.Do(func() error {
		var err error
		hops, err = traceroute(context.Background(), netip.MustParseAddr("10.77.2.2"), 5, 2*time.Second)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hops {
		got = append(got, h.From.String())
	}
	if strings.Join(got, " ") != "10.77.1.1 10.77.2.2" || !hops[1].Reached || hops[0].Reached {
		t.Fatalf("hops %+v", hops)
	}

	out := phone.MustRun(t, bb, "traceroute", "-n", "-q", "1", "-w", "2", "-m", "5", "10.77.2.2")
	var theirs []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\d+\s+(\S+)`).FindAllStringSubmatch(out, -1) {
		theirs = append(theirs, m[1])
	}
	if strings.Join(theirs, " ") != strings.Join(got, " ") {
		t.Fatalf("busybox traceroute says %v, ours %v\n%s", theirs, got, out)
	}
}

func FuzzParseExtendedErr(f *testing.F) {
	f.Add([]byte{113, 0, 0, 0, 2, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 10, 77, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseExtendedErr(b)
		if err != nil {
			return
		}
		if e.from.IsValid() && !e.from.Is4() {
			t.Fatalf("offender %v is not IPv4", e.from)
		}
	})
}
