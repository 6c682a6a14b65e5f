package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Config is a phone's configuration: explicit values on top of the catalogue
// defaults of its model. Keys are stored in canonical concrete form and values
// in canonical spelling. Unknown keys from files are kept verbatim in Extra.
//
// A Config is not safe for concurrent mutation; the phone's owner goroutine
// holds it and hands out Clones.
type Config struct {
	cat   *Catalogue
	model string
	vals  map[string]string
	// extra holds keys the catalogue does not know, kept so that a file
	// round-trips and the phone can report them.
	extra map[string]string
}

// Catalogue returns the catalogue c was made from.
func (c *Config) Catalogue() *Catalogue { return c.cat }

// Model returns the model whose defaults apply.
func (c *Config) Model() string { return c.model }

// Clone returns an independent copy.
func (c *Config) Clone() *Config {
	return &Config{cat: c.cat, model: c.model, vals: maps.Clone(c.vals), extra: maps.Clone(c.extra)}
}

// Set validates value for key and stores it. The key may be an alias or
// differ in case; the value is stored in canonical spelling.
func (c *Config) Set(key, value string) error {
	p, canon, _, err := c.cat.Resolve(key)
	if err != nil {
		return err
	}
	if p.Kind == KindDHCP {
		return fmt.Errorf("%w: %q is a DHCP option, not a setting", ErrUnknownKey, key)
	}
	v, err := p.Canonical(value)
	if err != nil {
		return fmt.Errorf("%s: %w", canon, err)
	}
	c.vals[canon] = v
	return nil
}

// SetExtra keeps a key the catalogue does not know.
func (c *Config) SetExtra(key, value string) {
	if c.extra == nil {
		c.extra = map[string]string{}
	}
	c.extra[key] = value
}

// Extra returns the unknown keys kept from files.
func (c *Config) Extra() map[string]string { return maps.Clone(c.extra) }

// Unset removes an explicit value so the default applies again.
func (c *Config) Unset(key string) error {
	_, canon, _, err := c.cat.Resolve(key)
	if err != nil {
		return err
	}
	delete(c.vals, canon)
	return nil
}

// Lookup returns the effective value of key and whether it was set
// explicitly (false: the model's default applies).
func (c *Config) Lookup(key string) (value string, explicit bool, err error) {
	p, canon, _, err := c.cat.Resolve(key)
	if err != nil {
		return "", false, err
	}
	if v, ok := c.vals[canon]; ok {
		return v, true, nil
	}
	return p.DefaultFor(c.model), false, nil
}

// Get returns the effective value of key, or "" for an unknown key.
func (c *Config) Get(key string) string {
	v, _, _ := c.Lookup(key)
	return v
}

// Int returns the effective value of key as an int. Hex (0x…) is accepted;
// an empty or non-numeric value gives 0.
func (c *Config) Int(key string) int {
	n, _ := parseInt(c.Get(key))
	return int(n)
}

// Bool reports whether the effective value of key is 1 (or an enum spelling
// of "on": ENABLE, True).
func (c *Config) Bool(key string) bool {
	switch strings.ToLower(c.Get(key)) {
	case "1", "true", "enable", "enabled", "yes", "on":
		return true
	}
	return false
}

// Explicit returns the explicitly set keys, sorted.
func (c *Config) Explicit() map[string]string { return maps.Clone(c.vals) }

// Keys returns the explicitly set canonical keys in a stable order.
func (c *Config) Keys() []string {
	ks := slices.Collect(maps.Keys(c.vals))
	slices.SortFunc(ks, CompareKeys)
	return ks
}

// CompareKeys orders keys path segment by segment, numbers numerically, so
// that functional_key/2 sorts before functional_key/10.
func CompareKeys(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return an - bn
		}
		return strings.Compare(as[i], bs[i])
	}
	return len(as) - len(bs)
}

func parseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return strconv.ParseInt(s[2:], 16, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

// Canonical checks value against the parameter and returns it in canonical
// spelling (enum tokens as the catalogue spells them, trimmed of spaces).
func (p *Param) Canonical(value string) (string, error) {
	v := strings.TrimSpace(value)
	if a, ok := p.ValueAliases[strings.ToLower(v)]; ok {
		v = a
	}
	if v == "" || v == p.Default {
		// The empty value means "not set"; the manual's own default is
		// always acceptable, even when it is an odd literal.
		return v, nil
	}
	switch p.Type {
	case TypeInt:
		n, err := parseInt(v)
		if err != nil {
			return "", fmt.Errorf("%w: %q is not a number", ErrBadValue, value)
		}
		if p.HasRange && (n < p.Min || n > p.Max) {
			return "", fmt.Errorf("%w: %d is outside %d..%d", ErrBadValue, n, p.Min, p.Max)
		}
		if len(p.Values) > 0 && !slices.Contains(p.Values, v) {
			return "", fmt.Errorf("%w: %q is not one of %s", ErrBadValue, value, strings.Join(p.Values, ", "))
		}
		return v, nil
	case TypeBool01:
		if v != "0" && v != "1" {
			return "", fmt.Errorf("%w: %q is not 0 or 1", ErrBadValue, value)
		}
		return v, nil
	case TypeEnum:
		for _, tok := range p.Values {
			if strings.EqualFold(tok, v) {
				return tok, nil
			}
		}
		if len(p.Values) == 0 {
			return v, nil
		}
		return "", fmt.Errorf("%w: %q is not one of %s", ErrBadValue, value, strings.Join(p.Values, ", "))
	case TypeIP:
		if !isIPv4(v) {
			return "", fmt.Errorf("%w: %q is not an IPv4 address", ErrBadValue, value)
		}
		return v, nil
	case TypeTimeHHMM:
		h, m, ok := strings.Cut(v, ":")
		hn, err1 := strconv.Atoi(h)
		mn, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil || hn < 0 || hn > 23 || mn < 0 || mn > 59 {
			return "", fmt.Errorf("%w: %q is not hh:mm", ErrBadValue, value)
		}
		return fmt.Sprintf("%02d:%02d", hn, mn), nil
	case TypeList:
		if len(p.Values) > 0 {
			for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
				found := false
				for _, tok := range p.Values {
					if strings.EqualFold(tok, item) {
						found = true
					}
				}
				if !found {
					return "", fmt.Errorf("%w: list item %q is not one of %s", ErrBadValue, item, strings.Join(p.Values, ", "))
				}
			}
		}
		return v, nil
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		return "", fmt.Errorf("%w: control characters in %q", ErrBadValue, value)
	}
	return v, nil
}

func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || p == "" || len(p) > 3 {
			return false
		}
	}
	return true
}
