package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Severity of an Issue found in a configuration file.
type Severity uint8

const (
	// Warning issues (unknown or repeated keys) are reported; the rest of the
	// file is applied.
	Warning Severity = iota + 1
	// Error issues (bad values, bad syntax) reject the whole file.
	Error
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Issue is a problem on one line of a configuration file.
type Issue struct {
	File     string
	Line     int
	Key      string
	Severity Severity
	Err      error
}

func (i Issue) Error() string {
	loc := i.File
	if i.Line > 0 {
		loc = fmt.Sprintf("%s:%d", i.File, i.Line)
	}
	if i.Key != "" {
		return fmt.Sprintf("%s: %s: %s: %v", loc, i.Severity, i.Key, i.Err)
	}
	return fmt.Sprintf("%s: %s: %v", loc, i.Severity, i.Err)
}

func (i Issue) Unwrap() error { return i.Err }

// ErrRejected is wrapped by the error Apply returns when a file holds at
// least one Error issue; nothing of the file is applied then.
var ErrRejected = errors.New("config: file rejected")

// Entry is one key=value line.
type Entry struct {
	Key, Value string
	Line       int
}

// Parse reads key=value lines. It reports syntax problems as Issues and
// returns an error only when the input cannot be read at all.
func Parse(name string, r io.Reader) ([]Entry, []Issue, error) {
	var entries []Entry
	var issues []Issue
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if text == "" || text[0] == ';' || text[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok || strings.TrimSpace(k) == "" {
			issues = append(issues, Issue{File: name, Line: line, Severity: Error,
				Err: fmt.Errorf("%w: want key=value", ErrBadValue)})
			continue
		}
		entries = append(entries, Entry{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("config: read %s: %w", name, err)
	}
	return entries, issues, nil
}

// Apply returns a copy of c with the file's values on top. Unknown and
// repeated keys are reported as warnings. When any line is an Error, the
// returned error wraps ErrRejected, lists the issues, and c is unchanged.
func (c *Config) Apply(name string, r io.Reader) (*Config, []Issue, error) {
	entries, issues, err := Parse(name, r)
	if err != nil {
		return nil, nil, err
	}
	next := c.Clone()
	seen := map[string]int{}
	for _, e := range entries {
		p, canon, _, err := c.cat.Resolve(e.Key)
		if errors.Is(err, ErrUnknownKey) {
			issues = append(issues, Issue{File: name, Line: e.Line, Key: e.Key, Severity: Warning, Err: err})
			next.SetExtra(e.Key, e.Value)
			continue
		}
		if err != nil {
			issues = append(issues, Issue{File: name, Line: e.Line, Key: e.Key, Severity: Error, Err: err})
			continue
		}
		if prev, dup := seen[canon]; dup {
			issues = append(issues, Issue{File: name, Line: e.Line, Key: e.Key, Severity: Warning,
				Err: fmt.Errorf("repeated key (line %d); the last value wins", prev)})
		}
		seen[canon] = e.Line
		_ = p
		if err := next.Set(canon, e.Value); err != nil {
			issues = append(issues, Issue{File: name, Line: e.Line, Key: e.Key, Severity: Error, Err: err})
		}
	}
	var errs []error
	for _, is := range issues {
		if is.Severity == Error {
			errs = append(errs, is)
		}
	}
	if len(errs) > 0 {
		return c, issues, fmt.Errorf("%w: %w", ErrRejected, errors.Join(errs...))
	}
	return next, issues, nil
}

// Format writes the explicit values of c (and the unknown keys it keeps) as
// key=value lines in a stable order.
func Format(w io.Writer, c *Config) error {
	bw := bufio.NewWriter(w)
	for _, k := range c.Keys() {
		fmt.Fprintf(bw, "%s=%s\n", k, c.vals[k])
	}
	return bw.Flush()
}
