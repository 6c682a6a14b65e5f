package timesync_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/timesync"
)

func cfgWith(t *testing.T, kv ...string) *config.Config {
	t.Helper()
	cfg := config.Default().New("450HD")
	for i := 0; i < len(kv); i += 2 {
		if err := cfg.Set(kv[i], kv[i+1]); err != nil {
			t.Fatalf("set %s=%s: %v", kv[i], kv[i+1], err)
		}
	}
	return cfg
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func dur(d time.Duration) *time.Duration { return &d }

// behaviour: BOOT-11
// behaviour: TIME-1
// behaviour: TIME-4
func TestResolveServersAndOffset(t *testing.T) {
	static := []string{
		"system/ntp/enabled", "1",
		"system/ntp/primary_server_address", "tick.nap.com.ar",
		"system/ntp/secondary_server_address", "10.9.9.9",
		"system/ntp/gmt_offset", "-03:30",
	}
	lease := timesync.DHCP{NTPServers: addrs("10.59.0.20", "10.59.0.21"), TimeServers: addrs("10.59.0.30"), TimeOffset: dur(2 * time.Hour)}
	tests := []struct {
		name        string
		kv          []string
		dhcp        timesync.DHCP
		servers     []string
		serversFrom timesync.Source
		offset      time.Duration
		offsetFrom  timesync.Source
	}{
		{name: "DHCP 42 wins over 4 and over the static servers", kv: static, dhcp: lease,
			servers: []string{"10.59.0.20", "10.59.0.21"}, serversFrom: timesync.FromDHCP, offset: 2 * time.Hour, offsetFrom: timesync.FromDHCP},
		{name: "option 4 when 42 is absent", kv: static, dhcp: timesync.DHCP{TimeServers: addrs("10.59.0.30")},
			servers: []string{"10.59.0.30"}, serversFrom: timesync.FromDHCP, offset: -(3*time.Hour + 30*time.Minute), offsetFrom: timesync.FromConfig},
		{name: "server_list flag 0: static servers, DHCP offset", kv: append(slices.Clone(static), "network/lan/dhcp/ntp/server_list/enabled", "0"), dhcp: lease,
			servers: []string{"tick.nap.com.ar", "10.9.9.9"}, serversFrom: timesync.FromConfig, offset: 2 * time.Hour, offsetFrom: timesync.FromDHCP},
		{name: "gmt_offset flag 0: DHCP servers, static offset", kv: append(slices.Clone(static), "network/lan/dhcp/ntp/gmt_offset/enabled", "0"), dhcp: lease,
			servers: []string{"10.59.0.20", "10.59.0.21"}, serversFrom: timesync.FromDHCP, offset: -(3*time.Hour + 30*time.Minute), offsetFrom: timesync.FromConfig},
		{name: "no DHCP servers: static ones", kv: static,
			servers: []string{"tick.nap.com.ar", "10.9.9.9"}, serversFrom: timesync.FromConfig, offset: -(3*time.Hour + 30*time.Minute), offsetFrom: timesync.FromConfig},
		{name: "no DHCP servers and NTP disabled: none", kv: []string{"system/ntp/primary_server_address", "10.9.9.9"},
			serversFrom: timesync.FromNone, offsetFrom: timesync.FromConfig},
		{name: "factory defaults with a lease", dhcp: lease,
			servers: []string{"10.59.0.20", "10.59.0.21"}, serversFrom: timesync.FromDHCP, offset: 2 * time.Hour, offsetFrom: timesync.FromDHCP},
		{name: "a non-whole-hour zone from the list", kv: []string{"system/ntp/gmt_offset", "+05:45"},
			serversFrom: timesync.FromNone, offset: 5*time.Hour + 45*time.Minute, offsetFrom: timesync.FromConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := timesync.Resolve(cfgWith(t, tt.kv...), tt.dhcp)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Servers, tt.servers) || s.ServersSource != tt.serversFrom {
				t.Errorf("servers %q from %s, want %q from %s", s.Servers, s.ServersSource, tt.servers, tt.serversFrom)
			}
			if s.Offset != tt.offset || s.OffsetSource != tt.offsetFrom {
				t.Errorf("offset %v from %s, want %v from %s", s.Offset, s.OffsetSource, tt.offset, tt.offsetFrom)
			}
		})
	}
}

