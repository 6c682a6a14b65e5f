package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/fleet/api"
)

// runFleet runs a fleet file, checks one, or merges shard reports.
//
//	hdphone fleet -f fleet.yaml [--shard i/n] [--json F] [--junit F] [--api ADDR] [--metrics ADDR] [--keep]
//	hdphone fleet check -f fleet.yaml
//	hdphone fleet merge a.json b.json … [--json F] [--junit F]
func runFleet(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "merge":
			return runFleetMerge(e, args[1:])
		case "check":
			return runFleetCheck(e, args[1:])
		}
	}
	fs, verbose := newFlags(e, "fleet", "-f FLEET.yaml [flags] | check -f FLEET.yaml | merge A.json B.json … [--json F] [--junit F]")
	file := fs.String("f", "", "the fleet `file` (YAML); ${VAR} is replaced by the environment variable")
	shardFlag := fs.String("shard", "", "run only shard `i/n` of the fleet (0 <= i < n)")
	jsonOut := fs.String("json", "", "write the results as JSON to `FILE`")
	junitOut := fs.String("junit", "", "write the results as JUnit XML to `FILE`")
	apiAddr := fs.String("api", "", "serve the control API (and /metrics) on `ADDR` while the fleet runs")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics on `ADDR` (/metrics)")
	registrar := fs.String("registrar", "", "use this external SIP registrar (`host:port`) instead of the file's network")
	domain := fs.String("domain", "", "the SIP domain of the lines (with --registrar)")
	keep := fs.Bool("keep", false, "keep the phones running after the scenario until interrupted (with --api)")
	plain := fs.Bool("plain", false, "plain progress lines even on a terminal")
	screens := fs.Bool("screens", false, "give every phone its screen application on an in-memory board (on by itself when a step presses keys or reads the screen)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	if *file == "" {
		fs.Usage()
		return errUsage
	}
	f, err := loadFleetFile(*file)
	if err != nil {
		return exitError{2, err}
	}
	if *registrar != "" {
		if _, _, err := net.SplitHostPort(*registrar); err != nil {
			return exitError{2, fmt.Errorf("--registrar %q: want host:port", *registrar)}
		}
		f.Network.Registrar, f.Network.Lab = *registrar, false
		if *domain != "" {
			f.Network.Domain = *domain
		}
	}
	var shard fleet.Shard
	if *shardFlag != "" {
		if shard, err = fleet.ParseShard(*shardFlag); err != nil {
			return exitError{2, err}
		}
	}
	raiseFileLimit(e)
	if percent, limit := fleet.TuneGC(); percent > 0 || limit > 0 {
		e.log.Info("garbage collector tuned for a fleet", "gogc", percent, "memory_limit_bytes", limit)
	}

	metrics := fleet.NewMetrics()
	srv := api.New(api.Config{Logger: e.log})
	defer srv.Close()
	prog := newFleetProgress(e.stdout, isTerminal(e.stdout) && !*plain)
	opts := fleet.Options{
		Shard:     shard,
		Logger:    e.log,
		Metrics:   metrics,
		Stay:      *keep,
		Progress:  prog.update,
		BootProcs: fleet.BootProcs(),
		BootHeap:  fleet.BootHeap(),
	}
	if opts.BootProcs > 0 {
		e.log.Info("schedulers raised while the phones boot", "gomaxprocs", opts.BootProcs)
	}
	if opts.BootHeap > 0 {
		e.log.Info("garbage collector held back while the phones boot, the heap they fill readied first", "heap_per_phone_bytes", opts.BootHeap)
	}
	if *apiAddr != "" {
		// Only then: following every phone's events costs each a goroutine
		// and a buffer.
		opts.OnDevice = func(p *fleet.Phone) {
			ap := api.Phone{ID: p.Spec.ID, Group: p.Spec.Group, Device: p.Device}
			if p.Screen != nil {
				ap.Screen = p.Screen
			}
			srv.Add(ap)
		}
	}
	if *screens || needsScreens(f) {
		opts.Screens = fleet.UIScreens(e.log)
	}
	fl, err := fleet.New(f, opts)
	if err != nil {
		return exitError{2, err}
	}
	metrics.Attach(fl)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var servers []*http.Server
	serve := func(addr string, h http.Handler, what string) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		go hs.Serve(ln)
		fmt.Fprintf(e.stderr, "hdphone fleet: %s on http://%s\n", what, ln.Addr())
		return nil
	}
	if *apiAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/api/", srv.Handler())
		mux.Handle("/metrics", metrics.Handler())
		if err := serve(*apiAddr, mux, "control API"); err != nil {
			return err
		}
	}
	if *metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		if err := serve(*metricsAddr, mux, "metrics"); err != nil {
			return err
		}
	}
	defer func() {
		srv.Close() // ends the event streams, so Shutdown need not wait for them
		for _, hs := range servers {
			sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
			hs.Shutdown(sctx)
			scancel()
		}
	}()
	lo, hi := shard.Slice(len(f.Phones))
	if shard.Count == 0 {
		lo, hi = 0, len(f.Phones)
	}
	fmt.Fprintf(e.stdout, "fleet %s: %d phones%s, %d steps", f.Name, hi-lo, shardText(shard, len(f.Phones)), len(f.Scenario))
	if f.Network.Lab {
		fmt.Fprintf(e.stdout, ", embedded lab")
	} else if f.Network.Registrar != "" {
		fmt.Fprintf(e.stdout, ", registrar %s", f.Network.Registrar)
	}
	fmt.Fprintln(e.stdout)
	if *keep {
		go func() {
			for !fl.Done() && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
			}
			if ctx.Err() == nil {
				fmt.Fprintln(e.stdout, "scenario done; the phones keep running until interrupted")
			}
		}()
	}
	report, runErr := fl.Run(ctx)
	prog.finish()
	if report == nil {
		return runErr
	}
	if err := writeReports(report, *jsonOut, *junitOut); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n", report.Summary)
	if report.Failed() {
		printFailures(e.stdout, report, 20)
		return exitError{1, fmt.Errorf("%d step result(s) failed", report.Summary.Failed)}
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	if ctx.Err() != nil && !*keep {
		return exitError{1, errors.New("interrupted before the scenario finished")}
	}
	return nil
}

