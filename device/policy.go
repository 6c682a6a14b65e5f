package device

import (
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
)

// The phone's call policy as pure decisions from configuration and state, so
// that each rule of the manual is a table test. The call manager applies them.

// DefaultCallsPerLine applies when voip/number_of_calls_per_line is not set
// (the manual gives no default): enough for a call, a waiting call, and a
// consultation or conference leg.
const DefaultCallsPerLine = 4

// IncomingAction is what the phone does with a new incoming call.
type IncomingAction uint8

const (
	// Present rings the phone.
	Present IncomingAction = iota + 1
	// PresentWaiting presents the call as a waiting call during another one.
	PresentWaiting
	// AutoAnswer answers at once (discreet calls, voip/auto_answer/enabled).
	AutoAnswer
	// Reject refuses the call with Code.
	Reject
	// Forward redirects the call (302) to Target.
	Forward
)

func (a IncomingAction) String() string {
	return [...]string{"?", "present", "present-waiting", "auto-answer", "reject", "forward"}[a]
}

// IncomingDecision is the outcome of DecideIncoming.
type IncomingDecision struct {
	Action IncomingAction
	Code   int    // SIP status for Reject
	Target string // for Forward
	// Tone is set when a waiting call should beep (generate_tone/enabled).
	Tone bool
	// ForwardAfter, when non-zero with Present, forwards the call to Target
	// if nobody answers within this time (forward on no answer).
	ForwardAfter time.Duration
	Reason       string
}

// IncomingContext is the state DecideIncoming looks at.
type IncomingContext struct {
	Line int
	// LineCalls counts the line's calls that have not ended.
	LineCalls int
	// Busy is set while any call is dialing, connected or held.
	Busy bool
	// AutoAnswerRequested is set when the INVITE asks to be answered at
	// once (a discreet call from another 400HD).
	AutoAnswerRequested bool
	// LockedNoIncoming is set while the phone is locked with a policy that
	// refuses incoming calls.
	LockedNoIncoming bool
	// Locked is set while the phone is locked: a discreet call is then
	// not answered at once (its target must have Device Lock off, LOCK-7)
	// but rings as any call.
	Locked bool
}

// DecideIncoming applies DND, call forward, call waiting (ENABLE, DISABLE,
// BUSY_ON_BUSY), the calls-per-line limit and auto answer.
func DecideIncoming(cfg *config.Config, in IncomingContext) IncomingDecision {
	line := "voip/line/" + strconv.Itoa(in.Line) + "/"
	busyCode := 486
	if in.LockedNoIncoming {
		return IncomingDecision{Action: Reject, Code: busyCode, Reason: "locked"}
	}
	// With feature key synchronization the server applies DND and
	// forwarding; the phone only shows them.
	local := !cfg.Bool(keyFeatureSync)
	if local && cfg.Bool(line+"do_not_disturb/enabled") && cfg.Bool(line+"do_not_disturb/activated") {
		return IncomingDecision{Action: Reject, Code: RejectCode(cfg), Reason: "do not disturb"}
	}
	var fwdType, fwdTarget string
	var fwdAfter time.Duration
	if local {
		fwdType, fwdTarget, fwdAfter = forwardRule(cfg, line)
	}
	if fwdType == "ALWAYS" {
		return IncomingDecision{Action: Forward, Target: fwdTarget, Reason: "forward all"}
	}
	if in.Busy {
		if fwdType == "BUSY" || fwdType == "BUSY_OR_NO_ANSWER" {
			return IncomingDecision{Action: Forward, Target: fwdTarget, Reason: "forward on busy"}
		}
		limit := cfg.Int("voip/number_of_calls_per_line")
		if limit <= 0 {
			limit = DefaultCallsPerLine
		}
		switch mode := cfg.Get("voip/services/call_waiting/mode"); {
		case mode == "BUSY_ON_BUSY":
			return IncomingDecision{Action: Reject, Code: busyCode, Reason: "busy on busy"}
		case mode == "DISABLE":
			return IncomingDecision{Action: Reject, Code: busyCode, Reason: "call waiting disabled"}
		case in.LineCalls >= limit:
			return IncomingDecision{Action: Reject, Code: busyCode, Reason: "calls per line limit"}
		}
		return IncomingDecision{Action: PresentWaiting, Tone: cfg.Bool("voip/services/call_waiting/generate_tone/enabled"),
			Reason: "call waiting"}
	}
	if (in.AutoAnswerRequested && !in.Locked) || cfg.Bool("voip/auto_answer/enabled") {
		return IncomingDecision{Action: AutoAnswer, Reason: "auto answer"}
	}
	d := IncomingDecision{Action: Present}
	if fwdType == "NO_ANSWER" || fwdType == "BUSY_OR_NO_ANSWER" {
		d.Target, d.ForwardAfter = fwdTarget, fwdAfter
	}
	return d
}

