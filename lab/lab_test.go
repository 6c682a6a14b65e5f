package lab_test

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// The three servers are wired together: DHCP hands each phone the address it
// sends from and the file server's URL, and the file server's generated
// configuration names the SIP server.
func TestLabWiring(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := lab.Start(ctx, lab.Config{Files: map[string][]byte{"450HD.img": []byte("image")}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := l.Wait(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	const n = 41234
	c, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: lab.PhoneMAC(n), Timeout: time.Second},
		netip.AddrPortFrom(lab.PhoneAddr(n), 0), l.DHCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lease, err := c.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lease.Address.Addr() != lab.PhoneAddr(n) || lease.ProvisioningURL != l.ProvisioningURL() ||
		lease.TFTPServer != strings.TrimPrefix(l.TFTPURL(), "tftp://") {
		t.Errorf("lease %v url %q 66 %q", lease.Address, lease.ProvisioningURL, lease.TFTPServer)
	}
	fc, err := fetch.New(fetch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mac := strings.ReplaceAll(lab.PhoneMAC(n).String(), ":", "")
	for _, base := range []string{l.HTTPURL(), l.TFTPURL()} {
		cfg, err := fetch.ReadAll(ctx, fc, base+"/"+mac+".cfg", 0)
		if err != nil {
			t.Fatal(err)
		}
		line, pw := l.Line(lab.PhoneMAC(n))
		for _, want := range []string{
			"voip/line/0/id=" + line, "voip/line/0/auth_password=" + pw,
			"voip/signalling/sip/proxy_address=" + l.SIPAddr().Addr().String(),
			"voip/signalling/sip/proxy_port=" + strconv.Itoa(int(l.SIPAddr().Port())),
		} {
			if !strings.Contains(string(cfg), want+"\n") {
				t.Errorf("%s: configuration lacks %q:\n%s", base, want, cfg)
			}
		}
		img, err := fetch.ReadAll(ctx, fc, base+"/450HD.img", 0)
		if err != nil || string(img) != "image" {
			t.Errorf("%s: image %q %v", base, img, err)
		}
	}
}

func TestPhoneAddressesAndMACsAreDistinct(t *testing.T) {
	seenIP := map[netip.Addr]int{}
	seenMAC := map[string]int{}
	for n := range 70000 {
		a := lab.PhoneAddr(n)
		b := a.As4()
		if b[0] != 127 || b[3] == 0 || b[3] == 255 {
			t.Fatalf("PhoneAddr(%d) = %v", n, a)
		}
		if m, dup := seenIP[a]; dup {
			t.Fatalf("PhoneAddr(%d) = PhoneAddr(%d) = %v", n, m, a)
		}
		seenIP[a] = n
		mac := lab.PhoneMAC(n)
		if mac[0] != 0x00 || mac[1] != 0x90 || mac[2] != 0x8f {
			t.Fatalf("PhoneMAC(%d) = %v", n, mac)
		}
		if m, dup := seenMAC[mac.String()]; dup {
			t.Fatalf("PhoneMAC(%d) = PhoneMAC(%d)", n, m)
		}
		seenMAC[mac.String()] = n
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := lab.New(lab.Config{Scheme: "ftp"}); err == nil {
		t.Error("an FTP lab was made")
	}
}
