package fleet

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/hdphone/hdphone/hw"
)

// Action is what a scenario step does on each of its phones.
type Action string

// The actions. Each is a key of a scenario step in the fleet file.
const (
	ActWait             Action = "wait"              // until a condition holds (WaitFor)
	ActCall             Action = "call"              // dial a phone or a number; passes when it rings
	ActAnswer           Action = "answer"            // answer the ringing call (from a phone, optionally)
	ActReject           Action = "reject"            // refuse the ringing call
	ActHangup           Action = "hangup"            // end the current call
	ActHold             Action = "hold"              // hold the current call
	ActResume           Action = "resume"            // resume the held call
	ActTransfer         Action = "transfer"          // blind or attended transfer of the current call
	ActCompleteTransfer Action = "complete_transfer" // finish an attended transfer
	ActConference       Action = "conference"        // join the held and the active call
	ActCheckAudio       Action = "check_audio"       // the far end's tone is heard
	ActDTMF             Action = "dtmf"              // send digits in the call
	ActPage             Action = "page"              // page the group of a paging key
	ActEndPage          Action = "end_page"          // stop paging
	ActPress            Action = "press"             // press keys on the faceplate
	ActExpectScreen     Action = "expect_screen"     // the screen shows a text
	ActExpectLED        Action = "expect_led"        // an LED is in a state
	ActReboot           Action = "reboot"            // restart, and wait for the idle screen
	ActLink             Action = "link"              // pull or plug the Ethernet cable
	ActPower            Action = "power"             // cut or restore power
	ActProvision        Action = "provision"         // change the phone's file on the provisioning server
	ActCheckNow         Action = "check_now"         // run a provisioning check now
	ActApplyConfig      Action = "apply_config"      // apply keys as the Web page does
	ActExpectConfig     Action = "expect_config"     // the running configuration has these values
	ActExpectNetwork    Action = "expect_network"    // the phone's network (address, VLAN, 802.1X) is so
	ActExpectQuality    Action = "expect_quality"    // the lab received the phone's voice-quality report
	ActDND              Action = "dnd"               // do not disturb on or off
	ActForward          Action = "forward"           // forward all calls (or "off")
	ActSleep            Action = "sleep"             // wait a while
)

// Actions lists every action in the order the documentation gives them.
var Actions = []Action{ActWait, ActCall, ActAnswer, ActReject, ActHangup, ActHold, ActResume,
	ActTransfer, ActCompleteTransfer, ActConference, ActCheckAudio, ActDTMF, ActPage, ActEndPage,
	ActPress, ActExpectScreen, ActExpectLED, ActReboot, ActLink, ActPower, ActProvision, ActCheckNow,
	ActApplyConfig, ActExpectConfig, ActExpectNetwork, ActExpectQuality, ActDND, ActForward, ActSleep}

// WaitFor names a condition of the wait action.
type WaitFor string

// Conditions.
const (
	WaitRegistered   WaitFor = "registered"   // line 1 registered
	WaitUnregistered WaitFor = "unregistered" // line 1 not registered
	WaitIdle         WaitFor = "idle"         // booted to the idle screen
	WaitRinging      WaitFor = "ringing"      // an incoming call rings
	WaitConnected    WaitFor = "connected"    // a call is connected
	WaitHeld         WaitFor = "held"         // a call is held
	WaitNoCalls      WaitFor = "no_calls"     // no call in progress
	WaitPaged        WaitFor = "paged"        // a page is playing
	WaitNotPaged     WaitFor = "not_paged"    // no page is playing (or asking)
	WaitOff          WaitFor = "off"          // powered off
	WaitLinkFailure  WaitFor = "link_failure" // "LAN Link failure" shown
)

var waitFors = []string{string(WaitRegistered), string(WaitUnregistered), string(WaitIdle), string(WaitRinging),
	string(WaitConnected), string(WaitHeld), string(WaitNoCalls), string(WaitPaged), string(WaitNotPaged), string(WaitOff), string(WaitLinkFailure)}

// Role is which phone of a pair acts.
type Role string

// Roles in a pair step.
const (
	RoleA    Role = "a"
	RoleB    Role = "b"
	RoleBoth Role = "both"
)

// Target is whom an action is aimed at: the other phone of the pair, a phone
// of the fleet, or a number outside it.
type Target struct {
	Peer   bool
	Phone  int // fleet index (0-based) of a phone; -1 for none
	Number string
}

// None reports whether no target was given.
func (t Target) None() bool { return !t.Peer && t.Phone < 0 && t.Number == "" }