// forwardRule reads the line's call-forward settings; it returns an empty
// type when forwarding is off or unavailable (call_forward/enabled=0).
func forwardRule(cfg *config.Config, line string) (typ, target string, after time.Duration) {
	if !cfg.Bool(line+"call_forward/enabled") || !cfg.Bool(line+"call_forward/active") {
		return "", "", 0
	}
	target = cfg.Get(line + "call_forward/destination")
	if target == "" {
		return "", "", 0
	}
	typ = strings.ToUpper(strings.TrimSpace(cfg.Get(line + "call_forward/type")))
	switch typ {
	case "", "ALL", "ALWAYS", "UNCONDITIONAL":
		typ = "ALWAYS"
	case "BUSY", "ON_BUSY":
		typ = "BUSY"
	case "NO_ANSWER", "NOANSWER", "NO_REPLY":
		typ = "NO_ANSWER"
	case "BUSY_OR_NO_ANSWER", "BUSY_NO_ANSWER":
		typ = "BUSY_OR_NO_ANSWER"
	default:
		typ = "ALWAYS"
	}
	secs := cfg.Int(line + "call_forward/timeout")
	if secs <= 0 {
		secs = 15
	}
	// The phone's menu offers 5-60 s in 5 s steps (manual §4.14).
	secs = min(max(secs, 5), 60)
	secs -= secs % 5
	return typ, target, time.Duration(secs) * time.Second
}

// RejectCode is the status the Reject softkey and DND send
// (voip/services/reject_code: CODE_486, CODE_603, or a number).
func RejectCode(cfg *config.Config) int {
	v := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(cfg.Get("voip/services/reject_code"))), "CODE_")
	if n, err := strconv.Atoi(v); err == nil && n >= 400 && n <= 699 {
		return n
	}
	return 486
}

// TransferKind is what the TRANSFER key does.
type TransferKind uint8

const (
	// Blind transfers with REFER at once.
	Blind TransferKind = iota + 1
	// Consultative holds the call and dials the target first.
	Consultative
)

// TransferKeyKind applies voip/signalling/sip/hk_blind_transfer/enable
// (1: blind, the default; 0: consultative).
func TransferKeyKind(cfg *config.Config) TransferKind {
	if cfg.Bool("voip/signalling/sip/hk_blind_transfer/enable") {
		return Blind
	}
	return Consultative
}

// CanCompleteTransfer reports whether a consultative transfer may complete
// now: once the target answered, or while it rings when semi-attended
// transfer is enabled (system/semi_attended/enable).
func CanCompleteTransfer(cfg *config.Config, target CallState) bool {
	switch target {
	case CallConnected, CallHeld:
		return true
	case CallRinging, CallCalling:
		return cfg.Bool("system/semi_attended/enable")
	}
	return false
}

// OnHookWithHeldCall tells what putting the handset down does while the
// handset call is on hold: disconnect it (onhook_disconnect_when_held=1) or
// keep it and move the audio to the speaker (0, the default).
func OnHookWithHeldCall(cfg *config.Config) (disconnect bool) {
	return cfg.Bool("voip/onhook_disconnect_when_held/enabled")
}

// AutoDial returns the number to dial after going off-hook and the delay,
// when voip/dialing/auto_dialing is enabled.
func AutoDial(cfg *config.Config) (number string, after time.Duration, ok bool) {
	if !cfg.Bool("voip/dialing/auto_dialing/enabled") {
		return "", 0, false
	}
	number = cfg.Get("voip/dialing/auto_dialing/destination")
	if number == "" {
		return "", 0, false
	}
	return number, time.Duration(cfg.Int("voip/dialing/auto_dialing/timeout")) * time.Second, true
}