// behaviour: TIME-1
// behaviour: TIME-2
func TestResolveResyncAndFormats(t *testing.T) {
	s, err := timesync.Resolve(cfgWith(t), timesync.DHCP{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Resync != 12*time.Hour || s.TimeFormat != timesync.Format24Hour || s.DateFormat != timesync.DefaultDateFormat || s.DST.Enabled {
		t.Fatalf("defaults: %+v", s)
	}
	s, err = timesync.Resolve(cfgWith(t, "system/ntp/sync_time/days", "1", "system/ntp/sync_time/hours", "6",
		"system/ntp/time_display_format", "12Hour"), timesync.DHCP{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Resync != 30*time.Hour || s.TimeFormat != timesync.Format12Hour {
		t.Fatalf("resync %v format %s, want 30h 12Hour", s.Resync, s.TimeFormat)
	}
	s, _ = timesync.Resolve(cfgWith(t, "system/ntp/sync_time/days", "0", "system/ntp/sync_time/hours", "0"), timesync.DHCP{})
	if s.Resync != 12*time.Hour {
		t.Fatalf("0 d 0 h resync = %v, want the 12 h default", s.Resync)
	}
	// A field file's time section (an Australian deployment's): the secondary
	// written as "Disable", the format in upper case, a named date style.
	s, err = timesync.Resolve(cfgWith(t,
		"system/ntp/enabled", "1",
		"network/lan/dhcp/ntp/gmt_offset/enabled", "0",
		"system/ntp/gmt_offset", "+10:00",
		"system/ntp/primary_server_address", "pool.ntp.org",
		"system/ntp/secondary_server_address", "Disable",
		"system/ntp/sync_time/hours", "1",
		"system/ntp/date_display_format", "EUROPEAN",
		"system/ntp/time_display_format", "24HOUR",
	), timesync.DHCP{TimeOffset: dur(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Servers, []string{"pool.ntp.org"}) || s.Offset != 10*time.Hour || s.Resync != time.Hour ||
		s.DateFormat != "DD/MM/YYYY" || s.TimeFormat != timesync.Format24Hour {
		t.Fatalf("field file settings %+v", s)
	}
	s, err = timesync.Resolve(cfgWith(t, "system/ntp/date_display_format", "AMERICAN"), timesync.DHCP{})
	if err != nil || s.DateFormat != "MM/DD/YYYY" {
		t.Fatalf("AMERICAN: %q, %v", s.DateFormat, err)
	}
	if _, err = timesync.Resolve(cfgWith(t, "system/ntp/date_display_format", "LUNAR"), timesync.DHCP{}); !errors.Is(err, timesync.ErrBadSetting) {
		t.Fatalf("unknown date style: %v", err)
	}
}

// behaviour: TIME-3
// The manual's example writes the end date under system/ntp/daylight_saving/.
func TestDSTAliasPrefix(t *testing.T) {
	s, err := timesync.Resolve(cfgWith(t,
		"system/daylight_saving/activate", "ENABLE", "system/daylight_saving/mode", "FIXED",
		"system/daylight_saving/start_date/month", "2", "system/daylight_saving/start_date/day", "22",
		"system/daylight_saving/start_date/hour", "14", "system/daylight_saving/start_date/minute", "30",
		"system/ntp/daylight_saving/end_date/month", "7", "system/ntp/daylight_saving/end_date/day", "16",
		"system/ntp/daylight_saving/end_date/hour", "22", "system/ntp/daylight_saving/end_date/minute", "15",
	), timesync.DHCP{})
	if err != nil {
		t.Fatal(err)
	}
	if e := s.DST.End; !s.DST.Enabled || e.Month != time.July || e.Day != 16 || e.Hour != 22 || e.Minute != 15 {
		t.Fatalf("DST %+v", s.DST)
	}
}

// Bad values are reported, replaced by defaults, and do not stop the rest.
func TestResolveBadValues(t *testing.T) {
	s, err := timesync.Resolve(cfgWith(t, "system/ntp/gmt_offset", "+25:00", "system/ntp/time_display_format", "12Hour",
		"system/daylight_saving/activate", "ENABLE", "system/daylight_saving/mode", "FIXED",
		"system/daylight_saving/start_date/month", "2"), timesync.DHCP{NTPServers: addrs("10.0.0.1")})
	if !errors.Is(err, timesync.ErrBadSetting) {
		t.Fatalf("error %v", err)
	}
	if s.Offset != 0 || s.DST.Enabled || s.TimeFormat != timesync.Format12Hour || len(s.Servers) != 1 {
		t.Fatalf("settings after bad values: %+v", s)
	}
}

// behaviour: TIME-4
func TestParseOffset(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "+02:00", want: 2 * time.Hour},
		{in: "-03:30", want: -(3*time.Hour + 30*time.Minute)},
		{in: "00:00", want: 0},
		{in: "+05:45", want: 5*time.Hour + 45*time.Minute},
		{in: "+13:00", want: 13 * time.Hour},
		{in: "-12:00", want: -12 * time.Hour},
		{in: "GMT+09:30", want: 9*time.Hour + 30*time.Minute},
		{in: " 2 ", want: 2 * time.Hour},
		{in: "+14:01", bad: true},
		{in: "+2:5", bad: true},
		{in: "+02:60", bad: true},
		{in: "", bad: true},
		{in: "+", bad: true},
		{in: "one", bad: true},
		{in: "--1", bad: true},
	} {
		got, err := timesync.ParseOffset(tt.in)
		if tt.bad != (err != nil) || (!tt.bad && got != tt.want) {
			t.Errorf("ParseOffset(%q) = %v, %v", tt.in, got, err)
		}
		if !tt.bad {
			if back, _ := timesync.ParseOffset(timesync.FormatOffset(got)); back != got {
				t.Errorf("FormatOffset(%v) = %q does not parse back", got, timesync.FormatOffset(got))
			}
		}
	}
}

func FuzzParseOffset(f *testing.F) {
	for _, s := range []string{"+02:00", "-03:30", "00:00", "GMT+5:45", "+14:01", "+2:5", "--1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := timesync.ParseOffset(s)
		if err != nil {
			if !errors.Is(err, timesync.ErrBadSetting) {
				t.Fatalf("error %v does not wrap ErrBadSetting", err)
			}
			return
		}
		if d < -14*time.Hour || d > 14*time.Hour || d%time.Minute != 0 {
			t.Fatalf("ParseOffset(%q) = %v", s, d)
		}
		if back, err := timesync.ParseOffset(timesync.FormatOffset(d)); err != nil || back != d {
			t.Fatalf("round trip of %v: %v, %v", d, back, err)
		}
	})
}
