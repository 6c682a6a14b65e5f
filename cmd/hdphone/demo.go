package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/fleet"
)

// demoFleet is the demo's story as a fleet file.
//
//go:embed demo.yaml
var demoFleet []byte

// runDemo runs the demo story: the embedded lab and one phone of each model
// through boot with a firmware upgrade, configuration, registration, a call
// with audio, a transfer and a page. It prints what happens as it happens
// and a summary, and fails if any step failed.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs, verbose := newFlags(e, "demo", "[--print] [--timeout D] [--json FILE] [--junit FILE]")
	timeout := fs.Duration("timeout", 90*time.Second, "give up after this long")
	print := fs.Bool("print", false, "print the demo's fleet file and exit")
	jsonOut := fs.String("json", "", "also write the results as JSON to `FILE`")
	junitOut := fs.String("junit", "", "also write the results as JUnit XML to `FILE`")
	plain := fs.Bool("plain", false, "plain lines even on a terminal (no live table)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	if *print {
		_, err := e.stdout.Write(demoFleet)
		return err
	}
	f, err := fleet.Parse("demo.yaml", demoFleet)
	if err != nil {
		return err
	}
	randomPagingGroup(f)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	v := newDemoView(e.stdout, isTerminal(e.stdout) && !*plain)
	fmt.Fprintf(e.stdout, "hdphone demo: the embedded lab (DHCP, provisioning files, SIP registrar) and one phone of each model, on loopback.\n")
	fmt.Fprintf(e.stdout, "The lab offers firmware %s; the phones run %s and must upgrade, then provision, register, call, transfer and page.\n\n",
		f.Network.Firmware, device.DefaultFirmware)
	var phones []*fleet.Phone
	var wg sync.WaitGroup
	opts := fleet.Options{
		Logger: e.log,
		// A demo on loopback needs no patience: retry fast.
		Net: device.NetConfig{DHCPTimeout: 500 * time.Millisecond, RetryMin: 200 * time.Millisecond, RetryMax: 2 * time.Second},
		OnDevice: func(p *fleet.Phone) {
			phones = append(phones, p)
			v.addPhone(p)
			events, stop := p.Device.Subscribe(1024)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case ev, ok := <-events:
						if !ok {
							return
						}
						if text := demoEventText(p, ev); text != "" {
							v.line(p.Spec.Model, p.Spec.ID, text)
						}
					case <-ctx.Done():
						stop()
						return
					}
				}
			}()
		},
		Progress: func(pr fleet.Progress) {
			if pr.Result == nil || pr.Index < 0 {
				return
			}
			v.result(pr)
		},
	}
	fl, err := fleet.New(f, opts)
	if err != nil {
		return err
	}
	stopView := v.run(ctx)
	started := time.Now()
	report, runErr := fl.Run(ctx)
	cancel()
	wg.Wait()
	stopView()
	if report == nil {
		return runErr
	}
	if err := writeReports(report, *jsonOut, *junitOut); err != nil {
		return err
	}
	demoSummary(e.stdout, report, phones, time.Since(started))
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return exitError{1, fmt.Errorf("the demo did not finish: %w", runErr)}
	}
	if report.Failed() {
		return exitError{1, fmt.Errorf("%d of %d steps failed", report.Summary.Failed, report.Summary.Results)}
	}
	return nil
}

// randomPagingGroup moves the demo's paging group to a random multicast
// address, so that two demos on one machine do not hear each other.
func randomPagingGroup(f *fleet.File) {
	var b [3]byte
	rand.Read(b[:])
	addr := fmt.Sprintf("239.255.%d.%d", b[0], 1+b[1]%250)
	port := fmt.Sprint(20000 + int(b[2])*100 + int(b[0])%100)
	set := func(kv []fleet.KV) {
		for i := range kv {
			switch kv[i].Key {
			case "voip/services/group_paging/group/0/multicast_addr":
				kv[i].Value = addr
			case "voip/services/group_paging/group/0/port":
				kv[i].Value = port
			}
		}
	}
	set(f.Config)
	for i := range f.Groups {
		set(f.Groups[i].Config)
	}
	for i := range f.Phones {
		set(f.Phones[i].Config)
	}
}

