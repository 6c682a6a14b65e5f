package device_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// onlyCodec is the codec priority list of a phone that offers and accepts
// one codec (voip/codec/codec_info/0 only): the way an administrator forces
// a codec (MEDIA-2).
func onlyCodec(name string) []string {
	out := []string{"voip/codec/codec_info/0/name=" + name, "voip/codec/codec_info/0/enabled=1"}
	for i := 1; i < 5; i++ {
		out = append(out, fmt.Sprintf("voip/codec/codec_info/%d/enabled=0", i))
	}
	return out
}

func startKamLinphone(t *testing.T, k *testpeer.Kamailio, cfg testpeer.LinphoneConfig) *testpeer.Linphone {
	t.Helper()
	cfg.Domain, cfg.Registrar = k.Domain, k.Addr()
	return testpeer.StartLinphone(t, cfg)
}

// linphoneLog returns liblinphone's debug log (the SIP messages it sent and
// received).
func linphoneLog(l *testpeer.Linphone) string {
	b, _ := os.ReadFile(filepath.Join(l.Dir, "lp.log"))
	return string(b)
}

// linphoneHears checks what linphonec recorded of the last call: the file
// gets its WAV header when the call ends.
func linphoneHears(t *testing.T, l *testpeer.Linphone, freq float64) {
	t.Helper()
	peerHears(t, "linphonec "+l.User, func() string { return l.RecvWAV }, freq)
}

// callBothWays has phone p call linphonec l and l call p, each with the tone
// of the other heard and the codec of both checked; p hangs up the first
// call and l the second. It returns the two calls as the phone saw them.
func callBothWays(t *testing.T, k *testpeer.Kamailio, p *labPhone, l *testpeer.Linphone, codec string, lpHz float64) {
	t.Helper()
	mark := len(l.Output())
	id, err := p.Dial(bg, l.User)
	if err != nil {
		t.Fatal(err)
	}
	s := waitState(t, p.Phone, "linphonec answers", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	if c := callOf(s, id); c.Codec != codec {
		t.Errorf("phone→linphonec codec %q, want %s", c.Codec, codec)
	}
	phoneHears(t, p, id, lpHz)
	time.Sleep(500 * time.Millisecond) // linphonec records at least a second
	if err := p.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	l.WaitOutputAfter(t, mark, "ended", 5*time.Second)
	linphoneHears(t, l, p.freq)

	mark = len(l.Output())
	l.Command(t, "call sip:"+p.user+"@"+k.Domain)
	in := ringing(t, p, l.User)
	if err := p.Answer(bg, in); err != nil {
		t.Fatal(err)
	}
	if c := callOf(p.Snapshot(), in); c.Codec != codec {
		t.Errorf("linphonec→phone codec %q, want %s", c.Codec, codec)
	}
	phoneHears(t, p, in, lpHz)
	time.Sleep(500 * time.Millisecond)
	l.Command(t, "terminate")
	if c := ended(t, p, in); c.EndReason != "remote hangup" {
		t.Errorf("ended with %q, want remote hangup", c.EndReason)
	}
	l.WaitOutputAfter(t, mark, "ended", 5*time.Second)
	linphoneHears(t, l, p.freq)
}

// Calls between phones and linphonec in both directions with the codec the
// phone's priority list forces (G.711 µ-law and A-law, G.722), and with
// SDES-SRTP (voip/media/srtp/mode=MANDATORY against linphone's
// media_encryption=srtp), each checked by the tone both sides heard.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-2
// behaviour: MEDIA-8
func TestCodecsAndSRTPWithLinphone(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		l := startKamLinphone(t, k, testpeer.LinphoneConfig{User: "1006", ToneHz: 600,
			Codecs: []string{"PCMU/8000", "PCMA/8000", "G722/8000"}})
		for i, codec := range []string{"PCMU", "PCMA", "G722"} {
			t.Run(codec, func(t *testing.T) {
				p := kamPhone(t, k, fmt.Sprint(1001+i), 1000, "UDP", onlyCodec(codec)...)
				waitState(t, p.Phone, "registered", registered)
				callBothWays(t, k, p, l, codec, 600)
			})
		}
		if log := linphoneLog(l); strings.Contains(log, "a=crypto") {
			t.Error("SDES keys in a call without SRTP")
		}
	})
	t.Run("SRTP", func(t *testing.T) {
		t.Parallel()
		l := startKamLinphone(t, k, testpeer.LinphoneConfig{User: "1007", ToneHz: 800, MediaEncryption: "srtp",
			Codecs: []string{"G722/8000", "PCMU/8000"}})
		p := kamPhone(t, k, "1004", 1000, "UDP", append(onlyCodec("G722"), "voip/media/srtp/mode=MANDATORY")...)
		waitState(t, p.Phone, "registered", registered)
		callBothWays(t, k, p, l, "G722", 800)
		// Both offers and both answers were RTP/SAVP with SDES keys: the
		// phone's INVITE and 200 OK as linphonec received them.
		log := linphoneLog(l)
		if n := strings.Count(log, "m=audio"); n < 4 || strings.Count(log, "RTP/SAVP") < n || strings.Count(log, "a=crypto:") < n {
			t.Errorf("linphonec's log has %d audio streams, %d RTP/SAVP, %d a=crypto; want SDES-SRTP in each",
				n, strings.Count(log, "RTP/SAVP"), strings.Count(log, "a=crypto:"))
		}
	})
}

