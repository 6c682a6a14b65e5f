package tone

import (
	"fmt"
	"strings"
)

// DistinctiveRule is one voip/distinctive_ringing/{n} entry: calls that
// match Type ring with Ring (Ring01-Ring04 per the manual).
type DistinctiveRule struct {
	Type string
	Ring string
}

// IncomingCall is what ring selection knows about a call.
type IncomingCall struct {
	// AlertInfo is the SIP Alert-Info header value, e.g.
	// "<http://127.0.0.1/Bellcore-dr2>" or "<urn:x>;info=Ring03".
	AlertInfo string
	// External is true for a caller from outside the organisation, as the
	// signalling classifies it.
	External bool
	// BossRing is the lync/delegate/boss/{n}/distinRingtone of the boss the
	// call is for, when an admin's phone rings for a boss; "" otherwise.
	BossRing string
}

// ReadDistinctiveRules reads voip/distinctive_ringing/0..4 through get.
// Entries with no type are skipped.
func ReadDistinctiveRules(get func(key string) string) []DistinctiveRule {
	var out []DistinctiveRule
	for n := range 5 {
		typ := strings.TrimSpace(get(fmt.Sprintf("voip/distinctive_ringing/%d/type", n)))
		if typ == "" {
			continue
		}
		ring := strings.TrimSpace(get(fmt.Sprintf("voip/distinctive_ringing/%d/ringtone", n)))
		if ring == "" {
			ring = DefaultRing
		}
		out = append(out, DistinctiveRule{Type: typ, Ring: ring})
	}
	return out
}

// SelectRing picks the ring tone for an incoming call: a boss's distinctive
// ring first; then the first distinctive-ringing rule that matches (type
// "internal" or "external" against the caller's class, any other type
// against the Alert-Info header: its info= parameter, the last path segment
// of its URI, or the whole value, case-insensitively); else the line's ring
// tone (personal_settings/lines/0/ring_tone), else Ring01. The manual leaves
// the matching undocumented ("not applicable to Skype for Business phones");
// this follows common SIP phone practice.
func SelectRing(lineRing string, rules []DistinctiveRule, call IncomingCall) string {
	if call.BossRing != "" {
		return call.BossRing
	}
	tokens := alertTokens(call.AlertInfo)
	for _, r := range rules {
		t := strings.ToLower(strings.TrimSpace(r.Type))
		switch t {
		case "external":
			if call.External {
				return r.Ring
			}
			continue
		case "internal":
			if !call.External {
				return r.Ring
			}
			continue
		}
		for _, tok := range tokens {
			if tok == t {
				return r.Ring
			}
		}
	}
	if strings.TrimSpace(lineRing) != "" {
		return lineRing
	}
	return DefaultRing
}

// alertTokens returns the lower-case forms an Alert-Info value may be
// matched by.
func alertTokens(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	var out []string
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		out = append(out, strings.ToLower(part))
		uri, params, _ := strings.Cut(part, ">")
		uri = strings.Trim(uri, "<> ")
		if i := strings.LastIndexAny(uri, "/:"); i >= 0 && i+1 < len(uri) {
			out = append(out, strings.ToLower(uri[i+1:]))
		}
		for _, p := range strings.Split(params, ";") {
			if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "info") {
				out = append(out, strings.ToLower(strings.Trim(val, `"`)))
			}
		}
	}
	return out
}

// RingGain turns lync/delegate/boss/{n}/distinRingSignalLevel (-32 silent
// … 6 loudest, 0 the normal level) into a gain in dB for the ring tone, or
// silent. Values outside the range are clamped to it.
func RingGain(level int) (gainDB float64, silent bool) {
	level = min(max(level, -32), 6)
	if level == -32 {
		return 0, true
	}
	return float64(level), false
}

// Scaled returns t with every level raised by gainDB (negative lowers it).
func Scaled(t Tone, gainDB float64) Tone {
	steps := make([]Step, len(t.Steps))
	for i, s := range t.Steps {
		for k := range s.Level {
			if s.Level[k] > Mute {
				s.Level[k] += gainDB
			}
		}
		steps[i] = s
	}
	t.Steps = steps
	return t
}