func (t Target) String() string {
	switch {
	case t.Peer:
		return "peer"
	case t.Phone >= 0:
		return fmt.Sprintf("phone#%d", t.Phone)
	}
	return t.Number
}

// Step is one step of the scenario. Steps run one after the other; a step
// runs on its phones at the same time and ends when every phone has passed
// or failed (or hit the step's timeout).
type Step struct {
	Name string
	Line int
	// Phones are the fleet indices (0-based) the step selects, in order.
	Phones []int
	// Pairs splits Phones into pairs (1st, 2nd), (3rd, 4th) …; By says
	// which phone of each pair acts.
	Pairs bool
	By    Role
	// Timeout bounds the step on each phone.
	Timeout time.Duration
	// Always runs the step on phones that failed an earlier step (clean-up
	// such as hanging up); other steps skip them.
	Always bool

	Action Action
	// Arguments, by action.
	Target   Target        // call, answer (from), transfer, check_audio (from), forward
	Wait     WaitFor       // wait
	Text     string        // expect_screen, dtmf, link (up/down), power (on/off)
	Keys     []Key         // press
	Key      int           // page: the paging key's index
	On       bool          // dnd, link up, power on
	Attended bool          // transfer
	Values   []KV          // provision, apply_config, expect_config, expect_network, expect_quality
	MinLevel float64       // check_audio: dBm0 (default -40)
	Freq     float64       // check_audio: expected Hz (default the far end's tone)
	Sleep    time.Duration // sleep
	LED      hw.LED        // expect_led
	LEDState string        // expect_led: "off", "green on", "red blink"…
}

// Key is one faceplate key of a press action: a hard key, a programmable or
// function key with its index, or a dial-pad digit.
type Key = hw.KeyRef

var stepFields = []string{"name", "phones", "each", "by", "timeout", "always"}

// defaultTimeout is each action's time-out when the step gives none.
func defaultTimeout(a Action) time.Duration {
	switch a {
	case ActWait, ActReboot, ActPower, ActLink, ActCheckNow:
		return 60 * time.Second
	case ActTransfer, ActCheckAudio:
		return 20 * time.Second
	}
	return 15 * time.Second
}

// defaultRole is who acts in a pair when the step does not say.
func defaultRole(a Action) Role {
	switch a {
	case ActAnswer, ActReject:
		return RoleB
	case ActCheckAudio, ActWait:
		return RoleBoth
	}
	return RoleA
}

// rawStep keeps what resolveSteps needs from the syntax tree.
type rawStep struct {
	path    string
	phones  []string
	target  string
	actNode ast.Node
}

// step decodes one scenario step.
func (d *decoder) step(n ast.Node, path string, idx int) Step {
	o := d.asObject(n, path)
	s := Step{Line: lineOf(n), Phones: nil}
	s.Target.Phone = -1
	raw := &rawStep{path: path}
	d.raw = append(d.raw, raw)
	o.str("name", &s.Name)
	o.strs("phones", &raw.phones)
	var each, by string
	if o.str("each", &each) && each != "" {
		if e, ok := o.oneOf("each", each, "phone", "pairs"); ok {
			s.Pairs = e == "pairs"
		}
	}
	if o.str("by", &by) && by != "" {
		if r, ok := o.oneOf("by", by, string(RoleA), string(RoleB), string(RoleBoth)); ok {
			s.By = Role(r)
		}
	}
	o.duration("timeout", &s.Timeout)
	o.boolean("always", &s.Always)

	var found []string
	for _, k := range o.keys {
		if isAction(k) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		unknown := ""
		for _, k := range o.keys {
			if !isStepField(k) {
				unknown = k
				break
			}
		}
		if unknown != "" {
			d.errAt(o.knode[unknown], o.sub(unknown), "unknown step %q (steps: %s)", unknown, actionList())
			o.taken[unknown] = true
		} else {
			d.errAt(n, path, "the step has no action (one of: %s)", actionList())
		}
	case 1:
		s.Action = Action(found[0])
		d.action(o, &s, raw)
	default:
		d.errAt(o.knode[found[1]], o.sub(found[1]), "a step has one action; this one has %s", strings.Join(found, " and "))
		for _, k := range found {
			o.taken[k] = true
		}
	}
	if s.Timeout == 0 {
		s.Timeout = defaultTimeout(s.Action)
		if s.Action == ActSleep {
			s.Timeout = s.Sleep + 5*time.Second
		}
	}
	if s.By == "" {
		s.By = defaultRole(s.Action)
	} else if !s.Pairs {
		d.errAt(o.vals["by"], o.sub("by"), "by: only applies to each: pairs")
	}
	if s.Name == "" {
		s.Name = fmt.Sprintf("%02d %s", idx+1, s.Action)
	}
	o.done(append(append([]string{}, stepFields...), actionNames()...)...)
	return s
}

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func isAction(k string) bool {
	for _, a := range Actions {
		if string(a) == k {
			return true
		}
	}
	return false
}

