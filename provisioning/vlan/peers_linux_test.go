package vlan_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/vlan"
	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// switchPort is lldpd on one end of a veth (the switch's port) and a
// namespace for the phone's end.
func switchPort(t *testing.T, configure ...string) (lldpd *testpeer.LLDPD, sw, ph *testpeer.NS) {
	t.Helper()
	testpeer.NeedRoot(t)
	sw, ph = testpeer.Netns(t, "vsw"), testpeer.Netns(t, "vph")
	testpeer.Veth(t, sw, "sw0", "", ph, "eth0", "", phoneMAC.String())
	return testpeer.StartLLDPD(t, sw, "sw0", configure...), sw, ph
}

// A switch (lldpd) with an LLDP-MED voice policy answers the phone's
// advertisement with it; the switch lists the phone as a neighbour with
// its name, MAC, class III endpoint type and inventory.
//
// behaviour: BOOT-15
func TestLLDPMEDPolicyFromLLDPD(t *testing.T) {
	t.Parallel()
	sw, _, ph := switchPort(t, "ports sw0 med policy application voice tagged vlan 123 priority voice dscp 46")
	a := openAgent(t, ph, vlan.Config{Interface: "eth0", LLDP: true, CDP: true, Identity: phone})
	p, ok, err := a.Discover(context.Background(), 10*time.Second)
	if err != nil || !ok {
		t.Fatalf("no policy: %v", err)
	}
	if want := (vlan.Policy{Tagged: true, VLAN: 123, Priority: 5, DSCP: 46, Source: "LLDP"}); p != want {
		t.Fatalf("policy %+v, want %+v", p, want)
	}
	var seen string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		b, _ := json.Marshal(sw.Neighbors(t))
		seen = string(b)
		if strings.Contains(seen, "00908f123456") {
			break
		}
	}
	for _, want := range []string{`"00:90:8f:12:34:56"`, `"00908f123456"`, "AudioCodes 450HD IP Phone", `"Tel"`,
		"Communication Device Endpoint (Class III)", `"UC_3.4.8.808"`, `"AudioCodes"`, `"450HD"`} {
		if !strings.Contains(seen, want) {
			t.Errorf("lldpd's neighbour table lacks %s:\n%s", want, seen)
		}
	}
}

// In CDP mode the phone's CDP packets show at the switch (lldpd) as a CDPv2
// neighbour: its device ID, platform and firmware; a switch's VoIP VLAN
// reply (played here by the test: lldpd sends none) gives the voice VLAN.
//
// behaviour: BOOT-15
func TestCDPWithLLDPD(t *testing.T) {
	t.Parallel()
	sw, swNS, ph := switchPort(t)
	a := openAgent(t, ph, vlan.Config{Interface: "eth0", CDP: true, Identity: phone})
	var seen string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(seen, "00908f123456"); time.Sleep(200 * time.Millisecond) {
		if err := a.Advertise(); err != nil {
			t.Fatal(err)
		}
		seen = sw.CLI(t, "show", "neighbors", "details")
	}
	// (lldpd shows the CDP host capability as Station; it has no name for
	// the phone bit.)
	for _, want := range []string{"CDPv2", "00908f123456", "AudioCodes 450HD", "UC_3.4.8.808", "Station, on"} {
		if !strings.Contains(seen, want) {
			t.Errorf("lldpd's neighbour table lacks %s:\n%s", want, seen)
		}
	}

	// The switch's answer to the phone's VoIP VLAN query.
	swMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	reply := vlan.CDPFrame(swMAC, vlan.VoIPVLANReplyPacket("switch", 210))
	done := make(chan struct{})
	defer close(done)
	sendEvery(t, swNS, "sw0", reply, done)
	p, ok, err := a.Discover(context.Background(), 10*time.Second)
	if err != nil || !ok || p.VLAN != 210 || !p.Tagged || p.Source != "CDP" {
		t.Fatalf("CDP policy %+v ok %v err %v", p, ok, err)
	}
}

// sendEvery sends frame on iface in ns every 100 ms until done.
func sendEvery(t *testing.T, ns *testpeer.NS, iface string, frame []byte, done <-chan struct{}) {
	err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(iface)
		if err != nil {
			return err
		}
		c, err := packet.Listen(ifc, packet.Raw, unix.ETH_P_802_2, nil)
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			for {
				c.WriteTo(frame, &packet.Addr{HardwareAddr: frame[:6]})
				select {
				case <-done:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// A switch that answers both ways: the LLDP policy wins over the CDP
// answer, whichever comes first (the manual's CDP_LLDP mode).
func TestLLDPBeatsCDP(t *testing.T) {
	t.Parallel()
	_, swNS, ph := switchPort(t, "ports sw0 med policy application voice tagged vlan 123 priority voice dscp 46")
	done := make(chan struct{})
	defer close(done)
	sendEvery(t, swNS, "sw0", vlan.CDPFrame(net.HardwareAddr{0x02, 0, 0, 0, 0, 1}, vlan.VoIPVLANReplyPacket("switch", 210)), done)
	a := openAgent(t, ph, vlan.Config{Interface: "eth0", LLDP: true, CDP: true, Identity: phone})
	time.Sleep(300 * time.Millisecond) // CDP answers are already there
	p, ok, err := a.Discover(context.Background(), 10*time.Second)
	if err != nil || !ok || p.Source != "LLDP" || p.VLAN != 123 {
		t.Fatalf("policy %+v ok %v err %v, want VLAN 123 from LLDP", p, ok, err)
	}
	// Afterwards the switch goes on answering both ways (lldpd every
	// second, the CDP replies every 100 ms): nothing has changed.
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var changes []vlan.Policy
	a.Run(ctx, 200*time.Millisecond, func(p vlan.Policy) { changes = append(changes, p) })
	if len(changes) > 0 {
		t.Errorf("policy changes reported while the switch repeated itself: %+v", changes)
	}
}

// openAgent opens an agent in the phone's namespace, closed when the test
// ends.
func openAgent(t *testing.T, ph *testpeer.NS, cfg vlan.Config) *vlan.Agent {
	t.Helper()
	var a *vlan.Agent
	if err := ph.Do(func() error {
		var err error
		a, err = vlan.Open(cfg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
