package dhcp

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"
)

// behaviour: BOOT-10
func TestDecodeSIPServers(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []string
		bad  bool
	}{
		{name: "addresses (enc 1), as dnsmasq and ISC send them", in: []byte{1, 10, 0, 0, 1}, want: []string{"10.0.0.1"}},
		{name: "two addresses", in: []byte{1, 10, 0, 0, 1, 10, 0, 0, 2}, want: []string{"10.0.0.1", "10.0.0.2"}},
		{
			name: "names with a compression pointer, byte for byte as dnsmasq sent them",
			in: append([]byte{0, 3, 's', 'i', 'p', 3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0,
				6, 'p', 'r', 'o', 'x', 'y', '2'}, 0xc0, 0x04),
			want: []string{"sip.lab.test", "proxy2.lab.test"},
		},
		{name: "uncompressed names", in: []byte{0, 2, 'a', 'b', 0, 1, 'c', 0}, want: []string{"ab", "c"}},
		{name: "pointer to the whole first name", in: []byte{0, 1, 'x', 1, 'y', 0, 1, 'z', 0xc0, 0}, want: []string{"x.y", "z.x.y"}},
		{name: "unknown encoding byte", in: []byte{2, 1, 2, 3, 4}, bad: true},
		{name: "address list not a multiple of 4", in: []byte{1, 10, 0, 0}, bad: true},
		{name: "pointer to itself loops", in: []byte{0, 0xc0, 0x00}, bad: true},
		{name: "forward pointer", in: []byte{0, 0xc0, 0x05, 0, 1, 'a', 0}, bad: true},
		{name: "label past the end", in: []byte{0, 5, 'a', 'b'}, bad: true},
		{name: "missing terminator", in: []byte{0, 1, 'a'}, bad: true},
		{name: "empty name", in: []byte{0, 0}, bad: true},
		{name: "dot inside a label", in: []byte{0, 3, 'a', '.', 'b', 0}, bad: true},
		{name: "reserved label type", in: []byte{0, 0x40, 0}, bad: true},
		{name: "only the encoding byte", in: []byte{0}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSIPServers(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrBadOption) {
					t.Fatalf("DecodeSIPServers(% x) = %q, %v; want ErrBadOption", tt.in, got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("DecodeSIPServers(% x) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// behaviour: BOOT-8
// behaviour: BOOT-9
func TestDecodeVendorInfo(t *testing.T) {
	tlv := func(code byte, v string) []byte { return append([]byte{code, byte(len(v))}, v...) }
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	full := []([]byte){tlv(1, "MS-UC-Client"), tlv(2, "https"), tlv(3, "lab.example.test"), tlv(4, "443"),
		tlv(5, "/CertProv/CertProvisioningService.svc"), tlv(10, "200")}
	reversed := slices.Clone(full)
	slices.Reverse(reversed)
	want := VendorInfo{UCIdentifier: "MS-UC-Client", URLScheme: "https", WebServer: "lab.example.test", WebPort: "443",
		CertProvPath: "/CertProv/CertProvisioningService.svc", VoiceVLAN: 200}
	tests := []struct {
		name string
		in   []byte
		want VendorInfo
		bad  bool
	}{
		{name: "ISC order, no End byte", in: cat(full...), want: want},
		{name: "dnsmasq: reverse order and a trailing End byte", in: append(cat(reversed...), 0xff), want: want},
		{name: "pad bytes between sub-options", in: cat(tlv(3, "h"), []byte{0, 0}, tlv(5, "/p")), want: VendorInfo{WebServer: "h", CertProvPath: "/p"}},
		{name: "VLAN as a binary 16-bit number", in: cat(tlv(10, "\x00\x0a")), want: VendorInfo{VoiceVLAN: 10}},
		{name: "VLAN out of range is reported, the rest kept", in: cat(tlv(3, "h"), tlv(10, "5000")), want: VendorInfo{WebServer: "h"}, bad: true},
		{name: "VLAN text that is not a number", in: cat(tlv(10, "sub10-ascii-value")), bad: true},
		{name: "port that is not a number", in: cat(tlv(4, "https")), bad: true},
		{name: "truncated sub-option keeps what came before", in: cat(tlv(1, "MS-UC-Client"), []byte{3, 10, 'x'}), want: VendorInfo{UCIdentifier: "MS-UC-Client"}, bad: true},
		{name: "a code without a length", in: []byte{3}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeVendorInfo(tt.in)
			if tt.bad != (err != nil) {
				t.Fatalf("DecodeVendorInfo(% x) error = %v, want error %v", tt.in, err, tt.bad)
			}
			if err != nil && !errors.Is(err, ErrBadOption) {
				t.Fatalf("error %v does not wrap ErrBadOption", err)
			}
			got.Sub = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("DecodeVendorInfo(% x) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	if u := want.CertProvisioningURL(); u != "https://lab.example.test:443/CertProv/CertProvisioningService.svc" {
		t.Fatalf("CertProvisioningURL = %q", u)
	}
	if u := (VendorInfo{WebServer: "h"}).CertProvisioningURL(); u != "" {
		t.Fatalf("CertProvisioningURL without sub-option 5 = %q, want empty", u)
	}
}

// behaviour: BOOT-4
// behaviour: BOOT-6
func TestDecodeString(t *testing.T) {
	tests := []struct {
		in   string
		want string
		bad  bool
	}{
		{in: "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg", want: "http://10.0.0.1/450HD.img;450HD_<MAC>.cfg"},
		{in: "10.0.0.1\x00", want: "10.0.0.1"},         // dnsmasq's 66
		{in: "firmware.img\x00", want: "firmware.img"}, // dnsmasq's 67
		{in: "firmware.img", want: "firmware.img"},     // ISC's 67
		{in: " tftp://h \x00junk", want: "tftp://h"},
		{in: "", bad: true},
		{in: "\x00", bad: true},
		{in: "a\nb", bad: true},
		{in: "\xff\xfe", bad: true},
	}
	for _, tt := range tests {
		got, err := DecodeString([]byte(tt.in))
		if tt.bad {
			if !errors.Is(err, ErrBadOption) {
				t.Errorf("DecodeString(%q) = %q, %v; want ErrBadOption", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DecodeString(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// behaviour: BOOT-11
func TestDecodeTimeOptions(t *testing.T) {
	off, err := DecodeTimeOffset([]byte{0, 0, 0x1c, 0x20})
	if err != nil || off != 2*time.Hour {
		t.Fatalf("offset 7200 s = %v, %v", off, err)
	}
	off, err = DecodeTimeOffset([]byte{0xff, 0xff, 0xcf, 0x2c}) // -12500 s = -3:28:20
	if err != nil || off != -12500*time.Second {
		t.Fatalf("offset -12500 s = %v, %v", off, err)
	}
	for _, bad := range [][]byte{{0, 0, 0x1c}, {0x7f, 0xff, 0xff, 0xff}, nil} {
		if _, err := DecodeTimeOffset(bad); !errors.Is(err, ErrBadOption) {
			t.Errorf("DecodeTimeOffset(% x) error = %v", bad, err)
		}
	}
	addrs, err := DecodeAddrs([]byte{10, 59, 0, 20, 10, 59, 0, 21})
	if err != nil || !slices.Equal(addrs, []netip.Addr{netip.MustParseAddr("10.59.0.20"), netip.MustParseAddr("10.59.0.21")}) {
		t.Fatalf("DecodeAddrs = %v, %v", addrs, err)
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, {1, 2, 3, 4, 5}} {
		if _, err := DecodeAddrs(bad); !errors.Is(err, ErrBadOption) {
			t.Errorf("DecodeAddrs(% x) error = %v", bad, err)
		}
	}
}

func TestDecodeSubnetMask(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		bits int
		bad  bool
	}{
		{in: []byte{255, 255, 255, 0}, bits: 24},
		{in: []byte{255, 255, 255, 255}, bits: 32},
		{in: []byte{0, 0, 0, 0}, bits: 0},
		{in: []byte{255, 255, 240, 0}, bits: 20},
		{in: []byte{255, 0, 255, 0}, bad: true},
		{in: []byte{255, 255}, bad: true},
	} {
		bits, err := DecodeSubnetMask(tt.in)
		if tt.bad != (err != nil) || (!tt.bad && bits != tt.bits) {
			t.Errorf("DecodeSubnetMask(% x) = %d, %v", tt.in, bits, err)
		}
	}
}

// behaviour: BOOT-3
func TestRequestList(t *testing.T) {
	want := []uint8{1, 2, 3, 4, 6, 15, 42, 43, 66, 67, 120, 160}
	if got := RequestList(0, false); !slices.Equal(got, want) {
		t.Fatalf("RequestList(default) = %v, want %v", got, want)
	}
	if got := RequestList(160, false); !slices.Equal(got, want) {
		t.Fatalf("RequestList(160) = %v, want %v", got, want)
	}
	if got := RequestList(224, false); !slices.Equal(got, append(slices.Clone(want), 224)) {
		t.Fatalf("RequestList(224) = %v", got)
	}
	if got := RequestList(0, true); !slices.Contains(got, 66) || !slices.Contains(got, 67) || slices.Contains(got, 160) {
		t.Fatalf("recovery RequestList = %v, want 66 and 67 and no 160", got)
	}
}