func isStepField(k string) bool {
	for _, f := range stepFields {
		if f == k {
			return true
		}
	}
	return false
}

func actionNames() []string {
	out := make([]string, len(Actions))
	for i, a := range Actions {
		out[i] = string(a)
	}
	return out
}

func actionList() string { return strings.Join(actionNames(), ", ") }

// action decodes the action's argument.
func (d *decoder) action(o *object, s *Step, raw *rawStep) {
	key := string(s.Action)
	node, _ := o.take(key)
	raw.actNode = node
	field := o.sub(key)
	scalar := func() (string, bool) { return o.scalarOf(node, field) }
	isNull := func() bool { u := unwrap(node); return u == nil || u.Type() == ast.NullType }
	switch s.Action {
	case ActWait:
		v, ok := scalar()
		if !ok {
			return
		}
		if v == "" {
			d.errAt(node, field, "wait for what? (%s)", strings.Join(waitFors, ", "))
			return
		}
		if w, ok := o.oneOf(key, v, waitFors...); ok {
			s.Wait = WaitFor(w)
		}
	case ActCall:
		v, ok := scalar()
		if ok && v == "" {
			d.errAt(node, field, "call whom? (a phone such as desk-2, peer, or a number)")
		}
		raw.target = v
	case ActAnswer, ActForward:
		v, _ := scalar()
		raw.target = v
		if s.Action == ActForward && (strings.EqualFold(v, "off") || v == "") {
			raw.target = ""
		}
		if s.Action == ActForward && v == "" {
			d.errAt(node, field, "forward to whom? (a phone, a number, or off)")
		}
	case ActTransfer:
		if isNull() {
			d.errAt(node, field, "transfer to whom? (to: and kind: blind or attended)")
			return
		}
		if u := unwrap(node); u.Type() == ast.MappingType || u.Type() == ast.MappingValueType {
			t := d.asObject(node, field)
			t.str("to", &raw.target)
			var kind string
			if t.str("kind", &kind) && kind != "" {
				if k, ok := t.oneOf("kind", kind, "blind", "attended"); ok {
					s.Attended = k == "attended"
				}
			}
			if raw.target == "" {
				d.errAt(node, field+".to", "missing field to (the transfer target)")
			}
			t.done("to", "kind")
			return
		}
		raw.target, _ = scalar()
	case ActCheckAudio:
		s.MinLevel = -40
		if u := unwrap(node); u != nil && (u.Type() == ast.MappingType || u.Type() == ast.MappingValueType) {
			t := d.asObject(node, field)
			t.str("from", &raw.target)
			t.number("min_level", &s.MinLevel)
			t.number("freq", &s.Freq)
			t.done("from", "min_level", "freq")
		} else {
			raw.target, _ = scalar()
		}
		if s.Freq != 0 && (s.Freq < 100 || s.Freq > 7000) {
			d.errAt(node, field+".freq", "frequency %g Hz is outside 100-7000 Hz", s.Freq)
		}
	case ActDTMF:
		v, ok := scalar()
		if !ok {
			return
		}
		if v == "" {
			d.errAt(node, field, "which digits?")
		}
		for _, c := range strings.ToUpper(v) {
			if !strings.ContainsRune("0123456789*#ABCD", c) {
				d.errAt(node, field, "%q is not a DTMF digit (0-9, *, #, A-D)", c)
				return
			}
		}
		s.Text = strings.ToUpper(v)
	case ActPage:
		if isNull() {
			return
		}
		v, ok := scalar()
		if !ok {
			return
		}
		k, err := strconv.Atoi(v)
		if err != nil || k < 0 || k > 47 {
			d.errAt(node, field, "want the paging key's index (0-47), found %q", v)
			return
		}
		s.Key = k
	case ActPress:
		var ks []string
		if u := unwrap(node); u != nil && u.Type() == ast.SequenceType {
			for i, kn := range d.listOf(node) {
				v, ok := o.scalarOf(kn, fmt.Sprintf("%s[%d]", field, i))
				if ok {
					ks = append(ks, v)
				}
			}
		} else if v, ok := scalar(); ok {
			ks = splitKeys(v)
		}
		if len(ks) == 0 {
			d.errAt(node, field, "press which keys? (digits, or names such as OK, MENU, SOFT1, PROG1)")
		}
		for _, k := range ks {
			key, err := hw.ParseKeyRefs(k)
			if err != nil {
				d.errAt(node, field, "%v", err)
				return
			}
			s.Keys = append(s.Keys, key...)
		}
	case ActExpectScreen:
		v, _ := scalar()
		if v == "" {
			d.errAt(node, field, "which text?")
		}
		s.Text = v
	case ActExpectLED:
		t := d.asObject(node, field)
		var name string
		if !t.str("led", &name) || name == "" {
			d.errAt(node, field+".led", "missing field led (e.g. ringer, mwi, line1)")
		} else if led, err := parseLED(name); err != nil {
			d.errAt(t.vals["led"], field+".led", "%v", err)
		} else {
			s.LED = led
		}
		if !t.str("state", &s.LEDState) || s.LEDState == "" {
			d.errAt(node, field+".state", "missing field state (off, or a colour and on/blink: red on)")
		}
		t.done("led", "state")
	case ActLink:
		v, ok := scalar()
		if !ok {
			return
		}
		if u, ok := o.oneOf(key, v, "up", "down"); ok {
			s.On = u == "up"
			s.Text = u
		}
	case ActPower:
		v, ok := scalar()
		if !ok {
			return
		}
		if u, ok := o.oneOf(key, v, "on", "off"); ok {
			s.On = u == "on"
			s.Text = u
		}
	case ActProvision, ActApplyConfig, ActExpectConfig:
		if isNull() {
			d.errAt(node, field, "which keys? (a mapping of configuration keys to values)")
			return
		}
		m := d.asObject(node, field)
		for _, k := range m.keys {
			var v string
			if m.str(k, &v) {
				s.Values = append(s.Values, KV{Key: k, Value: v})
			}
		}
		for _, kv := range s.Values {
			if _, err := parsePattern(kv.Value); err != nil {
				d.errAt(m.vals[kv.Key], field+"."+kv.Key, "%v", err)
			}
		}
	case ActExpectQuality:
		if isNull() {
			return // any report
		}
		m := d.asObject(node, field)
		s.Values = d.fieldValues(m, field, "quality", expectQualityFields)
		for _, kv := range s.Values {
			if kv.Key != "codec" {
				if _, err := strconv.ParseFloat(kv.Value, 64); err != nil {
					d.errAt(m.vals[kv.Key], field+"."+kv.Key, "want a number, found %q", kv.Value)
				}
			}
		}
	case ActExpectNetwork:
		if isNull() {
			d.errAt(node, field, "what? (a mapping of %s to values)", strings.Join(expectNetworkFields, ", "))
			return
		}
		s.Values = d.fieldValues(d.asObject(node, field), field, "network", expectNetworkFields)
	case ActDND:
		v, ok := scalar()
		if !ok {
			return
		}
		b, ok := parseBool(v)
		if !ok {
			d.errAt(node, field, "want on or off, found %q", v)
		}
		s.On = b
	case ActSleep:
		v, ok := scalar()
		if !ok {
			return
		}
		dur, err := parseDuration(v)
		if err != nil {
			d.errAt(node, field, "%v", err)
		}
		s.Sleep = dur
	case ActHangup, ActReject, ActHold, ActResume, ActCompleteTransfer, ActConference, ActEndPage, ActReboot, ActCheckNow:
		if !isNull() {
			if v, ok := scalar(); ok && v != "" {
				if b, ok := parseBool(v); !ok || !b {
					d.errAt(node, field, "%s takes no argument", s.Action)
				}
			}
		}
	}
}

