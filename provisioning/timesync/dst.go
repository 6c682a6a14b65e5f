package timesync

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
)

// DST modes (system/daylight_saving/mode).
const (
	ModeFixed     = "FIXED"     // month and day of month
	ModeDayOfWeek = "DayOfWeek" // month, week of month and weekday
)

// DST is a daylight-saving rule (TIME-3).
type DST struct {
	Enabled bool
	Mode    string // ModeFixed or ModeDayOfWeek
	Start   Transition
	End     Transition
	// Offset is how far the clock moves (system/daylight_saving/offset,
	// minutes, default 60).
	Offset time.Duration
}

// Transition is a moment of the year when daylight saving starts or ends,
// in local wall time as the clock shows it just before the change (the POSIX
// TZ convention: the start in standard time, the end in daylight time).
type Transition struct {
	Month time.Month
	// Day is the day of the month (FIXED mode).
	Day int
	// Week (1-5, 5 meaning the last) and Weekday pick the day in
	// DayOfWeek mode.
	Week    int
	Weekday time.Weekday
	Hour    int
	Minute  int
}

// at returns the transition in year as a wall time (in UTC, used as a
// zone-less calendar).
func (t Transition) at(year int, mode string) time.Time {
	day := t.Day
	if mode == ModeDayOfWeek {
		first := time.Date(year, t.Month, 1, 0, 0, 0, 0, time.UTC)
		day = 1 + (int(t.Weekday)-int(first.Weekday())+7)%7 + 7*(t.Week-1)
		last := daysIn(year, t.Month)
		for day > last {
			day -= 7 // week 5: the last such weekday
		}
	} else if last := daysIn(year, t.Month); day > last {
		day = last
	}
	return time.Date(year, t.Month, day, t.Hour, t.Minute, 0, 0, time.UTC)
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ActiveAt reports whether daylight saving is in force at std, the local
// standard wall time (UTC plus the zone offset, as a zone-less calendar).
// Rules whose start comes after their end (the southern hemisphere) span the
// new year.
func (d DST) ActiveAt(std time.Time) bool {
	if !d.Enabled || d.Offset == 0 {
		return false
	}
	y := std.Year()
	start := d.Start.at(y, d.Mode)
	// The end is written in daylight time: in standard time it comes an
	// offset earlier.
	end := d.End.at(y, d.Mode).Add(-d.Offset)
	if start.Before(end) {
		return !std.Before(start) && std.Before(end)
	}
	return !std.Before(start) || std.Before(end)
}

var weekdays = map[string]time.Weekday{
	"SUNDAY": time.Sunday, "MONDAY": time.Monday, "TUESDAY": time.Tuesday, "WEDNESDAY": time.Wednesday,
	"THURSDAY": time.Thursday, "FRIDAY": time.Friday, "SATURDAY": time.Saturday,
}

// DSTFromConfig reads system/daylight_saving/* (the system/ntp/daylight_saving
// alias is resolved by config). With activate other than ENABLE the rule is
// off. A rule with a missing or out-of-range field is returned disabled with
// an error naming the fields.
func DSTFromConfig(cfg *config.Config) (DST, error) {
	const p = "system/daylight_saving/"
	d := DST{Enabled: strings.EqualFold(cfg.Get(p+"activate"), "ENABLE")}
	if !d.Enabled {
		return d, nil
	}
	d.Offset = 60 * time.Minute
	if v := cfg.Get(p + "offset"); v != "" {
		d.Offset = time.Duration(cfg.Int(p+"offset")) * time.Minute
	}
	d.Mode = ModeFixed
	switch m := cfg.Get(p + "mode"); {
	case strings.EqualFold(m, ModeDayOfWeek):
		d.Mode = ModeDayOfWeek
	case m == "" && cfg.Get(p+"start_date/week") != "":
		d.Mode = ModeDayOfWeek
	}
	var errs []error
	need := func(key string, lo, hi int) int {
		v := cfg.Get(p + key)
		n := cfg.Int(p + key)
		if v == "" || n < lo || n > hi {
			errs = append(errs, fmt.Errorf("%s%s=%q (want %d-%d)", p, key, v, lo, hi))
		}
		return n
	}
	read := func(which string) Transition {
		t := Transition{
			Month:  time.Month(need(which+"/month", 1, 12)),
			Hour:   cfg.Int(p + which + "/hour"),
			Minute: cfg.Int(p + which + "/minute"),
		}
		if t.Hour < 0 || t.Hour > 23 || t.Minute < 0 || t.Minute > 59 {
			errs = append(errs, fmt.Errorf("%s%s time %02d:%02d", p, which, t.Hour, t.Minute))
		}
		if d.Mode == ModeDayOfWeek {
			t.Week = need(which+"/week", 1, 5)
			wd, ok := weekdays[strings.ToUpper(cfg.Get(p+which+"/day_of_week"))]
			if !ok {
				errs = append(errs, fmt.Errorf("%s%s/day_of_week=%q", p, which, cfg.Get(p+which+"/day_of_week")))
			}
			t.Weekday = wd
		} else {
			t.Day = need(which+"/day", 1, 31)
		}
		return t
	}
	d.Start, d.End = read("start_date"), read("end_date")
	if d.Offset < 0 || d.Offset > 180*time.Minute {
		errs = append(errs, fmt.Errorf("%soffset=%d minutes (want 0-180)", p, d.Offset/time.Minute))
	}
	if len(errs) > 0 {
		d.Enabled = false
		return d, fmt.Errorf("%w: daylight saving disabled: %w", ErrBadSetting, errors.Join(errs...))
	}
	return d, nil
}
