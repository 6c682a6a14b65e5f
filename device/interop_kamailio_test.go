package device_test

import (
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
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
func TestPhonesCallEachOtherThroughKamailio(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	t.Run("untrusted", func(t *testing.T) {
		k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
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
		// A Kamailio of its own: the refused handshake above can leave the
		// TLS worker that took it broken (Kamailio 5.6 logs "freeing already
		// freed pointer" in its tls module and then closes every handshake
		// that worker takes).
		k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
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

// Kamailio demanding a client certificate from its test CA or the hdphone
// Factory CA registers a TLS phone that has no SIP certificate: the phone
// presents its factory certificate, made for the occasion and kept in
// flash under its MAC.
//
// behaviour: SEC-3
func TestFactoryCertificateAtKamailio(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{RequireClientCert: true,
		ClientCAs: [][]byte{factorycert.CACertPEM()}})
	p := kamPhone(t, k, "1001", 1000, "TLS")
	waitState(t, p.Phone, "registered over mutual TLS", registered)
	if len(k.Contacts(t, "1001")) == 0 {
		t.Error("Kamailio holds no contact of the phone")
	}
	kp, err := p.Flash().Certificates().KeyPair(flash.SlotFactory)
	if err != nil {
		t.Fatalf("no factory certificate in flash: %v", err)
	}
	leaf, err := x509.ParseCertificate(kp.Certificate[0])
	if err != nil || leaf.Subject.CommonName != p.MAC() {
		t.Fatalf("factory certificate %v for %s: %v", leaf.Subject, p.MAC(), err)
	}
}

// regClock drives a phone's registration timers on a fake clock and reads
// the line's registration events.
type regClock struct {
	t      *testing.T
	clk    *clocktest.Fake
	events *eventLog
	last   time.Time // fake time of the last attempt's outcome
}

// next moves the fake clock from timer to timer until the line starts a new
// registration attempt (the event start: "registering" after a failure; a
// refresh of a registered line shows only its outcome, so start is the
// outcome then), waits for the attempt's outcome, and returns how long after
// the previous outcome the attempt's timer was due: the phone's back-off.
func (r *regClock) next(limit time.Duration, start, outcome string) time.Duration {
	r.t.Helper()
	r.events.seen = nil
	for {
		due := r.armed(r.last.Add(limit))
		r.clk.Set(due)
		// Another timer (an ended call leaving the screen) starts nothing.
		if r.events.within(device.EventRegistration, start, 2*time.Second) {
			took := due.Sub(r.last)
			r.last = r.events.wait(r.t, device.EventRegistration, outcome, 10*time.Second).At
			return took
		}
	}
}

// armed waits (real time) until a timer is armed after the fake now and
// no later than by (the phone arms its retry just after reporting the
// failure) and returns the earliest deadline.
func (r *regClock) armed(by time.Time) time.Time {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d, ok := r.clk.NextDeadline(); ok && d.After(r.clk.Now()) && !d.After(by) {
			return d
		}
		if time.Now().After(deadline) {
			d, _ := r.clk.NextDeadline()
			r.t.Fatalf("no timer due by %s (next %s): no registration attempt", by.Format(time.TimeOnly), d.Format(time.TimeOnly))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A registrar that goes away and comes back (Kamailio stopped, then
// restarted on the same ports): the failed refresh shows "Failed to connect
// sip.test server" and refuses calls; the phone retries after 30 s, then 60
// s, then 120 s (the back-off doubles), and registers again once Kamailio
// is back, clearing the notification. A wrong password shows "Invalid
// address, username or password".
//
// behaviour: SIGN-13
// behaviour: SIGN-14
func TestRegistrarFailuresAtKamailio(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	owner := t // the restarted Kamailio serves the later subtests too
	t.Run("registrar gone and back", func(t *testing.T) {
		clk := clocktest.New(time.Now())
		p := startIxPhone(t, ixPhone{user: "1001", freq: 1000, clock: clk, cfg: append(kamLine(k, "1001", "UDP"),
			"voip/signalling/sip/registration_expires=120",
			"voip/signalling/sip/outgoing_request_no_response_timeout_ms=500")})
		rc := &regClock{t: t, clk: clk, events: watchEvents(t, p.Phone)}
		waitState(t, p.Phone, "registered", registered)
		rc.last = clk.Now()
		noServer := fmt.Sprintf(device.NoteNoServer, k.Domain)

		k.Stop()
		// The refresh (at half of the 120 s granted) gets no answer.
		if took := rc.next(2*time.Minute, "line 0 failed", "line 0 failed"); took != 60*time.Second {
			t.Errorf("refresh after %s, want 60 s", took)
		}
		s := waitState(t, p.Phone, "failure shown", func(s device.State) bool { return s.HasNotification(noServer) })
		if s.Lines[0].State != device.RegFailed || !strings.Contains(s.Lines[0].Reason, "no response") {
			t.Errorf("line %+v", s.Lines[0])
		}
		id, err := p.Dial(bg, "1002")
		if err != nil {
			t.Fatal(err)
		}
		if c := ended(t, p, id); c.EndReason != noServer {
			t.Errorf("a call while the registrar is gone ended with %q, want the notification", c.EndReason)
		}
		// Back-off: 30 s, then 60 s.
		for _, want := range []time.Duration{30 * time.Second, 60 * time.Second} {
			if took := rc.next(3*time.Minute, "line 0 registering", "line 0 failed"); took != want {
				t.Errorf("retry after %s, want %s", took, want)
			}
		}
		k.Restart(owner)
		if took := rc.next(3*time.Minute, "line 0 registering", "line 0 registered"); took != 120*time.Second {
			t.Errorf("retry after %s, want 120 s", took)
		}
		s = waitState(t, p.Phone, "notification cleared", func(s device.State) bool { return !s.HasNotification(noServer) })
		if !registered(s) || len(k.Contacts(t, "1001")) != 1 {
			t.Errorf("after Kamailio's return: line %+v, contacts %v", s.Lines[0], k.Contacts(t, "1001"))
		}
	})
	t.Run("503 with Retry-After from SIPp", func(t *testing.T) {
		reg := testpeer.StartSIPp(t, testpeer.SIPpConfig{Scenario: sippScenario("uas-registrar-503.xml")})
		clk := clocktest.New(time.Now())
		p := startIxPhone(t, ixPhone{user: "1002", freq: 1000, clock: clk, cfg: []string{
			"voip/line/0/enabled=1", "voip/line/0/id=1002", "voip/line/0/auth_password=pass1002",
			"voip/signalling/sip/use_proxy=1", "voip/signalling/sip/proxy_address=127.0.0.1",
			"voip/signalling/sip/proxy_port=" + strconv.Itoa(reg.Port), "voip/signalling/sip/proxy_gateway=pbx.test"}})
		rc := &regClock{t: t, clk: clk, events: watchEvents(t, p.Phone)}
		s := waitState(t, p.Phone, "503 shown", func(s device.State) bool {
			return s.HasNotification("Failed to connect pbx.test server")
		})
		if s.Lines[0].Reason != "503 Service Unavailable" {
			t.Errorf("line %+v", s.Lines[0])
		}
		// The retry waits for Retry-After (45 s), longer than the 30 s back-off.
		rc.last = s.Notifications[0].Since // the failure's fake time
		if took := rc.next(2*time.Minute, "line 0 registering", "line 0 registered"); took != 45*time.Second {
			t.Errorf("retry after %s, want Retry-After's 45 s", took)
		}
		waitState(t, p.Phone, "cleared", func(s device.State) bool { return !s.HasNotification("Failed to connect pbx.test server") })
		if err := reg.Wait(t, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := kamLine(k, "1003", "UDP")
		cfg = append(cfg, "voip/line/0/auth_password=not-the-password")
		p := startIxPhone(t, ixPhone{user: "1003", freq: 1000, cfg: cfg})
		s := waitState(t, p.Phone, "credentials refused", func(s device.State) bool {
			return s.HasNotification(device.NoteBadCredentials)
		})
		if ln := s.Lines[0]; ln.State != device.RegFailed || !strings.HasPrefix(ln.Reason, "401 ") && !strings.HasPrefix(ln.Reason, "403 ") {
			t.Errorf("line %+v, want failed with the registrar's 401/403", ln)
		}
		if len(k.Contacts(t, "1003")) != 0 {
			t.Error("Kamailio registered a phone with a wrong password")
		}
	})
}
