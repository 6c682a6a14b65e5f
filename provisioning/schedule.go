package provisioning

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
)

// PeriodType is provisioning/period/type.
type PeriodType int

// The period types.
const (
	Daily PeriodType = iota + 1
	Hourly
	Weekly
	PowerUp
)

func (t PeriodType) String() string {
	return map[PeriodType]string{Daily: "daily", Hourly: "hourly", Weekly: "weekly", PowerUp: "powerup"}[t]
}

// Period is the periodic provisioning schedule.
type Period struct {
	Type PeriodType
	// Every is the hourly interval.
	Every time.Duration
	// Hour and Minute are the daily and weekly time of day.
	Hour, Minute int
	// Weekday is the weekly day.
	Weekday time.Weekday
	// RandomMax is random_provisioning_time in seconds: each check waits a
	// random 1..RandomMax s (none when 0).
	RandomMax int
}

// PeriodFrom reads provisioning/period/* and random_provisioning_time.
// Values compare without regard to case; bad values are errors.
func PeriodFrom(c *config.Config) (Period, error) {
	var p Period
	switch strings.ToLower(strings.TrimSpace(c.Get("provisioning/period/type"))) {
	case "", "daily":
		p.Type = Daily
	case "hourly":
		p.Type = Hourly
	case "weekly":
		p.Type = Weekly
	case "powerup":
		p.Type = PowerUp
	default:
		return Period{}, fmt.Errorf("provisioning: period type %q", c.Get("provisioning/period/type"))
	}
	hours := c.Int("provisioning/period/hourly/hours_interval")
	if hours < 1 || hours > 168 {
		hours = 24
	}
	p.Every = time.Duration(hours) * time.Hour
	key := "provisioning/period/daily/time"
	if p.Type == Weekly {
		key = "provisioning/period/weekly/time"
		day, ok := weekdays[strings.ToLower(strings.TrimSpace(c.Get("provisioning/period/weekly/day")))]
		if !ok {
			return Period{}, fmt.Errorf("provisioning: weekly day %q", c.Get("provisioning/period/weekly/day"))
		}
		p.Weekday = day
	}
	h, m, err := hhmm(c.Get(key))
	if err != nil {
		return Period{}, fmt.Errorf("provisioning: %s: %w", key, err)
	}
	p.Hour, p.Minute = h, m
	p.RandomMax = max(0, min(65535, c.Int("provisioning/random_provisioning_time")))
	return p, nil
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "": time.Sunday}

func hhmm(s string) (int, int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	hs, ms, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, fmt.Errorf("%q is not hh:mm", s)
	}
	return h, m, nil
}

// Next returns the first scheduled check strictly after `after` (before the
// random delay), in after's location; false for PowerUp. For Hourly, after is
// the previous scheduled check (or the power-up).
func (p Period) Next(after time.Time) (time.Time, bool) {
	switch p.Type {
	case Hourly:
		return after.Add(p.Every), true
	case Daily, Weekly:
		y, mo, d := after.Date()
		t := time.Date(y, mo, d, p.Hour, p.Minute, 0, 0, after.Location())
		if p.Type == Weekly {
			t = t.AddDate(0, 0, (int(p.Weekday)-int(t.Weekday())+7)%7)
		}
		for !t.After(after) {
			if p.Type == Weekly {
				t = t.AddDate(0, 0, 7)
			} else {
				t = t.AddDate(0, 0, 1)
			}
		}
		return t, true
	}
	return time.Time{}, false
}

// Delay draws the random delay before a check: 1..RandomMax seconds, with
// intn returning a number in [0, n).
func (p Period) Delay(intn func(n int) int) time.Duration {
	if p.RandomMax <= 0 {
		return 0
	}
	return time.Duration(1+intn(p.RandomMax)) * time.Second
}

// Scheduler runs periodic provisioning checks.
type Scheduler struct {
	// Period is the schedule.
	Period Period
	// Check is called for each scheduled check; its error is logged.
	Check func(ctx context.Context) error
	// Clock; nil: the real clock.
	Clock clock.Clock
	// Location is the phone's local time zone for daily and weekly times;
	// nil: the clock's.
	Location *time.Location
	// Intn returns a random number in [0, n); nil: math/rand/v2.
	Intn func(n int) int
	// Logger; nil: discard.
	Logger *slog.Logger
}

// Run waits for each scheduled time, then the random delay, then calls
// Check, until ctx ends (it then returns nil). The power-up check is the
// boot's, not the Scheduler's: with PowerUp, Run only waits.
func (s *Scheduler) Run(ctx context.Context) error {
	clk := clock.OrReal(s.Clock)
	last := s.Now()
	for {
		next, wait, ok := s.Due(last)
		if !ok {
			<-ctx.Done()
			return nil
		}
		if clock.Sleep(ctx, clk, wait) != nil {
			return nil
		}
		s.RunCheck(ctx)
		last = next
	}
}

// Now is the time on the Scheduler's clock, in its Location.
func (s *Scheduler) Now() time.Time {
	t := clock.OrReal(s.Clock).Now()
	if s.Location != nil {
		t = t.In(s.Location)
	}
	return t
}

// Due returns the scheduled check after the one at last and how long from
// now to wait for it, its random delay included; false when nothing is
// scheduled (PowerUp). Run uses it; so can a caller that waits on timers
// rather than a goroutine.
func (s *Scheduler) Due(last time.Time) (next time.Time, wait time.Duration, ok bool) {
	next, ok = s.Period.Next(last)
	if !ok {
		return time.Time{}, 0, false
	}
	intn := s.Intn
	if intn == nil {
		intn = rand.IntN
	}
	delay := s.Period.Delay(intn)
	s.logger().Debug("next provisioning check", "at", next, "random_delay", delay)
	return next, max(0, next.Sub(s.Now())+delay), true
}

// RunCheck calls Check, logging its failure.
func (s *Scheduler) RunCheck(ctx context.Context) {
	if err := s.Check(ctx); err != nil {
		s.logger().Warn("periodic provisioning check failed", "err", err)
	}
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