// Attended transfer with linphonec as the transferee: linphonec calls phone
// B, B consults phone C and completes the transfer; linphonec honours the
// REFER's Replaces, so C's consultation is replaced by a call with
// linphonec, and the two hear each other.
//
// behaviour: XFER-1
// behaviour: XFER-4
func TestAttendedTransferOfLinphone(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	a := startKamLinphone(t, k, testpeer.LinphoneConfig{User: "1006", ToneHz: 600})
	b := kamPhone(t, k, "1002", 1000, "UDP", "voip/signalling/sip/hk_blind_transfer/enable=0")
	c := kamPhone(t, k, "1003", 1400, "UDP")
	for _, p := range []*labPhone{b, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	a.Command(t, "call sip:1002@"+k.Domain)
	bID := ringing(t, b, "1006")
	if err := b.Answer(bg, bID); err != nil {
		t.Fatal(err)
	}
	phoneHears(t, b, bID, 600)
	if err := b.TransferKey(bg, bID, "1003"); err != nil {
		t.Fatal(err)
	}
	cID := ringing(t, c, "1002")
	if err := c.Answer(bg, cID); err != nil {
		t.Fatal(err)
	}
	consult := talkingTo(t, b, "1003")
	mark := len(a.Output())
	if err := b.CompleteTransfer(bg); err != nil {
		t.Fatal(err)
	}
	// C's consultation is replaced: it ends, and a call with linphonec
	// (auto-answered for the Replaces) takes its place.
	fromA := talkingTo(t, c, "1006")
	// Ended by C itself (its SIP stack ends the replaced dialog, and the
	// phone hangs it up once the new call is answered; whichever comes
	// first names it) or by B's BYE.
	switch got := ended(t, c, cID); got.EndReason {
	case "replaced", "hangup", "remote hangup":
	default:
		t.Errorf("C's consultation ended with %q", got.EndReason)
	}
	if got := ended(t, b, bID); !strings.HasPrefix(got.Transfer, "transfer: 200 ") {
		t.Errorf("B's transferred call shows %q, want the final NOTIFY's 200 OK", got.Transfer)
	}
	ended(t, b, consult.ID)
	phoneHears(t, c, fromA.ID, 600)
	_ = mark
	if log := linphoneLog(a); !strings.Contains(log, "Replaces:") {
		t.Error("linphonec's INVITE to C carried no Replaces header")
	}
	// What linphonec hears of C, recorded on its own: the replaced and the
	// held call, ending after it, would rewrite the shared recording.
	after := filepath.Join(a.Dir, "after-transfer.wav")
	a.Command(t, "record "+after)
	time.Sleep(1500 * time.Millisecond)
	a.Command(t, "terminate")
	ended(t, c, fromA.ID)
	peerHears(t, "linphonec after the transfer", func() string { return after }, 1400)
}

// Attended transfer with linphonec as the transferor: linphonec calls phone
// A, holds it, calls phone C and transfers A to C. A, the transferee,
// calls C with Replaces and reports progress; C's call with linphonec is
// replaced, and A and C hear each other.
//
// behaviour: XFER-4
func TestAttendedTransferByLinphone(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	l := startKamLinphone(t, k, testpeer.LinphoneConfig{User: "1006", ToneHz: 600})
	a := kamPhone(t, k, "1001", 1000, "UDP")
	c := kamPhone(t, k, "1003", 1400, "UDP")
	for _, p := range []*labPhone{a, c} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	l.Command(t, "call sip:1001@"+k.Domain)
	aID := ringing(t, a, "1006")
	if err := a.Answer(bg, aID); err != nil {
		t.Fatal(err)
	}
	phoneHears(t, a, aID, 600)
	l.Command(t, "pause 1") // linphonec places a second call only with the first held
	waitState(t, a.Phone, "held by linphonec", func(s device.State) bool { return callOf(s, aID).RemoteHeld })
	l.Command(t, "call sip:1003@"+k.Domain)
	cID := ringing(t, c, "1006")
	if err := c.Answer(bg, cID); err != nil {
		t.Fatal(err)
	}
	phoneHears(t, c, cID, 600)
	l.Command(t, "transfer 1 --to-call 2")
	aToC := talkingTo(t, a, "1003")
	cFromA := talkingTo(t, c, "1001")
	if got := ended(t, c, cID); got.EndReason != "replaced" && got.EndReason != "hangup" {
		t.Logf("C's call with linphonec ended with %q", got.EndReason)
	}
	ended(t, a, aID) // linphonec hangs up once told the transfer worked
	phoneHears(t, a, aToC.ID, 1400)
	phoneHears(t, c, cFromA.ID, 1000)
}

// DTMF between phones and linphonec: RFC 4733 telephone-events in the media
// when both offer telephone-event, SIP INFO (application/dtmf-relay) when
// linphonec answers without it (use_rfc2833=0, use_info=1). Digits the phone
// sends are what linphonec reports receiving; digits linphonec sends arrive
// as the phone's DTMF events.
//
// behaviour: SIP-1
func TestDTMFWithLinphone(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	for i, info := range []bool{false, true} {
		name := map[bool]string{false: "RFC 4733", true: "SIP INFO"}[info]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := startKamLinphone(t, k, testpeer.LinphoneConfig{User: fmt.Sprint(1006 + i), DTMFInfo: info})
			p := kamPhone(t, k, fmt.Sprint(1001+i), 1000, "UDP")
			waitState(t, p.Phone, "registered", registered)
			events := watchEvents(t, p.Phone)
			mark := len(l.Output())
			id, err := p.Dial(bg, l.User)
			if err != nil {
				t.Fatal(err)
			}
			waitState(t, p.Phone, "answered", func(s device.State) bool { return callState(s, id) == device.CallConnected })
			phoneHears(t, p, id, 600)
			if err := p.SendDTMF(bg, id, "5#"); err != nil {
				t.Fatal(err)
			}
			l.WaitOutputAfter(t, mark, "Receiving tone 5", 5*time.Second)
			l.WaitOutputAfter(t, mark, "Receiving tone #", 5*time.Second)
			l.Command(t, "7")
			events.wait(t, device.EventDTMF, id+" 7", 5*time.Second)
			// linphonec logs the INFO it sent a moment after sending it.
			infos := strings.Count(linphoneLog(l), "application/dtmf-relay")
			for deadline := time.Now().Add(5 * time.Second); info && infos < 3 && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				infos = strings.Count(linphoneLog(l), "application/dtmf-relay")
			}
			if info && infos < 3 {
				t.Errorf("%d dtmf-relay bodies in linphonec's log, want the phone's two INFOs and its own", infos)
			}
			if !info && infos > 0 {
				t.Errorf("SIP INFO digits although telephone-event was negotiated")
			}
			if err := p.Hangup(bg, id); err != nil {
				t.Fatal(err)
			}
		})
	}
}
