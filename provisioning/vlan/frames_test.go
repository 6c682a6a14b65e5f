package vlan_test

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/hdphone/hdphone/provisioning/vlan"
)

// phone is the identity the tests advertise.
var phoneMAC = net.HardwareAddr{0x00, 0x90, 0x8f, 0x12, 0x34, 0x56}

var phone = vlan.Identity{MAC: phoneMAC, SystemName: "00908f123456", Description: "AudioCodes 450HD IP Phone UC_3.4.8.808",
	Model: "450HD", Firmware: "UC_3.4.8.808", Serial: "00908f123456"}

// The phone's own advertisement reads back: chassis, name, and the voice
// policy once it has one (unknown before: no policy).
func TestAdvertisementReadsBack(t *testing.T) {
	id := phone
	id.Addr = netip.MustParseAddr("10.0.0.5")
	info, err := vlan.ParseLLDP(vlan.Advertisement(id, nil))
	if err != nil {
		t.Fatal(err)
	}
	if string(info.ChassisID) != string(phoneMAC) || info.SystemName != "00908f123456" || info.Voice != nil {
		t.Fatalf("%+v", info)
	}
	want := vlan.Policy{Tagged: true, VLAN: 4094, Priority: 6, DSCP: 46, Source: "LLDP"}
	info, err = vlan.ParseLLDP(vlan.Advertisement(id, &want))
	if err != nil || info.Voice == nil || *info.Voice != want {
		t.Fatalf("voice %+v, %v", info.Voice, err)
	}
	cdp, err := vlan.ParseCDPFrame(vlan.CDPFrame(phoneMAC, vlan.CDPPacket(id)))
	if err != nil || cdp.DeviceID != "00908f123456" || cdp.Voice != nil {
		t.Fatalf("CDP %+v, %v", cdp, err)
	}
	cdp, err = vlan.ParseCDPFrame(vlan.CDPFrame(phoneMAC, vlan.VoIPVLANReplyPacket("sw", 210)))
	if err != nil || cdp.Voice == nil || cdp.Voice.VLAN != 210 || cdp.Voice.Source != "CDP" {
		t.Fatalf("CDP reply %+v, %v", cdp, err)
	}
}

func TestMalformedFrames(t *testing.T) {
	adv := vlan.Advertisement(phone, nil)
	for name, b := range map[string][]byte{
		"empty":            {},
		"no End":           adv[:len(adv)-2],
		"TLV past the end": append(append([]byte{}, adv[:len(adv)-2]...), 0x0a, 0x10, 'x'),
		"TTL first":        {0x06, 0x02, 0, 120, 0, 0},
		"short chassis":    {0x02, 0x01, 4, 0, 0},
	} {
		if _, err := vlan.ParseLLDP(b); !errors.Is(err, vlan.ErrFrame) {
			t.Errorf("LLDP %s: %v, want ErrFrame", name, err)
		}
	}
	bad := vlan.VoIPVLANReplyPacket("sw", 210)
	bad[len(bad)-2], bad[len(bad)-1] = 0x10, 0x00 // VLAN 4096
	for name, b := range map[string][]byte{
		"short":         {2, 180},
		"version 9":     {9, 180, 0, 0},
		"TLV too long":  {2, 180, 0, 0, 0, 1, 0, 40, 'x'},
		"TLV too short": {2, 180, 0, 0, 0, 1, 0, 2},
		"VLAN 4096":     bad,
	} {
		if _, err := vlan.ParseCDP(b); !errors.Is(err, vlan.ErrFrame) {
			t.Errorf("CDP %s: %v, want ErrFrame", name, err)
		}
	}
}

func FuzzParseLLDP(f *testing.F) {
	f.Add(vlan.Advertisement(phone, nil))
	f.Add(vlan.Advertisement(phone, &vlan.Policy{Tagged: true, VLAN: 100, Priority: 5, DSCP: 46}))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := vlan.ParseLLDP(b)
		if err != nil {
			if !errors.Is(err, vlan.ErrFrame) {
				t.Fatalf("error %v is not ErrFrame", err)
			}
			return
		}
		if v := info.Voice; v != nil && (v.Tagged && (v.VLAN < 1 || v.VLAN > 4094) || !v.Tagged && v.VLAN != 0) {
			t.Fatalf("voice %+v", v)
		}
	})
}

func FuzzParseCDPFrame(f *testing.F) {
	f.Add(vlan.CDPFrame(phoneMAC, vlan.CDPPacket(phone)))
	f.Add(vlan.CDPFrame(phoneMAC, vlan.VoIPVLANReplyPacket("switch", 100)))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := vlan.ParseCDPFrame(b)
		if err != nil {
			if !errors.Is(err, vlan.ErrFrame) {
				t.Fatalf("error %v is not ErrFrame", err)
			}
			return
		}
		if v := info.Voice; v != nil && (v.VLAN < 1 || v.VLAN > 4094) {
			t.Fatalf("voice %+v", v)
		}
	})
}
