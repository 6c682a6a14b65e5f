package fleet

import (
	"fmt"
	"strconv"
	"strings"
)

// A pattern is a string with {{expression}} parts, such as "{{1000+i}}" or
// "pass{{user}}". An expression is integer arithmetic (+ - * / % and
// parentheses) over literals and the integer variables (i: the phone's index
// in its group, n: its index in the fleet), or a single string variable
// (user, password, mac, group, model, id). Everything outside {{ }} is copied.

// pattern is a parsed pattern: literal text and expressions, alternating.
type pattern struct {
	src   string
	parts []patPart
}

type patPart struct {
	lit  string
	expr expr // nil for a literal part
}

// vars are the values a pattern may use.
type vars struct {
	ints map[string]int
	strs map[string]string
}

func (v vars) lookup(name string) (int, string, bool, error) {
	if n, ok := v.ints[name]; ok {
		return n, "", true, nil
	}
	if s, ok := v.strs[name]; ok {
		return 0, s, false, nil
	}
	return 0, "", false, fmt.Errorf("%w: unknown variable %q", ErrPattern, name)
}

// parsePattern parses s; it checks the syntax, not the variables.
func parsePattern(s string) (*pattern, error) {
	p := &pattern{src: s}
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if strings.Contains(rest, "}}") {
				return nil, fmt.Errorf("%w: %q has }} without {{", ErrPattern, s)
			}
			if rest != "" {
				p.parts = append(p.parts, patPart{lit: rest})
			}
			return p, nil
		}
		if i > 0 {
			if strings.Contains(rest[:i], "}}") {
				return nil, fmt.Errorf("%w: %q has }} without {{", ErrPattern, s)
			}
			p.parts = append(p.parts, patPart{lit: rest[:i]})
		}
		rest = rest[i+2:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			return nil, fmt.Errorf("%w: %q has {{ without }}", ErrPattern, s)
		}
		e, err := parseExpr(rest[:j])
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrPattern, s, err)
		}
		p.parts = append(p.parts, patPart{expr: e})
		rest = rest[j+2:]
	}
}

// uses reports whether the pattern refers to variable name.
func (p *pattern) uses(name string) bool {
	for _, part := range p.parts {
		if part.expr != nil && part.expr.uses(name) {
			return true
		}
	}
	return false
}

// eval expands the pattern.
func (p *pattern) eval(v vars) (string, error) {
	var b strings.Builder
	for _, part := range p.parts {
		if part.expr == nil {
			b.WriteString(part.lit)
			continue
		}
		n, s, isInt, err := part.expr.eval(v)
		if err != nil {
			return "", fmt.Errorf("%q: %w", p.src, err)
		}
		if isInt {
			b.WriteString(strconv.Itoa(n))
		} else {
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

// expr is a parsed expression.
type expr interface {
	// eval returns an integer (isInt) or a string.
	eval(v vars) (n int, s string, isInt bool, err error)
	uses(name string) bool
}

type numExpr int

func (e numExpr) eval(vars) (int, string, bool, error) { return int(e), "", true, nil }
func (e numExpr) uses(string) bool                     { return false }

type varExpr string

func (e varExpr) eval(v vars) (int, string, bool, error) { return v.lookup(string(e)) }
func (e varExpr) uses(name string) bool                  { return string(e) == name }

type binExpr struct {
	op   byte
	l, r expr
}

func (e binExpr) uses(name string) bool { return e.l.uses(name) || e.r.uses(name) }

func (e binExpr) eval(v vars) (int, string, bool, error) {
	l, err := intOf(e.l, v)
	if err != nil {
		return 0, "", false, err
	}
	r, err := intOf(e.r, v)
	if err != nil {
		return 0, "", false, err
	}
	switch e.op {
	case '+':
		return l + r, "", true, nil
	case '-':
		return l - r, "", true, nil
	case '*':
		return l * r, "", true, nil
	case '/', '%':
		if r == 0 {
			return 0, "", false, fmt.Errorf("%w: division by zero", ErrPattern)
		}
		if e.op == '/' {
			return l / r, "", true, nil
		}
		return l % r, "", true, nil
	}
	return 0, "", false, fmt.Errorf("%w: operator %q", ErrPattern, e.op)
}

func intOf(e expr, v vars) (int, error) {
	n, s, isInt, err := e.eval(v)
	if err != nil {
		return 0, err
	}
	if !isInt {
		// A string variable holding a number (user "1001") may take part
		// in arithmetic, as "{{user+1000}}" would in a spreadsheet.
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not a number", ErrPattern, s)
		}
		return n, nil
	}
	return n, nil
}

// exprParser is a recursive-descent parser over one expression.
type exprParser struct {
	s   string
	pos int
}

func parseExpr(s string) (expr, error) {
	p := &exprParser{s: s}
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %q", p.s[p.pos:])
	}
	return e, nil
}

func (p *exprParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) sum() (expr, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if p.pos >= len(p.s) || (p.s[p.pos] != '+' && p.s[p.pos] != '-') {
			return l, nil
		}
		op := p.s[p.pos]
		p.pos++
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = binExpr{op: op, l: l, r: r}
	}
}

func (p *exprParser) product() (expr, error) {
	l, err := p.factor()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if p.pos >= len(p.s) || !strings.ContainsRune("*/%", rune(p.s[p.pos])) {
			return l, nil
		}
		op := p.s[p.pos]
		p.pos++
		r, err := p.factor()
		if err != nil {
			return nil, err
		}
		l = binExpr{op: op, l: l, r: r}
	}
}

func (p *exprParser) factor() (expr, error) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("expression ends early")
	}
	c := p.s[p.pos]
	switch {
	case c == '(':
		p.pos++
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return e, nil
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		n, err := strconv.Atoi(p.s[start:p.pos])
		if err != nil || p.pos-start > 12 {
			return nil, fmt.Errorf("number %q too large", p.s[start:p.pos])
		}
		return numExpr(n), nil
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				p.pos++
				continue
			}
			break
		}
		return varExpr(p.s[start:p.pos]), nil
	}
	return nil, fmt.Errorf("unexpected %q", p.s[p.pos:])
}