// needsScreens reports whether a step presses keys or reads the screen.
func needsScreens(f *fleet.File) bool {
	for _, s := range f.Scenario {
		switch s.Action {
		case fleet.ActExpectScreen, fleet.ActExpectLED:
			return true
		case fleet.ActPress:
			for _, k := range s.Keys {
				if _, digit := k.Key.Digit(); !digit {
					return true
				}
			}
		}
	}
	return false
}

func shardText(s fleet.Shard, total int) string {
	if s.Count <= 1 {
		return ""
	}
	lo, hi := s.Slice(total)
	return fmt.Sprintf(" (shard %s: fleet phones %d-%d of %d)", s, lo+1, hi, total)
}

// envRef is ${NAME} in a fleet file.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// loadFleetFile reads a fleet file, replacing ${NAME} by the environment
// variable NAME (an unset one is an error, so that a typo does not run a
// fleet against the wrong server).
func loadFleetFile(path string) (*fleet.File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var missing []string
	b = envRef.ReplaceAllFunc(b, func(m []byte) []byte {
		name := string(envRef.FindSubmatch(m)[1])
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: environment variable(s) not set: %s", path, strings.Join(missing, ", "))
	}
	return fleet.Parse(path, b)
}

func runFleetCheck(e *env, args []string) error {
	fs, _ := newFlags(e, "fleet check", "-f FLEET.yaml")
	file := fs.String("f", "", "the fleet `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" {
		fs.Usage()
		return errUsage
	}
	f, err := loadFleetFile(*file)
	if err != nil {
		return exitError{2, err}
	}
	fmt.Fprintf(e.stdout, "%s: fleet %s, %d phones in %d group(s), %d steps\n", *file, f.Name, len(f.Phones), len(f.Groups), len(f.Scenario))
	for _, g := range f.Groups {
		first := g.MAC.String()
		fmt.Fprintf(e.stdout, "  %-12s %-7s %5d phones from %s\n", g.Name, g.Model.Name, g.Count, first)
	}
	for _, s := range f.Scenario {
		fmt.Fprintf(e.stdout, "  line %-4d %-28s %-14s %d phones\n", s.Line, s.Name, s.Action, len(s.Phones))
	}
	return nil
}

func runFleetMerge(e *env, args []string) error {
	fs, _ := newFlags(e, "fleet merge", "A.json B.json … [--json OUT.json] [--junit OUT.xml]")
	jsonOut := fs.String("json", "", "write the merged report as JSON to `FILE`")
	junitOut := fs.String("junit", "", "write the merged report as JUnit XML to `FILE`")
	// Flags may come after the file names.
	var files []string
	rest := args
	for len(rest) > 0 {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	var reports []*fleet.Report
	for _, p := range files {
		fh, err := os.Open(p)
		if err != nil {
			return exitError{2, err}
		}
		r, err := fleet.ReadReport(fh)
		fh.Close()
		if err != nil {
			return exitError{2, fmt.Errorf("%s: %w", p, err)}
		}
		reports = append(reports, r)
	}
	m, err := fleet.Merge(reports...)
	if err != nil {
		return exitError{2, err}
	}
	if err := writeReports(m, *jsonOut, *junitOut); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "merged %d report(s) of fleet %s (shards %s): %s\n", len(reports), m.Fleet, strings.Join(m.Shards, ", "), m.Summary)
	if m.Failed() {
		printFailures(e.stdout, m, 20)
		return exitError{1, fmt.Errorf("%d step result(s) failed", m.Summary.Failed)}
	}
	return nil
}

// printFailures lists the first n failed results.
func printFailures(w io.Writer, r *fleet.Report, n int) {
	shown := 0
	for _, st := range r.Steps {
		for _, res := range st.Results {
			if res.Status != fleet.StatusFailed {
				continue
			}
			if shown == n {
				fmt.Fprintf(w, "  … and %d more (see the JSON or JUnit report)\n", r.Summary.Failed-n)
				return
			}
			fmt.Fprintf(w, "  FAIL %s [%s]: %s\n", res.Phone, st.Name, res.Error)
			shown++
		}
	}
}

// fleetProgress shows a fleet's progress: on a terminal one status line
// redrawn in place (a bar per step), elsewhere (CI) plain lines: each
// failure, a line every few seconds, and one per finished step.
type fleetProgress struct {
	w   io.Writer
	tty bool

	mu                         sync.Mutex // guards the fields below
	step                       string
	index                      int
	done, total                int
	passed, failed, skipped    int
	began, lastDraw, lastPlain time.Time
	onLine                     bool // a status line is on screen
	bootStarted                int
}

func newFleetProgress(w io.Writer, tty bool) *fleetProgress {
	return &fleetProgress{w: w, tty: tty, index: -2}
}

func (p *fleetProgress) update(pr fleet.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Result == nil {
		if pr.Stage == device.StageOff {
			p.bootStarted++
		}
		return
	}
	if pr.Index != p.index {
		p.index, p.step = pr.Index, pr.Step
		p.done, p.passed, p.failed, p.skipped = 0, 0, 0, 0
		p.began = time.Now()
	}
	p.done, p.total = pr.Done, pr.Total
	switch pr.Result.Status {
	case fleet.StatusPassed:
		p.passed++
	case fleet.StatusFailed:
		p.failed++
		p.clearLocked()
		fmt.Fprintf(p.w, "FAIL %s [%s]: %s\n", pr.Phone, pr.Step, pr.Result.Error)
	default:
		p.skipped++
	}
	now := time.Now()
	finished := p.done == p.total
	switch {
	case p.tty && (finished || now.Sub(p.lastDraw) > 100*time.Millisecond):
		p.drawLocked(finished)
		p.lastDraw = now
	case !p.tty && (finished || now.Sub(p.lastPlain) > 5*time.Second):
		fmt.Fprintln(p.w, p.textLocked(finished))
		p.lastPlain = now
	}
}

func (p *fleetProgress) textLocked(finished bool) string {
	state := "running"
	if finished {
		state = "done"
	}
	t := fmt.Sprintf("[%s] %d/%d %s: %d passed, %d failed", p.step, p.done, p.total, state, p.passed, p.failed)
	if p.skipped > 0 {
		t += fmt.Sprintf(", %d skipped", p.skipped)
	}
	return t + fmt.Sprintf(" (%s)", time.Since(p.began).Round(10*time.Millisecond))
}

func (p *fleetProgress) drawLocked(finished bool) {
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = p.done * width / p.total
	}
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	fmt.Fprintf(p.w, "\r\x1b[K%s %s", bar, p.textLocked(finished))
	p.onLine = true
	if finished {
		fmt.Fprintln(p.w)
		p.onLine = false
	}
}

func (p *fleetProgress) clearLocked() {
	if p.tty && p.onLine {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.onLine = false
	}
}

func (p *fleetProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onLine {
		fmt.Fprintln(p.w)
		p.onLine = false
	}
}
