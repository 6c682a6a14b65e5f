package config

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Config is a phone's configuration: explicit values on top of the catalogue
// defaults of its model. Keys are stored in canonical concrete form and values
// in canonical spelling. Unknown keys from files are kept verbatim in Extra.
//
// The zero Config is not usable; get one from Catalogue.New. A Config is not
// safe for concurrent mutation; the phone's owner goroutine holds it and
// hands out Clones.
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
func (c *Config) Clone() *Config { return c.cloneWithRoom(0) }

// cloneWithRoom is Clone with room for n more values in the copy's map
// (Apply: a map grown entry by entry was most of what loading a phone's
// stored configuration cost at power-on).
func (c *Config) cloneWithRoom(n int) *Config {
	vals := make(map[string]string, len(c.vals)+n)
	maps.Copy(vals, c.vals)
	return &Config{cat: c.cat, model: c.model, vals: vals, extra: maps.Clone(c.extra)}
}

// Set validates value for key and stores it. The key may be an alias or
// differ in case; the value is stored in canonical spelling (Param.Canonical).
// An empty value is stored as an explicit empty value.
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

// Lookup returns the effective value of key in canonical spelling and
// whether it was set explicitly (false: the model's default applies).
func (c *Config) Lookup(key string) (value string, explicit bool, err error) {
	p, canon, n, err := c.cat.Resolve(key)
	if err != nil {
		return "", false, err
	}
	if v, ok := c.vals[canon]; ok {
		return v, true, nil
	}
	return p.NormalDefaultAt(c.model, n), false, nil
}

// Get returns the effective value of key, or "" for an unknown key. Values
// are in canonical spelling: the manual's odd printed defaults come back as
// what they mean (lync/contact_search_t9_enabled gives 1, not Enable), and a
// plain System password comes back as its MD5 form (use Secret or
// CheckSecret for credentials).
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
func (c *Config) Bool(key string) bool { return IsTrue(c.Get(key)) }

// IsTrue reports whether a configuration value means on, as the phone
// reads its switches: 1, true, enable(d), yes or on, in any case.
func IsTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "enable", "enabled", "yes", "on":
		return true
	}
	return false
}

// Secret returns the plain text of a credential: the value itself when it
// is plain, decrypted when it is in the {"…"} form. A password kept only as
// an MD5 digest (a plain System password) cannot be recovered: ErrHashed.
func (c *Config) Secret(key string) (string, error) {
	v, _, err := c.Lookup(key)
	if err != nil {
		return "", err
	}
	switch {
	case IsEncrypted(v):
		return DecryptSecret(v)
	case isMD5Form(v):
		if p, _, _, _ := c.cat.Resolve(key); p != nil && p.Type == TypeHashedPassword {
			return "", fmt.Errorf("%w: %s", ErrHashed, key)
		}
	}
	return v, nil
}

// CheckSecret reports whether candidate is the credential stored under key,
// whichever form it is kept in (plain, encrypted or MD5). The comparison
// takes the same time whatever the candidate.
func (c *Config) CheckSecret(key, candidate string) bool {
	v, _, err := c.Lookup(key)
	if err != nil {
		return false
	}
	want := v
	switch {
	case IsEncrypted(v):
		if want, err = DecryptSecret(v); err != nil {
			return false
		}
	case isMD5Form(v):
		if p, _, _, _ := c.cat.Resolve(key); p != nil && p.Type == TypeHashedPassword {
			want, candidate = v, md5Form(candidate)
		}
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(candidate)) == 1
}

// ExplicitValue returns the value set explicitly for key, which must be in
// canonical spelling (no other spelling is resolved): a single lookup, for
// callers that read many keys whose canonical names they hold and whose
// defaults they know.
func (c *Config) ExplicitValue(key string) (string, bool) {
	v, ok := c.vals[key]
	return v, ok
}

// SetsUnder reports whether c sets any key, known or not, that begins with
// one of prefixes (canonical spelling): what a reader of those keys alone
// derives from a configuration that sets none of them depends only on the
// catalogue and the model, and can be kept.
func (c *Config) SetsUnder(prefixes ...string) bool {
	under := func(k string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
	for k := range c.vals {
		if under(k) {
			return true
		}
	}
	for k := range c.extra {
		if under(k) {
			return true
		}
	}
	return false
}

// Explicit returns a copy of the explicitly set values.
func (c *Config) Explicit() map[string]string { return maps.Clone(c.vals) }

// Keys returns the explicitly set canonical keys in CompareKeys order.
func (c *Config) Keys() []string {
	ks := slices.Collect(maps.Keys(c.vals))
	slices.SortFunc(ks, CompareKeys)
	return ks
}

// CompareKeys orders keys path segment by segment, numbers numerically, so
// that functional_key/2 sorts before functional_key/10.
func CompareKeys(a, b string) int {
	for a != "" && b != "" {
		as, arest, _ := strings.Cut(a, "/")
		bs, brest, _ := strings.Cut(b, "/")
		if as != bs {
			an, aok := segmentNumber(as)
			bn, bok := segmentNumber(bs)
			if aok && bok && an != bn {
				return an - bn
			}
			return strings.Compare(as, bs)
		}
		a, b = arest, brest
	}
	return len(a) - len(b)
}

// segmentNumber reads a key segment made of 1 to 9 decimal digits. Sorting
// a configuration compares thousands of segments, most of them words:
// strconv.Atoi would allocate an error for each.
func segmentNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
