package vlan

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Identity is what the phone tells the switch about itself.
type Identity struct {
	MAC         net.HardwareAddr
	SystemName  string // the phone's host name
	Description string // e.g. "AudioCodes 450HD IP Phone"
	Model       string // 450HD
	Firmware    string // UC_3.4.8.808
	Serial      string
	// Addr is the phone's address once it has one (the management address
	// of later advertisements).
	Addr netip.Addr
	// TTL is how long the switch keeps the phone without a new
	// advertisement; 0 means 120 s.
	TTL time.Duration
}

// Manufacturer is the LLDP-MED inventory's manufacturer name.
const Manufacturer = "AudioCodes"

// Policy is a voice VLAN assignment from the switch.
type Policy struct {
	// Tagged voice traffic goes in VLAN (1-4094) with Priority (802.1p,
	// 0-7); untagged, VLAN is 0.
	Tagged   bool
	VLAN     int
	Priority int
	DSCP     int    // LLDP-MED only
	Source   string // "LLDP" or "CDP"
}

// LLDPInfo is what a received LLDPDU says.
type LLDPInfo struct {
	ChassisID  []byte
	SystemName string
	// Voice is the network policy for the voice application, nil when the
	// frame carries none or marks it unknown.
	Voice *Policy
}

// The LLDP EtherType and the nearest-bridge group address it is sent to.
const lldpType = 0x88cc

var lldpGroup = net.HardwareAddr{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}

// TLV types (IEEE 802.1AB) and the LLDP-MED organisation (TIA-1057).
const (
	tlvEnd         = 0
	tlvChassisID   = 1
	tlvPortID      = 2
	tlvTTL         = 3
	tlvPortDesc    = 4
	tlvSystemName  = 5
	tlvSystemDesc  = 6
	tlvSystemCaps  = 7
	tlvMgmtAddr    = 8
	tlvOrgSpecific = 127

	medCapabilities = 1
	medPolicy       = 2
	medFirmware     = 6
	medSoftware     = 7
	medSerial       = 8
	medManufacturer = 9
	medModel        = 10

	medAppVoice = 1
)

var medOUI = [3]byte{0x00, 0x12, 0xbb}

// Advertisement is the phone's LLDPDU: chassis and port by MAC, its name
// and description, telephone capability, its address when known, and the
// LLDP-MED TLVs of a class III endpoint (capabilities, the voice policy —
// unknown until the switch gave one — and the inventory).
func Advertisement(id Identity, voice *Policy) []byte {
	var b []byte
	tlv := func(typ int, value []byte) {
		b = binary.BigEndian.AppendUint16(b, uint16(typ)<<9|uint16(len(value)))
		b = append(b, value...)
	}
	med := func(sub byte, value []byte) {
		tlv(tlvOrgSpecific, append([]byte{medOUI[0], medOUI[1], medOUI[2], sub}, value...))
	}
	tlv(tlvChassisID, append([]byte{4}, id.MAC...)) // 4: MAC address
	tlv(tlvPortID, append([]byte{3}, id.MAC...))    // 3: MAC address
	ttl := id.TTL
	if ttl <= 0 {
		ttl = 120 * time.Second
	}
	tlv(tlvTTL, binary.BigEndian.AppendUint16(nil, uint16(min(ttl/time.Second, 65535))))
	tlv(tlvPortDesc, []byte("LAN port"))
	if id.SystemName != "" {
		tlv(tlvSystemName, []byte(id.SystemName))
	}
	if id.Description != "" {
		tlv(tlvSystemDesc, []byte(id.Description))
	}
	const telephone, bridge = 0x0020, 0x0004 // the PC port is a bridge
	tlv(tlvSystemCaps, binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, telephone|bridge), telephone))
	if id.Addr.Is4() {
		a := id.Addr.As4()
		v := []byte{5, 1, a[0], a[1], a[2], a[3], 2, 0, 0, 0, 0, 0} // IPv4, ifIndex 0, no OID
		tlv(tlvMgmtAddr, v)
	}
	// Capabilities: LLDP-MED, network policy, inventory; class III.
	med(medCapabilities, []byte{0x00, 0x23, 3})
	policy := []byte{medAppVoice, 0x80, 0, 0} // unknown
	if voice != nil {
		var v uint32
		if voice.Tagged {
			v = 1<<22 | uint32(voice.VLAN&0xfff)<<9
		}
		v |= uint32(voice.Priority&7)<<6 | uint32(voice.DSCP&0x3f)
		policy = []byte{medAppVoice, byte(v >> 16), byte(v >> 8), byte(v)}
	}
	med(medPolicy, policy)
	med(medFirmware, []byte(id.Firmware))
	med(medSoftware, []byte(id.Firmware))
	if id.Serial != "" {
		med(medSerial, []byte(id.Serial))
	}
	med(medManufacturer, []byte(Manufacturer))
	med(medModel, []byte(id.Model))
	tlv(tlvEnd, nil)
	return b
}

// ParseLLDP reads an LLDPDU (the frame's payload after the EtherType).
func ParseLLDP(b []byte) (*LLDPInfo, error) {
	info := &LLDPInfo{}
	for i := 0; ; i++ {
		if len(b) < 2 {
			return nil, fmt.Errorf("%w: LLDPDU ends without an End TLV", ErrFrame)
		}
		h := binary.BigEndian.Uint16(b)
		typ, n := int(h>>9), int(h&0x1ff)
		if len(b) < 2+n {
			return nil, fmt.Errorf("%w: TLV %d of %d bytes in %d", ErrFrame, typ, n, len(b)-2)
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		// The first three TLVs are chassis, port and TTL, in order.
		if i < 3 && typ != i+1 {
			return nil, fmt.Errorf("%w: TLV %d where %d belongs", ErrFrame, typ, i+1)
		}
		switch typ {
		case tlvEnd:
			return info, nil
		case tlvChassisID, tlvPortID:
			if n < 2 {
				return nil, fmt.Errorf("%w: empty ID TLV %d", ErrFrame, typ)
			}
			if typ == tlvChassisID {
				info.ChassisID = append([]byte(nil), v[1:]...)
			}
		case tlvTTL:
			if n < 2 {
				return nil, fmt.Errorf("%w: TTL of %d bytes", ErrFrame, n)
			}
		case tlvSystemName:
			info.SystemName = string(v)
		case tlvOrgSpecific:
			if n >= 8 && [3]byte(v[:3]) == medOUI && v[3] == medPolicy && v[4] == medAppVoice {
				x := uint32(v[5])<<16 | uint32(v[6])<<8 | uint32(v[7])
				if x&(1<<23) != 0 {
					continue // the switch has no policy for voice
				}
				p := &Policy{Tagged: x&(1<<22) != 0, Priority: int(x >> 6 & 7), DSCP: int(x & 0x3f), Source: "LLDP"}
				if p.Tagged {
					p.VLAN = int(x >> 9 & 0xfff)
					if p.VLAN < 1 || p.VLAN > 4094 {
						return nil, fmt.Errorf("%w: voice VLAN %d", ErrFrame, p.VLAN)
					}
				}
				info.Voice = p
			}
		}
	}
}
