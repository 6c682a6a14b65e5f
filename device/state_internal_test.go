package device

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/model"
)

// A snapshot reuses the previous one's network only when nothing in it
// changed: every field, list, map and the offset count.
func TestNetworkSame(t *testing.T) {
	off := 3600
	base := Network{Interface: "eth0", Address: netip.MustParsePrefix("10.0.0.5/24"),
		DNS: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, NTPServers: []string{"ntp"},
		SIPServers: []string{"sip"}, VendorInfo: map[int]string{1: "a"}, TimeOffset: &off}
	if !base.same(base.Clone()) {
		t.Fatal("a copy differs")
	}
	other := 7200
	for name, change := range map[string]func(*Network){
		"interface": func(n *Network) { n.Interface = "eth1" },
		"address":   func(n *Network) { n.Address = netip.MustParsePrefix("10.0.0.6/24") },
		"gateway":   func(n *Network) { n.Gateway = netip.MustParseAddr("10.0.0.254") },
		"dns":       func(n *Network) { n.DNS = []netip.Addr{netip.MustParseAddr("10.0.0.2")} },
		"domain":    func(n *Network) { n.DomainName = "x" },
		"vlan":      func(n *Network) { n.VLAN = 5 },
		"dhcp":      func(n *Network) { n.DHCPServer = netip.MustParseAddr("10.0.0.9") },
		"lease":     func(n *Network) { n.LeaseTime = 1 },
		"url":       func(n *Network) { n.ProvisioningURL = "http://x/" },
		"tftp":      func(n *Network) { n.TFTPServer = "t" },
		"bootfile":  func(n *Network) { n.BootFile = "b" },
		"ntp":       func(n *Network) { n.NTPServers = nil },
		"offset":    func(n *Network) { n.TimeOffset = &other },
		"no offset": func(n *Network) { n.TimeOffset = nil },
		"sip":       func(n *Network) { n.SIPServers = append(n.SIPServers, "sip2") },
		"vendor":    func(n *Network) { n.VendorInfo = map[int]string{1: "b"} },
	} {
		n := base.Clone()
		change(&n)
		if base.same(n) || n.same(base) {
			t.Errorf("%s changed, same still true", name)
		}
	}
}

// sharesAll tells a changed state from its snapshot, whichever field
// changed: a field added to State and forgotten there would leave the
// snapshot stale.
func TestSharesAllSeesEveryField(t *testing.T) {
	off := 1
	base := State{Notifications: []Notification{{Text: "n"}}, Lines: []Line{{ID: "l"}}, Calls: []Call{{}},
		Pages: []Page{{}}, Keys: []KeyState{{}}, Network: Network{DNS: []netip.Addr{}, TimeOffset: &off}}
	if !base.sharesAll(&base) {
		t.Fatal("a state does not share all with itself")
	}
	rv := reflect.ValueOf(&base).Elem()
	for i := range rv.NumField() {
		changed := base
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), f.Len(), f.Len())) // equal length, another list
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Struct:
			switch f.Type() {
			case reflect.TypeOf(Network{}):
				changed.Network.Interface = "other"
			case reflect.TypeOf(MWI{}):
				changed.MWI.New = 9
			case reflect.TypeOf(time.Time{}):
				f.Set(reflect.ValueOf(time.Unix(1, 0)))
			default:
				t.Fatalf("field %s: type %s not covered by this test", rv.Type().Field(i).Name, f.Type())
			}
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int:
			f.SetInt(f.Int() + 1)
		default:
			t.Fatalf("field %s: kind %s not covered by this test", rv.Type().Field(i).Name, f.Kind())
		}
		if changed.sharesAll(&base) {
			t.Errorf("field %s changed, sharesAll still true", rv.Type().Field(i).Name)
		}
	}
}

// A command queued for an owner that never runs it (the owner is ending the
// power cycle and waits for the cycle's workers) does not hold its sender:
// do gives up when the sender's ctx ends.
func TestDoGivesUpWhenQueuedAndCtxEnds(t *testing.T) {
	p, err := New(Config{Model: model.MustLookup(model.M450HD), MAC: net.HardwareAddr{0, 0x90, 0x8f, 0, 0, 9}})
	if err != nil {
		t.Fatal(err)
	}
	// No Run: the command is queued and never run.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ran := false
	if err := p.do(ctx, func(*state) { ran = true }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("do = %v, want the ctx's end", err)
	}
	if len(p.cmds) != 1 || ran {
		t.Fatalf("queued %d, ran %v; want it queued and not run", len(p.cmds), ran)
	}
}
