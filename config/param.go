package config

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is where a parameter comes from.
type Kind uint8

const (
	// KindCfg parameters are set in .cfg files, the Web UI or the phone menus.
	KindCfg Kind = iota + 1
	// KindLocal parameters are phone-local settings the manual names without
	// a cfg path.
	KindLocal
	// KindInBand parameters arrive from a Skype for Business server.
	KindInBand
	// KindDHCP entries describe DHCP options the phone sends or reads; they are
	// never in a Config.
	KindDHCP
)

var kindNames = map[Kind]string{KindCfg: "cfg", KindLocal: "local", KindInBand: "inband", KindDHCP: "dhcp"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("config: unknown kind %q", s)
}

// Type is a parameter's value type.
type Type uint8

const (
	TypeString Type = iota + 1
	TypeInt         // decimal, or hex with 0x
	TypeBool01      // 0 or 1
	TypeEnum        // one of Param.Values, compared without regard to case
	TypeIP          // dotted IPv4 address
	TypeURL
	TypePassword // plain text or the encrypted {"…"} form
	TypeList     // comma- or space-separated list
	TypeTimeHHMM // hh:mm
	// TypeHost is an IP address or a DNS name (server addresses that field
	// files fill with names although the manual says "IP").
	TypeHost
	// TypeHashedPassword is a password the phone keeps MD5-hashed unless it
	// is given in the encrypted {"…"} form (the System password, §3.5.2).
	TypeHashedPassword
)

