package dhcp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Option codes the phone sends or reads (RFC 2132 unless noted).
const (
	OptSubnetMask      = 1
	OptTimeOffset      = 2
	OptRouter          = 3
	OptTimeServer      = 4
	OptDNS             = 6
	OptDomainName      = 15
	OptNTPServers      = 42
	OptVendorInfo      = 43
	OptLeaseTime       = 51
	OptOverload        = 52 // the file and sname fields carry options
	OptServerID        = 54
	OptMessage         = 56
	OptRenewalTime     = 58
	OptRebindingTime   = 59
	OptVendorClass     = 60
	OptTFTPServer      = 66
	OptBootFile        = 67
	OptUserClass       = 77
	OptSIPServers      = 120 // RFC 3361
	OptProvisioningURL = 160 // the 400HD's default URL option
)

// DecodeString decodes a text option (66, 67, 160, 15, vendor
// sub-options). Servers differ: dnsmasq terminates 66 and 67 with a NUL, ISC
// dhcpd does not, so everything from the first NUL on is dropped. Surrounding
// spaces are trimmed. Empty text, control characters and invalid UTF-8 are
// errors.
func DecodeString(b []byte) (string, error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%w: empty text", ErrBadOption)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: text is not UTF-8", ErrBadOption)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: control character %#x in text", ErrBadOption, r)
		}
	}
	return s, nil
}

// DecodeAddrs decodes a list of IPv4 addresses (options 3, 4, 6, 42): one
// or more groups of four bytes.
func DecodeAddrs(b []byte) ([]netip.Addr, error) {
	if len(b) == 0 || len(b)%4 != 0 {
		return nil, fmt.Errorf("%w: address list of %d bytes is not a multiple of 4", ErrBadOption, len(b))
	}
	out := make([]netip.Addr, 0, len(b)/4)
	for i := 0; i < len(b); i += 4 {
		out = append(out, netip.AddrFrom4([4]byte(b[i:i+4])))
	}
	return out, nil
}

// maxTimeOffset bounds option 2: real zones run from -12:00 to +14:00, so
// anything beyond a day is a broken server, not a zone.
const maxTimeOffset = 24 * time.Hour

// DecodeTimeOffset decodes option 2: the offset of the phone's zone from
// UTC as a signed 32-bit number of seconds.
func DecodeTimeOffset(b []byte) (time.Duration, error) {
	if len(b) != 4 {
		return 0, fmt.Errorf("%w: time offset of %d bytes, want 4", ErrBadOption, len(b))
	}
	d := time.Duration(int32(binary.BigEndian.Uint32(b))) * time.Second
	if d < -maxTimeOffset || d > maxTimeOffset {
		return 0, fmt.Errorf("%w: time offset %s is beyond a day", ErrBadOption, d)
	}
	return d, nil
}

// DecodeSeconds decodes a 32-bit count of seconds (options 51, 58, 59).
func DecodeSeconds(b []byte) (time.Duration, error) {
	if len(b) != 4 {
		return 0, fmt.Errorf("%w: duration of %d bytes, want 4", ErrBadOption, len(b))
	}
	return time.Duration(binary.BigEndian.Uint32(b)) * time.Second, nil
}

// DecodeSubnetMask decodes option 1 into a prefix length; the mask's ones
// must be contiguous.
func DecodeSubnetMask(b []byte) (int, error) {
	if len(b) != 4 {
		return 0, fmt.Errorf("%w: subnet mask of %d bytes, want 4", ErrBadOption, len(b))
	}
	m := binary.BigEndian.Uint32(b)
	bits := 0
	for bits < 32 && m&(1<<(31-bits)) != 0 {
		bits++
	}
	if bits < 32 && m<<bits != 0 {
		return 0, fmt.Errorf("%w: subnet mask %d.%d.%d.%d is not contiguous", ErrBadOption, b[0], b[1], b[2], b[3])
	}
	return bits, nil
}

// DecodeSIPServers decodes option 120 (RFC 3361). The first byte says how
// the rest is encoded: 0 is a list of domain names in RFC 1035 wire form, 1 a
// list of IPv4 addresses. Names may use RFC 1035 compression pointers, which
// RFC 3361 forbids but dnsmasq sends; their offsets count from the byte after
// the encoding byte.
func DecodeSIPServers(b []byte) ([]string, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: SIP server option of %d bytes", ErrBadOption, len(b))
	}
	switch b[0] {
	case 0:
		return decodeNames(b[1:])
	case 1:
		addrs, err := DecodeAddrs(b[1:])
		if err != nil {
			return nil, err
		}
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = a.String()
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: SIP server encoding %d (want 0 or 1)", ErrBadOption, b[0])
}

// decodeNames reads consecutive RFC 1035 names filling b.
func decodeNames(b []byte) ([]string, error) {
	var names []string
	for off := 0; off < len(b); {
		name, next, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		off = next
	}
	return names, nil
}

