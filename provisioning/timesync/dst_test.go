package timesync_test

import (
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // the zone database is the oracle for the DST rules

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/provisioning/timesync"
)

// behaviour: TIME-3
// The manual's FIXED example: start February 22 at 14:30, end July 16 at
// 22:15, 60 minutes, here in a GMT+02:00 zone, on a fake clock.
func TestDSTFixedOnFakeClock(t *testing.T) {
	cfg := cfgWith(t,
		"system/ntp/gmt_offset", "+02:00",
		"system/daylight_saving/activate", "ENABLE",
		"system/daylight_saving/mode", "FIXED",
		"system/daylight_saving/start_date/month", "2", "system/daylight_saving/start_date/day", "22",
		"system/daylight_saving/start_date/hour", "14", "system/daylight_saving/start_date/minute", "30",
		"system/daylight_saving/end_date/month", "7", "system/daylight_saving/end_date/day", "16",
		"system/daylight_saving/end_date/hour", "22", "system/daylight_saving/end_date/minute", "15",
	)
	s, err := timesync.Resolve(cfg, timesync.DHCP{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.DST.Enabled || s.DST.Mode != timesync.ModeFixed || s.DST.Offset != time.Hour {
		t.Fatalf("DST %+v", s.DST)
	}
	// 14:29 local standard time on Feb 22 is 12:29 UTC.
	clk := clocktest.New(time.Date(2024, 2, 22, 12, 29, 0, 0, time.UTC))
	pc := timesync.NewPhoneClock(clk, s)
	steps := []struct {
		advance time.Duration
		want    string
		dst     bool
	}{
		{0, "2024-02-22 14:29 GMT+02:00", false},
		{59 * time.Second, "2024-02-22 14:29 GMT+02:00", false},
		{time.Second, "2024-02-22 15:30 GMT+03:00", true}, // 14:30 standard: the clock jumps an hour
		{time.Hour, "2024-02-22 16:30 GMT+03:00", true},
		// July 16, 22:14 daylight time = 19:14 UTC.
		{time.Date(2024, 7, 16, 19, 14, 0, 0, time.UTC).Sub(time.Date(2024, 2, 22, 13, 30, 0, 0, time.UTC)), "2024-07-16 22:14 GMT+03:00", true},
		{time.Minute, "2024-07-16 21:15 GMT+02:00", false}, // 22:15 daylight time: back an hour
		{6 * 30 * 24 * time.Hour, "2025-01-12 21:15 GMT+02:00", false},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if got := pc.Now().Format("2006-01-02 15:04 MST"); got != st.want || pc.InDST() != st.dst {
			t.Fatalf("step %d at %v UTC: phone shows %s (DST %v), want %s (DST %v)", i, clk.Now().UTC(), got, pc.InDST(), st.want, st.dst)
		}
	}
}

// behaviour: TIME-3
// DayOfWeek rules against the zone database: every half hour of two years,
// and every minute around each transition, the phone's wall clock must equal
// the real zone's.
func TestDSTDayOfWeekMatchesZoneDatabase(t *testing.T) {
	type rule struct{ month, week, hour int }
	tests := []struct {
		zone       string
		offset     string
		start, end rule // week 5 = last
	}{
		// EU: last Sunday of March 02:00 → last Sunday of October 03:00.
		{"Europe/Berlin", "+01:00", rule{3, 5, 2}, rule{10, 5, 3}},
		// US: second Sunday of March 02:00 → first Sunday of November 02:00.
		{"America/New_York", "-05:00", rule{3, 2, 2}, rule{11, 1, 2}},
		// Southern hemisphere: first Sunday of October 02:00 → first Sunday of April 03:00.
		{"Australia/Sydney", "+10:00", rule{10, 1, 2}, rule{4, 1, 3}},
		// A non-whole-hour zone: Newfoundland.
		{"America/St_Johns", "-03:30", rule{3, 2, 2}, rule{11, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			kv := []string{"system/ntp/gmt_offset", tt.offset,
				"system/daylight_saving/activate", "ENABLE", "system/daylight_saving/mode", "DayOfWeek"}
			for _, x := range []struct {
				which string
				r     rule
			}{{"start_date", tt.start}, {"end_date", tt.end}} {
				p := "system/daylight_saving/" + x.which + "/"
				kv = append(kv, p+"month", strconv.Itoa(x.r.month), p+"week", strconv.Itoa(x.r.week), p+"day_of_week", "SUNDAY",
					p+"hour", strconv.Itoa(x.r.hour), p+"minute", "0")
			}
			s, err := timesync.Resolve(cfgWith(t, kv...), timesync.DHCP{})
			if err != nil {
				t.Fatal(err)
			}
			check := func(u time.Time) {
				got := timesync.LocalTime(u, s).Format("2006-01-02 15:04 -0700")
				want := u.In(loc).Format("2006-01-02 15:04 -0700")
				if got != want {
					t.Fatalf("%v UTC: phone %s, zone database %s", u, got, want)
				}
			}
			from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for u := from; u.Before(to); u = u.Add(30 * time.Minute) {
				check(u)
				// Around every transition of the real zone, minute by minute.
				if _, off := u.In(loc).Zone(); func() bool { _, o2 := u.Add(30 * time.Minute).In(loc).Zone(); return o2 != off }() {
					for m := u; m.Before(u.Add(31 * time.Minute)); m = m.Add(time.Minute) {
						check(m)
					}
				}
			}
		})
	}
}

// behaviour: TIME-2
func TestFormats(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2024, 2, 22, h, m, 0, 0, time.UTC) }
	for _, tt := range []struct {
		t        time.Time
		h24, h12 string
	}{
		{at(14, 5), "14:05", "2:05 PM"},
		{at(0, 0), "00:00", "12:00 AM"},
		{at(12, 30), "12:30", "12:30 PM"},
		{at(9, 7), "09:07", "9:07 AM"},
	} {
		if got := timesync.FormatTime(tt.t, timesync.Format24Hour); got != tt.h24 {
			t.Errorf("24Hour %v = %q, want %q", tt.t, got, tt.h24)
		}
		if got := timesync.FormatTime(tt.t, timesync.Format12Hour); got != tt.h12 {
			t.Errorf("12Hour %v = %q, want %q", tt.t, got, tt.h12)
		}
	}
	for p, want := range map[string]string{
		"":           "22/02/2024",
		"MM/DD/YYYY": "02/22/2024",
		"YYYY-MM-DD": "2024-02-22",
		"DDD DD MMM": "Thu 22 Feb",
		"DD.MM.YY":   "22.02.24",
	} {
		if got := timesync.FormatDate(at(14, 5), p); got != want {
			t.Errorf("FormatDate(%q) = %q, want %q", p, got, want)
		}
	}
	// The phone clock formats with its settings.
	clk := clocktest.New(at(12, 5))
	pc := timesync.NewPhoneClock(clk, timesync.Settings{Offset: 2 * time.Hour, TimeFormat: timesync.Format12Hour, DateFormat: "DDD DD MMM"})
	if pc.TimeString() != "2:05 PM" || pc.DateString() != "Thu 22 Feb" {
		t.Fatalf("phone clock shows %q %q", pc.TimeString(), pc.DateString())
	}
	pc.SetSettings(timesync.Settings{Offset: -(3*time.Hour + 30*time.Minute), TimeFormat: timesync.Format24Hour})
	if pc.TimeString() != "08:35" || pc.DateString() != "22/02/2024" {
		t.Fatalf("after reconfiguration the phone clock shows %q %q", pc.TimeString(), pc.DateString())
	}
}
