//go:build linux

package timesync_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/hdphone/hdphone/provisioning/timesync"
)

// silentUDP is a time server that never answers.
func silentUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}

// behaviour: BOOT-12
// behaviour: TIME-1
// The phone's own clock says 2001; chrony's time is what it shows after a
// sync, reached through the secondary server when the primary is silent.
func TestSyncAgainstChrony(t *testing.T) {
	t.Parallel()
	chrony := testpeer.StartChrony(t, nil, "127.0.0.1", 0)
	wrong := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clocktest.New(wrong)
	c := timesync.New(timesync.Config{Clock: clk, Timeout: 500 * time.Millisecond})

	r, err := c.Sync(context.Background(), []string{chrony.Addr})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(wrong.Add(r.Offset)); d < -2*time.Second || d > 2*time.Second || r.Server != chrony.Addr || r.Stratum != 8 {
		t.Fatalf("result %+v: the corrected clock is %v off the real time", r, d)
	}

	primary := silentUDP(t)
	r, err = c.Sync(context.Background(), []string{primary, chrony.Addr})
	if err != nil {
		t.Fatal(err)
	}
	if r.Server != chrony.Addr {
		t.Fatalf("answer from %s, want the secondary %s", r.Server, chrony.Addr)
	}
	pc := timesync.NewPhoneClock(clk, timesync.Settings{Offset: 2 * time.Hour, TimeFormat: timesync.Format24Hour})
	pc.SetCorrection(r.Offset)
	if want := time.Now().UTC().Add(2 * time.Hour).Format("15:04"); pc.TimeString() != want {
		// A minute boundary may pass between the two readings.
		if want2 := time.Now().UTC().Add(2 * time.Hour).Format("15:04"); pc.TimeString() != want2 {
			t.Fatalf("phone shows %s, want %s", pc.TimeString(), want2)
		}
	}
	if _, ok := pc.Synced(); !ok {
		t.Fatal("phone clock not marked synchronised")
	}
}

// behaviour: BOOT-12
func TestSyncFailure(t *testing.T) {
	t.Parallel()
	c := timesync.New(timesync.Config{Timeout: 300 * time.Millisecond})
	refused := "127.0.0.1:" + strconv.Itoa(testpeer.FreePort(t, "udp"))
	_, err := c.Sync(context.Background(), []string{silentUDP(t), refused})
	var se *timesync.SyncError
	if !errors.As(err, &se) || !errors.Is(err, timesync.ErrTimeServer) || len(se.Attempts) != 2 {
		t.Fatalf("Sync = %v, want both servers' failures", err)
	}
	if _, err := c.Sync(context.Background(), nil); !errors.Is(err, timesync.ErrNoServer) || !errors.Is(err, timesync.ErrTimeServer) {
		t.Fatalf("no servers: %v", err)
	}
	if timesync.NotifyFailed != "Failed to connect to time server" {
		t.Fatal("notification text")
	}
	// Cancelling stops a query at once, not after the timeout.
	ctx, cancel := context.WithCancel(context.Background())
	slow := timesync.New(timesync.Config{Timeout: time.Minute})
	done := make(chan error, 1)
	go func() { _, err := slow.Sync(ctx, []string{silentUDP(t)}); done <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Sync = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sync ignored its context")
	}
}

// behaviour: BOOT-11
// behaviour: BOOT-12
// behaviour: TIME-1
// From DHCP to the screen: the lab DHCP server gives option 42 with a dead
// primary and chrony as secondary, option 4 with something else, and option
// 2; the phone resolves its settings from the lease, syncs with chrony via
// the secondary, and Run keeps resyncing on the configured period.
func TestTimeFromDHCPLease(t *testing.T) {
	t.Parallel()
	chrony := testpeer.StartChrony(t, nil, "127.0.0.1", 0)
	host, portStr, _ := net.SplitHostPort(chrony.Addr)
	port, _ := strconv.Atoi(portStr)
	dead := "127.0.0.2" // nothing answers NTP on chrony's port there
	tz := -(3*time.Hour + 30*time.Minute)
	srv, err := dhcpserver.New(dhcpserver.Config{ClientSourceAddress: true, Options: dhcpserver.Options{
		NTPServers:  []netip.Addr{netip.MustParseAddr(dead), netip.MustParseAddr(host)},
		TimeServers: []netip.Addr{netip.MustParseAddr("127.0.0.3")},
		TimeOffset:  &tz,
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Run(ctx)
	dc, err := dhcp.NewUDP(dhcp.Config{Model: "450HD", MAC: net.HardwareAddr{0, 0x90, 0x8f, 1, 2, 3}},
		netip.MustParseAddrPort("127.0.30.1:0"), srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	lease, err := dc.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}

	s, err := timesync.Resolve(cfgWith(t, "system/ntp/sync_time/hours", "6"),
		timesync.DHCP{NTPServers: lease.NTPServers, TimeServers: lease.TimeServers, TimeOffset: lease.TimeOffset})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Servers) != 2 || s.Servers[0] != dead || s.Servers[1] != host || s.Offset != tz {
		t.Fatalf("settings from the lease: %+v", s)
	}

	clk := clocktest.New(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	pc := timesync.NewPhoneClock(clk, s)
	results := make(chan timesync.Result, 4)
	c := timesync.New(timesync.Config{Clock: clk, Port: port, Timeout: 500 * time.Millisecond,
		OnSync: func(r timesync.Result, err error) {
			if err != nil {
				t.Errorf("sync: %v", err)
			}
			results <- r
		}})
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, pc) }()
	first := <-results
	if first.Server != host {
		t.Fatalf("synced with %q, want the secondary %q", first.Server, host)
	}
	if d := time.Until(pc.Now()); d < -2*time.Second || d > 2*time.Second {
		t.Fatalf("phone time %v is %v off the real time", pc.Now(), d)
	}
	if wall, want := pc.Now().Format("2006-01-02 15:04"), time.Now().UTC().Add(tz).Format("2006-01-02 15:04"); wall != want {
		if want2 := time.Now().UTC().Add(tz).Format("2006-01-02 15:04"); wall != want2 {
			t.Fatalf("phone shows %s, want %s (UTC%s)", wall, want, timesync.FormatOffset(tz))
		}
	}
	if _, off := pc.Now().Zone(); off != int(tz/time.Second) {
		t.Fatalf("phone zone offset %d s", off)
	}
	// The next sync waits for the resync period on the phone's clock.
	waitPending(t, clk)
	if at, _ := clk.NextDeadline(); at.Sub(first.At) != 6*time.Hour {
		t.Fatalf("next sync %v after the first, want 6h", at.Sub(first.At))
	}
	clk.Advance(6 * time.Hour)
	second := <-results
	if second.Server != host || !second.At.Equal(first.At.Add(6*time.Hour)) {
		t.Fatalf("second sync %+v", second)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func waitPending(t *testing.T, clk *clocktest.Fake) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if clk.Pending() > 0 {
			return
		}
	}
	t.Fatal("no timer armed")
}
