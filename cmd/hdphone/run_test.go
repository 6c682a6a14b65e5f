package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/term"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// hdphoneInTmux runs "hdphone run args..." in a terminal under tmux (this
// test binary is the hdphone command).
func hdphoneInTmux(t *testing.T, args ...string) *testpeer.Tmux {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return testpeer.StartTmux(t, 100, 30, []string{"HDPHONE_TEST_MAIN=1", "TERM=xterm-256color"},
		append([]string{exe, "run"}, args...)...)
}

func randomLoopback() string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("127.%d.%d.%d", 20+b[0]%200, b[1], 1+b[2]%250)
}

// The desk phone in a terminal: a whole call placed, held, muted and
// transferred from the keyboard, and one received, between the phone and
// baresip through Kamailio; the screens are checked on the way.
//
// behaviour: XFER-1
// behaviour: CALL-9
func TestDeskPhoneInTmuxCallsBaresipThroughKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	b2 := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1002", Domain: k.Domain, Registrar: k.Addr()})
	b3 := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1003", Domain: k.Domain, Registrar: k.Addr()})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "phone.cfg")
	testpeer.WriteFile(t, cfg, strings.Join([]string{
		"voip/line/0/enabled=1",
		"voip/line/0/id=1001",
		"voip/line/0/auth_name=1001",
		"voip/line/0/auth_password=pass1001",
		"voip/signalling/sip/use_proxy=1",
		"voip/signalling/sip/proxy_address=" + k.Host,
		fmt.Sprintf("voip/signalling/sip/proxy_port=%d", k.Port),
		"voip/signalling/sip/proxy_gateway=" + k.Domain,
	}, "\n")+"\n")
	tm := hdphoneInTmux(t, "--model", "450HD", "--cfg", cfg, "--state", filepath.Join(dir, "flash"),
		"--addr", randomLoopback(), "--log", filepath.Join(dir, "phone.log"), "-v", "2")
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "phone.log"))
			t.Logf("--- phone log ---\n%s", log)
		}
	})
	wait := func(texts ...string) string {
		t.Helper()
		return tm.WaitScreen(t, 20*time.Second, texts...)
	}
	s := wait("AudioCodes 450HD", "1001", "Registered", "Redial", "Forward", "DND", "Menu")
	if !strings.Contains(s, "audio:") {
		t.Errorf("no notice about the missing sound card:\n%s", s)
	}

	// Off-hook, dial, Dial softkey: baresip answers by itself.
	tm.Send(t, "Space")
	wait("Dialing", "OFF-HOOK", "Cancel")
	tm.Type(t, "1002")
	wait("1002_")
	tm.Send(t, "F1")
	b2.WaitEvent(t, "CALL_ESTABLISHED", 15*time.Second)
	s = wait("Connected", "End", "Trans", "BXfer", "Conf")
	if !strings.Contains(s, "PCMU") && !strings.Contains(s, "PCMA") {
		t.Errorf("no G.711 codec on the call screen (baresip has only G.711):\n%s", s)
	}
	wait("00:01")

	// HOLD and back.
	tm.Type(t, "h")
	wait("On hold", "Resume")
	tm.Type(t, "h")
	wait("Connected", "BXfer")
	// MUTE lights its key.
	tm.Type(t, "u")
	wait("Muted")
	tm.Type(t, "u")
	tm.WaitScreen(t, 5*time.Second, "Connected")

	// TRANSFER (blind by default) to baresip 1003: 1002 is referred there.
	tm.Type(t, "t")
	wait("Transfer to")
	tm.Type(t, "1003")
	tm.Send(t, "Enter")
	b3.WaitEvent(t, "CALL_ESTABLISHED", 15*time.Second)
	wait("Redial", "Forward", "OFF-HOOK")
	tm.Send(t, "Space")
	wait("Redial", "on-hook")

	// A call from baresip rings the desk phone: Answer, then End.
	b3.Hangup(t)
	b2.Hangup(t)
	b3.Dial(t, "sip:1001@"+k.Domain)
	wait("Incoming call", "1003", "Answer", "Reject")
	tm.Send(t, "F1")
	wait("Connected", "1003")
	b3.WaitEvent(t, "CALL_ESTABLISHED", 15*time.Second)
	tm.Send(t, "F1") // End
	wait("Redial")

	quit(t, tm)
}

