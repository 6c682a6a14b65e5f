package web_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/ui/web"
)

var adminPages = []string{
	"/management/manual-update/configuration-file",
	"/management/manual-update/configuration-file/save",
	"/management/manual-update/configuration-file/load",
	"/management/manual-update/firmware-upgrade",
	"/management/automatic-update/automatic-provisioning",
	"/management/administration/restart-system",
	"/management/administration/restore-defaults",
	"/status/diagnostics/syslog-config",
	"/status/diagnostics/tombstone-dump",
	"/configuration/security/certificate-signing-request",
	"/status/diagnostics/monitoring",
}

var userPages = []string{
	"/home",
	"/configuration/personal-settings/function-keys",
	"/configuration/personal-settings/programmable-keys",
	"/configuration/lync-sign-in/sign-in",
	"/status/system-status/network-status",
	"/status/system-status/voip-status",
	"/status/history/call-history",
	"/status/system-information/release-information",
	"/status/system-information/system-information",
	"/faceplate",
}

func TestNoPageWithoutLogin(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	for _, path := range append(append([]string{}, adminPages...), userPages...) {
		p := b.get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
			t.Errorf("GET %s without login: status %d, Location %q", path, p.status, p.header.Get("Location"))
		}
	}
	for _, path := range []string{"/management/administration/restart-system", "/management/administration/restore-defaults"} {
		p := b.post(path, url.Values{"step": {"confirm"}})
		mustStatus(t, p, http.StatusUnauthorized)
	}
	if st := tp.phone.Snapshot(); st.BootCount != 1 {
		t.Fatalf("a POST without login restarted the phone (boot %d)", st.BootCount)
	}
}

// behaviour: AUTH-1
func TestAdminAndUserAccounts(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	admin := tp.browser(t)
	admin.mustLogin("admin", "1234")
	for _, path := range append(append([]string{}, adminPages...), userPages...) {
		if p := admin.get(path); p.status != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, p.status)
		}
	}
	home := admin.get("/home")
	mustContain(t, home, `id="default-password-warning"`, "Management", "Status &amp; Diagnostics", "Configuration")

	user := tp.browser(t)
	user.mustLogin("user", "1234")
	for _, path := range userPages {
		if p := user.get(path); p.status != http.StatusOK {
			t.Errorf("user GET %s: %d", path, p.status)
		}
	}
	for _, path := range adminPages {
		if p := user.get(path); p.status != http.StatusForbidden {
			t.Errorf("user GET %s: %d, want 403", path, p.status)
		}
	}
	// The user cannot restart the phone even with a valid session token.
	p := user.post("/management/administration/restart-system", url.Values{"step": {"confirm"}})
	mustStatus(t, p, http.StatusForbidden)
	if h := user.get("/home"); strings.Contains(h.body, "/management/") {
		t.Fatal("the user's menu links to Management pages")
	}
	if st := tp.phone.Snapshot(); st.BootCount != 1 {
		t.Fatalf("user restarted the phone (boot %d)", st.BootCount)
	}

	bad := tp.browser(t)
	mustStatus(t, bad.login("admin", "12345"), http.StatusUnauthorized)
	mustContain(t, bad.login("root", "1234"), "Wrong user name or password")
}

func TestChangedCredentialsAndNoBanner(t *testing.T) {
	tp := startPhone(t, phoneOpts{config: cfgLines("system/user_name=boss", "system/password=s3cret!", "system/web_user_password=letmein")})
	b := tp.browser(t)
	mustStatus(t, b.login("admin", "1234"), http.StatusUnauthorized)
	b.mustLogin("boss", "s3cret!")
	if strings.Contains(b.get("/home").body, "default-password-warning") {
		t.Fatal("banner shown although no default password is in use")
	}
	u := tp.browser(t)
	mustStatus(t, u.login("user", "1234"), http.StatusUnauthorized)
	u.mustLogin("user", "letmein")
}

// Passwords given in the encrypted {"…"} form log in with their plain text.
func TestEncryptedPasswords(t *testing.T) {
	tp := startPhone(t, phoneOpts{config: cfgLines(
		"system/password="+config.EncryptSecret("adm1n"),
		"system/web_user_password="+config.EncryptSecret("us3r"))})
	b := tp.browser(t)
	mustStatus(t, b.login("admin", config.EncryptSecret("adm1n")), http.StatusUnauthorized)
	b.mustLogin("admin", "adm1n")
	tp.browser(t).mustLogin("user", "us3r")
}

