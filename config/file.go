package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxFileSize is the largest configuration file accepted, 4 MiB. A full
// configuration of every parameter at every index is about 60 KiB, so this
// leaves room for comments and unknown keys while a runaway download (or a
// firmware image given by mistake) is refused without reading it into
// memory.
const MaxFileSize = 4 << 20

// maxIssues bounds the issues kept for one file, so that 4 MiB of garbage
// gives a readable report rather than millions of lines.
const maxIssues = 100

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

// Issue is a problem on one line of a configuration file (Line 0: the file
// as a whole).
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

// Entry is one key=value line.
type Entry struct {
	Key, Value string
	Line       int
}

// Parse reads a configuration file: key=value lines, comments starting with
// ; or #, blank lines, LF, CRLF or CR line ends, an optional UTF-8 byte order
// mark, spaces around keys and values. A .cfx file is decrypted first
// (DecodeFile). Lines that are not key=value, and lines holding NUL bytes or
// invalid UTF-8, are Error issues. Parse returns an error only when the file
// cannot be read, is larger than MaxFileSize (ErrTooLarge) or is a bad .cfx.
func Parse(name string, r io.Reader) ([]Entry, []Issue, error) {
	data, err := readLimited(name, r)
	if err != nil {
		return nil, nil, err
	}
	if data, err = DecodeFile(name, data); err != nil {
		return nil, nil, err
	}
	entries, issues := parseText(name, data)
	return entries, issues, nil
}

func readLimited(name string, r io.Reader) ([]byte, error) {
	if br, ok := r.(*bytes.Reader); ok && br.Len() <= MaxFileSize {
		// Bytes already in memory (a phone's configuration from flash,
		// at every boot of every phone of a fleet): one copy of the
		// right size rather than ReadAll's growing ones.
		data := make([]byte, br.Len())
		n, _ := br.Read(data)
		return data[:n], nil
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, name, MaxFileSize)
	}
	return data, nil
}

var bom = []byte("\xef\xbb\xbf")

func parseText(name string, data []byte) ([]Entry, []Issue) {
	data = bytes.TrimPrefix(data, bom)
	entries := make([]Entry, 0, bytes.Count(data, []byte{'\n'})+1)
	var issues []Issue
	bad := func(line int, err error) bool {
		issues = append(issues, Issue{File: name, Line: line, Severity: Error, Err: err})
		if len(issues) >= maxIssues {
			issues = append(issues, Issue{File: name, Severity: Error,
				Err: fmt.Errorf("%w: more than %d problems; stopped reading", ErrSyntax, maxIssues)})
			return true
		}
		return false
	}
	for line := 1; len(data) > 0; line++ {
		// Lines end in LF, CRLF or (old Mac files) a lone CR.
		var raw []byte
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			end := data[i]
			raw, data = data[:i], data[i+1:]
			if end == '\r' && len(data) > 0 && data[0] == '\n' {
				data = data[1:]
			}
		} else {
			raw, data = data, nil
		}
		if bytes.IndexByte(raw, 0) >= 0 {
			if bad(line, fmt.Errorf("%w: NUL byte", ErrBinary)) {
				break
			}
			continue
		}
		if !utf8.Valid(raw) {
			if bad(line, fmt.Errorf("%w: invalid UTF-8", ErrBinary)) {
				break
			}
			continue
		}
		text := strings.TrimSpace(string(raw))
		if text == "" || text[0] == ';' || text[0] == '#' {
			continue
		}
		if i := strings.IndexFunc(text, isControl); i >= 0 {
			if bad(line, fmt.Errorf("%w: control character %q", ErrBinary, text[i])) {
				break
			}
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok:
			if bad(line, fmt.Errorf("%w: want key=value", ErrSyntax)) {
				return entries, issues
			}
			continue
		case k == "" || strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			if bad(line, fmt.Errorf("%w: bad key %q", ErrSyntax, k)) {
				return entries, issues
			}
			continue
		}
		entries = append(entries, Entry{Key: k, Value: strings.TrimSpace(v), Line: line})
	}
	return entries, issues
}