// quit types Ctrl-C, which powers the phone off and gives the terminal
// back.
func quit(t *testing.T, tm *testpeer.Tmux) {
	t.Helper()
	tm.Send(t, "C-c")
	deadline := time.Now().Add(10 * time.Second)
	for !tm.Dead() {
		if time.Now().After(deadline) {
			t.Fatalf("hdphone did not exit on Ctrl-C:\n%s", tm.Capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// With no flags the phone boots into the embedded lab (DHCP, provisioning,
// SIP) and registers; its flash (here DND, set with the softkey) is kept in
// --state between runs.
func TestDeskPhoneInTmuxEmbeddedLabAndState(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--model", "445HD", "--state", filepath.Join(dir, "flash"), "--addr", randomLoopback(), "--mac", "00908f000007"}
	tm := hdphoneInTmux(t, args...)
	tm.WaitScreen(t, 20*time.Second, "AudioCodes 445HD", "1007", "Registered", "lab: line 1007")
	tm.Send(t, "F3") // DND
	tm.WaitScreen(t, 5*time.Second, "Registered DND")
	quit(t, tm)

	again := hdphoneInTmux(t, args...)
	again.WaitScreen(t, 20*time.Second, "1007", "Registered DND")
	quit(t, again)
}

// The terminal faceplate has each model's keys where the phone has them:
// 445HD programmable keys 12-17 beside the screen and sidecar keys 1-33
// (indices 0-11 and 18-38); 450HD keys 0-7 beside the screen and
// expansion keys 9-48 (indices 8-47); RX50 none beside the screen (Menu >
// Keys).
//
// behaviour: KEYS-1
// behaviour: KEYS-2
// behaviour: KEYS-3
// behaviour: KEYS-4
func TestTermLayoutPerModel(t *testing.T) {
	sideOf := func(l term.Layout) (idx, num []int) {
		for _, s := range l.Side {
			idx, num = append(idx, s.Index), append(num, s.Number)
		}
		return
	}
	beside := func(l term.Layout) (out []int) {
		for _, s := range append(append([]term.Slot{}, l.Left...), l.Right...) {
			out = append(out, s.Index)
		}
		return
	}
	span := func(a, b int) (out []int) {
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
		return
	}
	l445 := termLayout(model.MustLookup(model.M445HD))
	if got := beside(l445); !slices.Equal(got, span(12, 17)) {
		t.Errorf("445HD keys beside the screen %v, want 12-17", got)
	}
	idx, num := sideOf(l445)
	if !slices.Equal(idx, append(span(0, 11), span(18, 38)...)) || !slices.Equal(num, span(1, 33)) {
		t.Errorf("445HD sidecar indices %v numbered %v, want 0-11,18-38 as 1-33", idx, num)
	}
	l450 := termLayout(model.MustLookup(model.M450HD))
	if got := beside(l450); !slices.Equal(got, span(0, 7)) {
		t.Errorf("450HD keys beside the screen %v, want 0-7", got)
	}
	idx, num = sideOf(l450)
	if !slices.Equal(idx, span(8, 47)) || !slices.Equal(num, span(9, 48)) {
		t.Errorf("450HD expansion indices %v numbered %v, want 8-47 as 9-48", idx, num)
	}
	if lrx := termLayout(model.MustLookup(model.MRX50)); len(lrx.Left)+len(lrx.Right)+len(lrx.Side) != 0 || slices.Contains(lrx.HardKeys, hw.KeyHook) {
		t.Errorf("RX50 layout has keys beside the screen or a handset: %+v", lrx)
	}
	if lhrs := termLayout(model.MustLookup(model.MHRS)); !slices.Equal(beside(lhrs), span(0, 7)) || len(lhrs.Side) != 0 {
		t.Errorf("HRS layout %+v, want keys 0-7 and no sidecar", lhrs)
	}
}
