package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
)

// Engine runs console commands against a phone. It is safe for concurrent
// use by several sessions.
type Engine struct {
	Phone *device.Phone
	// LoadURL fetches and applies a configuration file (the integrator wires
	// it to the provisioning fetcher); nil makes "load" say it is not
	// available.
	LoadURL func(ctx context.Context, url string) error
	// Provision runs a provisioning check now; nil: not available.
	Provision func(ctx context.Context) error
	// Log holds recent events for "show log"; nil: none kept.
	Log *EventLog
}

// Exec runs one command line, writing its output to w. quit reports that the
// session should end. A failed command returns an error whose text is meant
// for the user; the session goes on.
func (e *Engine) Exec(ctx context.Context, w io.Writer, line string) (quit bool, err error) {
	words, err := Split(line)
	if err != nil {
		return false, err
	}
	if len(words) == 0 {
		return false, nil
	}
	cmd, args := strings.ToLower(words[0]), words[1:]
	switch cmd {
	case "help", "?":
		io.WriteString(w, helpText)
	case "exit", "quit", "logout":
		return true, nil
	case "show":
		if len(args) == 0 {
			return false, fmt.Errorf("%w: show status | show config [KEY|PREFIX/] | show log [N]", ErrUsage)
		}
		switch strings.ToLower(args[0]) {
		case "status":
			e.showStatus(w)
		case "config":
			return false, e.showConfig(w, args[1:])
		case "log":
			return false, e.showLog(w, args[1:])
		default:
			return false, fmt.Errorf("%w: show status | show config [KEY|PREFIX/] | show log [N]", ErrUsage)
		}
	case "set":
		return false, e.set(ctx, w, args)
	case "load":
		if len(args) != 1 {
			return false, fmt.Errorf("%w: load URL", ErrUsage)
		}
		if e.LoadURL == nil {
			return false, fmt.Errorf("%w: no configuration fetcher is wired in", ErrNotAvailable)
		}
		if err := e.LoadURL(ctx, args[0]); err != nil {
			return false, fmt.Errorf("load %s: %w", args[0], err)
		}
		fmt.Fprintf(w, "loaded %s\n", args[0])
	case "provision":
		if len(args) != 0 {
			return false, fmt.Errorf("%w: provision", ErrUsage)
		}
		if e.Provision == nil {
			return false, fmt.Errorf("%w: no provisioning is wired in", ErrNotAvailable)
		}
		if err := e.Provision(ctx); err != nil {
			return false, fmt.Errorf("provision: %w", err)
		}
		io.WriteString(w, "provisioning check done\n")
	case "reboot", "restart":
		if len(args) != 0 {
			return false, fmt.Errorf("%w: reboot", ErrUsage)
		}
		if err := e.Phone.Reboot(ctx, "reboot from the management console"); err != nil {
			return false, err
		}
		io.WriteString(w, "restarting\n")
	case "restore":
		if len(args) != 1 || strings.ToLower(args[0]) != "defaults" {
			return false, fmt.Errorf("%w: restore defaults", ErrUsage)
		}
		if err := e.Phone.FactoryReset(ctx); err != nil {
			return false, err
		}
		io.WriteString(w, "restoring factory defaults and restarting\n")
	default:
		return false, fmt.Errorf("%w %q (type help)", ErrUnknownCommand, words[0])
	}
	return false, nil
}

const helpText = `help                       this list
show status                model, MAC, firmware, state, addresses
show config [KEY|PREFIX/]  explicit settings, one key, or every key under a prefix
show log [N]               the last N phone events (default 20)
set KEY VALUE              change a parameter (checked by the phone)
load URL                   load a configuration file from URL
provision                  run a provisioning check now
reboot                     restart the phone
restore defaults           restore the factory configuration and restart
exit                       end the session
`

func (e *Engine) showStatus(w io.Writer) {
	st := e.Phone.Snapshot()
	fmt.Fprintf(w, "model:     %s\n", st.Model)
	fmt.Fprintf(w, "mac:       %s\n", st.MAC)
	fmt.Fprintf(w, "firmware:  %s\n", st.Firmware)
	power := "off"
	if st.Power {
		power = "on"
	}
	fmt.Fprintf(w, "power:     %s (boot %d)\n", power, st.BootCount)
	fmt.Fprintf(w, "state:     %s since %s\n", st.Stage, st.Since.Format("2006-01-02 15:04:05"))
	if st.Status != "" {
		fmt.Fprintf(w, "screen:    %s\n", st.Status)
	}
	if st.Network.Address.IsValid() {
		fmt.Fprintf(w, "ip:        %s\n", st.Network.Address)
	} else {
		io.WriteString(w, "ip:        not acquired\n")
	}
	if st.Network.Gateway.IsValid() {
		fmt.Fprintf(w, "gateway:   %s\n", st.Network.Gateway)
	}
	for _, n := range st.Notifications {
		fmt.Fprintf(w, "notice:    %s\n", n.Text)
	}
}