// demoEventText says what a phone event means in the story, or "" for the
// events the demo does not show.
func demoEventText(p *fleet.Phone, ev device.Event) string {
	switch ev.Kind {
	case device.EventPower:
		return "power " + ev.Text
	case device.EventLog:
		for _, pre := range []string{"DHCP lease", "firmware ", "no provisioning", "LAN "} {
			if strings.HasPrefix(ev.Text, pre) {
				return ev.Text
			}
		}
	case device.EventReboot:
		return "restarting: " + strings.TrimPrefix(ev.Text, device.ErrReboot.Error()+": ")
	case device.EventConfigApplied:
		return "configuration " + path.Base(ev.Text) + " applied"
	case device.EventConfigRejected:
		return "configuration " + path.Base(ev.Text) + " REJECTED: " + ev.Err
	case device.EventRegistration:
		return ev.Text
	case device.EventStage:
		if ev.Stage == device.StageIdle {
			s := p.Device.Snapshot()
			return fmt.Sprintf("idle on %s (power cycle %d)", s.Firmware, s.BootCount)
		}
	case device.EventStageFailed:
		return fmt.Sprintf("stage %s failed: %s", ev.Stage, ev.Err)
	case device.EventNotification:
		return "screen shows " + fmt.Sprintf("%q", ev.Text)
	case device.EventCall:
		return "call " + ev.Text
	case device.EventPage:
		return ev.Text
	}
	return ""
}

// demoView prints the story: a line per event or result and, on a
// terminal, a table of the phones kept at the bottom and redrawn.
type demoView struct {
	w     io.Writer
	tty   bool
	began time.Time

	mu     sync.Mutex // guards the fields below
	phones []*fleet.Phone
	drawn  int // lines of the table on screen
}

func newDemoView(w io.Writer, tty bool) *demoView {
	return &demoView{w: w, tty: tty, began: time.Now()}
}

func (v *demoView) addPhone(p *fleet.Phone) {
	v.mu.Lock()
	v.phones = append(v.phones, p)
	v.mu.Unlock()
}

// line prints one line of the story above the table.
func (v *demoView) line(model any, who, text string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.eraseLocked()
	fmt.Fprintf(v.w, "%6.2fs  %-7s %-9s %s\n", time.Since(v.began).Seconds(), model, who, text)
	v.drawLocked()
}

func (v *demoView) result(pr fleet.Progress) {
	r := pr.Result
	mark := "ok  "
	text := r.Detail
	switch r.Status {
	case fleet.StatusFailed:
		mark, text = "FAIL", r.Error
	case fleet.StatusSkipped:
		mark, text = "skip", r.Error
	}
	v.line(pr.Model, pr.Phone, fmt.Sprintf("%s [%s] %s", mark, pr.Step, text))
}

// run redraws the table every 200 ms on a terminal until the returned
// function is called.
func (v *demoView) run(ctx context.Context) func() {
	if !v.tty {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				v.mu.Lock()
				v.eraseLocked()
				v.drawLocked()
				v.mu.Unlock()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		v.mu.Lock()
		v.eraseLocked()
		v.mu.Unlock()
	}
}

func (v *demoView) eraseLocked() {
	if v.tty && v.drawn > 0 {
		fmt.Fprintf(v.w, "\x1b[%dA\x1b[J", v.drawn)
		v.drawn = 0
	}
}

