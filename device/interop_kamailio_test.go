package device_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// Two phones registered at Kamailio call each other over UDP, TCP and TLS,
// through Kamailio's record-routing proxy with digest challenges on every
// call (407). TLS trusts Kamailio's test CA, which the phones hold in CA
// slot 0 (security/ca_certificate/0) rather than ignoring certificate errors.
// Each transport places a call each way: tones heard both ways, hold and
// resume by re-INVITE, and hang-up from either side.
//
// behaviour: SIP-1
// behaviour: SIP-3
// behaviour: SIP-9
// behaviour: MEDIA-1
// behaviour: CALL-4
func TestPhonesCallEachOtherThroughKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	for i, tr := range []string{"UDP", "TCP", "TLS"} {
		ua, ub := 1001+2*i, 1002+2*i
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			a := kamPhone(t, k, strconv.Itoa(ua), 1000, tr)
			b := kamPhone(t, k, strconv.Itoa(ub), 600, tr)
			for _, p := range []*labPhone{a, b} {
				s := waitState(t, p.Phone, p.user+" registered at Kamailio", registered)
				if want := ";transport=" + strings.ToLower(tr); tr != "UDP" && !strings.Contains(s.Lines[0].Registrar, strings.ToLower(tr)) {
					t.Errorf("%s registered at %q, want %s", p.user, s.Lines[0].Registrar, want)
				}
				contacts := k.Contacts(t, p.user)
				if len(contacts) != 1 {
					t.Fatalf("Kamailio holds %v for %s, want one contact", contacts, p.user)
				}
				if tr != "UDP" && !strings.Contains(strings.ToLower(contacts[0]), "transport="+strings.ToLower(tr)) {
					t.Errorf("Kamailio contact %q of %s is not over %s", contacts[0], p.user, tr)
				}
			}

			// A calls B; B answers; both hear each other.
			aID, bID := connect(t, a, b)
			if c := callOf(a.Snapshot(), aID); c.Codec != "G722" {
				t.Errorf("codec %q, want G722 (first of both phones' factory list)", c.Codec)
			}
			phoneHears(t, a, aID, 600)
			phoneHears(t, b, bID, 1000)

			// Hold: B sees the far end hold; A, holding, hears nothing of B
			// (B is receive-only now).
			if err := a.Hold(bg, aID); err != nil {
				t.Fatal(err)
			}
			waitState(t, b.Phone, "B sees remote hold", func(s device.State) bool { return callOf(s, bID).RemoteHeld })
			time.Sleep(200 * time.Millisecond) // what was in flight
			mark := len(a.heard(aID))
			time.Sleep(600 * time.Millisecond)
			if held := a.heard(aID)[mark:]; hears(held, 600) > 0.1 {
				t.Errorf("A hears B's tone at %.2f while holding the call", hears(held, 600))
			}
			// Resume: both hear each other again.
			markA, markB := len(a.heard(aID)), len(b.heard(bID))
			if err := a.Resume(bg, aID); err != nil {
				t.Fatal(err)
			}
			waitState(t, b.Phone, "B sees resume", func(s device.State) bool {
				c := callOf(s, bID)
				return c.State == device.CallConnected && !c.RemoteHeld
			})
			phoneHearsFrom(t, b, bID, 1000, markB)
			phoneHearsFrom(t, a, aID, 600, markA)

			// The called side hangs up.
			if err := b.Hangup(bg, bID); err != nil {
				t.Fatal(err)
			}
			if c := ended(t, a, aID); c.EndReason != "remote hangup" {
				t.Errorf("A's call ended with %q, want remote hangup", c.EndReason)
			}

			// B calls A; the caller hangs up this time.
			bID, aID = connect(t, b, a)
			phoneHears(t, a, aID, 600)
			phoneHears(t, b, bID, 1000)
			if err := b.Hangup(bg, bID); err != nil {
				t.Fatal(err)
			}
			if c := ended(t, a, aID); c.EndReason != "remote hangup" {
				t.Errorf("A's call ended with %q, want remote hangup", c.EndReason)
			}
		})
	}
}

// SIP over TLS checks Kamailio's certificate against the phone's CAs: a
// phone without the test CA refuses the server and shows "Failed to
// validate certificate"; the same phone with
// security/SSLCertificateErrorsMode=Ignore registers and calls a phone that
// does trust the CA.
//
// behaviour: SIGN-13
// behaviour: SIGN-14
// behaviour: SIP-9
func TestTLSCertificateTrustAtKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	t.Run("untrusted", func(t *testing.T) {
		p := startIxPhone(t, ixPhone{user: "1001", freq: 1000, cfg: kamLine(k, "1001", "TLS")})
		s := waitState(t, p.Phone, "certificate refused", func(s device.State) bool {
			return s.HasNotification(device.NoteCertificate)
		})
		if s.Lines[0].State != device.RegFailed {
			t.Errorf("line %+v, want failed", s.Lines[0])
		}
		if len(k.Contacts(t, "1001")) != 0 {
			t.Error("Kamailio holds a contact of a phone that refused its certificate")
		}
		// While the notification is shown the phone places no calls.
		id, err := p.Dial(bg, "1002")
		if err != nil {
			t.Fatal(err)
		}
		if c := ended(t, p, id); c.EndReason != device.NoteCertificate {
			t.Errorf("call ended with %q, want the notification", c.EndReason)
		}
	})
	t.Run("Ignore", func(t *testing.T) {
		a := startIxPhone(t, ixPhone{user: "1003", freq: 1000,
			cfg: append(kamLine(k, "1003", "TLS"), "security/SSLCertificateErrorsMode=Ignore")})
		b := kamPhone(t, k, "1004", 600, "TLS")
		for _, p := range []*labPhone{a, b} {
			waitState(t, p.Phone, p.user+" registered", registered)
		}
		aID, bID := connect(t, a, b)
		phoneHears(t, a, aID, 600)
		phoneHears(t, b, bID, 1000)
	})
}
