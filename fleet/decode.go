package fleet

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The fleet file is decoded by hand from the YAML syntax tree rather than by
// reflection, so that every error names the line, the column and the field
// ("phones[2].count"), unknown keys and step actions are refused by name, and
// an action written without a value ("- answer:") still counts.

// FileError is one problem in a fleet file.
type FileError struct {
	File   string // the file's name as given ("" for bytes)
	Line   int    // 1-based; 0 when the problem has no single place
	Column int
	Field  string // the field's path, e.g. "scenario[3].call"
	Msg    string
}

func (e *FileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes every FileError match ErrFile.
func (e *FileError) Is(target error) bool { return target == ErrFile }

// FileErrors lists every problem found in a file, in file order.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Is makes FileErrors match ErrFile.
func (es FileErrors) Is(target error) bool { return target == ErrFile }

// decoder collects errors while walking the syntax tree.
type decoder struct {
	file string
	errs FileErrors
	// pos records where each field path was found, for errors found later
	// (references, overlaps).
	pos map[string][2]int
	// raw keeps each step's unresolved references.
	raw []*rawStep
}

func (d *decoder) errAt(n ast.Node, field, format string, args ...any) {
	e := &FileError{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
	} else if p, ok := d.pos[field]; ok {
		e.Line, e.Column = p[0], p[1]
	}
	d.errs = append(d.errs, e)
}

// errField reports a problem found after decoding, placed by its path (or
// the nearest enclosing path that has a place).
func (d *decoder) errField(field, format string, args ...any) {
	e := &FileError{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	for f := field; f != ""; f = parentPath(f) {
		if p, ok := d.pos[f]; ok {
			e.Line, e.Column = p[0], p[1]
			break
		}
	}
	d.errs = append(d.errs, e)
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

func (d *decoder) mark(field string, n ast.Node) {
	if n == nil {
		return
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		d.pos[field] = [2]int{tk.Position.Line, tk.Position.Column}
	}
}

// parseTree parses YAML into its syntax tree, turning syntax errors into
// FileErrors.
func parseTree(name string, data []byte) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		fe := &FileError{File: name, Msg: err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			fe.Msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				fe.Line, fe.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, FileErrors{fe}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, FileErrors{{File: name, Msg: "the file is empty"}}
	}
	if len(f.Docs) > 1 {
		return nil, FileErrors{{File: name, Msg: "the file holds more than one YAML document"}}
	}
	return unwrap(f.Docs[0].Body), nil
}

// unwrap looks through tags, anchors and comments to the value node.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
}

// object is a YAML mapping being decoded into a struct: each key is taken
// once by one of its typed getters; done reports the keys nobody took.
type object struct {
	d     *decoder
	path  string
	node  ast.Node
	keys  []string
	vals  map[string]ast.Node
	knode map[string]ast.Node
	taken map[string]bool
}

// asObject opens n as a mapping; a null node is an empty mapping.
func (d *decoder) asObject(n ast.Node, path string) *object {
	o := &object{d: d, path: path, node: n, vals: map[string]ast.Node{}, knode: map[string]ast.Node{}, taken: map[string]bool{}}
	n = unwrap(n)
	if n == nil || n.Type() == ast.NullType {
		return o
	}
	var pairs []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	default:
		d.errAt(n, path, "want a mapping (key: value lines), found %s", describe(n))
		return o
	}
	for _, kv := range pairs {
		key := strings.TrimSpace(kv.Key.String())
		if _, dup := o.vals[key]; dup {
			d.errAt(kv.Key, o.sub(key), "%q appears twice", key)
			continue
		}
		o.keys = append(o.keys, key)
		o.vals[key] = kv.Value
		o.knode[key] = kv.Key
		d.mark(o.sub(key), kv.Key)
	}
	return o
}

func (o *object) sub(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

func (o *object) has(key string) bool { _, ok := o.vals[key]; return ok }

// take returns the value node of key and marks it used.
func (o *object) take(key string) (ast.Node, bool) {
	n, ok := o.vals[key]
	if ok {
		o.taken[key] = true
	}
	return n, ok
}

// done reports every key no getter asked for, naming the known ones.
func (o *object) done(known ...string) {
	for _, k := range o.keys {
		if !o.taken[k] {
			hint := ""
			if len(known) > 0 {
				hint = " (known: " + strings.Join(known, ", ") + ")"
			}
			o.d.errAt(o.knode[k], o.sub(k), "unknown field %q%s", k, hint)
		}
	}
}

func describe(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.NullType:
		return "nothing"
	case ast.StringType:
		return fmt.Sprintf("text %q", n.String())
	}
	return fmt.Sprintf("%s %s", strings.ToLower(n.Type().String()), n.String())
}

