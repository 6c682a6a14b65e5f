package codec

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

var errG729NotInBuild = fmt.Errorf("codec: G729: %w (build with cgo and -tags bcg729, which makes the binary GPL-3)", ErrNotInBuild)

// ConfigNames are the values voip/codec/codec_info/{n}/name accepts, in the
// manual's order.
var ConfigNames = []string{"SILK_8000", "SILK_16000", "G722", "PCMA", "PCMU", "G729"}

// Registry is the set of codecs a phone can use, in a fixed order. It is
// immutable after construction and safe for concurrent use.
type Registry struct {
	codecs []Codec
}

// NewRegistry returns a registry of codecs in the order given. Two codecs
// with the same SDP name, configuration name or static payload type are an
// error.
func NewRegistry(codecs ...Codec) (*Registry, error) {
	for i, c := range codecs {
		for _, d := range codecs[:i] {
			switch {
			case strings.EqualFold(c.Name(), d.Name()):
				return nil, fmt.Errorf("codec: %s registered twice", c.Name())
			case strings.EqualFold(c.ConfigName(), d.ConfigName()):
				return nil, fmt.Errorf("codec: configuration name %s registered twice", c.ConfigName())
			case c.PayloadType() >= 0 && c.PayloadType() == d.PayloadType():
				return nil, fmt.Errorf("codec: payload type %d used by %s and %s", c.PayloadType(), d.Name(), c.Name())
			}
		}
	}
	return &Registry{codecs: append([]Codec(nil), codecs...)}, nil
}

// Default returns the codecs this build can encode and decode: G.722, G.711
// µ-law and A-law, and G.729 when built with the bcg729 tag. A Registry and
// its codecs never change, so every caller (each phone of a fleet) shares
// one.
func Default() *Registry { return defaultRegistry() }

var defaultRegistry = sync.OnceValue(func() *Registry {
	cs := []Codec{G722(), PCMU(), PCMA()}
	if g, err := G729(); err == nil {
		cs = append(cs, g)
	}
	// The built-in set has no duplicates (a test checks it through NewRegistry).
	return &Registry{codecs: cs}
})

// Codecs returns the registered codecs in order.
func (r *Registry) Codecs() []Codec { return append([]Codec(nil), r.codecs...) }

// Lookup finds a codec by its SDP encoding name (case-insensitive, as SDP
// compares them), optionally with the clock rate of an rtpmap attribute:
// "G722", "g722" and "G722/8000" all find G.722, "G722/16000" does not.
func (r *Registry) Lookup(name string) (Codec, error) {
	enc, rate, hasRate := strings.Cut(name, "/")
	if hasRate {
		rate, _, _ = strings.Cut(rate, "/") // drop a channel count
	}
	for _, c := range r.codecs {
		if !strings.EqualFold(c.Name(), enc) {
			continue
		}
		if hasRate && rate != strconv.Itoa(c.ClockRate()) {
			return nil, fmt.Errorf("%w: %s (clock rate %d here)", ErrUnknown, name, c.ClockRate())
		}
		return c, nil
	}
	if strings.EqualFold(enc, "G729") {
		return nil, errG729NotInBuild
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknown, name)
}

// ByConfigName finds a codec by its voip/codec/codec_info/{n}/name value.
// Names the phone knows but this build cannot run (SILK_8000, SILK_16000, and
// G729 without bcg729) return ErrNotInBuild; anything else ErrUnknown. The
// paging form with the RTP clock rate appended (voip/services/group_paging/
// codec, default G722_8000) is accepted too.
func (r *Registry) ByConfigName(name string) (Codec, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if strings.HasPrefix(n, "SILK") {
		return nil, silkError{name}
	}
	base, rate, hasRate := strings.Cut(n, "_")
	for _, c := range r.codecs {
		if c.ConfigName() != n && !(hasRate && c.ConfigName() == base && rate == strconv.Itoa(c.ClockRate())) {
			continue
		}
		return c, nil
	}
	if base == "G729" && (!hasRate || rate == "8000") {
		return nil, errG729NotInBuild
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknown, name)
}

// silkError is ErrNotInBuild for a SILK codec; a type, not a formatted
// error: the default codec list names SILK, and every booting phone skips it.
type silkError struct{ name string }

func (e silkError) Error() string {
	return "codec: " + e.name + ": " + ErrNotInBuild.Error() + " (no SILK implementation is available)"
}

func (e silkError) Unwrap() error { return ErrNotInBuild }

// ByPayloadType finds a codec by its static RTP payload type.
func (r *Registry) ByPayloadType(pt int) (Codec, error) {
	for _, c := range r.codecs {
		if pt >= 0 && c.PayloadType() == pt {
			return c, nil
		}
	}
	if pt == 18 {
		return nil, errG729NotInBuild
	}
	return nil, fmt.Errorf("%w: payload type %d", ErrUnknown, pt)
}

// Select turns the configured codec list (configuration names in priority
// order, enabled entries only) into the codecs to offer, in the same order,
// without duplicates. Names this build cannot offer are left out and
// reported, one error each, so the caller can log why.
func (r *Registry) Select(configNames []string) ([]Codec, []error) {
	var out []Codec
	var skipped []error
	for _, n := range configNames {
		c, err := r.ByConfigName(n)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out, skipped
}
