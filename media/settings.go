package media

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

// Configuration keys the media engine reads.
const (
	keyPort        = "voip/media/media_port"
	keyTOS         = "voip/media/media_tos"
	keySRTP        = "voip/media/srtp/mode"
	keyXR          = "voip/rtcp_xr/vq_statistics/mode"
	keyDTMFLevel   = "voip/audio/gain/dtmf_tone_signal_level"
	keyMicrophone  = "voip/audio/microphone/enable"
	keyCodecName   = "voip/codec/codec_info/%d/name"
	keyCodecOn     = "voip/codec/codec_info/%d/enabled"
	keyCodecPtime  = "voip/codec/codec_info/%d/ptime"
	keyRecOn       = "voip/packet_recording/enabled"
	keyRecRTP      = "voip/packet_recording/rtp_recording/enabled"
	keyRecIP       = "voip/packet_recording/remote_ip"
	keyRecPort     = "voip/packet_recording/remote_port"
	keyPagingOn    = "voip/services/group_paging/enabled"
	keyPagingCodec = "voip/services/group_paging/codec"
	keyPagingEnd   = "voip/services/group_paging/end_income_paging_timeout"
	keyBargeIn     = "voip/services/group_paging/allow_barge_in/enabled"
	keyGroupOn     = "voip/services/group_paging/group/%d/activated"
	keyGroupAddr   = "voip/services/group_paging/group/%d/multicast_addr"
	keyGroupPort   = "voip/services/group_paging/group/%d/port"
	keyGroupName   = "voip/services/group_paging/group/%d/name"
	codecEntries   = 5  // codec_info 0-4
	pagingGroups   = 48 // group/{n}: the function keys 0-47
)

// CodecEntry is one row of the voip/codec/codec_info priority list.
type CodecEntry struct {
	Name    string // SILK_8000, SILK_16000, G722, PCMA, PCMU, G729
	Enabled bool
	Ptime   int
}

// PagingGroup is one paging key's group (voip/services/group_paging/group/{n}).
type PagingGroup struct {
	Key       int // the function key index n
	Activated bool
	Group     netip.AddrPort
	Name      string
}

// Paging is the phone's paging configuration.
type Paging struct {
	Enabled      bool
	Codec        string // group_paging/codec, e.g. G722_8000
	EndTimeout   time.Duration
	AllowBargeIn bool
	Groups       []PagingGroup // activated groups only; none read while paging is off
}

// Settings are the media parameters of a configuration, read once per
// configuration change by the device.
type Settings struct {
	PortBase   int
	TOS        int // the DS byte as configured (0 is a real 0)
	XR         XRMode
	DTMFLevel  int
	Microphone bool // false: calls send silence
	Security   sdp.Security
	Codecs     []CodecEntry // the five entries, index order
	Recording  Recording
	Paging     Paging
}

// SettingsFromConfig reads the media parameters. Values it cannot use are
// reported (one error per key, wrapping ErrBadConfig) and replaced by their
// defaults, so a bad value never takes media down.
//
// A configuration that sets none of these keys gets the settings of its
// model's defaults, read once per catalogue and model: every phone of a
// fleet boots with them, and reading them was about 4% of a phone's boot
// CPU in a storm, where the catalogue's lookups run cold (2.2 µs warm in
// BenchmarkSettingsFromConfig, 0.28 kept).
func SettingsFromConfig(c *config.Config) (Settings, []error) {
	if c.SetsUnder(settingsPrefixes...) {
		return readSettings(c)
	}
	k := defaultsKey{c.Catalogue(), c.Model()}
	v, ok := modelDefaults.Load(k)
	if !ok {
		s, errs := readSettings(c)
		v, _ = modelDefaults.LoadOrStore(k, defaultSettings{s, errs})
	}
	d := v.(defaultSettings)
	// The caller owns what it gets: its own lists.
	s := d.s
	s.Codecs = slices.Clone(s.Codecs)
	s.Paging.Groups = slices.Clone(s.Paging.Groups)
	return s, slices.Clone(d.errs)
}

