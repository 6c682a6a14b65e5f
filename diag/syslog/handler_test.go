package syslog_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/diag/syslog"
)

// syncBuffer is a console the handler's Run writes to while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := strings.TrimRight(s.b.String(), "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func run(t testing.TB, h *syslog.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func waitLines(t testing.TB, b *syncBuffer, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if l := b.lines(); len(l) >= n {
			return l
		}
	}
	t.Fatalf("want %d lines, have %q", n, b.lines())
	return nil
}

// parse reads one of the handler's lines back into slogtest's map form.
func parse(t *testing.T, line string) map[string]any {
	t.Helper()
	f := strings.SplitN(line, " ", 8)
	if len(f) < 7 || !strings.HasPrefix(f[0], "<") || !strings.HasSuffix(f[0], ">1") {
		t.Fatalf("not an RFC 5424 line: %q", line)
	}
	pri, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f[0], "<"), ">1"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	m[slog.LevelKey] = map[int]slog.Level{3: slog.LevelError, 4: slog.LevelWarn, 6: slog.LevelInfo, 7: slog.LevelDebug}[pri%8]
	if f[1] != "-" {
		ts, err := time.Parse(time.RFC3339Nano, f[1])
		if err != nil {
			t.Fatalf("timestamp %q: %v", f[1], err)
		}
		m[slog.TimeKey] = ts
	}
	rest := ""
	if len(f) == 8 {
		rest = f[7]
	}
	// The message is everything before the first " key=".
	msg, attrs := rest, ""
	for i := 0; i < len(rest); i++ {
		if rest[i] == ' ' {
			if j := strings.IndexAny(rest[i+1:], "= "); j > 0 && rest[i+1+j] == '=' {
				msg, attrs = rest[:i], rest[i:]
				break
			}
		}
	}
	m[slog.MessageKey] = msg
	for attrs != "" {
		attrs = strings.TrimPrefix(attrs, " ")
		k, v, _ := strings.Cut(attrs, "=")
		var val string
		if strings.HasPrefix(v, `"`) {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				t.Fatalf("bad quoting in %q", line)
			}
			val, _ = strconv.Unquote(q)
			attrs = v[len(q):]
		} else {
			val, attrs, _ = strings.Cut(v, " ")
			if attrs != "" {
				attrs = " " + attrs
			}
		}
		dst := m
		path := strings.Split(k, ".")
		for _, g := range path[:len(path)-1] {
			sub, ok := dst[g].(map[string]any)
			if !ok {
				sub = map[string]any{}
				dst[g] = sub
			}
			dst = sub
		}
		dst[path[len(path)-1]] = val
	}
	return m
}

// The handler passes the standard library's conformance suite for
// slog.Handler implementations (read back from its console output).
func TestSlogConformance(t *testing.T) {
	var out *syncBuffer
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		out = &syncBuffer{}
		h := syslog.New(syslog.Settings{Mode: syslog.ModeSerial, LogLevel: syslog.LevelDetailed}, syslog.Options{Console: out, Hostname: "00908f000001"})
		run(t, h)
		return h
	}, func(t *testing.T) map[string]any {
		return parse(t, waitLines(t, out, 1)[0])
	})
}

// behaviour: DIAG-1
// behaviour: DIAG-2
// behaviour: DIAG-3
func TestLevels(t *testing.T) {
	tests := []struct {
		name     string
		s        syslog.Settings
		sent     []string // component:level pairs that reach the console
		notSent  []string
		wantMode bool
	}{
		{
			name:    "lightweight: every component None sends warnings and errors only",
			s:       syslog.Settings{Mode: syslog.ModeSerial, Components: map[string]syslog.Level{"sip_stack": syslog.LevelNone, "lcd_display": syslog.LevelNone}},
			sent:    []string{"sip_stack:WARN", "lcd_display:ERROR"},
			notSent: []string{"sip_stack:INFO", "lcd_display:DEBUG"},
		},
		{
			name:    "Basic adds informational records, Detailed debug ones",
			s:       syslog.Settings{Mode: syslog.ModeSerial, Components: map[string]syslog.Level{"sip_stack": syslog.LevelDetailed, "web_server": syslog.LevelBasic}},
			sent:    []string{"sip_stack:DEBUG", "web_server:INFO", ":INFO"},
			notSent: []string{"web_server:DEBUG", ":DEBUG"},
		},
		{
			name:    "log_level Basic caps a Detailed component",
			s:       syslog.Settings{Mode: syslog.ModeSerial, LogLevel: syslog.LevelBasic, Components: map[string]syslog.Level{"sip_stack": syslog.LevelDetailed}},
			sent:    []string{"sip_stack:INFO"},
			notSent: []string{"sip_stack:DEBUG"},
		},
		{
			name:    "log_level None turns syslog off",
			s:       syslog.Settings{Mode: syslog.ModeSerial, LogLevel: syslog.LevelNone, Components: map[string]syslog.Level{"sip_stack": syslog.LevelDetailed}},
			notSent: []string{"sip_stack:ERROR", ":ERROR"},
		},
		{
			name:    "mode Local sends nothing to the console",
			s:       syslog.Settings{Mode: syslog.ModeLocal},
			notSent: []string{":ERROR"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			h := syslog.New(tt.s, syslog.Options{Console: out})
			run(t, h)
			log := slog.New(h)
			emit := func(spec string) {
				comp, lvl, _ := strings.Cut(spec, ":")
				var l slog.Level
				if err := l.UnmarshalText([]byte(lvl)); err != nil {
					t.Fatal(err)
				}
				args := []any{"id", spec}
				if comp != "" {
					args = append(args, "component", comp)
				}
				log.Log(context.Background(), l, "record", args...)
			}
			for _, s := range tt.notSent {
				emit(s)
			}
			for _, s := range tt.sent {
				emit(s)
			}
			// A marker that always passes, through a handler in Serial mode.
			h.Reconfigure(syslog.Settings{Mode: syslog.ModeSerial, LogLevel: syslog.LevelDetailed})
			log.Error("marker")
			lines := waitLines(t, out, len(tt.sent)+1)
			if len(lines) != len(tt.sent)+1 {
				t.Fatalf("lines %q, want %v then the marker", lines, tt.sent)
			}
			for i, s := range tt.sent {
				if !strings.Contains(lines[i], "id="+s) {
					t.Errorf("line %d %q, want %s", i, lines[i], s)
				}
			}
		})
	}
}

