package vlan

import (
	"encoding/binary"
	"fmt"
	"net"
)

// CDP goes in IEEE 802.3 frames with an LLC/SNAP header (Cisco's OUI,
// protocol 0x2000) to a Cisco multicast address.
var (
	cdpGroup = net.HardwareAddr{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}
	cdpSNAP  = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}
)

// CDP TLV types.
const (
	cdpDeviceID       = 0x0001
	cdpAddresses      = 0x0002
	cdpPortID         = 0x0003
	cdpCapabilities   = 0x0004
	cdpSoftware       = 0x0005
	cdpPlatform       = 0x0006
	cdpDuplex         = 0x000b
	cdpVoIPVLANReply  = 0x000e
	cdpVoIPVLANQuery  = 0x000f
	cdpCapsHost       = 0x10
	cdpCapsPhone      = 0x80
	cdpVersion        = 2
	cdpHoldTime       = 180
	cdpApplianceVoice = 0x01
)

// CDPInfo is what a received CDP packet says.
type CDPInfo struct {
	DeviceID string
	// Voice is the switch's answer to the VoIP VLAN query, nil when the
	// packet carries none.
	Voice *Policy
}

// CDPPacket is the phone's CDP packet (version 2): its device ID, address
// when known, port, host and phone capabilities, firmware, platform, full
// duplex, and the VoIP VLAN query a switch answers with the voice VLAN.
func CDPPacket(id Identity) []byte {
	b := []byte{cdpVersion, cdpHoldTime, 0, 0}
	tlv := func(typ int, value []byte) {
		b = binary.BigEndian.AppendUint16(b, uint16(typ))
		b = binary.BigEndian.AppendUint16(b, uint16(4+len(value)))
		b = append(b, value...)
	}
	name := id.SystemName
	if name == "" {
		name = fmt.Sprintf("%x", []byte(id.MAC))
	}
	tlv(cdpDeviceID, []byte(name))
	if id.Addr.Is4() {
		a := id.Addr.As4()
		// One address: NLPID protocol 0xcc (IP), four bytes.
		tlv(cdpAddresses, []byte{0, 0, 0, 1, 1, 1, 0xcc, 0, 4, a[0], a[1], a[2], a[3]})
	}
	tlv(cdpPortID, []byte("Port 1"))
	tlv(cdpCapabilities, binary.BigEndian.AppendUint32(nil, cdpCapsHost|cdpCapsPhone))
	tlv(cdpSoftware, []byte(id.Firmware))
	tlv(cdpPlatform, []byte(Manufacturer+" "+id.Model))
	tlv(cdpDuplex, []byte{1})
	tlv(cdpVoIPVLANQuery, []byte{cdpApplianceVoice, 0, 0})
	binary.BigEndian.PutUint16(b[2:], checksum(b))
	return b
}

// CDPFrame is an Ethernet frame carrying pkt from src to CDP's group.
func CDPFrame(src net.HardwareAddr, pkt []byte) []byte {
	f := make([]byte, 0, 14+len(cdpSNAP)+len(pkt))
	f = append(f, cdpGroup...)
	f = append(f, src...)
	f = binary.BigEndian.AppendUint16(f, uint16(len(cdpSNAP)+len(pkt))) // 802.3 length
	f = append(f, cdpSNAP...)
	return append(f, pkt...)
}

// ParseCDPFrame reads an Ethernet frame: it returns the CDP packet's
// information, or ErrFrame for anything else (other LLC traffic too).
func ParseCDPFrame(f []byte) (*CDPInfo, error) {
	if len(f) < 14+len(cdpSNAP) {
		return nil, fmt.Errorf("%w: %d-byte frame", ErrFrame, len(f))
	}
	n := int(binary.BigEndian.Uint16(f[12:]))
	if n > 1500 || 14+n > len(f) || n < len(cdpSNAP) || string(f[14:14+len(cdpSNAP)]) != string(cdpSNAP) {
		return nil, fmt.Errorf("%w: not a CDP frame", ErrFrame)
	}
	return ParseCDP(f[14+len(cdpSNAP) : 14+n])
}

// ParseCDP reads a CDP packet (after the SNAP header).
func ParseCDP(b []byte) (*CDPInfo, error) {
	if len(b) < 4 || b[0] < 1 || b[0] > 2 {
		return nil, fmt.Errorf("%w: CDP header", ErrFrame)
	}
	info := &CDPInfo{}
	for p := b[4:]; len(p) > 0; {
		if len(p) < 4 {
			return nil, fmt.Errorf("%w: %d bytes after the last TLV", ErrFrame, len(p))
		}
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if n < 4 || n > len(p) {
			return nil, fmt.Errorf("%w: TLV %#x of length %d in %d", ErrFrame, typ, n, len(p))
		}
		v := p[4:n]
		p = p[n:]
		switch typ {
		case cdpDeviceID:
			info.DeviceID = string(v)
		case cdpVoIPVLANReply:
			if len(v) < 3 {
				return nil, fmt.Errorf("%w: VoIP VLAN reply of %d bytes", ErrFrame, len(v))
			}
			id := int(binary.BigEndian.Uint16(v[1:]))
			if id < 1 || id > 4094 {
				return nil, fmt.Errorf("%w: voice VLAN %d", ErrFrame, id)
			}
			info.Voice = &Policy{Tagged: true, VLAN: id, Priority: 5, Source: "CDP"}
		}
	}
	return info, nil
}

// VoIPVLANReplyPacket is a switch's CDP packet that gives the voice VLAN
// (tests use it to play the switch; lldpd does not send one).
func VoIPVLANReplyPacket(deviceID string, id int) []byte {
	b := []byte{cdpVersion, cdpHoldTime, 0, 0}
	b = binary.BigEndian.AppendUint16(b, cdpDeviceID)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(deviceID)))
	b = append(b, deviceID...)
	b = binary.BigEndian.AppendUint16(b, cdpVoIPVLANReply)
	b = binary.BigEndian.AppendUint16(b, 7)
	b = append(b, cdpApplianceVoice, byte(id>>8), byte(id))
	binary.BigEndian.PutUint16(b[2:], checksum(b))
	return b
}

// checksum is the IP checksum (RFC 1071) CDP uses, with the checksum
// field zero; an odd last byte counts as the high half of a word.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
