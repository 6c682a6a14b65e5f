package media

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

func configWith(t testing.TB, cfg string) *config.Config {
	t.Helper()
	c, _, err := config.Default().New("450HD").ApplyBytes("test.cfg", []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSettingsDefaults: the factory configuration gives the manual's media
// defaults.
//
// behaviour: MEDIA-4
// behaviour: MEDIA-5
// behaviour: MEDIA-6
// behaviour: MEDIA-9
// behaviour: PAGE-1
// behaviour: PAGE-5
// behaviour: DIAG-4
func TestSettingsDefaults(t *testing.T) {
	s, errs := SettingsFromConfig(config.Default().New("450HD"))
	if len(errs) > 0 {
		t.Fatalf("errors from the factory configuration: %v", errs)
	}
	if s.PortBase != 4000 || s.TOS != 0xb8 || s.XR != XRDisable || s.DTMFLevel != 16 || !s.Microphone || s.Security != sdp.SecurityNone {
		t.Errorf("defaults %+v", s)
	}
	if s.Codecs[0].Name != "G722" || !s.Codecs[0].Enabled || s.Codecs[0].Ptime != 20 {
		t.Errorf("codec entry 0: %+v", s.Codecs[0])
	}
	if s.Paging.Codec != "G722_8000" || s.Paging.EndTimeout != 800*time.Millisecond || s.Paging.Enabled {
		t.Errorf("paging %+v", s.Paging)
	}
	if s.Recording.Enabled || s.Recording.active() || s.Recording.Remote.Port() != 50000 {
		t.Errorf("recording %+v", s.Recording)
	}
	ec := s.EngineConfig(loopback)
	if ec.PortBase != 4000 || ec.TOS != 0xb8 {
		t.Errorf("engine config %+v", ec)
	}
	pc, err := s.PagingCodec(codec.Default())
	if err != nil || pc.Name() != "G722" {
		t.Errorf("paging codec %v %v", pc, err)
	}
}

// TestSettingsFromFile reads a provisioning file's media keys: DS byte in
// decimal and hex, port base, codec list with a disabled and an unavailable
// entry, XR mode in the manual's 0/1 form, SRTP mode, DTMF level, mic off,
// recording and a paging group.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-4
// behaviour: MEDIA-5
// behaviour: MEDIA-6
// behaviour: MEDIA-9
// behaviour: MEDIA-10
// behaviour: PAGE-1
// behaviour: PAGE-4
// behaviour: DIAG-4
func TestSettingsFromFile(t *testing.T) {
	c := configWith(t, `
voip/media/media_tos=88
voip/media/media_port=6000
voip/codec/codec_info/0/name=SILK_16000
voip/codec/codec_info/1/name=PCMA
voip/codec/codec_info/1/ptime=30
voip/codec/codec_info/2/name=G722
voip/codec/codec_info/2/enabled=0
voip/codec/codec_info/3/name=PCMU
voip/codec/codec_info/4/enabled=0
voip/rtcp_xr/vq_statistics/mode=1
voip/media/srtp/mode=MANDATORY
voip/audio/gain/dtmf_tone_signal_level=32
voip/audio/microphone/enable=0
voip/packet_recording/enabled=1
voip/packet_recording/rtp_recording/enabled=1
voip/packet_recording/remote_ip=192.0.2.7
voip/packet_recording/remote_port=50010
voip/services/group_paging/enabled=1
voip/services/group_paging/group/3/activated=1
voip/services/group_paging/group/3/multicast_addr=224.0.1.20
voip/services/group_paging/group/3/port=9000
voip/services/group_paging/group/3/name=Sales
voip/services/group_paging/group/4/multicast_addr=224.0.1.21
`)
	s, errs := SettingsFromConfig(c)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if s.TOS != 88 || s.PortBase != 6000 || s.XR != XREventsOnly || s.Security != sdp.SecurityRequired || s.DTMFLevel != 32 || s.Microphone {
		t.Errorf("settings %+v", s)
	}
	offer, skipped := s.OfferCodecs(codec.Default())
	var names []string
	for _, o := range offer {
		names = append(names, o.Name)
	}
	if len(offer) != 2 || offer[0].Name != "PCMA" || offer[0].Ptime != 30 || offer[1].Name != "PCMU" {
		t.Errorf("offer codecs %v (%+v), want PCMA (30 ms) then PCMU: disabled G722 and unavailable SILK left out", names, offer)
	}
	if len(skipped) != 1 || !errors.Is(skipped[0], codec.ErrNotInBuild) {
		t.Errorf("skipped %v, want SILK not in build", skipped)
	} else if want := "codec_info/"; !strings.HasPrefix(skipped[0].Error(), want) || !strings.Contains(skipped[0].Error(), ": codec: SILK") ||
		!strings.HasSuffix(skipped[0].Error(), "codec: not in this build (no SILK implementation is available)") {
		t.Errorf("skipped %q: the log says which entry and why", skipped[0])
	}
	if !s.Recording.active() || s.Recording.Remote != netip.MustParseAddrPort("192.0.2.7:50010") {
		t.Errorf("recording %+v", s.Recording)
	}
	if len(s.Paging.Groups) != 1 || s.Paging.Groups[0] != (PagingGroup{Key: 3, Activated: true, Group: netip.MustParseAddrPort("224.0.1.20:9000"), Name: "Sales"}) {
		t.Errorf("paging groups %+v (key 4 is not activated)", s.Paging.Groups)
	}

	hex := configWith(t, "voip/media/media_tos=0x58\n")
	if s, _ := SettingsFromConfig(hex); s.TOS != 0x58 {
		t.Errorf("hex DS byte: %d, want 88", s.TOS)
	}
	zero := configWith(t, "voip/media/media_tos=0\n")
	if s, _ := SettingsFromConfig(zero); s.EngineConfig(loopback).TOS != NoTOS {
		t.Errorf("DS byte 0 must reach the engine as NoTOS")
	}
}

func TestSettingsBadValuesFallBack(t *testing.T) {
	c := configWith(t, "voip/media/srtp/mode=SOMETIMES\n")
	s, errs := SettingsFromConfig(c)
	if len(errs) != 1 || !errors.Is(errs[0], ErrBadConfig) || s.Security != sdp.SecurityNone {
		t.Errorf("errs %v security %v: a bad mode must be reported and fall back to none", errs, s.Security)
	}
}

func TestParseXRMode(t *testing.T) {
	for in, want := range map[string]XRMode{"": XRDisable, "DISABLE": XRDisable, "0": XRDisable, "1": XREventsOnly,
		"events_only": XREventsOnly, "REMOTE_AND_EVENTS": XRRemoteAndEvents} {
		if got, err := ParseXRMode(in); err != nil || got != want {
			t.Errorf("ParseXRMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseXRMode("LOUD"); !errors.Is(err, ErrBadConfig) {
		t.Errorf("bad mode: %v", err)
	}
}

// Check refuses what NewEngine refuses, without making an engine.
func TestEngineConfigCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"any port", Config{PortBase: PortAny}, true},
		{"port range below 1024", Config{PortBase: 80}, false},
		{"a single port", Config{PortBase: 6000, PortCount: 1}, false},
		{"DS byte", Config{TOS: 300}, false},
		{"DTMF level", Config{DTMFLevel: 40}, false},
	} {
		err := tt.cfg.Check()
		e, nerr := NewEngine(tt.cfg)
		if nerr == nil {
			e.Close()
		}
		if (err == nil) != tt.ok || (nerr == nil) != tt.ok {
			t.Errorf("%s: Check %v, NewEngine %v, want ok=%v", tt.name, err, nerr, tt.ok)
		}
		if !tt.ok && !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v is not ErrBadConfig", tt.name, err)
		}
	}
}

