package config

import (
	"maps"
	"slices"
)

// Change is one key whose effective value differs between two configurations.
type Change struct {
	Key      string
	Old, New string
	Param    *Param // nil for a key the catalogue does not know
}

// Diff lists the keys whose effective values differ between a and b, known
// keys in CompareKeys order, then unknown ones. Values are compared by
// meaning (Param.Equal), so a key set explicitly to its default, or to
// another spelling of the same value, is not a change.
func Diff(a, b *Config) []Change {
	keys := map[string]bool{}
	for k := range a.vals {
		keys[k] = true
	}
	for k := range b.vals {
		keys[k] = true
	}
	var out []Change
	for _, k := range slices.SortedFunc(maps.Keys(keys), CompareKeys) {
		p, _, _, err := a.cat.Resolve(k)
		if err != nil {
			continue
		}
		av, bv := a.Get(k), b.Get(k)
		if !p.Equal(av, bv) {
			out = append(out, Change{Key: k, Old: av, New: bv, Param: p})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(union(a.extra, b.extra))) {
		if a.extra[k] != b.extra[k] {
			out = append(out, Change{Key: k, Old: a.extra[k], New: b.extra[k]})
		}
	}
	return out
}

func union(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, b)
	return m
}

// NeedsReboot reports whether any change is to a parameter that takes effect
// only after a restart.
func NeedsReboot(changes []Change) bool {
	for _, c := range changes {
		if c.Param != nil && c.Param.Reboot {
			return true
		}
	}
	return false
}

// Delta returns a copy of c holding only the explicit values that differ
// from the model's factory defaults, as the Web page's "display modified
// configuration fields only" does. Unknown keys are kept.
func (c *Config) Delta() *Config {
	d := c.cat.New(c.model)
	for k, v := range c.vals {
		p, _, n, err := c.cat.Resolve(k)
		if err != nil || p.Equal(v, p.NormalDefaultAt(c.model, n)) {
			continue
		}
		d.vals[k] = v
	}
	d.extra = maps.Clone(c.extra)
	return d
}
