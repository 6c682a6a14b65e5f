package provisioning

import (
	"context"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
)

func TestPeriodFrom(t *testing.T) {
	tests := []struct {
		kv   []string
		want Period
	}{
		{nil, Period{Type: Daily, Every: 24 * time.Hour, RandomMax: 120}},
		{[]string{"provisioning/period/type", "HOURLY", "provisioning/period/hourly/hours_interval", "6"},
			Period{Type: Hourly, Every: 6 * time.Hour, RandomMax: 120}},
		{[]string{"provisioning/period/type", "daily", "provisioning/period/daily/time", "03:30", "provisioning/random_provisioning_time", "0"},
			Period{Type: Daily, Every: 24 * time.Hour, Hour: 3, Minute: 30}},
		{[]string{"provisioning/period/type", "weekly", "provisioning/period/weekly/day", "Wednesday", "provisioning/period/weekly/time", "22:15"},
			Period{Type: Weekly, Every: 24 * time.Hour, Hour: 22, Minute: 15, Weekday: time.Wednesday, RandomMax: 120}},
		{[]string{"provisioning/period/type", "powerup"}, Period{Type: PowerUp, Every: 24 * time.Hour, RandomMax: 120}},
	}
	for _, tt := range tests {
		got, err := PeriodFrom(settings(t, tt.kv...))
		if err != nil || got != tt.want {
			t.Errorf("%v: %+v %v, want %+v", tt.kv, got, err, tt.want)
		}
	}
}

func TestPeriodNext(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05 Mon", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		p     Period
		after string
		want  string
	}{
		{Period{Type: Hourly, Every: 6 * time.Hour}, "2026-11-25 10:17:00 Wed", "2026-11-25 16:17:00 Wed"},
		{Period{Type: Daily}, "2026-11-25 10:17:00 Wed", "2026-11-26 00:00:00 Thu"},
		{Period{Type: Daily, Hour: 23, Minute: 59}, "2026-11-25 10:17:00 Wed", "2026-11-25 23:59:00 Wed"},
		{Period{Type: Daily, Hour: 10, Minute: 17}, "2026-11-25 10:17:00 Wed", "2026-11-26 10:17:00 Thu"},
		{Period{Type: Daily, Hour: 0, Minute: 0}, "2026-12-31 23:00:00 Thu", "2027-01-01 00:00:00 Fri"},
		{Period{Type: Weekly, Weekday: time.Sunday}, "2026-11-25 10:17:00 Wed", "2026-11-29 00:00:00 Sun"},
		{Period{Type: Weekly, Weekday: time.Wednesday, Hour: 22, Minute: 15}, "2026-11-25 10:17:00 Wed", "2026-11-25 22:15:00 Wed"},
		{Period{Type: Weekly, Weekday: time.Wednesday, Hour: 9}, "2026-11-25 10:17:00 Wed", "2026-12-02 09:00:00 Wed"},
	}
	for _, tt := range tests {
		got, ok := tt.p.Next(at(tt.after))
		if !ok || got.Format("2006-01-02 15:04:05 Mon") != tt.want {
			t.Errorf("%+v after %s: %s, want %s", tt.p, tt.after, got.Format("2006-01-02 15:04:05 Mon"), tt.want)
		}
	}
	if _, ok := (Period{Type: PowerUp}).Next(time.Now()); ok {
		t.Error("powerup has a next check")
	}
}

// runScheduler runs s on a fake clock and returns the times at which Check
// was called, advancing the clock from timer to timer n times.
func runScheduler(t *testing.T, p Period, start time.Time, draws []int, n int) []time.Time {
	t.Helper()
	fake := clocktest.New(start)
	calls := make(chan time.Time, 16)
	var asked []int
	s := &Scheduler{Period: p, Clock: fake,
		Intn: func(max int) int {
			asked = append(asked, max)
			if len(draws) == 0 { // the draw for the check after the last one
				return 0
			}
			d := draws[0]
			draws = draws[1:]
			return d
		},
		Check: func(ctx context.Context) error { calls <- fake.Now(); return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	var got []time.Time
	for len(got) < n {
		// Wait for the scheduler to arm its timer, then jump to it.
		deadline := time.Now().Add(2 * time.Second)
		for fake.Pending() == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("scheduler armed no timer after %d checks", len(got))
			}
			time.Sleep(time.Millisecond)
		}
		when, _ := fake.NextDeadline()
		fake.Set(when)
		select {
		case c := <-calls:
			got = append(got, c)
		case <-time.After(20 * time.Millisecond):
			// That was a scheduled time; the random delay timer is next.
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, m := range asked {
		if m != p.RandomMax {
			t.Fatalf("random draw over %d, want %d", m, p.RandomMax)
		}
	}
	return got
}

// behaviour: PER-1
// behaviour: PER-2
func TestSchedulerRunsOnTheInjectedClock(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 17, 0, 0, time.UTC) // a Wednesday
	fmt := func(ts []time.Time) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Format("Mon 01-02 15:04:05"))
		}
		return out
	}
	tests := []struct {
		name  string
		p     Period
		draws []int // Intn results: the delay is 1+draw seconds
		want  []string
	}{
		{"hourly every 6 h, random 1..120 s, no drift", Period{Type: Hourly, Every: 6 * time.Hour, RandomMax: 120}, []int{0, 119, 59},
			[]string{"Wed 11-25 16:17:01", "Wed 11-25 22:19:00", "Thu 11-26 04:18:00"}},
		{"daily at 00:30", Period{Type: Daily, Hour: 0, Minute: 30, RandomMax: 120}, []int{4, 0},
			[]string{"Thu 11-26 00:30:05", "Fri 11-27 00:30:01"}},
		{"weekly on Sunday at 02:00, no random delay", Period{Type: Weekly, Weekday: time.Sunday, Hour: 2}, nil,
			[]string{"Sun 11-29 02:00:00", "Sun 12-06 02:00:00"}},
		{"daily with the maximum random delay", Period{Type: Daily, RandomMax: 65535}, []int{65534},
			[]string{"Thu 11-26 18:12:15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fmt(runScheduler(t, tt.p, start, tt.draws, len(tt.want)))
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("checks at %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// behaviour: PER-1
func TestPowerUpOnlySchedulesNothing(t *testing.T) {
	fake := clocktest.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	called := make(chan struct{}, 1)
	s := &Scheduler{Period: Period{Type: PowerUp, RandomMax: 120}, Clock: fake,
		Check: func(context.Context) error { called <- struct{}{}; return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(20 * time.Millisecond)
	fake.Advance(30 * 24 * time.Hour)
	if fake.Pending() != 0 {
		t.Fatal("powerup armed a timer")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-called:
		t.Fatal("powerup ran a periodic check")
	default:
	}
}

func TestSchedulerLocalTime(t *testing.T) {
	// Daily at 03:00 phone time, GMT+05:30: 21:30 UTC.
	loc := time.FixedZone("GMT+05:30", 5*3600+1800)
	fake := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	calls := make(chan time.Time, 1)
	s := &Scheduler{Period: Period{Type: Daily, Hour: 3}, Clock: fake, Location: loc,
		Check: func(context.Context) error { calls <- fake.Now(); return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	for fake.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	when, _ := fake.NextDeadline()
	fake.Set(when)
	if got := <-calls; !got.Equal(time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)) {
		t.Fatalf("check at %v", got.UTC())
	}
}
