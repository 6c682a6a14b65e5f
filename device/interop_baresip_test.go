package device_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// startKamBaresip starts baresip as user at Kamailio, playing a tone of hz.
func startKamBaresip(t *testing.T, k *testpeer.Kamailio, user string, hz int, manual bool) *testpeer.Baresip {
	t.Helper()
	return testpeer.StartBaresip(t, testpeer.BaresipConfig{User: user, Domain: k.Domain, Registrar: k.Addr(),
		ToneHz: hz, ManualAnswer: manual})
}

// A phone calls baresip and baresip calls the phone, both through
// Kamailio: each side hears the other's tone (baresip records what it
// decodes, the phone's speaker is a recorder), and each call is ended by one
// side and seen ended by the other.
//
// behaviour: SIP-1
// behaviour: MEDIA-2
func TestPhoneAndBaresipCallEachOther(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	bs := startKamBaresip(t, k, "1002", 1400, true)
	p := kamPhone(t, k, "1001", 600, "UDP")
	waitState(t, p.Phone, "registered", registered)

	t.Run("phone calls baresip", func(t *testing.T) {
		id, err := p.Dial(bg, "1002")
		if err != nil {
			t.Fatal(err)
		}
		in := bs.WaitEvent(t, "CALL_INCOMING", 10*time.Second)
		if !strings.Contains(in.PeerURI, "1001@") {
			t.Errorf("baresip sees the call from %q", in.PeerURI)
		}
		waitState(t, p.Phone, "ringback", func(s device.State) bool { return callState(s, id) == device.CallRinging })
		bs.Accept(t)
		s := waitState(t, p.Phone, "connected", func(s device.State) bool { return callState(s, id) == device.CallConnected })
		if c := callOf(s, id); c.Codec != "PCMU" && c.Codec != "PCMA" {
			t.Errorf("codec %q: baresip has G.711 only", c.Codec)
		}
		bs.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
		phoneHears(t, p, id, 1400)
		peerHears(t, "baresip", func() string { return baresipHeard(bs) }, 600)
		if err := p.Hangup(bg, id); err != nil {
			t.Fatal(err)
		}
		bs.WaitEvent(t, "CALL_CLOSED", 5*time.Second)
	})

	t.Run("baresip calls the phone", func(t *testing.T) {
		bs.Dial(t, "sip:1001@"+k.Domain)
		id := ringing(t, p, "1002")
		if err := p.Answer(bg, id); err != nil {
			t.Fatal(err)
		}
		bs.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
		phoneHears(t, p, id, 1400)
		peerHears(t, "baresip", func() string { return baresipHeard(bs) }, 600)
		bs.Hangup(t)
		if c := ended(t, p, id); c.EndReason != "remote hangup" {
			t.Errorf("ended with %q, want remote hangup", c.EndReason)
		}
	})
}

// Attended transfer A→B→C with baresip as C, the target: phone A calls
// phone B, B consults baresip and completes the transfer (REFER with
// Replaces to A). baresip 1.0 has no RFC 3891 and answers A's INVITE with
// Replaces "420 Bad Extension": A calls it again without the extension
// (RFC 3261 §8.1.3.5), and B, told the transfer worked, ends both its calls.
// A and baresip then hear each other.
//
// behaviour: XFER-1
// behaviour: XFER-4
func TestAttendedTransferToBaresip(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	c := startKamBaresip(t, k, "1003", 1400, false)
	a := kamPhone(t, k, "1001", 1000, "UDP")
	b := kamPhone(t, k, "1002", 600, "UDP", "voip/signalling/sip/hk_blind_transfer/enable=0")
	for _, p := range []*labPhone{a, b} {
		waitState(t, p.Phone, p.user+" registered", registered)
	}
	aEvents := watchEvents(t, a.Phone)
	aID, bID := connect(t, a, b)
	if err := b.TransferKey(bg, bID, "1003"); err != nil {
		t.Fatal(err)
	}
	waitState(t, b.Phone, "A held during the consultation", func(s device.State) bool { return callState(s, bID) == device.CallHeld })
	c.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second) // baresip answers the consultation
	consult := talkingTo(t, b, "1003")
	phoneHears(t, b, consult.ID, 1400)
	if err := b.CompleteTransfer(bg); err != nil {
		t.Fatal(err)
	}
	aEvents.wait(t, device.EventCall, "420 Bad Extension: calling 1003 without Replaces", 10*time.Second)
	aToC := talkingTo(t, a, "1003")
	if c := ended(t, b, bID); c.Transfer != "transfer: 200 OK" {
		t.Errorf("B's transferred call shows %q, want the final NOTIFY's 200 OK", c.Transfer)
	}
	ended(t, a, aID)
	ended(t, b, consult.ID)
	c.WaitEvent(t, "CALL_CLOSED", 5*time.Second) // the consultation, ended by B
	phoneHears(t, a, aToC.ID, 1400)
	peerHears(t, "baresip", func() string { return baresipHeard(c) }, 1000)
	if calls := c.Command(t, "listcalls", ""); strings.Count(calls, "sip:") != 1 || !strings.Contains(calls, "sip:1001@") {
		t.Errorf("baresip's calls after the transfer:\n%s\nwant only the one with A", calls)
	}
	// End the call here: baresip, stopped in a call, waits for its BYE.
	a.Hangup(bg, aToC.ID)
	c.WaitEvent(t, "CALL_CLOSED", 5*time.Second)
}

