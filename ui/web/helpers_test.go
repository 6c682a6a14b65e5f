package web_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/ui/web"
)

// testPhone is a running phone with its Web server on loopback.
type testPhone struct {
	phone *device.Phone
	srv   *web.Server
	ctx   context.Context
	base  string // http://127.0.0.1:port
	https string // https://127.0.0.1:port
}

type phoneOpts struct {
	model  model.Name
	mac    string
	flash  *flash.Store
	cfg    web.Config // Phone and addresses are filled in
	config string     // initial configuration file in flash
}

func startPhone(t testing.TB, o phoneOpts) *testPhone {
	t.Helper()
	if o.model == "" {
		o.model = model.M450HD
	}
	if o.mac == "" {
		o.mac = "00:90:8f:00:00:01"
	}
	if o.flash == nil {
		o.flash = flash.NewMemory()
	}
	if o.config != "" {
		if err := o.flash.Write(device.RecordConfig, []byte(o.config)); err != nil {
			t.Fatal(err)
		}
	}
	mac, err := net.ParseMAC(o.mac)
	if err != nil {
		t.Fatal(err)
	}
	p, err := device.New(device.Config{Model: model.MustLookup(o.model), MAC: mac, Flash: o.flash})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- p.Run(ctx) }()
	o.cfg.Phone = p
	o.cfg.HTTPAddr = "127.0.0.1:0"
	o.cfg.HTTPSAddr = "127.0.0.1:0"
	srv, err := web.New(o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("shutdown: %v", err)
			}
		}
	})
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	tp := &testPhone{phone: p, srv: srv, ctx: ctx,
		base: "http://" + srv.HTTPAddr().String(), https: "https://" + srv.HTTPSAddr().String()}
	tp.waitBoot(t, 1)
	return tp
}

// waitBoot waits until the phone is idle in power cycle n.
func (tp *testPhone) waitBoot(t testing.TB, n int) device.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(tp.ctx, 10*time.Second)
	defer cancel()
	st, err := tp.phone.Wait(ctx, func(s device.State) bool { return s.Stage == device.StageIdle && s.BootCount >= n })
	if err != nil {
		t.Fatalf("phone not idle in boot %d: stage %s boot %d: %v", n, st.Stage, st.BootCount, err)
	}
	return st
}

func (tp *testPhone) apply(t testing.TB, cfg string) {
	t.Helper()
	if _, _, err := tp.phone.ApplyConfig(tp.ctx, "test", []byte(cfg)); err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with cookies, as a browser would be.
type browser struct {
	t    testing.TB
	c    *http.Client
	base string
	csrf string
}

func (tp *testPhone) browser(t testing.TB) *browser {
	return newBrowser(t, tp.base)
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			// The phone's certificate is self-signed; tests that care check
			// it explicitly.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status int
	body   string
	header http.Header
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := page{status: res.StatusCode, body: string(body), header: res.Header}
	if m := csrfRe.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// post sends a form; the session's CSRF token is added unless the form
// has a csrf field already.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload posts one file as a browser's file form does, the CSRF token in
// the action URL.
func (b *browser) upload(path, filename string, data []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path+"?csrf="+url.QueryEscape(b.csrf), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func (b *browser) login(user, pass string) page {
	b.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"username": {user}, "password": {pass}})
}

// mustLogin logs in and loads the Home page (which carries the session's
// CSRF token).
func (b *browser) mustLogin(user, pass string) {
	b.t.Helper()
	p := b.login(user, pass)
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("login as %s: status %d\n%s", user, p.status, p.body)
	}
	if h := b.get("/home"); h.status != http.StatusOK {
		b.t.Fatalf("home after login: %d", h.status)
	}
}

func mustContain(t testing.TB, p page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Fatalf("page (status %d) lacks %q:\n%s", p.status, w, p.body)
		}
	}
}

func mustStatus(t testing.TB, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("status %d, want %d:\n%s", p.status, want, p.body)
	}
}

func cfgLines(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