func splitKeys(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		if isDigits(f) {
			for _, c := range f {
				out = append(out, string(c))
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789*#", c) {
			return false
		}
	}
	return true
}

// parseLED reads an LED name: ringer, mute, speaker, headset, or keyN (the
// LED of the programmable or function key with cfg index N).
func parseLED(s string) (hw.LED, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for _, k := range []hw.LEDKind{hw.LEDRinger, hw.LEDMute, hw.LEDSpeaker, hw.LEDHeadset} {
		if l == k.String() {
			return hw.LED{Kind: k}, nil
		}
	}
	if rest, ok := strings.CutPrefix(l, "key"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n <= 47 {
			return hw.LED{Kind: hw.LEDKey, Index: n}, nil
		}
	}
	return hw.LED{}, fmt.Errorf("unknown LED %q (ringer, mute, speaker, headset, key0-key47)", s)
}

// resolveSteps turns phone references and targets into fleet indices.
func (d *decoder) resolveSteps(f *File) {
	for i := range f.Scenario {
		s := &f.Scenario[i]
		raw := d.raw[i]
		if len(raw.phones) == 0 {
			s.Phones = make([]int, len(f.Phones))
			for j := range s.Phones {
				s.Phones[j] = j
			}
		} else {
			seen := map[int]bool{}
			for _, r := range raw.phones {
				idx, err := f.resolve(r)
				if err != nil {
					d.errField(raw.path+".phones", "%v", err)
					continue
				}
				for _, x := range idx {
					if !seen[x] {
						seen[x] = true
						s.Phones = append(s.Phones, x)
					}
				}
			}
		}
		if s.Pairs && len(s.Phones)%2 != 0 {
			d.errField(raw.path+".each", "each: pairs needs an even number of phones; the step selects %d", len(s.Phones))
		}
		if raw.target == "" {
			continue
		}
		field := raw.path + "." + string(s.Action)
		switch {
		case raw.target == "peer":
			if !s.Pairs {
				d.errField(field, "peer only means something with each: pairs")
			}
			s.Target.Peer = true
		case isNumber(raw.target):
			s.Target.Number = raw.target
		default:
			idx, err := f.resolve(raw.target)
			if err != nil {
				d.errField(field, "%v", err)
				continue
			}
			if len(idx) != 1 {
				d.errField(field, "%q names %d phones; the target must be one phone", raw.target, len(idx))
				continue
			}
			s.Target.Phone = idx[0]
			if f.Phones[idx[0]].User == "" && s.Action != ActAnswer && s.Action != ActCheckAudio {
				d.errField(field, "%s has no user to call", f.Phones[idx[0]].ID)
			}
		}
	}
}

