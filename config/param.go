package config

import (
	"fmt"
	"strconv"
	"strings"
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
	TypeInt
	TypeBool01 // 0 or 1
	TypeEnum   // one of Param.Values, compared without regard to case
	TypeIP     // dotted IPv4 address
	TypeURL
	TypePassword // plain text or the encrypted {"…"} form
	TypeList     // comma- or space-separated list
	TypeTimeHHMM // hh:mm
)

var typeNames = map[Type]string{TypeString: "string", TypeInt: "int", TypeBool01: "bool01",
	TypeEnum: "enum", TypeIP: "ip", TypeURL: "url", TypePassword: "password", TypeList: "list",
	TypeTimeHHMM: "time_hhmm"}

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
	// Default is the factory value as the manual gives it ("" = none).
	Default string
	// ModelDefaults overrides Default for some models (model name → value).
	ModelDefaults map[string]string
	// Values are the allowed tokens of an enum (or of a list's items).
	Values []string
	// ValueAliases maps other spellings (compared case-insensitively) to a
	// token of Values, e.g. "Event" → "KEY_EVENT".
	ValueAliases map[string]string
	// Min and Max bound an int when HasRange is set.
	Min, Max int64
	HasRange bool
	// Indices lists the valid ranges of n for an indexed key.
	Indices []IndexRange
	// Models lists the models the parameter applies to; empty means all.
	Models []string
	// Reboot is set when a change takes effect only after a restart.
	Reboot bool
	// Aliases are other spellings of the key that files use; they may hold {n}.
	Aliases []string
	// Section is the manual section that documents the parameter.
	Section string
	// Description says, in our words, what the parameter does.
	Description string
}

// Indexed reports whether the key holds {n}.
func (p *Param) Indexed() bool { return strings.Contains(p.Key, "{n}") }

// KeyAt returns the concrete key for index n.
func (p *Param) KeyAt(n int) string { return strings.Replace(p.Key, "{n}", strconv.Itoa(n), 1) }

// ValidIndex reports whether n is inside one of the index ranges.
func (p *Param) ValidIndex(n int) bool {
	for _, r := range p.Indices {
		if n >= r.Lo && n <= r.Hi {
			return true
		}
	}
	return false
}

// AllIndices returns every valid index in increasing order.
func (p *Param) AllIndices() []int {
	var out []int
	seen := map[int]bool{}
	for _, r := range p.Indices {
		for n := r.Lo; n <= r.Hi; n++ {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sortInts(out)
	return out
}

// AppliesTo reports whether the parameter exists on model m.
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

// DefaultFor returns the factory value on model m.
func (p *Param) DefaultFor(m string) string {
	for k, v := range p.ModelDefaults {
		if strings.EqualFold(k, m) {
			return v
		}
	}
	return p.Default
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