// settingsPrefixes cover every key readSettings reads
// (TestSettingsKeysAreUnderTheirPrefixes).
var settingsPrefixes = []string{
	"voip/media/", "voip/rtcp_xr/", "voip/audio/", "voip/codec/",
	"voip/packet_recording/", "voip/services/group_paging/",
}

type defaultsKey struct {
	cat   *config.Catalogue
	model string
}

type defaultSettings struct {
	s    Settings
	errs []error
}

// modelDefaults holds a defaultSettings for each defaultsKey met.
var modelDefaults sync.Map

// readSettings is SettingsFromConfig reading every key.
func readSettings(c *config.Config) (Settings, []error) {
	var errs []error
	bad := func(key, val string, why string) {
		errs = append(errs, fmt.Errorf("%w: %s=%q: %s", ErrBadConfig, key, val, why))
	}
	s := Settings{PortBase: DefaultPortBase, TOS: DefaultTOS, DTMFLevel: DefaultDTMFLevel, Microphone: true}

	if v := c.Get(keyPort); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1024 || n > 65534 {
			bad(keyPort, v, "want a port 1024-65534")
		} else {
			s.PortBase = n
		}
	}
	if v := c.Get(keyTOS); v != "" {
		if n, err := parseIntAnyBase(v); err != nil || n < 0 || n > 255 {
			bad(keyTOS, v, "want 0-255 in decimal or 0x hex")
		} else {
			s.TOS = n
		}
	}
	var err error
	if s.XR, err = ParseXRMode(c.Get(keyXR)); err != nil {
		bad(keyXR, c.Get(keyXR), "want DISABLE, EVENTS_ONLY or REMOTE_AND_EVENTS")
	}
	if v := c.Get(keyDTMFLevel); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < minDTMFLevel || n > maxDTMFLevel {
			bad(keyDTMFLevel, v, "want 1-32")
		} else {
			s.DTMFLevel = n
		}
	}
	if v := c.Get(keyMicrophone); v != "" {
		s.Microphone = c.Bool(keyMicrophone)
	}
	srtpMode := c.Get(keySRTP)
	if srtpMode == "" {
		srtpMode = c.Extra()[keySRTP]
	}
	if s.Security, err = sdp.ParseSecurity(srtpMode); err != nil {
		bad(keySRTP, srtpMode, "want DONOTSUPPORTENCRYPTION, PREFERABLE or MANDATORY")
	}

	for i := range codecEntries {
		e := CodecEntry{
			Name:    strings.TrimSpace(c.Get(config.IndexedKey(keyCodecName, i))),
			Enabled: c.Bool(config.IndexedKey(keyCodecOn, i)),
			Ptime:   sdp.DefaultPtime,
		}
		if v := c.Get(config.IndexedKey(keyCodecPtime, i)); v != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 10 || n > 120 || n%10 != 0 {
				bad(config.IndexedKey(keyCodecPtime, i), v, "want 10-120 ms in steps of 10")
			} else {
				e.Ptime = n
			}
		}
		s.Codecs = append(s.Codecs, e)
	}

	s.Recording = Recording{Enabled: c.Bool(keyRecOn), RTP: c.Bool(keyRecRTP)}
	port := DefaultRecordingPort
	if v := c.Get(keyRecPort); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1024 || n > 65535 {
			bad(keyRecPort, v, "want 1024-65535")
		} else {
			port = n
		}
	}
	if v := strings.TrimSpace(c.Get(keyRecIP)); v != "" {
		if a, err := netip.ParseAddr(v); err != nil {
			bad(keyRecIP, v, "want an IP address")
		} else {
			s.Recording.Remote = netip.AddrPortFrom(a, uint16(port))
		}
	}

	p := &s.Paging
	p.Enabled = c.Bool(keyPagingOn)
	p.AllowBargeIn = c.Bool(keyBargeIn)
	p.Codec = strings.TrimSpace(c.Get(keyPagingCodec))
	if p.Codec == "" {
		p.Codec = DefaultPagingCodec
	}
	p.EndTimeout = DefaultPageEndTimeout
	if v := c.Get(keyPagingEnd); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 0 || n > 600000 {
			bad(keyPagingEnd, v, "want milliseconds")
		} else if n > 0 {
			p.EndTimeout = time.Duration(n) * time.Millisecond
		}
	}
	// The groups only with paging on (48 groups' keys at every boot, for
	// nothing).
	for n := 0; p.Enabled && n < pagingGroups; n++ {
		if !c.Bool(config.IndexedKey(keyGroupOn, n)) {
			continue
		}
		g := PagingGroup{Key: n, Activated: true, Name: c.Get(config.IndexedKey(keyGroupName, n))}
		addrKey, portKey := config.IndexedKey(keyGroupAddr, n), config.IndexedKey(keyGroupPort, n)
		a, err := netip.ParseAddr(strings.TrimSpace(c.Get(addrKey)))
		if err != nil || !a.Is4() || !a.IsMulticast() {
			bad(addrKey, c.Get(addrKey), "want an IPv4 multicast address")
			continue
		}
		pt, err := strconv.Atoi(strings.TrimSpace(c.Get(portKey)))
		if err != nil || pt < 1 || pt > 65535 {
			bad(portKey, c.Get(portKey), "want a port")
			continue
		}
		g.Group = netip.AddrPortFrom(a, uint16(pt))
		p.Groups = append(p.Groups, g)
	}
	return s, errs
}