// isNumber reports whether t is something to dial rather than a phone
// reference: digits and dial characters, or a SIP URI.
func isNumber(t string) bool {
	if strings.Contains(t, "@") || strings.HasPrefix(t, "sip:") {
		return true
	}
	for _, c := range t {
		if !strings.ContainsRune("0123456789*#+,pP", c) {
			return false
		}
	}
	return t != ""
}

// resolve turns a phone reference into fleet indices: all (or *), a group
// name, an ID (desk-3), group[3] or group[2..5] (1-based, inclusive).
func (f *File) resolve(ref string) ([]int, error) {
	ref = strings.TrimSpace(ref)
	if ref == "all" || ref == "*" {
		out := make([]int, len(f.Phones))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	name, lo, hi := ref, 1, -1
	if i := strings.IndexByte(ref, '['); i > 0 && strings.HasSuffix(ref, "]") {
		name = ref[:i]
		inner := ref[i+1 : len(ref)-1]
		a, b, isRange := strings.Cut(inner, "..")
		var err1, err2 error
		lo, err1 = strconv.Atoi(strings.TrimSpace(a))
		hi = lo
		if isRange {
			hi, err2 = strconv.Atoi(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: %q: want group[i] or group[i..j]", ErrNoPhone, ref)
		}
	} else if gi, _ := f.groupByName(ref); gi < 0 {
		// desk-12
		if j := strings.LastIndexByte(ref, '-'); j > 0 {
			if n, err := strconv.Atoi(ref[j+1:]); err == nil {
				name, lo, hi = ref[:j], n, n
			}
		}
	}
	gi, g := f.groupByName(name)
	if g == nil {
		return nil, fmt.Errorf("%w: %q (no group %q)", ErrNoPhone, ref, name)
	}
	if hi < 0 {
		hi = g.Count
	}
	if lo < 1 || hi > g.Count || lo > hi {
		return nil, fmt.Errorf("%w: %q (group %s has phones 1-%d)", ErrNoPhone, ref, name, g.Count)
	}
	base := f.firstN(gi)
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, base+i-1)
	}
	return out, nil
}

// fieldValues reads an expectation's mapping m (at field) of allowed
// fields to single values, refusing any other field as an unknown kind
// field.
func (d *decoder) fieldValues(m *object, field, kind string, allowed []string) []KV {
	var out []KV
	for _, k := range m.keys {
		if !slices.Contains(allowed, k) {
			d.errAt(m.vals[k], field+"."+k, "unknown %s field %q (one of %s)", kind, k, strings.Join(allowed, ", "))
			continue
		}
		var v string
		if m.str(k, &v) {
			out = append(out, KV{Key: k, Value: v})
		}
	}
	return out
}