// scalar returns the text of a scalar node, or reports what else it is.
func (o *object) scalarOf(n ast.Node, field string) (string, bool) {
	n = unwrap(n)
	if n == nil {
		return "", true
	}
	switch n.Type() {
	case ast.NullType:
		return "", true
	case ast.MappingType, ast.MappingValueType, ast.SequenceType:
		o.d.errAt(n, field, "want a single value, found %s", describe(n))
		return "", false
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value, true
	}
	return strings.TrimSpace(n.String()), true
}

// str decodes key as text.
func (o *object) str(key string, dst *string) bool {
	return scalarField(o, key, dst, func(s string) (string, error) { return s, nil })
}

// scalarField decodes key's single value with parse into dst; what parse
// refuses is reported at key with parse's error.
func scalarField[T any](o *object, key string, dst *T, parse func(string) (T, error)) bool {
	n, ok := o.take(key)
	if !ok {
		return false
	}
	s, ok := o.scalarOf(n, o.sub(key))
	if !ok {
		return false
	}
	v, err := parse(s)
	if err != nil {
		o.d.errAt(n, o.sub(key), "%v", err)
		return false
	}
	*dst = v
	return true
}

// integer decodes key as a whole number.
func (o *object) integer(key string, dst *int) bool {
	return scalarField(o, key, dst, func(s string) (int, error) {
		v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil {
			return 0, fmt.Errorf("want a whole number, found %q", s)
		}
		return v, nil
	})
}

// number decodes key as a real number.
func (o *object) number(key string, dst *float64) bool {
	return scalarField(o, key, dst, func(s string) (float64, error) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("want a number, found %q", s)
		}
		return v, nil
	})
}

// duration decodes key as a Go duration ("10s", "1m30s") or a number of
// seconds.
func (o *object) duration(key string, dst *time.Duration) bool {
	return scalarField(o, key, dst, parseDuration)
}

func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 1e6 {
			return 0, fmt.Errorf("duration %q out of range", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 10s or 2m, found %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// boolean decodes key as yes/no.
func (o *object) boolean(key string, dst *bool) bool {
	return scalarField(o, key, dst, func(s string) (bool, error) {
		b, ok := parseBool(s)
		if !ok {
			return false, fmt.Errorf("want true or false, found %q", s)
		}
		return b, nil
	})
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// list decodes key as a list of nodes; a single value counts as a list of
// one.
func (o *object) list(key string) ([]ast.Node, bool) {
	n, ok := o.take(key)
	if !ok {
		return nil, false
	}
	return o.d.listOf(n), true
}

func (d *decoder) listOf(n ast.Node) []ast.Node {
	n = unwrap(n)
	if n == nil || n.Type() == ast.NullType {
		return nil
	}
	if s, ok := n.(*ast.SequenceNode); ok {
		out := make([]ast.Node, 0, len(s.Values))
		for _, v := range s.Values {
			out = append(out, unwrap(v))
		}
		return out
	}
	return []ast.Node{n}
}

// strings decodes key as a list of texts ("a" or [a, b]).
func (o *object) strs(key string, dst *[]string) bool {
	ns, ok := o.list(key)
	if !ok {
		return false
	}
	out := make([]string, 0, len(ns))
	for i, n := range ns {
		s, ok := o.scalarOf(n, fmt.Sprintf("%s[%d]", o.sub(key), i))
		if !ok {
			return false
		}
		out = append(out, s)
	}
	*dst = out
	return true
}

// kvs decodes key as a mapping of texts, keeping file order.
func (o *object) kvs(key string, dst *[]KV) bool {
	n, ok := o.take(key)
	if !ok {
		return false
	}
	m := o.d.asObject(n, o.sub(key))
	out := make([]KV, 0, len(m.keys))
	for _, k := range m.keys {
		var v string
		if !m.str(k, &v) {
			continue
		}
		out = append(out, KV{Key: k, Value: v})
	}
	*dst = out
	return true
}

// KV is one configuration key and its value.
type KV struct {
	Key, Value string
}

// oneOf checks that s is one of the allowed values (case-insensitive) and
// returns it in the allowed spelling.
func (o *object) oneOf(key, s string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, true
		}
	}
	n := o.vals[key]
	o.d.errAt(n, o.sub(key), "%q is not one of %s", s, strings.Join(allowed, ", "))
	return "", false
}
