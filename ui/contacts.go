package ui

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxContacts bounds a directory file.
const MaxContacts = 1000

// ParseContacts reads a directory: one "name,number" per line, blank lines
// and lines starting with '#' or ';' skipped, a quoted name may hold
// commas. A bad line rejects the file with its line number.
func ParseContacts(r io.Reader) ([]Contact, error) {
	var out []Contact
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("ui: contacts line %d: not UTF-8", n)
		}
		name, number, ok := splitContact(line)
		if !ok {
			return nil, fmt.Errorf("ui: contacts line %d: want name,number", n)
		}
		if name == "" || number == "" || strings.ContainsFunc(number, func(r rune) bool {
			return !strings.ContainsRune("0123456789*#+", r)
		}) {
			return nil, fmt.Errorf("ui: contacts line %d: %q is not a name and a dialable number", n, line)
		}
		if len(out) == MaxContacts {
			return nil, fmt.Errorf("ui: contacts: more than %d entries", MaxContacts)
		}
		out = append(out, Contact{Name: name, Number: number})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ui: contacts line %d: %w", n+1, err)
	}
	return out, nil
}

func splitContact(line string) (name, number string, ok bool) {
	if strings.HasPrefix(line, `"`) {
		end := strings.Index(line[1:], `"`)
		if end < 0 {
			return "", "", false
		}
		name = line[1 : end+1]
		rest := strings.TrimSpace(line[end+2:])
		if !strings.HasPrefix(rest, ",") {
			return "", "", false
		}
		return strings.TrimSpace(name), strings.TrimSpace(rest[1:]), true
	}
	name, number, ok = strings.Cut(line, ",")
	return strings.TrimSpace(name), strings.TrimSpace(number), ok && !strings.Contains(number, ",")
}
