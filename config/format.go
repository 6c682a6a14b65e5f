package config

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// FormatOptions choose how a configuration is written. The zero value writes
// the explicit values and the kept unknown keys, with no header.
type FormatOptions struct {
	// Firmware, when set, is written first as a comment line (";UC_3.4.8.808"),
	// as real phones start the files they save.
	Firmware string
	// All writes every cfg and local parameter of the model, not only the
	// explicit ones: indexed keys at every index the model has, unset
	// parameters with their factory value as the manual prints it, and
	// parameters without a default as "key=". Parameters of other models are
	// left out.
	All bool
	// Defaults writes, besides the explicit values, every cfg and local
	// parameter of the model that has a factory value, as the manual prints
	// it (All without the "key=" lines).
	Defaults bool
	// OmitExtra leaves out the unknown keys kept from files.
	OmitExtra bool
}

// Format writes the explicit values of c and the unknown keys it keeps as
// key=value lines in a stable order (FormatOptions{}.Format).
func Format(w io.Writer, c *Config) error { return FormatOptions{}.Format(w, c) }

// Format writes c as a .cfg file. Keys come in CompareKeys order (path
// segment by segment, indices numerically), which keeps related keys
// together and does not depend on the catalogue's row order; unknown keys
// follow, sorted, after a comment line. Values are written as stored, so
// Format then Apply gives back the same configuration.
func (o FormatOptions) Format(w io.Writer, c *Config) error {
	// A writer that buffers itself (bytes.Buffer, strings.Builder,
	// bufio.Writer) is written directly: a phone storing its configuration
	// into a bytes.Buffer allocated a 4 KiB bufio.Writer for it each time
	// (4 KiB a phone in a boot storm).
	lw, direct := w.(lineWriter)
	var bw *bufio.Writer
	if !direct {
		bw = bufio.NewWriter(w)
		lw = bw
	}
	if o.Firmware != "" {
		fmt.Fprintf(lw, ";%s\n", strings.TrimPrefix(o.Firmware, ";"))
	}
	if o.All || o.Defaults {
		for _, kv := range c.all(o.All) {
			writeLine(lw, kv[0], kv[1])
		}
	} else {
		for _, k := range c.Keys() {
			writeLine(lw, k, c.vals[k])
		}
	}
	if !o.OmitExtra && len(c.extra) > 0 {
		lw.WriteString("; keys this firmware does not know\n")
		for _, k := range slices.Sorted(maps.Keys(c.extra)) {
			writeLine(lw, k, c.extra[k])
		}
	}
	if bw != nil {
		return bw.Flush()
	}
	return nil
}

// lineWriter is what Format writes lines to.
type lineWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

func writeLine(w lineWriter, k, v string) {
	w.WriteString(k)
	w.WriteByte('=')
	w.WriteString(v)
	w.WriteByte('\n')
}

// all returns every cfg/local key of the model with its explicit value or
// printed default, in CompareKeys order; keys with neither only when empty
// is set.
func (c *Config) all(empty bool) [][2]string {
	var out [][2]string
	for _, p := range c.cat.params {
		if (p.Kind != KindCfg && p.Kind != KindLocal) || !p.AppliesTo(c.model) {
			continue
		}
		keys, idx := []string{p.Key}, []int{-1}
		if p.Indexed() {
			keys, idx = keys[:0], idx[:0]
			for _, n := range p.AllIndicesFor(c.model) {
				keys = append(keys, p.KeyAt(n))
				idx = append(idx, n)
			}
		}
		for i, k := range keys {
			v, ok := c.vals[k]
			if !ok {
				v = p.DefaultAt(c.model, idx[i])
				if v == "" && !empty {
					continue
				}
			}
			out = append(out, [2]string{k, v})
		}
	}
	// Explicit values at indices the model lacks are kept too.
	for k, v := range c.vals {
		if p, _, n, err := c.cat.Resolve(k); err == nil && (!p.AppliesTo(c.model) || (n >= 0 && !p.ValidIndexFor(c.model, n)) || p.Kind == KindInBand) {
			out = append(out, [2]string{k, v})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return CompareKeys(a[0], b[0]) })
	return out
}
