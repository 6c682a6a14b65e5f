package config

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// catalogueTSV is the built-in catalogue; see the column list in
// ParseCatalogue.
//
//go:embed catalogue.tsv
var catalogueTSV string

// models are the phone models the catalogue knows, in the manual's order.
var models = []string{"445HD", "450HD", "C450HD", "RX50", "HRS"}

// Models returns the model names the catalogue's per-model columns use.
func Models() []string { return slices.Clone(models) }

// Catalogue is a set of parameters with fast lookup of concrete keys.
// A Catalogue is immutable and safe for concurrent use.
type Catalogue struct {
	params []*Param
	byKey  map[string]*Param // canonical key and aliases, exact
	byFold map[string]*Param // lower-cased canonical key and aliases

	// resolved remembers how keys in other spellings (aliases, other
	// letter cases) were resolved: files and Web forms repeat them, and
	// resolving an indexed key builds strings. Capped at maxResolved
	// entries, so that files full of made-up keys cannot grow it; failures
	// are not kept. A sync.Map, not a map behind a read lock: the phones of
	// a fleet read it from every core at once, and the lock's shared reader
	// count cost twice the lookup.
	resolved  sync.Map // key → resolution
	nResolved atomic.Int32

	// canonical resolves every key in its canonical spelling (indexed ones
	// over their whole range), made on the first Resolve. Immutable once
	// made: a plain map, cheaper than resolved in a storm of booting phones,
	// whose heap leaves sync.Map's nodes cold in the cache.
	canonicalOnce sync.Once
	canonical     map[string]resolution

	// byAddress remembers canonical keys' resolutions by where the key's
	// bytes lie (see Resolve).
	byAddress [addressSlots]atomic.Pointer[addressedResolution]
}

// addressSlots is the size of Catalogue.byAddress: a few times the keys a
// phone reads as it boots.
const addressSlots = 1024

type addressedResolution struct {
	key string
	resolution
}

type resolution struct {
	p         *Param
	canonical string
	index     int
}

// maxResolved bounds Catalogue.resolved: every key of the catalogue over
// its index range is a few thousand.
const maxResolved = 1 << 14

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

const catalogueColumns = 15

// ParseCatalogue reads a catalogue table: tab-separated, the first line a
// header, lines starting with # ignored. The columns, in order, are key,
// kind, type, default, values, range, indices, model_indices, models,
// reboot, aliases, model_defaults, value_aliases, section and description:
//
//   - values, aliases: '|'-separated
//   - range: lo..hi (int bounds, lo may be negative)
//   - indices: comma-separated lo-hi ranges, e.g. 0-11,18-38
//   - model_indices: ';'-separated model=indices, e.g. RX50=0-5;HRS=0-7
//   - models: comma-separated model names
//   - reboot: "yes" or empty
//   - model_defaults: ';'-separated model=value
//   - value_aliases: '|'-separated alias=token (the token may be empty)
//
// Every default must be accepted by its own parameter.
func ParseCatalogue(tsv string) (*Catalogue, error) {
	c := &Catalogue{byKey: map[string]*Param{}, byFold: map[string]*Param{}}
	for i, text := range strings.Split(tsv, "\n") {
		line := i + 1
		text = strings.TrimSuffix(text, "\r")
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
	return c, nil
}

func parseRow(f []string) (*Param, error) {
	if len(f) != catalogueColumns {
		return nil, fmt.Errorf("want %d columns, got %d", catalogueColumns, len(f))
	}
	p := &Param{Key: f[0], Default: f[3], Section: f[13], Description: f[14]}
	if !validKey(p.Key) {
		return nil, fmt.Errorf("key %q: empty, or holds spaces, '=' or control characters", p.Key)
	}
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
	if p.Indices, err = parseIndices(f[6]); err != nil {
		return nil, err
	}
	if p.Indexed() != (len(p.Indices) > 0) {
		return nil, fmt.Errorf("key %q: {n} and indices must go together", p.Key)
	}
	if f[7] != "" {
		p.ModelIndices = map[string][]IndexRange{}
		for _, kv := range strings.Split(f[7], ";") {
			m, r, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("model_indices %q: want model=indices", f[7])
			}
			if p.ModelIndices[m], err = parseIndices(r); err != nil {
				return nil, err
			}
			for _, x := range p.ModelIndices[m] {
				if !p.ValidIndex(x.Lo) || !p.ValidIndex(x.Hi) {
					return nil, fmt.Errorf("model_indices %q: outside indices %q", kv, f[6])
				}
			}
		}
	}
	if f[8] != "" {
		p.Models = strings.Split(f[8], ",")
	}
	switch f[9] {
	case "yes":
		p.Reboot = true
	case "":
	default:
		return nil, fmt.Errorf("reboot %q: want yes or empty", f[9])
	}
	if f[10] != "" {
		p.Aliases = strings.Split(f[10], "|")
		for _, a := range p.Aliases {
			if !validKey(a) || strings.Contains(a, "{n}") != p.Indexed() {
				return nil, fmt.Errorf("alias %q of %q: not a key of the same shape", a, p.Key)
			}
		}
	}
	if f[11] != "" {
		for _, kv := range strings.Split(f[11], ";") {
			m, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("model_defaults %q: want model=value or [n]=value", f[11])
			}
			if idx, isIndex := strings.CutPrefix(m, "["); isIndex {
				n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
				if err != nil || !strings.HasSuffix(idx, "]") || !p.Indexed() {
					return nil, fmt.Errorf("model_defaults %q: bad index default %q", f[11], m)
				}
				if p.IndexDefaults == nil {
					p.IndexDefaults = map[int]string{}
				}
				p.IndexDefaults[n] = v
				continue
			}
			if p.ModelDefaults == nil {
				p.ModelDefaults = map[string]string{}
			}
			p.ModelDefaults[m] = v
		}
	}
	if f[12] != "" {
		p.ValueAliases = map[string]string{}
		for _, kv := range strings.Split(f[12], "|") {
			a, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("value_aliases %q: want alias=token", f[12])
			}
			p.ValueAliases[strings.ToLower(a)] = v
		}
	}
	if p.normDefault, err = p.Canonical(p.Default); err != nil {
		return nil, fmt.Errorf("key %q: default %q: %w", p.Key, p.Default, err)
	}
	for m, v := range p.ModelDefaults {
		n, err := p.Canonical(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %s default %q: %w", p.Key, m, v, err)
		}
		if p.normModel == nil {
			p.normModel = map[string]string{}
		}
		p.normModel[m] = n
	}
	for i, v := range p.IndexDefaults {
		n, err := p.Canonical(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: default at [%d] %q: %w", p.Key, i, v, err)
		}
		if p.normIndex == nil {
			p.normIndex = map[int]string{}
		}
		p.normIndex[i] = n
	}
	return p, nil
}

