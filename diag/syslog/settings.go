package syslog

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/config"
)

// Mode is system/syslog/mode: where log lines go.
type Mode string

// Destinations (DIAG-1).
const (
	ModeLocal   Mode = "Local"   // the phone's flash only (default)
	ModeNetwork Mode = "Network" // UDP to the syslog server
	ModeSerial  Mode = "Serial"  // the console
	ModeAll     Mode = "All"     // network and console
)

// Level is a log level of system/syslog/log_level and the per-component
// keys.
type Level string

// Levels (DIAG-1, DIAG-2).
const (
	LevelNone     Level = "None"
	LevelBasic    Level = "Basic"
	LevelDetailed Level = "Detailed"
)

// Components are the log modules of system/syslog/component/<name>
// (DIAG-2): the keyed ones and the Web-only "Process" rows.
var Components = []string{
	"control_center", "sip_call_control", "sip_stack", "ice_stack", "lcd_display", "web_server",
	"ieee802_1x", "kernel", "dsp", "lib", "sipe", "cgi",
	"nxphone", "voip_task", "b2goe", "lighttpd", "ac_watchdog",
}

// Settings say where log lines go and which ones.
type Settings struct {
	Mode Mode
	// Server is system/syslog/server_address:server_port.
	Server netip.AddrPort
	// LogLevel is system/syslog/log_level: None switches syslog off, Basic
	// caps every component at Basic, Detailed (or unset) caps nothing.
	LogLevel Level
	// Components maps a component name to its level. A record's
	// "component" attribute picks its entry; records of other components
	// are treated as Basic. SettingsFrom may return a map it shares with
	// other phones' settings: read it, do not change it.
	Components map[string]Level
}

// network and console report the destinations of the mode.
func (s *Settings) network() bool { return s.Mode == ModeNetwork || s.Mode == ModeAll }
func (s *Settings) console() bool { return s.Mode == ModeSerial || s.Mode == ModeAll }
func (s *Settings) local() bool   { return s.Mode == ModeLocal || s.Mode == "" }

// threshold is the lowest slog level a record of component must have to be
// logged; off reports that nothing is.
//
// A component at None still sends warnings and errors: that is the
// "lightweight syslog" of DIAG-3 (every component None, destination Network).
// Basic adds informational records, Detailed adds debug records.
func (s *Settings) threshold(component string) (min slog.Level, off bool) {
	if s.LogLevel == LevelNone {
		return 0, true
	}
	lvl, ok := s.Components[component]
	if !ok {
		lvl = LevelBasic
	}
	switch lvl {
	case LevelNone:
		min = slog.LevelWarn
	case LevelBasic:
		min = slog.LevelInfo
	default: // Detailed, and lcd_display's printed default "Debug"
		min = slog.LevelDebug
	}
	if s.LogLevel == LevelBasic && min < slog.LevelInfo {
		min = slog.LevelInfo
	}
	return min, false
}

// lowest is the lowest threshold of any component, for Enabled.
func (s *Settings) lowest() (slog.Level, bool) {
	min, off := s.threshold("")
	if off {
		return 0, true
	}
	for c := range s.Components {
		if m, _ := s.threshold(c); m < min {
			min = m
		}
	}
	return min, false
}

// componentKeys are the parameters of Components' levels, named once (every
// phone reads them at each boot and configuration change).
var componentKeys = func() []string {
	keys := make([]string, len(Components))
	for i, c := range Components {
		keys[i] = "system/syslog/component/" + c
	}
	return keys
}()

// defaultLevels are the component levels of configurations that set none,
// by model (the defaults could differ by model): most phones' levels, made
// once instead of once per phone and boot.
var defaultLevels sync.Map // model → map[string]Level

// componentLevels reads system/syslog/component/*; nil when none has a
// value.
func componentLevels(cfg *config.Config) map[string]Level {
	explicit := false
	for _, k := range componentKeys {
		// Canonical keys: one look in the set values each, not a
		// resolution in the catalogue (every phone's boot reads them).
		if _, set := cfg.ExplicitValue(k); set {
			explicit = true
			break
		}
	}
	if !explicit {
		if m, ok := defaultLevels.Load(cfg.Model()); ok {
			return m.(map[string]Level)
		}
	}
	var m map[string]Level
	for i, c := range Components {
		if v := cfg.Get(componentKeys[i]); v != "" {
			if m == nil {
				m = make(map[string]Level, len(Components))
			}
			m[c] = Level(v)
		}
	}
	if !explicit {
		defaultLevels.Store(cfg.Model(), m)
	}
	return m
}

// SettingsFrom reads system/syslog/*. A server address that does not
// parse turns the network destination off and is reported; the rest applies.
func SettingsFrom(cfg *config.Config) (Settings, error) {
	s := Settings{
		Mode:     Mode(cfg.Get("system/syslog/mode")),
		LogLevel: Level(cfg.Get("system/syslog/log_level")),
	}
	if s.Mode == "" {
		s.Mode = ModeLocal
	}
	s.Components = componentLevels(cfg)
	if !slices.Contains([]Mode{ModeLocal, ModeNetwork, ModeSerial, ModeAll}, s.Mode) {
		return s, fmt.Errorf("%w: system/syslog/mode=%q", ErrBadSetting, s.Mode)
	}
	addr := strings.TrimSpace(cfg.Get("system/syslog/server_address"))
	port := cfg.Int("system/syslog/server_port")
	a, err := netip.ParseAddr(addr)
	switch {
	case err != nil || !a.Is4() || a.IsUnspecified():
		if s.network() {
			return s, fmt.Errorf("%w: system/syslog/server_address=%q is not an IPv4 address", ErrBadSetting, addr)
		}
	case port <= 0 || port > 65535:
		if s.network() {
			return s, fmt.Errorf("%w: system/syslog/server_port=%d", ErrBadSetting, port)
		}
	default:
		s.Server = netip.AddrPortFrom(a, uint16(port))
	}
	return s, nil
}
