package timesync

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
)

// PhoneClock is the time the phone shows: the base clock corrected by the
// last NTP result, in the zone of the GMT offset, moved by daylight saving.
// Now returns that instant in a fixed zone named like "GMT+02:00", so it both
// compares correctly and formats as the local wall time. Timers run on the
// base clock (durations do not depend on the zone). It is a clock.Clock and is
// safe for concurrent use.
type PhoneClock struct {
	base clock.Clock

	mu         sync.RWMutex // guards the following fields
	correction time.Duration
	synced     time.Time // base time of the last sync; zero before one
	settings   Settings
}

var _ clock.Clock = (*PhoneClock)(nil)

// NewPhoneClock returns a phone clock on base (nil means the system clock)
// with settings s.
func NewPhoneClock(base clock.Clock, s Settings) *PhoneClock {
	return &PhoneClock{base: clock.OrReal(base), settings: s}
}

// SetSettings changes the zone, DST rule and formats.
func (c *PhoneClock) SetSettings(s Settings) {
	c.mu.Lock()
	c.settings = s
	c.mu.Unlock()
}

// Settings returns the current settings.
func (c *PhoneClock) Settings() Settings {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.settings
}

// SetCorrection records an NTP result: true UTC is the base clock plus
// offset.
func (c *PhoneClock) SetCorrection(offset time.Duration) {
	c.mu.Lock()
	c.correction = offset
	c.synced = c.base.Now()
	c.mu.Unlock()
}

// Synced reports whether the clock has been set from a time server, and
// when (on the base clock).
func (c *PhoneClock) Synced() (time.Time, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.synced, !c.synced.IsZero()
}

// UTC returns the corrected time in UTC.
func (c *PhoneClock) UTC() time.Time {
	c.mu.RLock()
	corr := c.correction
	c.mu.RUnlock()
	return c.base.Now().Add(corr).UTC()
}

// Now returns the phone's local time.
func (c *PhoneClock) Now() time.Time {
	c.mu.RLock()
	s, corr := c.settings, c.correction
	c.mu.RUnlock()
	return localTime(c.base.Now().Add(corr), s)
}

// InDST reports whether daylight saving is in force now.
func (c *PhoneClock) InDST() bool {
	c.mu.RLock()
	s, corr := c.settings, c.correction
	c.mu.RUnlock()
	std := c.base.Now().Add(corr).UTC().Add(s.Offset)
	return s.DST.ActiveAt(std)
}

// NewTimer makes a timer on the base clock.
func (c *PhoneClock) NewTimer(d time.Duration) clock.Timer { return c.base.NewTimer(d) }

// AfterFunc runs f after d on the base clock.
func (c *PhoneClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.base.AfterFunc(d, f)
}

// TimeString is the clock as the idle screen shows it: "14:05" (24Hour) or
// "2:05 PM" (12Hour).
func (c *PhoneClock) TimeString() string {
	return FormatTime(c.Now(), c.Settings().TimeFormat)
}

// DateString is the date as the idle screen shows it.
func (c *PhoneClock) DateString() string {
	return FormatDate(c.Now(), c.Settings().DateFormat)
}

// LocalTime converts the instant t to the phone's local time under s.
func LocalTime(t time.Time, s Settings) time.Time { return localTime(t, s) }

func localTime(t time.Time, s Settings) time.Time {
	off := s.Offset
	if s.DST.ActiveAt(t.UTC().Add(s.Offset)) {
		off += s.DST.Offset
	}
	return t.In(zoneAt(off))
}

// zones holds one *time.Location per offset, shared by every phone of the
// process: a local time keeps its zone, and a fleet's phones mostly share a
// few offsets.
var zones sync.Map // time.Duration -> *time.Location

func zoneAt(off time.Duration) *time.Location {
	if z, ok := zones.Load(off); ok {
		return z.(*time.Location)
	}
	z, _ := zones.LoadOrStore(off, time.FixedZone("GMT"+FormatOffset(off), int(off/time.Second)))
	return z.(*time.Location)
}

// FormatTime writes the time of day of t in format f.
func FormatTime(t time.Time, f TimeFormat) string {
	if f == Format12Hour {
		return t.Format("3:04 PM")
	}
	return t.Format("15:04")
}

// FormatDate writes the date of t in pattern p: YYYY (2024), YY (24), MMM
// (Feb), MM (02), DDD (Thu), DD (22); other characters are copied. An empty
// pattern means DefaultDateFormat.
func FormatDate(t time.Time, p string) string {
	if p == "" {
		p = DefaultDateFormat
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		switch {
		case strings.HasPrefix(p[i:], "YYYY"):
			fmt.Fprintf(&b, "%04d", t.Year())
			i += 4
		case strings.HasPrefix(p[i:], "YY"):
			fmt.Fprintf(&b, "%02d", t.Year()%100)
			i += 2
		case strings.HasPrefix(p[i:], "MMM"):
			b.WriteString(t.Month().String()[:3])
			i += 3
		case strings.HasPrefix(p[i:], "MM"):
			fmt.Fprintf(&b, "%02d", int(t.Month()))
			i += 2
		case strings.HasPrefix(p[i:], "DDD"):
			b.WriteString(t.Weekday().String()[:3])
			i += 3
		case strings.HasPrefix(p[i:], "DD"):
			fmt.Fprintf(&b, "%02d", t.Day())
			i += 2
		default:
			b.WriteByte(p[i])
			i++
		}
	}
	return b.String()
}

// checkDateFormat accepts a pattern that shows at least a day and a month.
func checkDateFormat(p string) error {
	u := strings.ToUpper(p)
	if u != p || !strings.Contains(p, "DD") || !strings.Contains(p, "MM") || len(p) > 32 {
		return fmt.Errorf("%w: date format %q needs DD and MM (tokens YYYY YY MMM MM DDD DD)", ErrBadSetting, p)
	}
	return nil
}
