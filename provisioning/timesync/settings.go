package timesync

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
)

// DHCP is what the lease said about time: options 42, 4 and 2.
type DHCP struct {
	NTPServers  []netip.Addr   // option 42
	TimeServers []netip.Addr   // option 4
	TimeOffset  *time.Duration // option 2; nil when absent
}

// Source says where a setting came from.
type Source string

// Sources of a setting.
const (
	FromDHCP   Source = "dhcp"
	FromConfig Source = "config"
	FromNone   Source = "none"
)

// TimeFormat is system/ntp/time_display_format.
type TimeFormat string

// Clock formats.
const (
	Format24Hour TimeFormat = "24Hour"
	Format12Hour TimeFormat = "12Hour"
)

// Settings are the phone's time settings after DHCP and configuration have
// been weighed against each other.
type Settings struct {
	// Servers are the NTP servers in the order they are asked: primary,
	// then secondary. Empty means the phone has no time server.
	Servers       []string
	ServersSource Source
	// Offset is the zone's offset from UTC (before daylight saving).
	Offset       time.Duration
	OffsetSource Source
	DST          DST
	// Resync is the period between synchronisations
	// (system/ntp/sync_time/days×24 h + hours).
	Resync     time.Duration
	TimeFormat TimeFormat
	// DateFormat is system/ntp/date_display_format as a pattern of
	// YYYY, YY, MMM, MM, DDD and DD (see FormatDate); the named values
	// AMERICAN (MM/DD/YYYY) and EUROPEAN (DD/MM/YYYY) are translated.
	DateFormat string
}

// defaultResync applies when days and hours are both 0, which the manual
// leaves undefined; 12 h is the factory setting.
const defaultResync = 12 * time.Hour

// DefaultDateFormat is the date pattern when none is configured.
const DefaultDateFormat = "DD/MM/YYYY"

// Resolve weighs DHCP against the configuration (BOOT-11, BOOT-12, TIME-1):
//
//   - Servers: option 42 (else option 4) while
//     network/lan/dhcp/ntp/server_list/enabled=1 and the lease has them;
//     otherwise system/ntp/primary_server_address then
//     secondary_server_address, when system/ntp/enabled=1.
//   - Offset: option 2 while network/lan/dhcp/ntp/gmt_offset/enabled=1 and
//     the lease has it; otherwise system/ntp/gmt_offset.
//   - DST from system/daylight_saving/*, the resync period from
//     system/ntp/sync_time/*, the display formats.
//
// A value that does not parse is reported in the error (one joined error per
// setting) and replaced by its default; the rest still applies.
func Resolve(cfg *config.Config, d DHCP) (Settings, error) {
	var errs []error
	s := Settings{ServersSource: FromNone, OffsetSource: FromConfig}

	dhcpServers := d.NTPServers
	if len(dhcpServers) == 0 {
		dhcpServers = d.TimeServers
	}
	switch {
	case cfg.Bool("network/lan/dhcp/ntp/server_list/enabled") && len(dhcpServers) > 0:
		for _, a := range dhcpServers {
			s.Servers = append(s.Servers, a.String())
		}
		s.ServersSource = FromDHCP
	case cfg.Bool("system/ntp/enabled"):
		for _, k := range []string{"system/ntp/primary_server_address", "system/ntp/secondary_server_address"} {
			if v := strings.TrimSpace(cfg.Get(k)); !noServer(v) {
				s.Servers = append(s.Servers, v)
			}
		}
		if len(s.Servers) > 0 {
			s.ServersSource = FromConfig
		}
	}

	if cfg.Bool("network/lan/dhcp/ntp/gmt_offset/enabled") && d.TimeOffset != nil {
		s.Offset, s.OffsetSource = *d.TimeOffset, FromDHCP
	} else if v := cfg.Get("system/ntp/gmt_offset"); v != "" {
		off, err := ParseOffset(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("system/ntp/gmt_offset: %w", err))
		}
		s.Offset = off
	}

	dst, err := DSTFromConfig(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	s.DST = dst

	s.Resync = time.Duration(cfg.Int("system/ntp/sync_time/days"))*24*time.Hour +
		time.Duration(cfg.Int("system/ntp/sync_time/hours"))*time.Hour
	if s.Resync <= 0 {
		s.Resync = defaultResync
	}
	s.TimeFormat = Format24Hour
	if strings.EqualFold(cfg.Get("system/ntp/time_display_format"), string(Format12Hour)) {
		s.TimeFormat = Format12Hour
	}
	s.DateFormat = DefaultDateFormat
	if v := strings.TrimSpace(cfg.Get("system/ntp/date_display_format")); v != "" {
		if named, ok := dateStyles[strings.ToUpper(v)]; ok {
			s.DateFormat = named
		} else if err := checkDateFormat(v); err != nil {
			errs = append(errs, fmt.Errorf("system/ntp/date_display_format: %w", err))
		} else {
			s.DateFormat = v
		}
	}
	return s, errors.Join(errs...)
}

// dateStyles are the named values of system/ntp/date_display_format that
// real provisioning files use.
var dateStyles = map[string]string{
	"AMERICAN": "MM/DD/YYYY",
	"EUROPEAN": "DD/MM/YYYY",
}

// noServer reports a server address that means "none": empty, or the
// "Disable" real configuration files write for an unused secondary.
func noServer(v string) bool {
	switch strings.ToLower(v) {
	case "", "disable", "disabled", "none", "0.0.0.0":
		return true
	}
	return false
}

// maxOffset bounds a zone offset: the time-zone list runs from GMT-12:00 to
// GMT+13:00, and real zones reach +14:00.
const maxOffset = 14 * time.Hour

// ParseOffset reads a GMT offset as system/ntp/gmt_offset writes it:
// "+02:00", "-03:30", "00:00", "5:45", "+2", with an optional "GMT" or "UTC"
// prefix. The offset must lie within ±14:00 and minutes below 60.
func ParseOffset(s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	up := strings.ToUpper(v)
	if strings.HasPrefix(up, "GMT") || strings.HasPrefix(up, "UTC") {
		v = strings.TrimSpace(v[3:])
	}
	sign := time.Duration(1)
	if v != "" && (v[0] == '+' || v[0] == '-') {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	hs, ms, hasMin := strings.Cut(v, ":")
	h, err := strconv.Atoi(hs)
	if err != nil || hs == "" || len(hs) > 2 || h < 0 {
		return 0, fmt.Errorf("%w: %q is not an offset like +02:00", ErrBadSetting, s)
	}
	m := 0
	if hasMin {
		m, err = strconv.Atoi(ms)
		if err != nil || len(ms) != 2 || m < 0 || m > 59 {
			return 0, fmt.Errorf("%w: %q is not an offset like +02:00", ErrBadSetting, s)
		}
	}
	d := sign * (time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	if d > maxOffset || d < -maxOffset {
		return 0, fmt.Errorf("%w: offset %q is beyond ±14:00", ErrBadSetting, s)
	}
	return d, nil
}

// FormatOffset writes an offset the way the phone shows zones: "+02:00",
// "-03:30".
func FormatOffset(d time.Duration) string {
	sign := '+'
	if d < 0 {
		sign, d = '-', -d
	}
	return fmt.Sprintf("%c%02d:%02d", sign, int(d/time.Hour), int(d%time.Hour/time.Minute))
}
