package syslog_test

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/diag/syslog"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// behaviour: DIAG-1
// behaviour: DIAG-2
// behaviour: DIAG-3
// rsyslog receives the phone's RFC 5424 messages over UDP and writes the
// fields it parsed; the lines prove version, facility, severity, hostname,
// app-name and message, and which records the levels let through, before
// and after reconfiguration at run time.
func TestRsyslogReceives(t *testing.T) {
	t.Parallel()
	rs := testpeer.StartRsyslog(t)
	server := netip.MustParseAddrPort(rs.Addr)
	local := &syncBuffer{}
	h := syslog.New(syslog.Settings{
		Mode: syslog.ModeNetwork, Server: server,
		Components: map[string]syslog.Level{
			"sip_stack": syslog.LevelDetailed, "lcd_display": syslog.LevelBasic, "control_center": syslog.LevelNone,
		},
	}, syslog.Options{Hostname: "00908f000001", Local: local})
	run(t, h)
	log := slog.New(h)
	sip := log.With("component", "sip_stack")
	sip.Debug("REGISTER sent", "cseq", 1)
	log.Debug("lcd redraw", "component", "lcd_display") // Basic: no debug
	log.Info("idle screen", "component", "lcd_display")
	log.Info("DHCP lease", "component", "control_center") // None: lightweight only
	log.Warn("DHCP lease not extended", "component", "control_center")
	log.Error("no component")

	want := []string{
		"1|16|debug|00908f000001|sip_stack|REGISTER sent component=sip_stack cseq=1",
		"1|16|info|00908f000001|lcd_display|idle screen component=lcd_display",
		"1|16|warning|00908f000001|control_center|DHCP lease not extended component=control_center",
		"1|16|err|00908f000001|ipphone|no component",
	}
	lines, err := rs.WaitLines(len(want), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("rsyslog wrote\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	// Lightweight syslog: every component at None.
	h.Reconfigure(syslog.Settings{Mode: syslog.ModeNetwork, Server: server, Components: map[string]syslog.Level{
		"sip_stack": syslog.LevelNone, "lcd_display": syslog.LevelNone, "control_center": syslog.LevelNone}})
	sip.Info("INVITE received")
	sip.Warn("registration failed", "code", 403)
	// log_level None: nothing at all.
	h.Reconfigure(syslog.Settings{Mode: syslog.ModeNetwork, Server: server, LogLevel: syslog.LevelNone})
	sip.Error("silenced")
	// Back to Local: the flash log gets it, the server does not.
	h.Reconfigure(syslog.Settings{Mode: syslog.ModeLocal, Server: server})
	log.Error("to flash")
	// Network again, marker.
	h.Reconfigure(syslog.Settings{Mode: syslog.ModeNetwork, Server: server})
	log.Error("marker")
	want = append(want,
		"1|16|warning|00908f000001|sip_stack|registration failed component=sip_stack code=403",
		"1|16|err|00908f000001|ipphone|marker")
	if _, err := rs.WaitLines(len(want), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // anything that should not be there has had time to arrive
	if lines = rs.Lines(); !slices.Equal(lines, want) {
		t.Fatalf("rsyslog wrote\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if l := waitLines(t, local, 1); len(l) != 1 || !strings.HasSuffix(l[0], "ipphone - - - to flash") {
		t.Fatalf("local log %q", l)
	}
	if h.Sent() != uint64(len(want)) || h.Dropped() != 0 {
		t.Fatalf("sent %d dropped %d", h.Sent(), h.Dropped())
	}
}
