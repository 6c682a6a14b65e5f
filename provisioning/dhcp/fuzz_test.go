package dhcp

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Every decoder must return a value or an error wrapping ErrBadOption for
// any input, and never panic.

func FuzzSIPServers(f *testing.F) {
	f.Add([]byte{1, 10, 0, 0, 1})
	f.Add(append([]byte{0, 3, 's', 'i', 'p', 3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0, 6, 'p', 'r', 'o', 'x', 'y', '2'}, 0xc0, 0x04))
	f.Add([]byte{0, 0xc0, 0x00})
	f.Add([]byte{0, 1, 'x', 1, 'y', 0, 1, 'z', 0xc0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		names, err := DecodeSIPServers(b)
		if err != nil {
			if !errors.Is(err, ErrBadOption) {
				t.Fatalf("error %v does not wrap ErrBadOption", err)
			}
			return
		}
		if len(names) == 0 {
			t.Fatal("no error and no servers")
		}
		for _, n := range names {
			if n == "" || len(n) > 255 || strings.ContainsAny(n, " \x00") {
				t.Fatalf("bad name %q", n)
			}
		}
	})
}

func FuzzVendorInfo(f *testing.F) {
	tlv := func(code byte, v string) []byte { return append([]byte{code, byte(len(v))}, v...) }
	f.Add(append(append(tlv(10, "200"), tlv(5, "/CertProv/CertProvisioningService.svc")...), 0xff))
	f.Add(append(tlv(1, "MS-UC-Client"), tlv(3, "lab.example.test")...))
	f.Add([]byte{3, 10, 'x'})
	f.Add([]byte{0, 0, 255, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeVendorInfo(b)
		if err != nil && !errors.Is(err, ErrBadOption) {
			t.Fatalf("error %v does not wrap ErrBadOption", err)
		}
		if v.VoiceVLAN != 0 && (v.VoiceVLAN < 1 || v.VoiceVLAN > 4094) {
			t.Fatalf("VLAN %d accepted", v.VoiceVLAN)
		}
		_ = v.CertProvisioningURL()
	})
}

func FuzzProvisioningURL(f *testing.F) {
	f.Add([]byte("http://10.0.0.1/450HD.img;450HD_<MAC>.cfg"))
	f.Add([]byte("10.0.0.1\x00"))
	f.Add([]byte("\x00"))
	f.Add([]byte("a\x7fb"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeString(b)
		if err != nil {
			if !errors.Is(err, ErrBadOption) {
				t.Fatalf("error %v does not wrap ErrBadOption", err)
			}
			return
		}
		if s == "" || strings.ContainsAny(s, "\x00\n\r") || strings.TrimSpace(s) != s {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzTimeOptions(f *testing.F) {
	f.Add([]byte{0, 0, 0x1c, 0x20})
	f.Add([]byte{0xff, 0xff, 0xcf, 0x2c})
	f.Add([]byte{10, 0, 0, 1, 10, 0, 0, 2})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := DecodeTimeOffset(b); err == nil {
			if d < -24*time.Hour || d > 24*time.Hour || d%time.Second != 0 {
				t.Fatalf("offset %v accepted", d)
			}
		} else if !errors.Is(err, ErrBadOption) {
			t.Fatal(err)
		}
		if a, err := DecodeAddrs(b); err == nil {
			if len(a) != len(b)/4 || len(a) == 0 {
				t.Fatalf("%d addresses from %d bytes", len(a), len(b))
			}
		} else if !errors.Is(err, ErrBadOption) {
			t.Fatal(err)
		}
	})
}

// FuzzLease feeds whole packets: a reply either decodes into a lease with
// its bad options listed, or is refused with ErrBadReply.
func FuzzLease(f *testing.F) {
	ack, _ := dhcpv4.New(
		dhcpv4.WithMessageType(dhcpv4.MessageTypeAck),
		dhcpv4.WithYourIP([]byte{10, 0, 0, 100}),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier([]byte{10, 0, 0, 1})),
		dhcpv4.WithGeneric(dhcpv4.GenericOptionCode(160), []byte("http://10.0.0.1/;<MAC>.cfg")),
		dhcpv4.WithGeneric(dhcpv4.OptionSIPServers, []byte{0, 1, 'a', 0xc0, 0}),
	)
	f.Add(ack.ToBytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dhcpv4.FromBytes(b)
		if err != nil {
			return
		}
		l, err := DecodeLease(m, 0, time.Unix(0, 0))
		if err != nil {
			if !errors.Is(err, ErrBadReply) {
				t.Fatalf("error %v does not wrap ErrBadReply", err)
			}
			return
		}
		if !l.Address.IsValid() || !l.Server.IsValid() || l.T1 > l.T2 || l.T2 > l.Duration {
			t.Fatalf("inconsistent lease %+v", l)
		}
		for _, bo := range l.BadOptions {
			if !errors.Is(bo, ErrBadOption) {
				t.Fatalf("bad option %v does not wrap ErrBadOption", bo)
			}
		}
	})
}