// behaviour: DIAG-1
// behaviour: DIAG-2
func TestSettingsFrom(t *testing.T) {
	cfg := config.Default().New("450HD")
	s, err := syslog.SettingsFrom(cfg)
	if err != nil || s.Mode != syslog.ModeLocal || s.Server.IsValid() {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	for k, v := range map[string]string{
		"system/syslog/mode": "Network", "system/syslog/server_address": "10.1.2.3", "system/syslog/server_port": "5514",
		"system/syslog/log_level": "Detailed", "system/syslog/component/sip_stack": "Detailed",
		"system/syslog/component/nxphone": "Basic",
	} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	s, err = syslog.SettingsFrom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != syslog.ModeNetwork || s.Server != netip.MustParseAddrPort("10.1.2.3:5514") || s.LogLevel != syslog.LevelDetailed ||
		s.Components["sip_stack"] != syslog.LevelDetailed || s.Components["nxphone"] != syslog.LevelBasic || s.Components["control_center"] != syslog.LevelNone {
		t.Fatalf("settings %+v", s)
	}
	// Each component's level alone is read (its key as the catalogue
	// spells it).
	for _, c := range syslog.Components {
		one := config.Default().New("450HD")
		if err := one.Set("system/syslog/component/"+c, "Detailed"); err != nil {
			t.Fatal(err)
		}
		if s, err := syslog.SettingsFrom(one); err != nil || s.Components[c] != syslog.LevelDetailed {
			t.Errorf("%s alone: %v, %v", c, s.Components, err)
		}
	}
	// Network with the default 0.0.0.0 server is reported.
	if err := cfg.Set("system/syslog/server_address", "0.0.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := syslog.SettingsFrom(cfg); err == nil {
		t.Fatal("Network mode towards 0.0.0.0 accepted")
	}
}

// Handle never blocks: with nobody draining the queue, records beyond it
// are dropped and counted.
func TestNeverBlocks(t *testing.T) {
	h := syslog.New(syslog.Settings{Mode: syslog.ModeNetwork, Server: netip.MustParseAddrPort("127.0.0.1:9")},
		syslog.Options{Queue: 4})
	log := slog.New(h)
	done := make(chan struct{})
	go func() {
		for i := range 100 {
			log.Warn("burst", "i", i)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("logging blocked")
	}
	if h.Dropped() != 96 {
		t.Fatalf("dropped %d, want 96", h.Dropped())
	}
}

func TestHeaderFields(t *testing.T) {
	out := &syncBuffer{}
	at := time.Date(2024, 2, 22, 14, 5, 0, 123456789, time.UTC)
	h := syslog.New(syslog.Settings{Mode: syslog.ModeAll, Server: netip.MustParseAddrPort("127.0.0.1:9")},
		syslog.Options{Console: out, Hostname: "10.0.0.130", Clock: clocktest.New(at)})
	run(t, h)
	slog.New(h).With("component", "sip_stack").Info("multi\nline", "user", "Jörg Müller", "empty", "")
	got := waitLines(t, out, 1)[0]
	want := `<134>1 2024-02-22T14:05:00.123456Z 10.0.0.130 sip_stack - - - multi line component=sip_stack user="Jörg Müller" empty=""`
	if got != want {
		t.Fatalf("line\n%s\nwant\n%s", got, want)
	}
	slog.New(h).Error("no component")
	if got := waitLines(t, out, 2)[1]; !strings.HasPrefix(got, "<131>1 2024-02-22T14:05:00.123456Z 10.0.0.130 ipphone - - - no component") {
		t.Fatalf("line %q", got)
	}
}

func BenchmarkHandle(b *testing.B) {
	h := syslog.New(syslog.Settings{Mode: syslog.ModeNetwork, Server: netip.MustParseAddrPort("127.0.0.1:9"),
		Components: map[string]syslog.Level{"sip_stack": syslog.LevelBasic}}, syslog.Options{Hostname: "00908f000001", Queue: 1 << 16})
	run(b, h)
	log := slog.New(h).With("component", "sip_stack")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		log.Info("REGISTER sent", "line", 1, "cseq", i)
	}
	b.ReportMetric(float64(h.Dropped())/float64(b.N), "dropped/op")
}