func TestCSRFTokenRequired(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	for _, tok := range []string{"", "forged-token"} {
		p := b.post("/management/administration/restart-system", url.Values{"step": {"confirm"}, "csrf": {tok}})
		mustStatus(t, p, http.StatusForbidden)
		mustContain(t, p, "CSRF")
	}
	// An upload without the token in its action URL is refused before its
	// file is read.
	saved := b.csrf
	b.csrf = "nope"
	p := b.upload("/management/manual-update/configuration-file/load", "a.cfg", []byte("voip/media/media_port=6000\n"))
	mustStatus(t, p, http.StatusForbidden)
	b.csrf = saved
	if st := tp.phone.Snapshot(); st.BootCount != 1 || st.Config.Get("voip/media/media_port") != "4000" {
		t.Fatalf("a forged POST changed the phone: boot %d port %s", st.BootCount, st.Config.Get("voip/media/media_port"))
	}
	// The login form is protected too: a POST without its login cookie fails.
	other := tp.browser(t)
	p = other.post("/login", url.Values{"username": {"admin"}, "password": {"1234"}, "csrf": {"x"}})
	mustStatus(t, p, http.StatusForbidden)
	// With the token, the same request works.
	p = b.post("/management/administration/restart-system", url.Values{"step": {"confirm"}})
	mustStatus(t, p, http.StatusOK)
	tp.waitBoot(t, 2)
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	tp := startPhone(t, phoneOpts{cfg: web.Config{Clock: clk}})
	b := tp.browser(t)
	for i := 1; i < web.DefaultMaxLoginFailures; i++ {
		mustStatus(t, b.login("admin", "guess"), http.StatusUnauthorized)
	}
	p := b.login("admin", "guess")
	mustStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "locked until 12:05:00")
	// Locked out: the right password is refused too.
	p = b.login("admin", "1234")
	mustStatus(t, p, http.StatusTooManyRequests)
	clk.Advance(web.DefaultLockout - time.Second)
	mustStatus(t, b.login("admin", "1234"), http.StatusTooManyRequests)
	clk.Advance(time.Second)
	b.mustLogin("admin", "1234")
	if st := tp.phone.Snapshot(); st.BootCount != 1 || !st.Power {
		t.Fatal("brute force disturbed the phone")
	}
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	tp := startPhone(t, phoneOpts{cfg: web.Config{Clock: clk}})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	clk.Advance(web.DefaultSessionIdle - time.Minute)
	mustStatus(t, b.get("/home"), http.StatusOK) // use extends the session
	clk.Advance(web.DefaultSessionIdle - time.Minute)
	mustStatus(t, b.get("/home"), http.StatusOK)
	clk.Advance(web.DefaultSessionIdle)
	mustStatus(t, b.get("/home"), http.StatusSeeOther)
}

func TestLogout(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	mustStatus(t, b.post("/logout", nil), http.StatusSeeOther)
	mustStatus(t, b.get("/home"), http.StatusSeeOther)
}

// behaviour: WEB-16
// behaviour: CFG-8
func TestWebDisabledAtOnceWithoutReboot(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	tp.apply(t, "system/web/enabled=0\n")
	for _, path := range []string{"/home", "/login", "/"} {
		p := b.get(path)
		mustStatus(t, p, http.StatusForbidden)
		mustContain(t, p, "system/web/enabled=0")
	}
	p := b.post("/management/administration/restart-system", url.Values{"step": {"confirm"}})
	mustStatus(t, p, http.StatusForbidden)
	if st := tp.phone.Snapshot(); st.BootCount != 1 {
		t.Fatalf("disabling the Web rebooted the phone or a request got through (boot %d)", st.BootCount)
	}
	// Turned back on (again without reboot), the old session is gone.
	tp.apply(t, "system/web/enabled=1\n")
	mustStatus(t, b.get("/home"), http.StatusSeeOther)
	b.mustLogin("admin", "1234")
}

// behaviour: WEB-16
// behaviour: SEC-7
func TestHTTPSOnly(t *testing.T) {
	fl := flash.NewMemory()
	tp := startPhone(t, phoneOpts{flash: fl, mac: "00:90:8f:12:34:56"})
	// Over HTTP by default.
	mustStatus(t, tp.browser(t).get("/login"), http.StatusOK)
	tp.apply(t, "security/web/https_only=1\n")
	b := tp.browser(t)
	p := b.get("/login?x=1")
	mustStatus(t, p, http.StatusMovedPermanently)
	if want := tp.https + "/login?x=1"; p.header.Get("Location") != want {
		t.Fatalf("redirect to %q, want %q", p.header.Get("Location"), want)
	}
	mustStatus(t, b.post("/login", url.Values{"username": {"admin"}}), http.StatusForbidden)

	// HTTPS serves, with the phone's own certificate named after its MAC.
	hb := newBrowser(t, tp.https)
	hb.mustLogin("admin", "1234")
	conn, err := tls.Dial("tcp", tp.srv.HTTPSAddr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	cert := conn.ConnectionState().PeerCertificates[0]
	version := conn.ConnectionState().Version
	conn.Close()
	if cert.Subject.CommonName != "00908f123456" {
		t.Fatalf("certificate CN %q", cert.Subject.CommonName)
	}
	// The phone's TLS is 1.2 (behaviour: SEC-7): a browser offering 1.3
	// gets 1.2, one that insists on 1.3 gets no connection.
	if version != tls.VersionTLS12 {
		t.Errorf("negotiated %s, want TLS 1.2", tls.VersionName(version))
	}
	if c, err := tls.Dial("tcp", tp.srv.HTTPSAddr().String(), &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}); err == nil {
		c.Close()
		t.Error("a TLS 1.3-only client connected")
	}
	// The certificate is kept in flash: the same one after a restart.
	stored, err := fl.Read(web.RecordHTTPSCert)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(stored, stored)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	if !leaf.Equal(cert) {
		t.Fatal("served certificate differs from the one in flash")
	}
	tp2 := startPhone(t, phoneOpts{flash: fl, mac: "00:90:8f:12:34:56"})
	if !certEqual(tp2.srv.Certificate(), cert) {
		t.Fatal("a restarted server made a new certificate")
	}
}

func certEqual(c tls.Certificate, x *x509.Certificate) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	return err == nil && leaf.Equal(x)
}
