// Package dialing holds the pure rules of dialling on a 400HD: the digit map
// (voip/signalling/sip/digit_map) that decides when a number typed on the
// keypad is complete, and the pause-dialing strings of speed dials
// ("1234,5678": call 1234, then send 5678 as DTMF after a pause; manual
// §3.4.5.3).
//
// # Digit maps
//
// The manual names the parameter but not its syntax; hdphone uses the
// conventional MGCP digit-map syntax (RFC 3435 §2.1.5) that SIP phones share:
// alternatives separated by '|', each a sequence of
//
//	0-9 * #   that key
//	x         any digit 0-9
//	[2-9] [13*]  one key from a set (ranges and single keys)
//	.         any number (including none) of the element before
//	T         the number is complete once the inter-digit timer expires
//
// Letters are case-insensitive; spaces and surrounding parentheses are ignored.
package dialing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrSyntax is returned for a digit map that cannot be parsed.
var ErrSyntax = errors.New("dialing: bad digit map")

// Result says what to do with the digits typed so far.
type Result uint8

const (
	// NoMatch: no alternative can ever match; the phone dials what it has
	// when the user asks (OK, #, the Dial softkey) and never on its own.
	NoMatch Result = iota
	// Partial: more digits may complete a match; keep collecting.
	Partial
	// CompleteAfterTimer: a match that ends in T; dial when the inter-digit
	// timer expires unless another digit arrives.
	CompleteAfterTimer
	// Complete: dial now.
	Complete
)

func (r Result) String() string {
	switch r {
	case NoMatch:
		return "no-match"
	case Partial:
		return "partial"
	case CompleteAfterTimer:
		return "complete-after-timer"
	case Complete:
		return "complete"
	}
	return fmt.Sprintf("Result(%d)", uint8(r))
}

// element is one position of a pattern: a set of keys, optionally repeated.
type element struct {
	keys   string // the keys this element accepts
	repeat bool   // followed by '.'
	timer  bool   // the T marker (keys empty)
}

// DigitMap is a compiled digit map. The zero value matches nothing.
type DigitMap struct {
	source string
	alts   [][]element
}

// String returns the map as written.
func (m *DigitMap) String() string { return m.source }

const digits = "0123456789"

// Parse compiles a digit map. An empty map is valid and matches nothing.
func Parse(s string) (*DigitMap, error) {
	m := &DigitMap{source: s}
	src := strings.TrimSpace(s)
	src = strings.TrimPrefix(src, "(")
	src = strings.TrimSuffix(src, ")")
	if strings.TrimSpace(src) == "" {
		return m, nil
	}
	for _, alt := range strings.Split(src, "|") {
		alt = strings.ReplaceAll(strings.TrimSpace(alt), " ", "")
		if alt == "" {
			return nil, fmt.Errorf("%w %q: empty alternative", ErrSyntax, s)
		}
		var els []element
		for i := 0; i < len(alt); i++ {
			c := alt[i]
			switch {
			case c >= '0' && c <= '9', c == '*', c == '#':
				els = append(els, element{keys: string(c)})
			case c == 'x' || c == 'X':
				els = append(els, element{keys: digits})
			case c == 'T' || c == 't':
				if i != len(alt)-1 {
					return nil, fmt.Errorf("%w %q: T must end an alternative", ErrSyntax, s)
				}
				els = append(els, element{timer: true})
			case c == '.':
				if len(els) == 0 || els[len(els)-1].timer || els[len(els)-1].repeat {
					return nil, fmt.Errorf("%w %q: '.' must follow a key", ErrSyntax, s)
				}
				els[len(els)-1].repeat = true
			case c == '[':
				end := strings.IndexByte(alt[i:], ']')
				if end < 0 {
					return nil, fmt.Errorf("%w %q: unclosed [", ErrSyntax, s)
				}
				set, err := parseSet(alt[i+1 : i+end])
				if err != nil {
					return nil, fmt.Errorf("%w %q: %v", ErrSyntax, s, err)
				}
				els = append(els, element{keys: set})
				i += end
			default:
				return nil, fmt.Errorf("%w %q: unexpected %q", ErrSyntax, s, c)
			}
		}
		m.alts = append(m.alts, els)
	}
	return m, nil
}

