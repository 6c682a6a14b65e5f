// Command hdphone emulates AudioCodes 400HD IP phones.
//
//	hdphone demo                 the embedded lab and one phone of each model
//	hdphone run [flags]          one phone (terminal UI, or --headless)
//	hdphone fleet -f fleet.yaml  many phones running scenarios
//	hdphone lab [flags]          the embedded DHCP, provisioning and SIP servers
//	hdphone cfg ...              configuration files: defaults, validate, diff, delta, encrypt
//	hdphone img ...              firmware images: pack, inspect
//	hdphone factory-ca           the CA of the phones' factory certificates
//	hdphone version
//
// This is the composition root: the only place that picks concrete backends.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"

	"github.com/hdphone/hdphone/sip"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand gets: its output streams and logging.
type env struct {
	stdout, stderr io.Writer
	level          *slog.LevelVar
	log            *slog.Logger
}

// errUsage makes main print the command's usage and exit 2.
var errUsage = errors.New("usage")

// exitError carries a specific exit status (e.g. 1 for a failed validation).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func commands() map[string]command {
	return map[string]command{
		"demo":       {"run the embedded lab and one phone of each model through a visible story", runDemo},
		"run":        {"run one phone (headless or with the terminal UI)", runPhone},
		"fleet":      {"run a fleet of phones from a fleet file", runFleet},
		"lab":        {"run the embedded DHCP, provisioning and SIP servers", runLab},
		"cfg":        {"configuration files: defaults, validate, diff, delta, encrypt", runCfg},
		"img":        {"firmware images: pack, inspect", runImg},
		"factory-ca": {"print the CA certificate (PEM) the phones' factory certificates chain to", runFactoryCA},
		"version":    {"print the version", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hdphone <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// setProcessKnobs sets the SIP stack's process-wide settings, once, before
// any phone runs: large UDP messages as real stacks send them, and a small
// read buffer per phone socket so that fleets stay small.
// They are process-wide, so they are set once even when tests call realMain
// many times while phones run. The stack's own log goes to the running
// command's logger through stackLog.
func setProcessKnobs() {
	knobsOnce.Do(func() {
		sip.SetMaxUDPMessage(65507)
		sip.SetReadBufferSize(256)
		sip.SetStackLogger(slog.New(&stackLog).With("component", "sipgo"))
	})
}

var knobsOnce sync.Once

// stackLog is the handler of the SIP stack's process-wide logger. It
// forwards to the running command's handler and drops lines once the
// command has returned: the stack's goroutines can outlive a command by a
// moment, and its output (a test's buffer) is the caller's again by then.
var stackLog forwardHandler

// forwardHandler passes records to a handler that can be swapped; set
// waits for the records being handled, so none reaches the old handler
// after it returns.
type forwardHandler struct {
	mu sync.RWMutex
	h  slog.Handler // nil: drop
}

// set makes h the destination.
func (f *forwardHandler) set(h slog.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.h = h
}

// drop stops forwarding to h, if h is still the destination (a command
// that started since keeps its own).
func (f *forwardHandler) drop(h slog.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h == h {
		f.h = nil
	}
}

func (f *forwardHandler) Enabled(ctx context.Context, l slog.Level) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.h != nil && f.h.Enabled(ctx, l)
}

func (f *forwardHandler) Handle(ctx context.Context, r slog.Record) error {
	return f.handle(ctx, r, nil)
}

func (f *forwardHandler) handle(ctx context.Context, r slog.Record, with func(slog.Handler) slog.Handler) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.h == nil {
		return nil
	}
	h := f.h
	if with != nil {
		h = with(h)
	}
	return h.Handle(ctx, r)
}

func (f *forwardHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return derivedHandler{f: f, with: func(h slog.Handler) slog.Handler { return h.WithAttrs(as) }}
}

func (f *forwardHandler) WithGroup(name string) slog.Handler {
	return derivedHandler{f: f, with: func(h slog.Handler) slog.Handler { return h.WithGroup(name) }}
}

// derivedHandler is a forwardHandler with attributes or groups, applied to
// whichever handler is the destination when a record arrives.
type derivedHandler struct {
	f    *forwardHandler
	with func(slog.Handler) slog.Handler
}

func (d derivedHandler) Enabled(ctx context.Context, l slog.Level) bool { return d.f.Enabled(ctx, l) }

func (d derivedHandler) Handle(ctx context.Context, r slog.Record) error {
	return d.f.handle(ctx, r, d.with)
}

func (d derivedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	prev := d.with
	return derivedHandler{f: d.f, with: func(h slog.Handler) slog.Handler { return prev(h).WithAttrs(as) }}
}

func (d derivedHandler) WithGroup(name string) slog.Handler {
	prev := d.with
	return derivedHandler{f: d.f, with: func(h slog.Handler) slog.Handler { return prev(h).WithGroup(name) }}
}

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hdphone: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	e := &env{stdout: stdout, stderr: stderr, level: level,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	setProcessKnobs()
	mine := e.log.Handler()
	stackLog.set(mine)
	defer stackLog.drop(mine)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, e, args[1:])
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "hdphone %s: %v\n", args[0], ee.err)
		return ee.code
	default:
		fmt.Fprintf(stderr, "hdphone %s: %v\n", args[0], err)
		return 1
	}
}

// newFlags returns a flag set that prints to the command's stderr and
// understands -v (info) and -vv (debug) logging.
func newFlags(e *env, name, synopsis string) (*flag.FlagSet, *int) {
	fs := flag.NewFlagSet("hdphone "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: hdphone %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	verbose := fs.Int("v", 0, "log verbosity: 1 info, 2 debug")
	return fs, verbose
}

func (e *env) setVerbosity(v int) {
	switch {
	case v >= 2:
		e.level.Set(slog.LevelDebug)
	case v == 1:
		e.level.Set(slog.LevelInfo)
	}
}

// parseFlags parses args and maps flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
