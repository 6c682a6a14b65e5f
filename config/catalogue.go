package config

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// catalogueTSV is the built-in catalogue; see the column list in loadTSV.
//
//go:embed catalogue.tsv
var catalogueTSV string

// Catalogue is a set of parameters with fast lookup of concrete keys.
// A Catalogue is immutable and safe for concurrent use.
type Catalogue struct {
	params []*Param
	byKey  map[string]*Param // canonical key and aliases, exact
	byFold map[string]*Param // lower-cased canonical key and aliases
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalogue
)

// Default returns the catalogue built into the binary. It panics if the
// embedded table is malformed, which a unit test rules out.
func Default() *Catalogue {
	defaultOnce.Do(func() {
		c, err := ParseCatalogue(catalogueTSV)
		if err != nil {
			panic(err)
		}
		defaultCat = c
	})
	return defaultCat
}

// ParseCatalogue reads a catalogue table. Columns, tab-separated, first line a
// header: key kind type default values range indices models reboot aliases
// model_defaults value_aliases section description.
//
//   - values, aliases: '|'-separated
//   - range: lo..hi (int bounds)
//   - indices: comma-separated lo-hi ranges, e.g. 0-11,18-38
//   - models: comma-separated model names
//   - reboot: "yes" or empty
//   - model_defaults: ';'-separated model=value
//   - value_aliases: '|'-separated alias=token
func ParseCatalogue(tsv string) (*Catalogue, error) {
	c := &Catalogue{byKey: map[string]*Param{}, byFold: map[string]*Param{}}
	sc := bufio.NewScanner(strings.NewReader(tsv))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 || strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		p, err := parseRow(strings.Split(text, "\t"))
		if err != nil {
			return nil, fmt.Errorf("config: catalogue line %d: %w", line, err)
		}
		if err := c.add(p); err != nil {
			return nil, fmt.Errorf("config: catalogue line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: catalogue: %w", err)
	}
	return c, nil
}

const catalogueColumns = 14

func parseRow(f []string) (*Param, error) {
	if len(f) != catalogueColumns {
		return nil, fmt.Errorf("want %d columns, got %d", catalogueColumns, len(f))
	}
	p := &Param{Key: f[0], Default: f[3], Section: f[12], Description: f[13]}
	var err error
	if p.Kind, err = ParseKind(f[1]); err != nil {
		return nil, err
	}
	if p.Type, err = ParseType(f[2]); err != nil {
		return nil, err
	}
	if f[4] != "" {
		p.Values = strings.Split(f[4], "|")
	}
	if f[5] != "" {
		lo, hi, ok := strings.Cut(f[5], "..")
		if !ok {
			return nil, fmt.Errorf("range %q: want lo..hi", f[5])
		}
		if p.Min, err = strconv.ParseInt(lo, 10, 64); err != nil {
			return nil, fmt.Errorf("range %q: %w", f[5], err)
		}
		if p.Max, err = strconv.ParseInt(hi, 10, 64); err != nil {
			return nil, fmt.Errorf("range %q: %w", f[5], err)
		}
		p.HasRange = true
	}
	if f[6] != "" {
		for _, r := range strings.Split(f[6], ",") {
			lo, hi, ok := strings.Cut(r, "-")
			if !ok {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || a > b {
				return nil, fmt.Errorf("indices %q: bad range %q", f[6], r)
			}
			p.Indices = append(p.Indices, IndexRange{a, b})
		}
	}
	if p.Indexed() != (len(p.Indices) > 0) {
		return nil, fmt.Errorf("key %q: {n} and indices must go together", p.Key)
	}
	if f[7] != "" {
		p.Models = strings.Split(f[7], ",")
	}
	switch f[8] {
	case "yes":
		p.Reboot = true
	case "":
	default:
		return nil, fmt.Errorf("reboot %q: want yes or empty", f[8])
	}
	if f[9] != "" {
		p.Aliases = strings.Split(f[9], "|")
	}
	if f[10] != "" {
		p.ModelDefaults = map[string]string{}
		for _, kv := range strings.Split(f[10], ";") {
			m, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("model_defaults %q: want model=value", f[10])
			}
			p.ModelDefaults[m] = v
		}
	}
	if f[11] != "" {
		p.ValueAliases = map[string]string{}
		for _, kv := range strings.Split(f[11], "|") {
			a, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("value_aliases %q: want alias=token", f[11])
			}
			p.ValueAliases[strings.ToLower(a)] = v
		}
	}
	return p, nil
}

func (c *Catalogue) add(p *Param) error {
	for _, k := range append([]string{p.Key}, p.Aliases...) {
		if old, dup := c.byKey[k]; dup {
			return fmt.Errorf("key %q defined twice (also by %q)", k, old.Key)
		}
		c.byKey[k] = p
		c.byFold[strings.ToLower(k)] = p
	}
	c.params = append(c.params, p)
	return nil
}

// Params returns every parameter in catalogue order.
func (c *Catalogue) Params() []*Param { return slices.Clone(c.params) }

// Param returns the parameter whose canonical key (with {n}) is key.
func (c *Catalogue) Param(key string) (*Param, bool) {
	p, ok := c.byKey[key]
	if ok && p.Key != key {
		return nil, false
	}
	return p, ok
}

// Resolve finds the parameter a concrete key names, accepting aliases and
// any letter case, and returns it with the canonical concrete key and the
// index (-1 for a key without {n}).
func (c *Catalogue) Resolve(key string) (p *Param, canonical string, index int, err error) {
	key = strings.TrimSpace(key)
	if p := c.find(key); p != nil {
		if p.Indexed() {
			return nil, "", 0, fmt.Errorf("%w: %q needs an index", ErrUnknownKey, key)
		}
		return p, p.Key, -1, nil
	}
	// Try each numeric path segment as the index.
	segs := strings.Split(key, "/")
	for i, s := range segs {
		n, err := strconv.Atoi(s)
		if err != nil || s == "" || (len(s) > 1 && s[0] == '0') {
			continue
		}
		orig := segs[i]
		segs[i] = "{n}"
		pattern := strings.Join(segs, "/")
		segs[i] = orig
		p := c.find(pattern)
		if p == nil {
			continue
		}
		if !p.ValidIndex(n) {
			return nil, "", 0, fmt.Errorf("%w: %q (index %d)", ErrBadIndex, key, n)
		}
		return p, p.KeyAt(n), n, nil
	}
	return nil, "", 0, fmt.Errorf("%w: %q", ErrUnknownKey, key)
}

func (c *Catalogue) find(k string) *Param {
	if p, ok := c.byKey[k]; ok {
		return p
	}
	return c.byFold[strings.ToLower(k)]
}

// New returns the factory configuration of model m (empty m: no model
// specific defaults). It holds no explicit values; every Get falls back to
// the catalogue default.
func (c *Catalogue) New(m string) *Config {
	return &Config{cat: c, model: m, vals: map[string]string{}}
}