func (e *Engine) showConfig(w io.Writer, args []string) error {
	cfg := e.Phone.Snapshot().Config
	switch {
	case len(args) == 0:
		var buf bytes.Buffer
		config.Format(&buf, cfg)
		if buf.Len() == 0 {
			io.WriteString(w, "(factory configuration: nothing set)\n")
		}
		w.Write(buf.Bytes())
		return nil
	case len(args) > 1:
		return fmt.Errorf("%w: show config [KEY|PREFIX/]", ErrUsage)
	}
	key := args[0]
	if strings.HasSuffix(key, "/") {
		n := 0
		for _, p := range cfg.Catalogue().Params() {
			if p.Kind != config.KindCfg || !p.AppliesTo(cfg.Model()) {
				continue
			}
			keys := []string{p.Key}
			if p.Indexed() {
				keys = keys[:0]
				for _, i := range p.AllIndices() {
					keys = append(keys, p.KeyAt(i))
				}
			}
			for _, k := range keys {
				if strings.HasPrefix(strings.ToLower(k), strings.ToLower(key)) {
					fmt.Fprintf(w, "%s=%s\n", k, cfg.Get(k))
					n++
				}
			}
		}
		if n == 0 {
			return fmt.Errorf("%w: no parameter under %q", config.ErrUnknownKey, key)
		}
		return nil
	}
	p, canon, _, err := cfg.Catalogue().Resolve(key)
	if err != nil {
		return err
	}
	v, explicit, _ := cfg.Lookup(canon)
	note := "default"
	if explicit {
		note = "set; default " + strconv.Quote(p.DefaultFor(cfg.Model()))
	}
	if p.Secret() && v != "" {
		v = "********" // never show secrets on a console
	}
	fmt.Fprintf(w, "%s=%s (%s)\n", canon, v, note)
	return nil
}

func (e *Engine) showLog(w io.Writer, args []string) error {
	n := 20
	if len(args) > 1 {
		return fmt.Errorf("%w: show log [N]", ErrUsage)
	}
	if len(args) == 1 {
		v, err := strconv.Atoi(args[0])
		if err != nil || v <= 0 {
			return fmt.Errorf("%w: show log [N] with N a positive number", ErrUsage)
		}
		n = v
	}
	if e.Log == nil {
		io.WriteString(w, "(no event log)\n")
		return nil
	}
	events := e.Log.Last(n)
	if len(events) == 0 {
		io.WriteString(w, "(no events yet)\n")
	}
	for _, ev := range events {
		fmt.Fprintln(w, ev)
	}
	return nil
}

func (e *Engine) set(ctx context.Context, w io.Writer, args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("%w: set KEY VALUE", ErrUsage)
	}
	key := args[0]
	value := strings.Join(args[1:], " ")
	if strings.ContainsAny(key, "=;#") {
		return fmt.Errorf("%w: set KEY VALUE (a key has no '=')", ErrUsage)
	}
	cfg := e.Phone.Snapshot().Config
	p, canon, _, err := cfg.Catalogue().Resolve(key)
	if err != nil {
		return err
	}
	if p.Kind != config.KindCfg {
		return fmt.Errorf("%w: %s is not a configuration file parameter", config.ErrUnknownKey, canon)
	}
	_, reboot, err := e.Phone.ApplyConfig(ctx, "console", []byte(canon+"="+value+"\n"))
	if err != nil {
		var rej config.Issue
		if errors.As(err, &rej) {
			return fmt.Errorf("not applied: %w", rej.Err)
		}
		return err
	}
	shown := e.Phone.Snapshot().Config.Get(canon)
	if p.Secret() {
		shown = "********"
	}
	fmt.Fprintf(w, "%s=%s\n", canon, shown)
	if reboot {
		io.WriteString(w, "takes effect after a reboot\n")
	}
	return nil
}

// EventLog keeps the most recent phone events for "show log". It is safe
// for concurrent use.
type EventLog struct {
	mu   sync.Mutex // guards ring, next, full
	ring []device.Event
	next int
	full bool
}

// NewEventLog keeps up to n events (n <= 0 means 200).
func NewEventLog(n int) *EventLog {
	if n <= 0 {
		n = 200
	}
	return &EventLog{ring: make([]device.Event, n)}
}

// Add records an event.
func (l *EventLog) Add(e device.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = e
	l.next = (l.next + 1) % len(l.ring)
	if l.next == 0 {
		l.full = true
	}
}

// Last returns up to n of the most recent events, oldest first.
func (l *EventLog) Last(n int) []device.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	size := l.next
	if l.full {
		size = len(l.ring)
	}
	if n > size {
		n = size
	}
	out := make([]device.Event, 0, n)
	for i := n; i > 0; i-- {
		out = append(out, l.ring[(l.next-i+len(l.ring))%len(l.ring)])
	}
	return out
}
