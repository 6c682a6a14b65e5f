package testpeer

import (
	"net"
	"strings"
	"testing"
)

func TestNetnsAndVeth(t *testing.T) {
	lab := Netns(t, "tplab")
	phone := Netns(t, "tpphone")
	Veth(t, lab, "br0", "10.9.0.1/24", phone, "eth0", "10.9.0.2/24", "00:90:8f:00:00:01")
	out := phone.MustRun(t, "ip", "link", "show", "eth0")
	if !strings.Contains(out, "00:90:8f:00:00:01") {
		t.Fatalf("MAC not set: %s", out)
	}
	// A socket opened inside lab receives what phone sends.
	var srv net.PacketConn
	if err := lab.Do(func() (err error) { srv, err = net.ListenPacket("udp4", "10.9.0.1:0"); return }); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var cli net.PacketConn
	if err := phone.Do(func() (err error) { cli, err = net.ListenPacket("udp4", "10.9.0.2:0"); return }); err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.WriteTo([]byte("hello"), srv.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, from, err := srv.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" || !strings.HasPrefix(from.String(), "10.9.0.2:") {
		t.Fatalf("got %q from %v, %v", buf[:n], from, err)
	}
}