// validKey reports whether k can appear on the left of a key=value line.
func validKey(k string) bool {
	return k != "" && utf8.ValidString(k) && !strings.ContainsFunc(k, func(r rune) bool {
		return r <= ' ' || r == '=' || r == 0x7f || unicode.IsSpace(r)
	}) && k[0] != ';' && k[0] != '#'
}

func parseIndices(s string) ([]IndexRange, error) {
	if s == "" {
		return nil, nil
	}
	var out []IndexRange
	for _, r := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(r, "-")
		if !ok {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || a > b {
			return nil, fmt.Errorf("indices %q: bad range %q", s, r)
		}
		out = append(out, IndexRange{a, b})
	}
	return out, nil
}

func (c *Catalogue) add(p *Param) error {
	for _, k := range append([]string{p.Key}, p.Aliases...) {
		if old, dup := c.byFold[strings.ToLower(k)]; dup {
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
// index (-1 for a key without {n}). An index outside every model's range is
// ErrBadIndex; a key the catalogue does not know is ErrUnknownKey.
//
// Keys come mostly as literals at their call sites, the same bytes at the
// same address every call: a booting phone reads about eighty, and hashing
// each and probing the canonical map was most of what reading its
// configuration cost. So a canonical key's resolution is also kept in a
// slot chosen by its address, which a later call with that literal finds
// by comparing the key (at once, for the same address). A slot is filled
// once and kept: a key built at run time may take one and never be asked
// for again, but the slots stay few and nothing is allocated after them.
func (c *Catalogue) Resolve(key string) (p *Param, canonical string, index int, err error) {
	slot := &c.byAddress[addressSlot(key)]
	if e := slot.Load(); e != nil && e.key == key {
		return e.p, e.canonical, e.index, nil
	}
	c.canonicalOnce.Do(c.makeCanonical)
	if r, ok := c.canonical[key]; ok {
		if slot.Load() == nil {
			slot.CompareAndSwap(nil, &addressedResolution{key, r})
		}
		return r.p, r.canonical, r.index, nil
	}
	if v, ok := c.resolved.Load(key); ok {
		r := v.(resolution)
		return r.p, r.canonical, r.index, nil
	}
	p, canonical, index, err = c.resolve(key)
	if err == nil && c.nResolved.Load() < maxResolved {
		if _, loaded := c.resolved.LoadOrStore(key, resolution{p, canonical, index}); !loaded {
			c.nResolved.Add(1)
		}
	}
	return p, canonical, index, err
}

// addressSlot picks key's slot in Catalogue.byAddress from the address of
// its bytes.
func addressSlot(key string) uintptr {
	a := uintptr(unsafe.Pointer(unsafe.StringData(key)))
	return (a>>3 ^ a>>13) % addressSlots
}

// makeCanonical fills c.canonical.
func (c *Catalogue) makeCanonical() {
	m := make(map[string]resolution, len(c.params))
	for _, p := range c.params {
		if !p.Indexed() {
			m[p.Key] = resolution{p, p.Key, -1}
			continue
		}
		for _, n := range p.AllIndices() {
			k := p.KeyAt(n)
			m[k] = resolution{p, k, n}
		}
	}
	c.canonical = m
}

func (c *Catalogue) resolve(key string) (p *Param, canonical string, index int, err error) {
	key = strings.TrimSpace(key)
	if p := c.find(key); p != nil {
		if p.Indexed() {
			return nil, "", 0, fmt.Errorf("%w: %q needs an index", ErrUnknownKey, key)
		}
		return p, p.Key, -1, nil
	}
	// Try each numeric path segment as the index.
	for start := 0; start < len(key); {
		end := strings.IndexByte(key[start:], '/')
		if end < 0 {
			end = len(key)
		} else {
			end += start
		}
		seg := key[start:end]
		if n, ok := indexSegment(seg); ok {
			pattern := key[:start] + "{n}" + key[end:]
			if p := c.find(pattern); p != nil {
				if !p.ValidIndex(n) {
					return nil, "", 0, fmt.Errorf("%w: %q (index %d)", ErrBadIndex, key, n)
				}
				return p, p.KeyAt(n), n, nil
			}
		}
		start = end + 1
	}
	return nil, "", 0, fmt.Errorf("%w: %q", ErrUnknownKey, key)
}

// indexSegment parses a path segment as an index: decimal digits without a leading
// zero (so "01" is a name, not index 1).
func indexSegment(s string) (int, bool) {
	if s == "" || len(s) > 6 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
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
