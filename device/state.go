package device

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/model"
)

// Stage names a step of the boot sequence, or the phone's settled state.
type Stage string

// The stages in boot order, then the settled states.
const (
	StageOff           Stage = "off"
	StageLink          Stage = "link"
	StageVLAN          Stage = "vlan"
	StageNetwork       Stage = "network"
	StageTime          Stage = "time"
	StageFirmware      Stage = "firmware"
	StageConfiguration Stage = "configuration"
	StageSignIn        Stage = "sign-in"
	StageIdle          Stage = "idle"
	// StageRecovery is entered instead of the normal boot when a firmware
	// burn was interrupted.
	StageRecovery Stage = "recovery"
)

// BootStages lists the stages of a normal boot in order.
var BootStages = []Stage{StageLink, StageVLAN, StageNetwork, StageTime, StageFirmware,
	StageConfiguration, StageSignIn}

// Network is the phone's IP configuration and what DHCP told it.
type Network struct {
	Interface  string
	Address    netip.Prefix // address and mask
	Gateway    netip.Addr
	DNS        []netip.Addr
	DomainName string
	VLAN       int
	// VLANSource says where VLAN came from: manual, LLDP, CDP, DHCP (option
	// 43), or "" for none.
	VLANSource string
	// Dot1X is the port's 802.1X state: Dot1XAuthenticated and the
	// others, "" when 802.1X is off or there is no Ethernet port.
	Dot1X string
	// From DHCP (empty with static addressing).
	DHCPServer      netip.Addr
	LeaseTime       time.Duration
	ProvisioningURL string         // option 160 (or provisioning/url_option_value)
	TFTPServer      string         // option 66
	BootFile        string         // option 67
	NTPServers      []string       // option 42, else 4
	TimeOffset      *int           // option 2, seconds
	SIPServers      []string       // option 120
	VendorInfo      map[int]string // option 43 sub-options
}