var typeNames = map[Type]string{TypeString: "string", TypeInt: "int", TypeBool01: "bool01",
	TypeEnum: "enum", TypeIP: "ip", TypeURL: "url", TypePassword: "password", TypeList: "list",
	TypeTimeHHMM: "time_hhmm", TypeHost: "host", TypeHashedPassword: "password_md5"}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, error) {
	for t, n := range typeNames {
		if n == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("config: unknown type %q", s)
}

// IndexRange is an inclusive range of indices for a {n} key.
type IndexRange struct{ Lo, Hi int }

// Param is one catalogue entry. Params are shared; do not modify them.
type Param struct {
	// Key is the canonical key; an indexed key holds the placeholder {n}.
	Key  string
	Kind Kind
	Type Type
	// Default is the factory value as the manual prints it ("" = none). Some
	// printed defaults are odd literals (Enable, Debug, 15 minutes); they are
	// kept here as printed and read through ValueAliases.
	Default string
	// ModelDefaults overrides Default for some models (model name → value).
	ModelDefaults map[string]string
	// IndexDefaults overrides Default at some indices of an indexed key
	// (the factory codec list differs slot by slot). ModelDefaults still
	// win over them. In the catalogue they are written [n]=value in the
	// model_defaults column.
	IndexDefaults map[int]string
	// Values are the allowed tokens of an enum (or of a list's items).
	Values []string
	// ValueAliases maps other spellings (compared case-insensitively) to a
	// token of Values, e.g. "Event" → "KEY_EVENT".
	ValueAliases map[string]string
	// Min and Max bound an int when HasRange is set.
	Min, Max int64
	HasRange bool
	// Indices lists the valid ranges of n for an indexed key, over all models.
	Indices []IndexRange
	// ModelIndices narrows Indices for some models (model name → ranges),
	// e.g. the RX50 has function keys 0-5 only.
	ModelIndices map[string][]IndexRange
	// Models lists the models the parameter applies to; empty means all.
	Models []string
	// Reboot is set when a change takes effect only after a restart.
	Reboot bool
	// Aliases are other spellings of the key that files use; they may hold {n}.
	Aliases []string
	// Section is the manual section that documents the parameter
	// ("field-facts" for keys known from real files rather than the manual).
	Section string
	// Description says, in our words, what the parameter does.
	Description string

	// normDefault and normModel hold the defaults in canonical spelling,
	// computed once when the catalogue loads.
	normDefault string
	normModel   map[string]string
	normIndex   map[int]string
}

// Indexed reports whether the key holds {n}.
func (p *Param) Indexed() bool { return strings.Contains(p.Key, "{n}") }

// KeyAt returns the concrete key for index n.
func (p *Param) KeyAt(n int) string { return strings.Replace(p.Key, "{n}", strconv.Itoa(n), 1) }

// ValidIndex reports whether n is inside one of the index ranges of any model.
func (p *Param) ValidIndex(n int) bool { return inRanges(p.Indices, n) }

// IndicesFor returns the index ranges that exist on model m.
func (p *Param) IndicesFor(m string) []IndexRange {
	for k, r := range p.ModelIndices {
		if strings.EqualFold(k, m) {
			return r
		}
	}
	return p.Indices
}

// ValidIndexFor reports whether n exists on model m.
func (p *Param) ValidIndexFor(m string, n int) bool { return inRanges(p.IndicesFor(m), n) }

func inRanges(rs []IndexRange, n int) bool {
	for _, r := range rs {
		if n >= r.Lo && n <= r.Hi {
			return true
		}
	}
	return false
}

// AllIndices returns every valid index in increasing order.
func (p *Param) AllIndices() []int { return expand(p.Indices) }

// AllIndicesFor returns every index that exists on model m, increasing.
func (p *Param) AllIndicesFor(m string) []int { return expand(p.IndicesFor(m)) }

func expand(rs []IndexRange) []int {
	var out []int
	for _, r := range rs {
		for n := r.Lo; n <= r.Hi; n++ {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AppliesTo reports whether the parameter exists on model m. Every parameter
// applies to the empty model.
func (p *Param) AppliesTo(m string) bool {
	if len(p.Models) == 0 || m == "" {
		return true
	}
	for _, x := range p.Models {
		if strings.EqualFold(x, m) {
			return true
		}
	}
	return false
}

// DefaultFor returns the factory value on model m as the manual prints it.
func (p *Param) DefaultFor(m string) string {
	for k, v := range p.ModelDefaults {
		if strings.EqualFold(k, m) {
			return v
		}
	}
	return p.Default
}

// DefaultAt returns the factory value of index n (-1 for a key without an
// index) on model m as the manual prints it.
func (p *Param) DefaultAt(m string, n int) string {
	for k, v := range p.ModelDefaults {
		if strings.EqualFold(k, m) {
			return v
		}
	}
	if v, ok := p.IndexDefaults[n]; ok {
		return v
	}
	return p.Default
}

// NormalDefaultAt is DefaultAt in canonical spelling: what Config.Get returns
// for a key that is not set.
func (p *Param) NormalDefaultAt(m string, n int) string {
	for k, v := range p.normModel {
		if strings.EqualFold(k, m) {
			return v
		}
	}
	if v, ok := p.normIndex[n]; ok {
		return v
	}
	return p.normDefault
}

// NormalDefaultFor returns the factory value on model m in canonical spelling:
// what Config.Get returns for a key that is not set.
func (p *Param) NormalDefaultFor(m string) string {
	for k, v := range p.normModel {
		if strings.EqualFold(k, m) {
			return v
		}
	}
	return p.normDefault
}

// Secret reports whether values of the parameter are credentials that must
// not be logged or printed.
func (p *Param) Secret() bool { return p.Type == TypePassword || p.Type == TypeHashedPassword }

// Canonical checks value against the parameter and returns it in canonical
// spelling: trimmed, an alias replaced by its token, an enum token as the
// catalogue spells it, hh:mm zero-padded, and a plain System password
// MD5-hashed. The empty value is always accepted ("not set"). The manual's
// odd printed defaults validate through ValueAliases (the catalogue loader
// checks every default). Canonical is idempotent.
func (p *Param) Canonical(value string) (string, error) {
	v := strings.TrimSpace(value)
	if a, ok := p.ValueAliases[strings.ToLower(v)]; ok {
		v = a
	}
	if v == "" {
		return "", nil
	}
	return p.check(v)
}

// Equal reports whether a and b mean the same value of the parameter (after
// canonical spelling; numbers compared by value, so 0xb8 equals 184).
func (p *Param) Equal(a, b string) bool {
	if a == b {
		return true
	}
	ca, err1 := p.Canonical(a)
	cb, err2 := p.Canonical(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if ca == cb {
		return true
	}
	if p.Type == TypeInt {
		na, err1 := parseInt(ca)
		nb, err2 := parseInt(cb)
		return err1 == nil && err2 == nil && na == nb
	}
	return false
}

// check validates a trimmed, non-empty, de-aliased value.
func (p *Param) check(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrBadValue)
	}
	if i := strings.IndexFunc(v, isControl); i >= 0 {
		return "", fmt.Errorf("%w: control character %q", ErrBadValue, v[i])
	}
	switch p.Type {
	case TypeInt:
		n, err := parseInt(v)
		if err != nil {
			return "", fmt.Errorf("%w: %q is not a number", ErrBadValue, v)
		}
		if p.HasRange && (n < p.Min || n > p.Max) {
			return "", fmt.Errorf("%w: %d is outside %d..%d", ErrBadValue, n, p.Min, p.Max)
		}
		if len(p.Values) > 0 && !slices.Contains(p.Values, v) {
			return "", fmt.Errorf("%w: %q is not one of %s", ErrBadValue, v, strings.Join(p.Values, ", "))
		}
		return v, nil
	case TypeBool01:
		if v != "0" && v != "1" {
			return "", fmt.Errorf("%w: %q is not 0 or 1", ErrBadValue, v)
		}
		return v, nil
	case TypeEnum:
		if len(p.Values) == 0 {
			return v, nil
		}
		if tok, ok := p.token(v); ok {
			return tok, nil
		}
		return "", fmt.Errorf("%w: %q is not one of %s", ErrBadValue, v, strings.Join(p.Values, ", "))
	case TypeIP:
		if !isIPv4(v) {
			return "", fmt.Errorf("%w: %q is not an IPv4 address", ErrBadValue, v)
		}
		return v, nil
	case TypeHost:
		if !isHost(v) {
			return "", fmt.Errorf("%w: %q is not an IP address or host name", ErrBadValue, v)
		}
		return v, nil
	case TypeTimeHHMM:
		h, m, ok := strings.Cut(v, ":")
		hn, err1 := strconv.Atoi(h)
		mn, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil || hn < 0 || hn > 23 || mn < 0 || mn > 59 {
			return "", fmt.Errorf("%w: %q is not hh:mm", ErrBadValue, v)
		}
		return fmt.Sprintf("%02d:%02d", hn, mn), nil
	case TypeList:
		return p.checkList(v)
	case TypePassword:
		if IsEncrypted(v) {
			if _, err := DecryptSecret(v); err != nil {
				return "", err
			}
		}
		return v, nil
	case TypeHashedPassword:
		switch {
		case IsEncrypted(v):
			if _, err := DecryptSecret(v); err != nil {
				return "", err
			}
			return v, nil
		case isMD5Form(v):
			return md5Prefix + strings.ToLower(v[len(md5Prefix):]), nil
		}
		return md5Form(v), nil
	}
	return v, nil
}

// token finds the catalogue spelling of an enum or list token.
func (p *Param) token(v string) (string, bool) {
	for _, tok := range p.Values {
		if strings.EqualFold(tok, v) {
			return tok, true
		}
	}
	if a, ok := p.ValueAliases[strings.ToLower(v)]; ok {
		return a, true
	}
	return "", false
}

// checkList canonicalises each item of a list in place, keeping the
// separators as written.
func (p *Param) checkList(v string) (string, error) {
	if len(p.Values) == 0 {
		return v, nil
	}
	var b strings.Builder
	isSep := func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }
	for len(v) > 0 {
		i := strings.IndexFunc(v, func(r rune) bool { return !isSep(r) })
		if i < 0 {
			b.WriteString(v)
			break
		}
		b.WriteString(v[:i])
		v = v[i:]
		j := strings.IndexFunc(v, isSep)
		if j < 0 {
			j = len(v)
		}
		tok, ok := p.token(v[:j])
		if !ok {
			return "", fmt.Errorf("%w: list item %q is not one of %s", ErrBadValue, v[:j], strings.Join(p.Values, ", "))
		}
		b.WriteString(tok)
		v = v[j:]
	}
	return b.String(), nil
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }

func parseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return strconv.ParseInt(s[2:], 16, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// isHost accepts an IP address (v4 or v6) or a DNS name of letters, digits,
// hyphens and underscores in dot-separated labels.
func isHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// md5Prefix marks a password stored as the hex MD5 digest of the plain text.
const md5Prefix = "MD5:"

func md5Form(plain string) string {
	sum := md5.Sum([]byte(plain))
	return md5Prefix + hex.EncodeToString(sum[:])
}

func isMD5Form(v string) bool {
	if len(v) != len(md5Prefix)+32 || !strings.EqualFold(v[:len(md5Prefix)], md5Prefix) {
		return false
	}
	_, err := hex.DecodeString(v[len(md5Prefix):])
	return err == nil
}