func TestSettingsKeysAreUnderTheirPrefixes(t *testing.T) {
	keys := []string{keyPort, keyTOS, keySRTP, keyXR, keyDTMFLevel, keyMicrophone,
		keyCodecName, keyCodecOn, keyCodecPtime, keyRecOn, keyRecRTP, keyRecIP, keyRecPort,
		keyPagingOn, keyPagingCodec, keyPagingEnd, keyBargeIn, keyGroupOn, keyGroupAddr, keyGroupPort, keyGroupName}
	for _, k := range keys {
		if !slices.ContainsFunc(settingsPrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("%s is under none of %v: a configuration setting it would get the defaults' settings", k, settingsPrefixes)
		}
	}
}

// A configuration that sets no media key gets its model's default settings
// (kept), each caller its own copy; one that sets one is read in full.
func TestDefaultSettingsKeptPerModel(t *testing.T) {
	for _, m := range config.Models() {
		c := config.Default().New(m)
		want, wantErrs := readSettings(c)
		for range 2 {
			got, errs := SettingsFromConfig(c)
			if !reflect.DeepEqual(got, want) || len(errs) != len(wantErrs) {
				t.Fatalf("%s: kept settings %+v (%v), want %+v (%v)", m, got, errs, want, wantErrs)
			}
			got.Codecs[0].Name = "changed by a caller"
		}
		if err := c.Set("voip/codec/codec_info/0/name", "PCMA"); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(keyPort, "7000"); err != nil {
			t.Fatal(err)
		}
		got, _ := SettingsFromConfig(c)
		if got.PortBase != 7000 || got.Codecs[0].Name != "PCMA" {
			t.Errorf("%s: with media_port and codec_info/0 set: port %d, codec %q", m, got.PortBase, got.Codecs[0].Name)
		}
	}
}

// BenchmarkSettingsFromConfig: a phone's configuration that sets its line
// and no media key, as a fleet's phones boot with.
func BenchmarkSettingsFromConfig(b *testing.B) {
	c := configWith(b, "voip/line/0/auth_name=1000\nvoip/line/0/enabled=1\n")
	b.ReportAllocs()
	for b.Loop() {
		SettingsFromConfig(c)
	}
}