// SubnetMask is the mask of the phone's IPv4 address in dotted form
// (255.255.255.0), as its screen and Web pages show it; "" without one.
func (n Network) SubnetMask() string {
	if !n.Address.IsValid() || !n.Address.Addr().Is4() {
		return ""
	}
	m := uint32(0xffffffff) << (32 - n.Address.Bits())
	if n.Address.Bits() == 0 {
		m = 0
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// sharesAll reports whether s is o: equal values, and the very same lists
// and network (publishSnapshot reuses o's when they did not change). A field
// added to State must be added here (TestSharesAllSeesEveryField checks).
func (s *State) sharesAll(o *State) bool {
	return s.Model == o.Model && s.MAC == o.MAC && s.Power == o.Power && s.Stage == o.Stage &&
		s.Since == o.Since && s.Firmware == o.Firmware && s.BootCount == o.BootCount &&
		s.Status == o.Status && s.Failure == o.Failure && s.Config == o.Config && s.MWI == o.MWI && s.OffHook == o.OffHook &&
		s.Audio == o.Audio && sameList(s.Notifications, o.Notifications) && sameList(s.Lines, o.Lines) &&
		sameList(s.Calls, o.Calls) && sameList(s.Pages, o.Pages) && sameList(s.Keys, o.Keys) &&
		s.Network.same(o.Network) && s.Quality == o.Quality && s.Locked == o.Locked
}

// sameList reports whether a and b are the same list, not only equal ones.
func sameList[S ~[]E, E any](a, b S) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// same reports whether n and o hold the same values (and the same nil-ness
// of their lists, map and offset, which a copy keeps).
func (n Network) same(o Network) bool {
	return n.Interface == o.Interface && n.Address == o.Address && n.Gateway == o.Gateway &&
		n.DomainName == o.DomainName && n.VLAN == o.VLAN && n.DHCPServer == o.DHCPServer &&
		n.LeaseTime == o.LeaseTime && n.ProvisioningURL == o.ProvisioningURL &&
		n.TFTPServer == o.TFTPServer && n.BootFile == o.BootFile &&
		(n.DNS == nil) == (o.DNS == nil) && slices.Equal(n.DNS, o.DNS) &&
		(n.NTPServers == nil) == (o.NTPServers == nil) && slices.Equal(n.NTPServers, o.NTPServers) &&
		(n.SIPServers == nil) == (o.SIPServers == nil) && slices.Equal(n.SIPServers, o.SIPServers) &&
		(n.VendorInfo == nil) == (o.VendorInfo == nil) && maps.Equal(n.VendorInfo, o.VendorInfo) &&
		(n.TimeOffset == nil) == (o.TimeOffset == nil) && (n.TimeOffset == nil || *n.TimeOffset == *o.TimeOffset)
}

// Clone returns a deep copy.
func (n Network) Clone() Network {
	n.DNS = slices.Clone(n.DNS)
	n.NTPServers = slices.Clone(n.NTPServers)
	n.SIPServers = slices.Clone(n.SIPServers)
	if n.VendorInfo != nil {
		m := make(map[int]string, len(n.VendorInfo))
		for k, v := range n.VendorInfo {
			m[k] = v
		}
		n.VendorInfo = m
	}
	if n.TimeOffset != nil {
		v := *n.TimeOffset
		n.TimeOffset = &v
	}
	return n
}

// Notification is a message the phone shows until its cause is fixed, such as
// "LAN Link failure". While one is shown the ringer LED is red.
type Notification struct {
	Text  string
	Since time.Time
}

// State is an immutable snapshot of a phone. Slices and the Config must not be
// modified.
type State struct {
	Model    model.Name
	MAC      string // 12 lower-case hex digits, the form of per-MAC file names
	Power    bool
	Stage    Stage
	Since    time.Time // when Stage was entered
	Firmware string    // running firmware version, e.g. UC_3.4.8.808
	// BootCount counts power cycles since the Phone was made.
	BootCount int
	// Status is the boot screen text ("Acquiring IP…"), empty when idle.
	Status string
	// Failure is the last boot stage of this power cycle that failed and
	// why ("sign-in: …"), empty while every stage passed: the boot goes on
	// past a failed stage (EventStageFailed), and a phone idle without its
	// line says here what kept it.
	Failure       string
	Notifications []Notification
	Network       Network
	Config        *config.Config

	// Lines are the SIP lines and their registrations.
	Lines []Line
	// Calls are the phone's calls, oldest first.
	Calls []Call
	// MWI is the message-waiting state.
	MWI MWI
	// Pages are the multicast pages being sent or received.
	Pages []Page
	// Keys are the configured programmable and function keys.
	Keys []KeyState
	// OffHook is set while an audio device is active (handset lifted,
	// speaker or headset on).
	OffHook bool
	// Audio is the active audio device.
	Audio AudioDevice
	// Quality is the voice-quality report of the last call the phone
	// reported (voip/qoe/qoe_publish_enabled), nil before the first.
	Quality *QualityReport
	// Locked is set while the user has locked the phone (Phone.Lock).
	Locked bool
}

// QualityReport is the RFC 6035 report the phone sent to its QoE server
// at the end of a call: which call, where to, whether the server took it,
// and its headline figures.
type QualityReport struct {
	Call   string // the call's ID
	CallID string // its SIP Call-ID, which the report names
	To     string // the QoE server
	// Sent is set once the server accepted the report; Error says why it
	// did not. Neither: on its way.
	Sent         bool
	Error        string
	Codec        string
	MOSLQ, MOSCQ float64
	Loss         float64 // network packet loss, percent
}

// MACAddress is the phone's MAC as its screen and Web pages show it:
// upper-case pairs joined by colons (00:90:8F:12:34:56).
func (s State) MACAddress() string {
	if len(s.MAC) != 12 {
		return s.MAC
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(s.MAC[i : i+2]))
	}
	return b.String()
}

// HasNotification reports whether text is among the active notifications.
func (s State) HasNotification(text string) bool {
	for _, n := range s.Notifications {
		if n.Text == text {
			return true
		}
	}
	return false
}
