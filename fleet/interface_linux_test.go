package fleet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
)

// Phones on real interfaces: each phone's port is a veth whose far end is
// in a lab namespace where dnsmasq serves DHCP; the phones do DORA in raw
// mode with their own MACs, take their reserved addresses (which the test
// has put on their ports, as the emulator configures no interface), and
// register and call from them. The switch side also runs 802.1X (hostapd
// per port) and LLDP-MED with a voice policy (lldpd): each phone
// authenticates its port with its line's credentials, takes the voice
// VLAN, which the expect_network step checks, and asks for its address in
// it (the DHCP scopes are reached only in VLAN 77).
//
// behaviour: BOOT-1
// behaviour: BOOT-2
// behaviour: BOOT-15
// behaviour: BOOT-20
func TestPhonesOnRealInterfacesWithDnsmasq(t *testing.T) {
	labNS := testpeer.Netns(t, "hdfl")
	var b [3]byte
	rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	// The phones' addresses are on ports in the host's namespace: a net of their
	// own, so that two copies of the test on one host do not meet.
	prefix := fmt.Sprintf("10.%d", 100+int(b[2])%100)
	var lines []string
	// Each switch port (labN) is a trunk: LLDP-MED and 802.1X untagged on
	// it, the phone's voice VLAN 77 to the network of its DHCP scope
	// (voiceN; a switch in user space, as these kernels have no 802.1Q).
	for i := 1; i <= 2; i++ {
		mac := fmt.Sprintf("00:90:8f:%s:%s:%02x", tag[0:2], tag[2:4], i)
		testpeer.Veth(t, labNS, fmt.Sprintf("lab%d", i), "", nil,
			fmt.Sprintf("h%s%d", tag, i), fmt.Sprintf("%s.%d.2/24", prefix, i), mac)
		testpeer.Veth(t, labNS, fmt.Sprintf("acc%d", i), "", labNS, fmt.Sprintf("voice%d", i), fmt.Sprintf("%s.%d.1/24", prefix, i), "")
		testpeer.StartVLANSwitch(t, labNS, fmt.Sprintf("lab%d", i), map[int]string{77: fmt.Sprintf("acc%d", i)})
		lines = append(lines, fmt.Sprintf("interface=voice%d", i),
			fmt.Sprintf("dhcp-range=%s.%d.10,%s.%d.20,255.255.255.0,1h", prefix, i, prefix, i),
			fmt.Sprintf("dhcp-host=%s,%s.%d.2", mac, prefix, i))
	}
	dm := testpeer.StartDnsmasq(t, labNS, "voice1", lines...)
	testpeer.StartLLDPD(t, labNS, "lab1,lab2", "ports lab1,lab2 med policy application voice tagged vlan 77 priority voice dscp 46")
	for i := 1; i <= 2; i++ {
		user := fmt.Sprint(1000 + i)
		testpeer.StartHostapd(t, labNS, fmt.Sprintf("lab%d", i), map[string]string{user: "pass" + user})
	}

	srv, err := sipproxy.New(sipproxy.Config{Domain: "if.test", Users: sipproxy.Numbered(1001, 1002, "pass"), AuthCalls: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	f, err := fleet.Parse("if.yaml", []byte(fmt.Sprintf(`
network:
  mode: interface
  interface: "h%s{{i}}"
  lab: external
  registrar: %s
  domain: if.test
phones:
  - group: desk
    model: 450HD
    count: 2
    mac: "00:90:8f:%s:%s:01"
    config: {network/lan/_802_1x/eap_type: EAP_MD5, network/lan/_802_1x/md5_identity: "{{user}}", network/lan/_802_1x/md5_password: "{{password}}"}
scenario:
  - wait: registered
  - {name: port, expect_network: {vlan: "77", vlan_source: LLDP, dot1x: Authenticated, address: "%s.0.0/16"}}
  - {each: pairs, call: peer}
  - {each: pairs, answer: peer}
  - {name: audio, each: pairs, check_audio: peer}
`, tag, srv.Addr(), tag[0:2], tag[2:4], prefix)))
	if err != nil {
		t.Fatal(err)
	}
	var phones []*fleet.Phone
	r := run(t, f, fleet.Options{OnDevice: func(p *fleet.Phone) { phones = append(phones, p) }})
	if r.Failed() {
		t.Fatalf("%s\n%s\n%s", r.Summary, dump(r), dm.Output())
	}
	for i, p := range phones {
		s := p.Device.Snapshot()
		want := fmt.Sprintf("%s.%d.2", prefix, i+1)
		if s.Network.Address.Addr().String() != want || s.Network.Interface != fmt.Sprintf("h%s%d", tag, i+1) {
			t.Errorf("%s: network %+v", p.Spec.ID, s.Network)
		}
		if bs := srv.Bindings(p.Spec.User); len(bs) != 1 || !strings.Contains(bs[0].Contact, want) {
			t.Errorf("%s registered as %+v", p.Spec.ID, bs)
		}
	}
	leases := strings.Join(dm.LeaseFile(), "\n")
	for _, p := range phones {
		if !strings.Contains(leases, p.Spec.MAC.String()) {
			t.Errorf("dnsmasq has no lease for %s:\n%s", p.Spec.MAC, leases)
		}
	}
	if !strings.Contains(dm.Output(), "vendor class: 450HD") {
		t.Errorf("dnsmasq did not see option 60 = 450HD:\n%s", dm.Output())
	}
}