// readName reads the name at off and returns it with the offset just after
// it in the main stream (after the first pointer, if it jumps).
func readName(b []byte, off int) (string, int, error) {
	var labels []string
	next := -1
	total := 0
	// A pointer must go strictly backwards, so a name can never loop; the
	// jump count is a second guard.
	limit := off
	for jumps := 0; ; {
		if off >= len(b) {
			return "", 0, fmt.Errorf("%w: name runs past the end of the option", ErrBadOption)
		}
		l := int(b[off])
		switch {
		case l == 0:
			if next < 0 {
				next = off + 1
			}
			if len(labels) == 0 {
				return "", 0, fmt.Errorf("%w: empty name", ErrBadOption)
			}
			return strings.Join(labels, "."), next, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(b) {
				return "", 0, fmt.Errorf("%w: truncated compression pointer", ErrBadOption)
			}
			ptr := (l&0x3f)<<8 | int(b[off+1])
			if ptr >= limit {
				return "", 0, fmt.Errorf("%w: compression pointer %d does not point backwards", ErrBadOption, ptr)
			}
			if next < 0 {
				next = off + 2
			}
			jumps++
			if jumps > 64 {
				return "", 0, fmt.Errorf("%w: too many compression pointers", ErrBadOption)
			}
			off, limit = ptr, ptr
		case l&0xc0 != 0:
			return "", 0, fmt.Errorf("%w: reserved label type %#x", ErrBadOption, l&0xc0)
		default:
			if off+1+l > len(b) {
				return "", 0, fmt.Errorf("%w: label runs past the end of the option", ErrBadOption)
			}
			label := b[off+1 : off+1+l]
			for _, c := range label {
				if c <= 0x20 || c >= 0x7f || c == '.' {
					return "", 0, fmt.Errorf("%w: byte %#x in a name label", ErrBadOption, c)
				}
			}
			total += l + 1
			if total > 255 {
				return "", 0, fmt.Errorf("%w: name longer than 255 bytes", ErrBadOption)
			}
			labels = append(labels, string(label))
			off += 1 + l
		}
	}
}

// DecodeSubOptions splits encapsulated vendor options (option 43) into
// sub-options. Pad bytes are skipped and an End byte (0xff) stops the walk,
// as dnsmasq sends one; sub-options may come in any order. A sub-option that
// appears twice is concatenated (RFC 3396).
func DecodeSubOptions(b []byte) (map[uint8][]byte, error) {
	out := map[uint8][]byte{}
	for i := 0; i < len(b); {
		code := b[i]
		switch code {
		case 0:
			i++
			continue
		case 255:
			return out, nil
		}
		if i+1 >= len(b) {
			return out, fmt.Errorf("%w: sub-option %d has no length", ErrBadOption, code)
		}
		n := int(b[i+1])
		if i+2+n > len(b) {
			return out, fmt.Errorf("%w: sub-option %d of %d bytes runs past the end", ErrBadOption, code, n)
		}
		out[code] = append(out[code], b[i+2:i+2+n]...)
		i += 2 + n
	}
	return out, nil
}

// VendorInfo is option 43 as the 400HD reads it: the Skype for Business /
// Teams certificate-provisioning sub-options 1-5 and the voice VLAN (10).
type VendorInfo struct {
	UCIdentifier string // 1, "MS-UC-Client"
	URLScheme    string // 2, "https"
	WebServer    string // 3, web server FQDN
	WebPort      string // 4, "443"
	CertProvPath string // 5, "/CertProv/CertProvisioningService.svc"
	VoiceVLAN    int    // 10, 1-4094; 0 when absent
	// Sub holds every sub-option's raw bytes, including unknown ones.
	Sub map[uint8][]byte
}

// CertProvisioningURL is the certificate provisioning web service URL
// <scheme>://<fqdn>:<port><path> built from sub-options 2-5 (BOOT-8), or ""
// when the FQDN or path is missing. A missing scheme means https and a
// missing port 443.
func (v VendorInfo) CertProvisioningURL() string {
	if v.WebServer == "" || v.CertProvPath == "" {
		return ""
	}
	scheme, port := v.URLScheme, v.WebPort
	if scheme == "" {
		scheme = "https"
	}
	if port == "" {
		port = "443"
	}
	path := v.CertProvPath
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return scheme + "://" + v.WebServer + ":" + port + path
}

// DecodeVendorInfo decodes option 43. Sub-options that do not decode are
// reported (the first such error is returned) while the others are kept.
func DecodeVendorInfo(b []byte) (VendorInfo, error) {
	sub, err := DecodeSubOptions(b)
	v := VendorInfo{Sub: sub}
	keep := func(e error) {
		if err == nil {
			err = e
		}
	}
	text := func(code uint8, dst *string) {
		if raw, ok := sub[code]; ok {
			s, e := DecodeString(raw)
			if e != nil {
				keep(fmt.Errorf("sub-option %d: %w", code, e))
				return
			}
			*dst = s
		}
	}
	text(1, &v.UCIdentifier)
	text(2, &v.URLScheme)
	text(3, &v.WebServer)
	text(4, &v.WebPort)
	text(5, &v.CertProvPath)
	if v.WebPort != "" {
		if p, e := strconv.Atoi(v.WebPort); e != nil || p < 1 || p > 65535 {
			keep(fmt.Errorf("sub-option 4: %w: port %q", ErrBadOption, v.WebPort))
			v.WebPort = ""
		}
	}
	if raw, ok := sub[10]; ok {
		vlan, e := decodeVLAN(raw)
		if e != nil {
			keep(fmt.Errorf("sub-option 10: %w", e))
		} else {
			v.VoiceVLAN = vlan
		}
	}
	return v, err
}

// decodeVLAN reads sub-option 10 as ASCII digits (the form the other
// sub-options use) or, failing that, a big-endian binary number of 1, 2 or
// 4 bytes.
func decodeVLAN(b []byte) (int, error) {
	var n int
	if s, err := DecodeString(b); err == nil && strings.Trim(s, "0123456789") == "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%w: VLAN %q", ErrBadOption, s)
		}
		n = v
	} else {
		switch len(b) {
		case 1:
			n = int(b[0])
		case 2:
			n = int(binary.BigEndian.Uint16(b))
		case 4:
			n = int(binary.BigEndian.Uint32(b))
		default:
			return 0, fmt.Errorf("%w: VLAN of %d bytes is neither digits nor a number", ErrBadOption, len(b))
		}
	}
	if n < 1 || n > 4094 {
		return 0, fmt.Errorf("%w: VLAN %d outside 1-4094", ErrBadOption, n)
	}
	return n, nil
}
