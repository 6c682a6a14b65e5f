// Package authparam reads the parameter list of a Digest challenge or of
// Digest credentials: the part after "Digest " in WWW-Authenticate,
// Proxy-Authenticate, Authorization and Proxy-Authorization (RFC 7616 §3.3
// and §3.4, RFC 3261 §25.1): name=value pairs separated by commas, each
// value a token or a quoted string. The digest library parses these through
// a 4 KiB buffered reader per header, which was the largest allocation of a
// fleet phone's registration (and of the lab registrar's); this reads the
// string in place.
package authparam

import (
	"errors"
	"fmt"
	"strings"
)

// Param is one name=value pair. Key is lower-cased (parameter names are
// case-insensitive); Value is unquoted and unescaped.
type Param struct {
	Key, Value string
}

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("authparam: malformed parameter list")

// Parse reads a parameter list. Empty list elements (", ,") are skipped, as
// RFC 9110's list rule allows; anything else out of place is an error.
func Parse(s string) ([]Param, error) {
	var out []Param
	i := skipSpace(s, 0)
	for i < len(s) {
		if s[i] == ',' {
			i = skipSpace(s, i+1)
			continue
		}
		if len(out) > 0 && !afterComma(s, i) {
			return nil, fmt.Errorf("%w: want ',' before %q", ErrSyntax, rest(s, i))
		}
		start := i
		for i < len(s) && isToken(s[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("%w: want a parameter name at %q", ErrSyntax, rest(s, i))
		}
		key := strings.ToLower(s[start:i])
		i = skipSpace(s, i)
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("%w: want '=' after %q", ErrSyntax, key)
		}
		i = skipSpace(s, i+1)
		var value string
		if i < len(s) && s[i] == '"' {
			v, n, err := quoted(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%w: %s of %q", ErrSyntax, err, key)
			}
			value, i = v, i+n
		} else {
			start := i
			for i < len(s) && isToken(s[i]) {
				i++
			}
			if i == start {
				return nil, fmt.Errorf("%w: want a value for %q", ErrSyntax, key)
			}
			value = s[start:i]
		}
		out = append(out, Param{Key: key, Value: value})
		i = skipSpace(s, i)
	}
	return out, nil
}

// afterComma reports whether the last non-space byte before i is a comma.
func afterComma(s string, i int) bool {
	for i--; i >= 0; i-- {
		if !isSpace(s[i]) {
			return s[i] == ','
		}
	}
	return false
}

// quoted reads the quoted string at the start of s (RFC 9110 §5.6.4:
// backslash escapes the next character) and returns its content and the
// bytes it took.
func quoted(s string) (string, int, error) {
	var b *strings.Builder // only when there are escapes
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			if b == nil {
				return s[1:i], i + 1, nil
			}
			return b.String(), i + 1, nil
		case '\\':
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(s[1:i])
			}
			i++
			if i == len(s) {
				return "", 0, errors.New("unterminated escape")
			}
			b.WriteByte(s[i])
		default:
			if b != nil {
				b.WriteByte(s[i])
			}
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isToken reports a token character (RFC 9110 §5.6.2), plus '/' and ':'
// that some servers leave unquoted in values.
func isToken(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~/:", c) >= 0
}

// rest is what is left at i, shortened for an error message.
func rest(s string, i int) string {
	if len(s)-i > 20 {
		return s[i:i+20] + "…"
	}
	return s[i:]
}
