package device

import (
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
)

func cfgWith(t *testing.T, lines ...string) *config.Config {
	t.Helper()
	c, issues, err := config.Default().New("450HD").Apply("test.cfg", strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("%v %v", err, issues)
	}
	return c
}

// behaviour: CALL-1
// behaviour: CALL-2
// behaviour: CALL-3
// behaviour: SIP-5
func TestDecideIncoming(t *testing.T) {
	idle := IncomingContext{}
	busy := IncomingContext{Busy: true, LineCalls: 1}
	tests := []struct {
		name string
		cfg  []string
		in   IncomingContext
		want IncomingDecision
	}{
		{"idle phone rings", nil, idle, IncomingDecision{Action: Present}},
		{"call waiting on by default, with a beep", nil, busy,
			IncomingDecision{Action: PresentWaiting, Tone: true, Reason: "call waiting"}},
		{"waiting tone off: visual only", []string{"voip/services/call_waiting/generate_tone/enabled=0"}, busy,
			IncomingDecision{Action: PresentWaiting, Reason: "call waiting"}},
		{"call waiting disabled: busy", []string{"voip/services/call_waiting/mode=DISABLE"}, busy,
			IncomingDecision{Action: Reject, Code: 486, Reason: "call waiting disabled"}},
		{"busy on busy: 486", []string{"voip/services/call_waiting/mode=BUSY_ON_BUSY"}, busy,
			IncomingDecision{Action: Reject, Code: 486, Reason: "busy on busy"}},
		{"busy on busy does not touch an idle phone", []string{"voip/services/call_waiting/mode=busy_on_busy"}, idle,
			IncomingDecision{Action: Present}},
		{"calls per line limit", []string{"voip/number_of_calls_per_line=2"}, IncomingContext{Busy: true, LineCalls: 2},
			IncomingDecision{Action: Reject, Code: 486, Reason: "calls per line limit"}},
		{"DND rejects with the reject code", []string{"voip/line/0/do_not_disturb/activated=1", "voip/services/reject_code=CODE_603"}, idle,
			IncomingDecision{Action: Reject, Code: 603, Reason: "do not disturb"}},
		{"forward all", []string{"voip/line/0/call_forward/active=1", "voip/line/0/call_forward/destination=1005"}, idle,
			IncomingDecision{Action: Forward, Target: "1005", Reason: "forward all"}},
		// With feature key synchronization the server applies both.
		{"feature sync: DND is the server's", []string{"system/feature_key_synchronization/enabled=1", "voip/line/0/do_not_disturb/activated=1"}, idle,
			IncomingDecision{Action: Present}},
		{"feature sync: forward is the server's", []string{"system/feature_key_synchronization/enabled=1", "voip/line/0/call_forward/active=1",
			"voip/line/0/call_forward/destination=1005"}, idle, IncomingDecision{Action: Present}},
		{"call forward disabled: no forwarding", []string{"voip/line/0/call_forward/enabled=0", "voip/line/0/call_forward/active=1", "voip/line/0/call_forward/destination=1005"}, idle,
			IncomingDecision{Action: Present}},
		{"forward on busy", []string{"voip/line/0/call_forward/active=1", "voip/line/0/call_forward/destination=1005", "voip/line/0/call_forward/type=BUSY"}, busy,
			IncomingDecision{Action: Forward, Target: "1005", Reason: "forward on busy"}},
		{"forward on no answer after 20 s", []string{"voip/line/0/call_forward/active=1", "voip/line/0/call_forward/destination=1005", "voip/line/0/call_forward/type=NO_ANSWER", "voip/line/0/call_forward/timeout=22"}, idle,
			IncomingDecision{Action: Present, Target: "1005", ForwardAfter: 20 * time.Second}},
		{"discreet call auto-answers", nil, IncomingContext{AutoAnswerRequested: true},
			IncomingDecision{Action: AutoAnswer, Reason: "auto answer"}},
		{"discreet call to a locked phone rings", nil, IncomingContext{AutoAnswerRequested: true, Locked: true},
			IncomingDecision{Action: Present}},
		{"locked phone refusing incoming", nil, IncomingContext{LockedNoIncoming: true},
			IncomingDecision{Action: Reject, Code: 486, Reason: "locked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideIncoming(cfgWith(t, tt.cfg...), tt.in)
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// behaviour: XFER-1
// behaviour: XFER-3
func TestTransferRules(t *testing.T) {
	if TransferKeyKind(cfgWith(t)) != Blind {
		t.Error("TRANSFER key is blind by default")
	}
	if TransferKeyKind(cfgWith(t, "voip/signalling/sip/hk_blind_transfer/enable=0")) != Consultative {
		t.Error("hk_blind_transfer=0 makes the key consultative")
	}
	if CanCompleteTransfer(cfgWith(t), CallRinging) {
		t.Error("without semi-attended the transferor waits for the answer")
	}
	if !CanCompleteTransfer(cfgWith(t, "system/semi_attended/enable=1"), CallRinging) {
		t.Error("semi-attended completes while the target rings")
	}
	if !CanCompleteTransfer(cfgWith(t), CallConnected) {
		t.Error("an answered target can always be transferred to")
	}
}

// behaviour: CALL-4
// behaviour: CALL-7
func TestHookAndAutoDialRules(t *testing.T) {
	if OnHookWithHeldCall(cfgWith(t)) {
		t.Error("by default on-hook keeps a held call (audio moves to the speaker)")
	}
	if !OnHookWithHeldCall(cfgWith(t, "voip/onhook_disconnect_when_held/enabled=1")) {
		t.Error("onhook_disconnect_when_held=1 disconnects")
	}
	if _, _, ok := AutoDial(cfgWith(t)); ok {
		t.Error("auto dialing is off by default")
	}
	n, after, ok := AutoDial(cfgWith(t, "voip/dialing/auto_dialing/enabled=1", "voip/dialing/auto_dialing/destination=911"))
	if !ok || n != "911" || after != 15*time.Second {
		t.Errorf("auto dial: %q after %s (%v), want 911 after the default 15 s", n, after, ok)
	}
	if RejectCode(cfgWith(t)) != 486 {
		t.Error("the default reject code is 486")
	}
}

func TestTroubleshootingNotes(t *testing.T) {
	for _, text := range []string{"LAN Link failure", "Failed to connect lab.test server", "Cannot find Lync server at x.test"} {
		if !IsTroubleshooting(text) {
			t.Errorf("%q is a Table 2-9 notification", text)
		}
	}
	for _, text := range []string{"Provisioning failed", "Upgrading firmware… 10%", "Failed to connect  server", ""} {
		if IsTroubleshooting(text) {
			t.Errorf("%q is not a troubleshooting notification", text)
		}
	}
}