// SDES-SRTP with baresip (its srtp module, mediaenc=srtp-mand) in both
// directions, with G.722 (its g722 module) forced by the phone's codec
// list: each side hears the other's tone, so each decrypts the other's SRTP.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-8
func TestSRTPWithBaresip(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/lib/baresip/modules/srtp.so"); err != nil {
		testpeer.Unavailable(t, "baresip's srtp module")
	}
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	bs := testpeer.StartBaresip(t, testpeer.BaresipConfig{User: "1002", Domain: k.Domain, Registrar: k.Addr(),
		ToneHz: 1400, ManualAnswer: true, Modules: []string{"g722.so", "srtp.so"}, MediaEnc: "srtp-mand"})
	p := kamPhone(t, k, "1001", 600, "UDP", append(onlyCodec("G722"), "voip/media/srtp/mode=MANDATORY")...)
	waitState(t, p.Phone, "registered", registered)

	id, err := p.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	bs.WaitEvent(t, "CALL_INCOMING", 10*time.Second)
	bs.Accept(t)
	s := waitState(t, p.Phone, "connected", func(s device.State) bool { return callState(s, id) == device.CallConnected })
	if c := callOf(s, id); c.Codec != "G722" {
		t.Errorf("codec %q, want G722", c.Codec)
	}
	phoneHears(t, p, id, 1400)
	peerHears(t, "baresip", func() string { return baresipHeard(bs) }, 600)
	if err := p.Hangup(bg, id); err != nil {
		t.Fatal(err)
	}
	bs.WaitEvent(t, "CALL_CLOSED", 5*time.Second)

	bs.Dial(t, "sip:1001@"+k.Domain)
	in := ringing(t, p, "1002")
	if err := p.Answer(bg, in); err != nil {
		t.Fatal(err)
	}
	phoneHears(t, p, in, 1400)
	peerHears(t, "baresip", func() string { return baresipHeard(bs) }, 600)
	bs.Hangup(t)
	ended(t, p, in)
	// baresip's SIP trace (-s) shows the SDP both ways: RTP/SAVP with SDES
	// keys only.
	out := bs.Output()
	if n := strings.Count(out, "m=audio"); n < 4 || strings.Count(out, "m=audio") != strings.Count(out, "RTP/SAVP") || strings.Count(out, "a=crypto:") < n {
		t.Errorf("baresip's trace: %d audio streams, %d RTP/SAVP, %d a=crypto; want SDES-SRTP in each",
			n, strings.Count(out, "RTP/SAVP"), strings.Count(out, "a=crypto:"))
	}
}

// DTMF with baresip: the phone's digits go as RFC 4733 telephone-events,
// which baresip reports (CALL_DTMF_START); baresip's digits (sndcode)
// arrive as the phone's DTMF events.
//
// behaviour: SIP-1
func TestDTMFWithBaresip(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	bs := startKamBaresip(t, k, "1002", 1400, false)
	p := kamPhone(t, k, "1001", 600, "UDP")
	waitState(t, p.Phone, "registered", registered)
	events := watchEvents(t, p.Phone)
	id, err := p.Dial(bg, "1002")
	if err != nil {
		t.Fatal(err)
	}
	bs.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	phoneHears(t, p, id, 1400)
	if err := p.SendDTMF(bg, id, "58"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5", "8"} {
		if got := bs.WaitEvent(t, "CALL_DTMF_START", 5*time.Second); got.Param != want {
			t.Errorf("baresip received digit %q, want %q", got.Param, want)
		}
	}
	bs.Command(t, "sndcode", "3")
	events.wait(t, device.EventDTMF, id+" 3", 5*time.Second)
	if strings.Contains(bs.Output(), "dtmf-relay") {
		t.Error("SIP INFO digits although telephone-event was negotiated")
	}
	p.Hangup(bg, id)
}
