package fleet

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Status is how a step ended on a phone.
type Status string

// Statuses.
const (
	StatusPassed  Status = "passed"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// Result is one step on one phone.
type Result struct {
	Phone  string `json:"phone"`
	Step   string `json:"step"`
	Status Status `json:"status"`
	// Millis is how long the step took on the phone.
	Millis int64 `json:"ms"`
	// Detail says what was seen ("heard 600 Hz at -10.2 dBm0").
	Detail string `json:"detail,omitempty"`
	// Error says why it failed or was skipped.
	Error string `json:"error,omitempty"`
	// Level is the tone level measured by check_audio (dBm0).
	Level *float64 `json:"level_dbm0,omitempty"`
}

func (r *Result) pass(took time.Duration, detail string) *Result {
	r.Status, r.Millis, r.Detail = StatusPassed, took.Milliseconds(), detail
	return r
}

func (r *Result) fail(took time.Duration, err error) *Result {
	r.Status, r.Millis, r.Error = StatusFailed, took.Milliseconds(), err.Error()
	return r
}

func (r *Result) skip(why string) *Result {
	r.Status, r.Error = StatusSkipped, why
	return r
}

// Took returns the step's duration on the phone.
func (r *Result) Took() time.Duration { return time.Duration(r.Millis) * time.Millisecond }

// StepReport is one step and its results, one per phone that ran it.
type StepReport struct {
	Name    string   `json:"name"`
	Action  string   `json:"action"`
	Line    int      `json:"line,omitempty"`
	Results []Result `json:"results"`
}

// PhoneReport is one phone of the run.
type PhoneReport struct {
	ID       string `json:"id"`
	Group    string `json:"group"`
	Model    string `json:"model"`
	MAC      string `json:"mac"`
	User     string `json:"user,omitempty"`
	Addr     string `json:"addr,omitempty"`
	FailedAt string `json:"failed_at,omitempty"`
	// BootMillis is the time from power-on to the idle screen (0: never).
	BootMillis int64 `json:"boot_ms,omitempty"`
}

// Summary counts a report's results and times its boot.
type Summary struct {
	Phones  int `json:"phones"`
	Results int `json:"results"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Booted counts phones that reached the idle screen; the boot times
	// are over them.
	Booted     int     `json:"booted"`
	BootP50ms  int64   `json:"boot_p50_ms"`
	BootP99ms  int64   `json:"boot_p99_ms"`
	BootMaxms  int64   `json:"boot_max_ms"`
	BootPerSec float64 `json:"boots_per_second"`
}

// Report is the outcome of a fleet run (or of several shards, merged).
type Report struct {
	Fleet   string        `json:"fleet"`
	Shards  []string      `json:"shards,omitempty"`
	Started time.Time     `json:"started"`
	Millis  int64         `json:"ms"`
	Phones  []PhoneReport `json:"phones"`
	Steps   []StepReport  `json:"steps"`
	// BootWallMillis is the boot's wall time: first power-on to the last
	// phone's idle screen (or time-out).
	BootWallMillis int64   `json:"boot_wall_ms"`
	Summary        Summary `json:"summary"`

	phoneAt map[string]int // Phones' index by ID, for add
}

func newReport(f *File, shard Shard, phones []*Phone, started time.Time) *Report {
	r := &Report{Fleet: f.Name, Started: started.UTC(), Phones: make([]PhoneReport, 0, len(phones))}
	if s := shard.String(); s != "" {
		r.Shards = []string{s}
	}
	for _, p := range phones {
		pr := PhoneReport{ID: p.Spec.ID, Group: p.Spec.Group, Model: string(p.Spec.Model), MAC: macHex(p.Spec.MAC), User: p.Spec.User}
		if p.Addr.IsValid() {
			pr.Addr = p.Addr.String()
		}
		r.Phones = append(r.Phones, pr)
	}
	// Every phone has a boot result: its list made once, not grown.
	r.Steps = append(r.Steps, StepReport{Name: BootStep, Action: "boot", Results: make([]Result, 0, len(phones))})
	for _, s := range f.Scenario {
		r.Steps = append(r.Steps, StepReport{Name: s.Name, Action: string(s.Action), Line: s.Line})
	}
	return r
}

// add records a result of step index (-1: the boot).
func (r *Report) add(index int, res *Result) {
	st := &r.Steps[index+1]
	st.Results = append(st.Results, *res)
	if r.phoneAt == nil {
		// A map, not a scan: a boot storm adds a result per phone.
		r.phoneAt = make(map[string]int, len(r.Phones))
		for i, p := range r.Phones {
			r.phoneAt[p.ID] = i
		}
	}
	i, ok := r.phoneAt[res.Phone]
	if !ok {
		return
	}
	p := &r.Phones[i]
	if res.Status == StatusFailed && p.FailedAt == "" {
		p.FailedAt = st.Name
	}
	if index == -1 && res.Status == StatusPassed {
		p.BootMillis = max(res.Millis, 1)
	}
}

// finish sorts the results and computes the summary.
func (r *Report) finish(end time.Time) {
	r.Millis = end.Sub(r.Started).Milliseconds()
	order := map[string]int{}
	for i, p := range r.Phones {
		order[p.ID] = i
	}
	for i := range r.Steps {
		rs := r.Steps[i].Results
		sort.SliceStable(rs, func(a, b int) bool { return order[rs[a].Phone] < order[rs[b].Phone] })
	}
	r.summarize()
}

func (r *Report) summarize() {
	s := Summary{Phones: len(r.Phones)}
	for _, st := range r.Steps {
		for _, res := range st.Results {
			s.Results++
			switch res.Status {
			case StatusPassed:
				s.Passed++
			case StatusFailed:
				s.Failed++
			case StatusSkipped:
				s.Skipped++
			}
		}
	}
	var boots []int64
	for _, p := range r.Phones {
		if p.BootMillis > 0 {
			boots = append(boots, p.BootMillis)
		}
	}
	slices.Sort(boots)
	s.Booted = len(boots)
	if len(boots) > 0 {
		s.BootP50ms = percentile(boots, 0.50)
		s.BootP99ms = percentile(boots, 0.99)
		s.BootMaxms = boots[len(boots)-1]
		span := r.BootWallMillis
		if span <= 0 {
			for _, res := range r.Steps[0].Results {
				span = max(span, res.Millis)
			}
		}
		if span > 0 {
			s.BootPerSec = math.Round(float64(len(boots))/(float64(span)/1000)*10) / 10
		}
	}
	r.Summary = s
}

func percentile(sorted []int64, q float64) int64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Failed reports whether any step failed on any phone.
func (r *Report) Failed() bool { return r.Summary.Failed > 0 }

func (r *Report) clone() *Report {
	c := *r
	c.phoneAt = nil
	c.Shards = slices.Clone(r.Shards)
	c.Phones = slices.Clone(r.Phones)
	c.Steps = slices.Clone(r.Steps)
	for i := range c.Steps {
		c.Steps[i].Results = slices.Clone(r.Steps[i].Results)
	}
	return &c
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport reads a report written by WriteJSON.
func ReadReport(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("fleet: report: %w", err)
	}
	if r.Fleet == "" || len(r.Steps) == 0 {
		return nil, fmt.Errorf("fleet: report: not a fleet report (no fleet name or steps)")
	}
	return &r, nil
}

// JUnit XML, as CI systems read it: one test suite per step, one test case
// per phone × step.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes the report as JUnit XML: a test suite per step named
// "<fleet>: <step>", a test case per phone named by its ID with the class
// "<fleet>.<group>"; a failed step is a <failure>, a skipped one <skipped>.
func (r *Report) WriteJUnit(w io.Writer) error {
	group := map[string]string{}
	model := map[string]string{}
	for _, p := range r.Phones {
		group[p.ID], model[p.ID] = p.Group, p.Model
	}
	out := junitSuites{Name: r.Fleet, Time: seconds(r.Millis)}
	for _, st := range r.Steps {
		s := junitSuite{Name: r.Fleet + ": " + st.Name, Timestamp: r.Started.Format(time.RFC3339)}
		var total int64
		for _, res := range st.Results {
			c := junitCase{Name: res.Phone, Classname: r.Fleet + "." + group[res.Phone], Time: seconds(res.Millis)}
			total = max(total, res.Millis)
			switch res.Status {
			case StatusFailed:
				c.Failure = &junitMessage{Message: res.Error, Type: st.Action,
					Text: fmt.Sprintf("%s (%s) failed step %q (%s, line %d): %s", res.Phone, model[res.Phone], st.Name, st.Action, st.Line, res.Error)}
				s.Failures++
			case StatusSkipped:
				c.Skipped = &junitMessage{Message: res.Error}
				s.Skipped++
			}
			if res.Detail != "" {
				c.SystemOut = res.Detail
			}
			s.Cases = append(s.Cases, c)
			s.Tests++
		}
		s.Time = seconds(total)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Merge joins the reports of a fleet's shards into one: the phones of all,
// each step's results from all. The reports must be of the same fleet and
// no phone may appear in two of them (shards overlapping).
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("%w: no reports", ErrMerge)
	}
	out := &Report{Fleet: reports[0].Fleet, Started: reports[0].Started}
	seen := map[string]int{}
	stepAt := map[string]int{}
	var end time.Time
	for ri, r := range reports {
		if r.Fleet != out.Fleet {
			return nil, fmt.Errorf("%w: report %d is of fleet %q, report 1 of %q", ErrMerge, ri+1, r.Fleet, out.Fleet)
		}
		out.Shards = append(out.Shards, r.Shards...)
		if r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		if e := r.Started.Add(time.Duration(r.Millis) * time.Millisecond); e.After(end) {
			end = e
		}
		for _, p := range r.Phones {
			if prev, dup := seen[p.ID]; dup {
				return nil, fmt.Errorf("%w: phone %s is in report %d and report %d (overlapping shards)", ErrMerge, p.ID, prev+1, ri+1)
			}
			seen[p.ID] = ri
			out.Phones = append(out.Phones, p)
		}
		for _, st := range r.Steps {
			i, ok := stepAt[st.Name]
			if !ok {
				i = len(out.Steps)
				stepAt[st.Name] = i
				out.Steps = append(out.Steps, StepReport{Name: st.Name, Action: st.Action, Line: st.Line})
			}
			out.Steps[i].Results = append(out.Steps[i].Results, st.Results...)
		}
	}
	slices.Sort(out.Shards)
	out.Millis = end.Sub(out.Started).Milliseconds()
	// Shards boot in parallel: the fleet's boot took as long as the
	// slowest shard's.
	for _, r := range reports {
		out.BootWallMillis = max(out.BootWallMillis, r.BootWallMillis)
	}
	out.summarize()
	return out, nil
}

// String is a short human summary ("200 phones, 1000 results: 998 passed,
// 2 failed").
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d phones, %d results: %d passed, %d failed", s.Phones, s.Results, s.Passed, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", s.Skipped)
	}
	if s.Booted > 0 {
		fmt.Fprintf(&b, "; boot p50 %dms p99 %dms (%.1f phones/s)", s.BootP50ms, s.BootP99ms, s.BootPerSec)
	}
	return b.String()
}