func parseIntAnyBase(v string) (int, error) {
	v = strings.TrimSpace(v)
	if len(v) > 2 && (v[:2] == "0x" || v[:2] == "0X") {
		n, err := strconv.ParseInt(v[2:], 16, 32)
		return int(n), err
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return int(n), err
}

// EngineConfig is the engine configuration for a phone at addr.
func (s Settings) EngineConfig(addr netip.Addr) Config {
	tos := s.TOS
	if tos == 0 {
		tos = NoTOS
	}
	return Config{Addr: addr, PortBase: s.PortBase, TOS: tos, XR: s.XR, DTMFLevel: s.DTMFLevel}
}

// OfferCodecs turns the priority list into the SDP codecs to offer: enabled
// entries in index order, only those the registry really has, each with its
// ptime. Entries it leaves out (SILK, G.729 without bcg729, unknown names)
// are reported, one error each.
func (s Settings) OfferCodecs(reg *codec.Registry) ([]sdp.Codec, []error) {
	var out []sdp.Codec
	var skipped []error
	var seen []codec.Codec // a few: a list, not a map made at every boot
	for i, e := range s.Codecs {
		if !e.Enabled || e.Name == "" {
			continue
		}
		c, err := reg.ByConfigName(e.Name)
		if err != nil {
			skipped = append(skipped, skippedCodec{i, err})
			continue
		}
		if slices.Contains(seen, c) {
			continue
		}
		seen = append(seen, c)
		out = append(out, sdp.FromCodec(c, e.Ptime))
	}
	return out, skipped
}

// skippedCodec is why OfferCodecs left out the codec of codec_info/index;
// formatted only if read (every booting phone skips the default list's
// SILK and, without cgo, G.729).
type skippedCodec struct {
	index int
	err   error
}

func (e skippedCodec) Error() string {
	return "codec_info/" + strconv.Itoa(e.index) + ": " + e.err.Error()
}
func (e skippedCodec) Unwrap() error { return e.err }

// PagingCodec finds the paging codec in the registry.
func (s Settings) PagingCodec(reg *codec.Registry) (codec.Codec, error) {
	return reg.ByConfigName(s.Paging.Codec)
}