func (v *demoView) drawLocked() {
	if !v.tty || len(v.phones) == 0 {
		return
	}
	rows := []string{fmt.Sprintf("  %-7s %-13s %-13s %-13s %-11s %s", "model", "MAC", "firmware", "stage", "line", "call")}
	for _, p := range v.phones {
		s := p.Device.Snapshot()
		line, call := "-", "-"
		if len(s.Lines) > 0 {
			line = string(s.Lines[0].State)
		}
		for _, c := range s.Calls {
			if c.State != device.CallEnded {
				call = fmt.Sprintf("%s %s", c.State, c.Number)
			}
		}
		for _, pg := range s.Pages {
			if pg.Sending {
				call = "paging " + pg.Name
			} else if pg.Accepted {
				call = "page from " + pg.Name
			}
		}
		stage := string(s.Stage)
		if s.Status != "" {
			stage = s.Status
		}
		rows = append(rows, fmt.Sprintf("  %-7s %-13s %-13s %-13s %-11s %s", s.Model, s.MAC, s.Firmware, cut(stage, 13), line, call))
	}
	fmt.Fprintln(v.w, strings.Repeat("─", 78))
	for _, r := range rows {
		fmt.Fprintln(v.w, r)
	}
	v.drawn = len(rows) + 1
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// demoSummary prints what happened: per step, how many phones passed and
// how long it took; per phone, the boot and the audio levels heard.
func demoSummary(w io.Writer, r *fleet.Report, phones []*fleet.Phone, took time.Duration) {
	fmt.Fprintf(w, "\nsummary (%s):\n", took.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  %-40s %-8s %s\n", "step", "result", "time")
	for _, st := range r.Steps {
		pass, fail, skip := 0, 0, 0
		var longest int64
		for _, res := range st.Results {
			switch res.Status {
			case fleet.StatusPassed:
				pass++
			case fleet.StatusFailed:
				fail++
			default:
				skip++
			}
			longest = max(longest, res.Millis)
		}
		verdict := fmt.Sprintf("%d/%d ok", pass, len(st.Results))
		if fail > 0 {
			verdict = fmt.Sprintf("%d FAILED", fail)
		} else if skip > 0 {
			verdict += fmt.Sprintf(" (%d skipped)", skip)
		}
		fmt.Fprintf(w, "  %-40s %-8s %s\n", cut(st.Name, 40), verdict, (time.Duration(longest) * time.Millisecond).String())
		for _, res := range st.Results {
			if res.Status == fleet.StatusFailed {
				fmt.Fprintf(w, "      %s: %s\n", res.Phone, res.Error)
			}
		}
	}
	fmt.Fprintf(w, "\n  %-9s %-7s %-13s %-13s %-9s %s\n", "phone", "model", "MAC", "firmware", "boot", "heard (dBm0)")
	levels := map[string][]string{}
	for _, st := range r.Steps {
		for _, res := range st.Results {
			if res.Level != nil && !math.IsInf(*res.Level, 0) {
				levels[res.Phone] = append(levels[res.Phone], fmt.Sprintf("%.1f", *res.Level))
			}
		}
	}
	ids := make([]string, 0, len(phones))
	byID := map[string]*fleet.Phone{}
	for _, p := range phones {
		ids = append(ids, p.Spec.ID)
		byID[p.Spec.ID] = p
	}
	slices.Sort(ids)
	for _, pr := range r.Phones {
		p := byID[pr.ID]
		fw := "?"
		if p != nil {
			fw = p.Device.Snapshot().Firmware
		}
		boot := "never"
		if pr.BootMillis > 0 {
			boot = (time.Duration(pr.BootMillis) * time.Millisecond).String()
		}
		heard := strings.Join(levels[pr.ID], ", ")
		if heard == "" {
			heard = "-"
		}
		fmt.Fprintf(w, "  %-9s %-7s %-13s %-13s %-9s %s\n", pr.ID, pr.Model, pr.MAC, fw, boot, heard)
	}
	verdict := "PASSED"
	if r.Failed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "\n%s: %s\n", verdict, r.Summary)
}

// writeReports writes the JSON and JUnit files asked for ("" skips one).
func writeReports(r *fleet.Report, jsonPath, junitPath string) error {
	write := func(p string, f func(io.Writer) error) error {
		if p == "" {
			return nil
		}
		out, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := f(out); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	if err := write(jsonPath, r.WriteJSON); err != nil {
		return err
	}
	return write(junitPath, r.WriteJUnit)
}

// isTerminal reports whether w is a terminal (and CI is not set): live
// views redraw only there.
func isTerminal(w io.Writer) bool {
	if os.Getenv("CI") == "true" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
