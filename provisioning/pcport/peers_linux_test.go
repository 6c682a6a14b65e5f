package pcport_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/packet"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/pcport"
)

// bench is a switch port (sw0), the phone with its LAN port (eth0) and PC
// port (pc0), and a computer (eth0) behind the phone.
type bench struct {
	sw, phone, pc *testpeer.NS
	pcMAC         string
}

func newBench(t *testing.T) *bench {
	t.Helper()
	testpeer.NeedRoot(t)
	b := &bench{sw: testpeer.Netns(t, "psw"), phone: testpeer.Netns(t, "pph"), pc: testpeer.Netns(t, "ppc"), pcMAC: "02:00:00:00:0a:01"}
	testpeer.Veth(t, b.sw, "sw0", "", b.phone, "eth0", "", "00:90:8f:12:34:60")
	testpeer.Veth(t, b.phone, "pc0", "", b.pc, "eth0", "", b.pcMAC)
	return b
}

// bridge runs the phone's PC port until the test ends.
func (b *bench) bridge(t *testing.T, mirror bool, logoffs chan<- net.HardwareAddr) {
	t.Helper()
	var p *pcport.Port
	if err := b.phone.Do(func() error {
		var err error
		p, err = pcport.Open(pcport.Config{LAN: "eth0", PC: "pc0", Mirror: mirror, LinkPoll: 50 * time.Millisecond,
			OnLogoff: func(m net.HardwareAddr) { logoffs <- m }})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { p.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// A computer behind the phone authenticates itself with the switch through
// the PC port (wpa_supplicant to hostapd, EAP-MD5); when its cable is
// pulled the phone logs it off at the switch (the manual's proxy
// EAPoL-Logoff), and hostapd takes the port's authorisation back.
//
// behaviour: BOOT-21
func TestProxyLogoffAtHostapd(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	h := testpeer.StartHostapd(t, b.sw, "sw0", map[string]string{"pc-user": "pcpass"})
	logoffs := make(chan net.HardwareAddr, 4)
	b.bridge(t, false, logoffs)
	testpeer.StartWPASupplicant(t, b.pc, "eth0", "pc-user", "pcpass")
	if err := h.WaitOutput(b.pcMAC+" IEEE 802.1X: authorizing port", 10*time.Second); err != nil {
		t.Fatalf("the computer did not authenticate through the phone: %v", err)
	}
	b.pc.MustRun(t, "ip", "link", "set", "eth0", "down")
	select {
	case m := <-logoffs:
		if m.String() != b.pcMAC {
			t.Fatalf("logged off %s, want %s", m, b.pcMAC)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no proxy logoff after the computer's link went down")
	}
	if err := h.WaitOutput(b.pcMAC+" IEEE 802.1X: unauthorizing port", 5*time.Second); err != nil {
		t.Errorf("hostapd did not take the computer's authorisation back: %v", err)
	}
}

// The PC port acts as a switch: a frame on the LAN for some other station
// does not reach the computer; with port mirroring (hub mode) it does.
//
// behaviour: BOOT-19
func TestPortMirroring(t *testing.T) {
	t.Parallel()
	for _, mirror := range []bool{false, true} {
		b := newBench(t)
		b.bridge(t, mirror, make(chan net.HardwareAddr, 4))
		got := make(chan struct{}, 1)
		listenFor(t, b.pc, "eth0", 0x88b5, got) // the local experimental EtherType
		other := net.HardwareAddr{0x02, 0, 0, 0, 0x0b, 0x02}
		sendFrom(t, b.sw, "sw0", other, 0x88b5)
		select {
		case <-got:
			if !mirror {
				t.Error("a frame for another station reached the computer without mirroring")
			}
		case <-time.After(time.Second):
			if mirror {
				t.Error("with mirroring a LAN frame did not reach the computer")
			}
		}
	}
}

func listenFor(t *testing.T, ns *testpeer.NS, iface string, etherType int, got chan<- struct{}) {
	t.Helper()
	var c *packet.Conn
	if err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(iface)
		if err != nil {
			return err
		}
		if c, err = packet.Listen(ifc, packet.Datagram, etherType, nil); err != nil {
			return err
		}
		return c.SetPromiscuous(true)
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()
}

func sendFrom(t *testing.T, ns *testpeer.NS, iface string, dst net.HardwareAddr, etherType int) {
	t.Helper()
	if err := ns.Do(func() error {
		ifc, err := net.InterfaceByName(iface)
		if err != nil {
			return err
		}
		c, err := packet.Listen(ifc, packet.Datagram, etherType, nil)
		if err != nil {
			return err
		}
		defer c.Close()
		for range 3 {
			if _, err := c.WriteTo(make([]byte, 46), &packet.Addr{HardwareAddr: dst}); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