func parseSet(body string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case i+2 < len(body) && body[i+1] == '-':
			lo, hi := c, body[i+2]
			if lo < '0' || hi > '9' || lo > hi {
				return "", fmt.Errorf("bad range %c-%c", lo, hi)
			}
			for d := lo; d <= hi; d++ {
				b.WriteByte(d)
			}
			i += 2
		case c >= '0' && c <= '9', c == '*', c == '#':
			b.WriteByte(c)
		case c == 'x' || c == 'X':
			b.WriteString(digits)
		default:
			return "", fmt.Errorf("bad key %q in set", c)
		}
	}
	if b.Len() == 0 {
		return "", errors.New("empty set")
	}
	return b.String(), nil
}

// Match tells whether dialled (the keys typed so far) is complete.
func (m *DigitMap) Match(dialled string) Result {
	best := NoMatch
	for _, alt := range m.alts {
		if r := matchAlt(alt, dialled); r > best {
			best = r
		}
	}
	return best
}

// matchAlt runs the pattern as a small NFA over the input: the set of
// element positions reachable after each key.
func matchAlt(els []element, in string) Result {
	states := closure(els, map[int]bool{0: true})
	for i := 0; i < len(in); i++ {
		next := map[int]bool{}
		for pos := range states {
			if pos >= len(els) || els[pos].timer {
				continue
			}
			e := els[pos]
			if strings.IndexByte(e.keys, in[i]) < 0 {
				continue
			}
			if e.repeat {
				next[pos] = true
			}
			next[pos+1] = true
		}
		states = closure(els, next)
		if len(states) == 0 {
			return NoMatch
		}
	}
	// An alternative that could still take keys is not complete yet, even
	// if the keys so far already fill it ("1x." after "12"): it ends with the
	// timer when T is written, otherwise when the user presses dial.
	var end, timer, more bool
	for pos := range states {
		switch {
		case pos == len(els):
			end = true
		case els[pos].timer:
			timer = true
		default:
			more = true
		}
	}
	switch {
	case end && !more:
		return Complete
	case timer:
		return CompleteAfterTimer
	case more || end:
		return Partial
	}
	return NoMatch
}

// closure adds the positions reachable by skipping repeated elements (which
// may match zero times).
func closure(els []element, set map[int]bool) map[int]bool {
	stack := make([]int, 0, len(set))
	for p := range set {
		stack = append(stack, p)
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if p < len(els) && els[p].repeat && !set[p+1] {
			set[p+1] = true
			stack = append(stack, p+1)
		}
	}
	return set
}

// Step is one part of a pause-dialing sequence: keys to send as DTMF, or a
// pause.
type Step struct {
	Keys  string        // DTMF keys, empty for a pause
	Pause time.Duration // the pause, zero for keys
}

// Timing holds the pause-dialing durations (voip/services/pause_dialing/*).
type Timing struct {
	Digit time.Duration // each key's tone (digit_duration, 100 ms)
	Gap   time.Duration // silence between keys (digit_gap, 300 ms)
	Pause time.Duration // each ',', 'p' or 'P' (pause_duration, 2 s)
}

// DefaultTiming is the manual's defaults.
var DefaultTiming = Timing{Digit: 100 * time.Millisecond, Gap: 300 * time.Millisecond, Pause: 2 * time.Second}

// SplitPauses splits a speed-dial string at its first pause: the part before
// is the number to call; the rest is sent as DTMF steps once the call is
// answered. A string without pauses has no steps.
func SplitPauses(s string, t Timing) (number string, steps []Step) {
	i := strings.IndexAny(s, ",pP")
	if i < 0 {
		return s, nil
	}
	number = s[:i]
	for _, c := range s[i:] {
		switch {
		case c == ',' || c == 'p' || c == 'P':
			if n := len(steps); n > 0 && steps[n-1].Keys == "" {
				steps[n-1].Pause += t.Pause
			} else {
				steps = append(steps, Step{Pause: t.Pause})
			}
		case strings.ContainsRune("0123456789*#ABCDabcd", c):
			if n := len(steps); n > 0 && steps[n-1].Keys != "" {
				steps[n-1].Keys += string(c)
			} else {
				steps = append(steps, Step{Keys: string(c)})
			}
		}
	}
	return number, steps
}

// Duration returns how long sending steps takes with timing t.
func Duration(steps []Step, t Timing) time.Duration {
	var d time.Duration
	for _, s := range steps {
		d += s.Pause
		if n := len(s.Keys); n > 0 {
			d += time.Duration(n)*t.Digit + time.Duration(n-1)*t.Gap
		}
	}
	return d
}