// Apply returns a copy of c with the file's values on top; keys the file
// does not name keep their values (a delta file changes only what it
// names). Unknown keys are kept in Extra and reported as warnings, and so
// are repeated keys (the last value wins), parameters of other models and
// DHCP options (ignored). When any line is an Error (a bad value, bad
// syntax, binary data) or the file cannot be used at all (too large, a bad
// .cfx), the returned error wraps ErrRejected, every issue names the file
// and its line, and the returned Config is c itself, unchanged.
func (c *Config) Apply(name string, r io.Reader) (*Config, []Issue, error) {
	entries, issues, err := Parse(name, r)
	if err != nil {
		issues = append(issues, Issue{File: name, Severity: Error, Err: err})
		return c, issues, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	next := c.cloneWithRoom(len(entries))
	seen := make(map[string]int, len(entries))
	il := issueList{list: issues}
	warn := func(e Entry, err error) {
		il.add(Issue{File: name, Line: e.Line, Key: e.Key, Severity: Warning, Err: err})
	}
	fail := func(e Entry, err error) {
		il.add(Issue{File: name, Line: e.Line, Key: e.Key, Severity: Error, Err: err})
	}
	for _, e := range entries {
		p, canon, n, err := c.cat.Resolve(e.Key)
		if errors.Is(err, ErrUnknownKey) {
			canon = strings.ToLower(e.Key)
		}
		if prev, dup := seen[canon]; dup {
			warn(e, fmt.Errorf("repeated key (also on line %d); the last value wins", prev))
		}
		seen[canon] = e.Line
		switch {
		case errors.Is(err, ErrUnknownKey):
			warn(e, fmt.Errorf("%w; kept but not used", ErrUnknownKey))
			next.SetExtra(e.Key, e.Value)
			continue
		case err != nil:
			fail(e, err)
			continue
		case p.Kind == KindDHCP:
			warn(e, errors.New("a DHCP option, not a setting; ignored"))
			continue
		case !p.AppliesTo(c.model):
			warn(e, fmt.Errorf("not used on the %s", c.model))
		case n >= 0 && !p.ValidIndexFor(c.model, n):
			warn(e, fmt.Errorf("index %d does not exist on the %s", n, c.model))
		}
		v, err := p.Canonical(e.Value)
		if err != nil {
			fail(e, err)
			continue
		}
		next.vals[canon] = v
	}
	issues = il.done(name)
	if errs := Errors(issues); len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, is := range errs {
			joined[i] = is
		}
		return c, issues, fmt.Errorf("%w: %w", ErrRejected, errors.Join(joined...))
	}
	return next, issues, nil
}

// issueList collects a file's issues and keeps the first maxIssues, so that
// a huge bad file gives a readable report.
type issueList struct {
	list                []Issue
	dropped, droppedErr int
}

func (l *issueList) add(is Issue) {
	if len(l.list) < maxIssues {
		l.list = append(l.list, is)
		return
	}
	l.dropped++
	if is.Severity == Error {
		l.droppedErr++
	}
}

func (l *issueList) done(name string) []Issue {
	if l.dropped > 0 {
		sev := Warning
		if l.droppedErr > 0 {
			sev = Error
		}
		l.list = append(l.list, Issue{File: name, Severity: sev,
			Err: fmt.Errorf("%d more problems (%d of them errors) not listed", l.dropped, l.droppedErr)})
	}
	return l.list
}

// ApplyBytes is Apply on data already in memory (a download or an upload).
func (c *Config) ApplyBytes(name string, data []byte) (*Config, []Issue, error) {
	return c.Apply(name, bytes.NewReader(data))
}

// Errors returns the Error issues of a list.
func Errors(issues []Issue) []Issue {
	var out []Issue
	for _, is := range issues {
		if is.Severity == Error {
			out = append(out, is)
		}
	}
	return out
}
