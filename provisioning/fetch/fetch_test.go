package fetch

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
)

func TestBadURLs(t *testing.T) {
	c := newClient(t, Config{})
	tests := []struct {
		url  string
		want error
	}{
		{"", ErrBadURL},
		{"450HD.img", ErrBadURL},
		{"http://", ErrBadURL},
		{"http://%zz/", ErrBadURL},
		{"gopher://host/450HD.img", ErrUnsupportedScheme},
		{"tftp://127.0.0.1/", ErrBadURL},
		{"ftp://127.0.0.1", ErrBadURL},
	}
	for _, tt := range tests {
		if _, err := c.Open(context.Background(), tt.url, 0); !errors.Is(err, tt.want) {
			t.Errorf("Open(%q) = %v, want %v", tt.url, err, tt.want)
		}
	}
}

func TestHTTPFaults(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow.img", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		select { // then stall
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/drop.img", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	mux.HandleFunc("/norange.img", func(w http.ResponseWriter, r *http.Request) {
		// A server that ignores Range and streams a big file.
		w.Header().Set("Content-Length", "10000000")
		for range 1000 {
			if _, err := w.Write(make([]byte, 10000)); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/denied", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 403) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final.cfg", http.StatusFound)
	})
	mux.HandleFunc("/final.cfg", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ua="+r.UserAgent())
	})
	mux.HandleFunc("/headers-never", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()
	c := newClient(t, Config{IdleTimeout: 200 * time.Millisecond, Timeout: 500 * time.Millisecond})

	t.Run("stalled transfer times out", func(t *testing.T) {
		_, err := ReadAll(ctx, c, srv.URL+"/slow.img", 0)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no answer times out", func(t *testing.T) {
		_, err := c.Open(ctx, srv.URL+"/headers-never", 0)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("dropped connection is truncated", func(t *testing.T) {
		_, err := ReadAll(ctx, c, srv.URL+"/drop.img", 0)
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a server that ignores Range", func(t *testing.T) {
		b, err := ReadHeader(ctx, c, srv.URL+"/norange.img", 512)
		if err != nil || len(b) != 512 {
			t.Fatalf("%d %v", len(b), err)
		}
	})
	t.Run("status errors", func(t *testing.T) {
		_, err := c.Open(ctx, srv.URL+"/error", 0)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != 500 {
			t.Fatalf("%v", err)
		}
		if _, err := c.Open(ctx, srv.URL+"/denied", 0); !errors.Is(err, ErrDenied) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("redirects are followed for files, with the User-Agent", func(t *testing.T) {
		b, err := ReadAll(ctx, c, srv.URL+"/moved", 0)
		if err != nil || string(b) != "ua="+testUA {
			t.Fatalf("%q %v", b, err)
		}
	})
	t.Run("Do returns redirects", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/moved", nil)
		resp, err := c.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/final.cfg" {
			t.Fatalf("%s %q", resp.Status, resp.Header.Get("Location"))
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		body, err := c.Open(ctx, srv.URL+"/norange.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		cancel()
		if _, err := io.ReadAll(body); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	})
}

// proxy is a tiny forward proxy: absolute-URI GETs and CONNECT tunnels. It
// records each request's target and Proxy-Authorization.
type proxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Method+" "+r.Host+" "+r.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	if r.Method == http.MethodConnect {
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		w.WriteHeader(200)
		conn, brw, _ := w.(http.Hijacker).Hijack()
		go func() { io.Copy(up, brw); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
		return
	}
	r.RequestURI = ""
	r.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		http.Error(w, err.Error(), 502)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (p *proxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// behaviour: SEC-5
func TestForwardProxy(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "via proxy: "+r.URL.Path)
	}))
	defer origin.Close()
	tlsOrigin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls "+r.URL.Path)
	}))
	defer tlsOrigin.Close()
	p := &proxy{}
	ps := httptest.NewServer(p)
	defer ps.Close()

	// The proxy settings come from the phone's configuration.
	cfg := config.Default().New("450HD")
	host, port, _ := net.SplitHostPort(ps.Listener.Addr().String())
	for k, v := range map[string]string{
		"http_client/fwd_proxy/ip":       host,
		"http_client/fwd_proxy/port":     port,
		"http_client/fwd_proxy/username": "johnd",
		"http_client/fwd_proxy/password": "s3cret",
	} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fc := FromSettings(cfg, Config{UserAgent: testUA, Timeout: 5 * time.Second})
	fc.TLS.Roots = x509.NewCertPool()
	fc.TLS.Roots.AddCert(tlsOrigin.Certificate())
	c := newClient(t, fc)
	ctx := context.Background()

	// 127.0.0.1 is not RFC 1918 space: it goes through the proxy.
	b, err := ReadAll(ctx, c, origin.URL+"/00908f000001.cfg", 0)
	if err != nil || string(b) != "via proxy: /00908f000001.cfg" {
		t.Fatalf("%q %v", b, err)
	}
	b, err = ReadAll(ctx, c, tlsOrigin.URL+"/450HD.img", 0)
	if err != nil || string(b) != "tls /450HD.img" {
		t.Fatalf("%q %v", b, err)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("johnd:s3cret"))
	want := []string{
		"GET " + strings.TrimPrefix(origin.URL, "http://") + " " + auth,
		"CONNECT " + strings.TrimPrefix(tlsOrigin.URL, "https://") + " " + auth,
	}
	if got := p.requests(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("proxy saw %q, want %q", got, want)
	}
}

// behaviour: SEC-5
func TestProxySettingsAndBypass(t *testing.T) {
	cat := config.Default()
	tests := []struct {
		name   string
		set    map[string]string
		want   Proxy
		direct []string // hosts that bypass
		via    []string // hosts that go through the proxy
	}{
		{name: "default: no proxy", want: Proxy{}, direct: []string{"8.8.8.8", "10.0.0.1", "example.com"}},
		{name: "proxy with Local bypass", set: map[string]string{"http_client/fwd_proxy/ip": "192.0.2.10"},
			want:   Proxy{Addr: "192.0.2.10:8080", DirectLocal: true},
			direct: []string{"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.2.1"},
			via:    []string{"172.32.0.1", "8.8.8.8", "127.0.0.1", "prov.example.com", "192.169.0.1"}},
		{name: "everything through the proxy", set: map[string]string{"http_client/fwd_proxy/ip": "192.0.2.10",
			"http_client/fwd_proxy/port": "3128", "http_client/fwd_proxy/direct/ip": "All",
			"http_client/fwd_proxy/username": "johnd", "http_client/fwd_proxy/password": "pw"},
			want: Proxy{Addr: "192.0.2.10:3128", Username: "johnd", Password: "pw"},
			via:  []string{"10.1.2.3", "192.168.2.1", "8.8.8.8"}},
		{name: "username 0 means none", set: map[string]string{"http_client/fwd_proxy/ip": "192.0.2.10",
			"http_client/fwd_proxy/username": "0"},
			want: Proxy{Addr: "192.0.2.10:8080", DirectLocal: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cat.New("450HD")
			for k, v := range tt.set {
				if err := c.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			got := FromSettings(c, Config{}).Proxy
			if got != tt.want {
				t.Fatalf("proxy %+v, want %+v", got, tt.want)
			}
			for _, h := range tt.direct {
				if !got.Bypass(h) {
					t.Errorf("%s goes through the proxy, want direct", h)
				}
			}
			for _, h := range tt.via {
				if got.Bypass(h) {
					t.Errorf("%s goes direct, want the proxy", h)
				}
			}
		})
	}
}

// behaviour: SEC-1
func TestCertificateModeFromSettings(t *testing.T) {
	for _, v := range []string{"Ignore", "IGNORE", "ignore"} {
		c := config.Default().New("450HD")
		if err := c.Set("security/SSLCertificateErrorsMode", v); err != nil {
			t.Fatal(err)
		}
		if !FromSettings(c, Config{}).TLS.IgnoreErrors {
			t.Errorf("%s: errors not ignored", v)
		}
	}
	if FromSettings(config.Default().New("450HD"), Config{}).TLS.IgnoreErrors {
		t.Error("the default (Disallow) ignores certificate errors")
	}
}

// The built-in store (SEC-2 asks for 33 named roots, which cannot be downloaded here).
func TestTrustStoreHoldsTheAudioCodesRoot(t *testing.T) {
	root := AudioCodesRoot()
	if root.Subject.CommonName != "RootCA" || len(root.Subject.Organization) != 1 || root.Subject.Organization[0] != "ACL" ||
		root.SerialNumber.Int64() != 1 || root.NotBefore.Year() != 2000 || root.NotAfter.Year() != 2030 {
		t.Fatalf("AudioCodes root: %v serial %v %v..%v", root.Subject, root.SerialNumber, root.NotBefore, root.NotAfter)
	}
	// The root verifies against the built-in store (it is in it).
	if _, err := root.Verify(x509.VerifyOptions{Roots: TrustStore(), CurrentTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatalf("AudioCodes root not trusted: %v", err)
	}
	// And the store has the public web roots too (Let's Encrypt's ISRG Root
	// X1 and DigiCert Global Root G2 are on the manual's list).
	subjects := map[string]bool{}
	for _, s := range TrustStore().Subjects() { //nolint:staticcheck // listing, not trust decisions
		subjects[string(s)] = true
	}
	if len(subjects) < 100 {
		t.Fatalf("only %d roots in the store", len(subjects))
	}
}

func TestBadClientCertificate(t *testing.T) {
	_, err := New(Config{TLS: TLSConfig{ClientCert: []byte("not pem"), ClientKey: []byte("x")}})
	if !errors.Is(err, ErrBadCertificate) {
		t.Fatalf("%v", err)
	}
	_, err = New(Config{TLS: TLSConfig{CAs: [][]byte{[]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}}})
	if !errors.Is(err, ErrBadCertificate) {
		t.Fatalf("%v", err)
	}
}

// The HTTP side is made on first use: a client that never fetched over
// HTTP has no connections to close, and closing them is harmless.
func TestCloseBeforeFirstUse(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
}

func TestLocalAddr(t *testing.T) {
	// A fleet phone connects from its own loopback address.
	var from string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, _, _ = net.SplitHostPort(r.RemoteAddr)
	}))
	defer srv.Close()
	c := newClient(t, Config{LocalAddr: "127.0.0.7"})
	if _, err := ReadAll(context.Background(), c, srv.URL+"/x", 0); err != nil {
		t.Fatal(err)
	}
	if from != "127.0.0.7" {
		t.Fatalf("request came from %s", from)
	}
}

// A header read (a 206 of the first bytes), a missing file and a whole file
// go over one keep-alive connection: what is left of a small response is
// read to its end before the body closes.
func TestSmallResponsesKeepTheConnection(t *testing.T) {
	img := bytes.Repeat([]byte("I"), 4096)
	var mu sync.Mutex
	opened := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.img":
			http.ServeContent(w, r, "a.img", time.Time{}, bytes.NewReader(img))
		case "/a.cfg":
			w.Write([]byte("key=value\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	if h, err := ReadHeader(ctx, c, srv.URL+"/a.img", 512); err != nil || len(h) != 512 {
		t.Fatalf("header: %d bytes, %v", len(h), err)
	}
	if _, err := ReadAll(ctx, c, srv.URL+"/b.cfg", 1<<20); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	if b, err := ReadAll(ctx, c, srv.URL+"/a.cfg", 1<<20); err != nil || string(b) != "key=value\n" {
		t.Fatalf("configuration: %q, %v", b, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if opened != 1 {
		t.Errorf("%d connections for three requests, want 1", opened)
	}
}

// selfSigned returns a throw-away client certificate named cn.
func selfSigned(t *testing.T, cn string) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// The identity (the factory certificate) is asked for only by a server
// that wants a client certificate, and only when no autoupdate certificate
// is configured; an identity that cannot be had fails the fetch clearly.
func TestIdentityOnlyWhenAsked(t *testing.T) {
	var seen sync.Map // server URL → CN presented
	serve := func(auth tls.ClientAuthType) *httptest.Server {
		var srv *httptest.Server
		srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.TLS.PeerCertificates) > 0 {
				seen.Store(srv.URL, r.TLS.PeerCertificates[0].Subject.CommonName)
			}
			w.Write([]byte("ok"))
		}))
		srv.TLS = &tls.Config{ClientAuth: auth}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of the last case
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv
	}
	plain, mutual := serve(tls.NoClientCert), serve(tls.RequireAnyClientCert)
	var asked int
	factory := selfSigned(t, "00908f000001")
	identity := func() (*tls.Certificate, error) { asked++; return factory, nil }
	get := func(tc TLSConfig, url string) error {
		t.Helper()
		tc.IgnoreErrors = true
		c, err := New(Config{TLS: tc, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		_, err = ReadAll(context.Background(), c, url+"/x.cfg", 0)
		return err
	}
	if err := get(TLSConfig{Identity: identity}, plain.URL); err != nil || asked != 0 {
		t.Fatalf("server without client authentication: err %v, identity asked %d times", err, asked)
	}
	if err := get(TLSConfig{Identity: identity}, mutual.URL); err != nil || asked != 1 {
		t.Fatalf("mutual TLS: err %v, identity asked %d times", err, asked)
	}
	if cn, _ := seen.Load(mutual.URL); cn != "00908f000001" {
		t.Fatalf("mutual TLS server saw %v", cn)
	}

	// A configured autoupdate certificate wins over the identity.
	conf := selfSigned(t, "autoupdate")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: conf.Certificate[0]})
	kd, _ := x509.MarshalPKCS8PrivateKey(conf.PrivateKey)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
	if err := get(TLSConfig{Identity: identity, ClientCert: certPEM, ClientKey: keyPEM}, mutual.URL); err != nil || asked != 1 {
		t.Fatalf("with an autoupdate certificate: err %v, identity asked %d times", err, asked)
	}
	if cn, _ := seen.Load(mutual.URL); cn != "autoupdate" {
		t.Fatalf("mutual TLS server saw %v, want the autoupdate certificate", cn)
	}

	broken := func() (*tls.Certificate, error) { return nil, errors.New("flash unreadable") }
	if err := get(TLSConfig{Identity: broken}, mutual.URL); !errors.Is(err, ErrBadCertificate) || !strings.Contains(err.Error(), "flash unreadable") {
		t.Fatalf("identity failing: %v, want ErrBadCertificate with the cause", err)
	}
}

// The phone speaks TLS 1.2, as its OpenSSL 1.0.1 does: a server offering
// 1.3 gets a 1.2 handshake, a server that will take nothing older than 1.3
// cannot serve it and the fetch fails.
//
// behaviour: SEC-7
func TestTLSIsVersion12(t *testing.T) {
	serve := func(min uint16) (*httptest.Server, *atomic.Uint32) {
		var version atomic.Uint32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			version.Store(uint32(r.TLS.Version))
			w.Write([]byte("key=value\n"))
		}))
		srv.TLS = &tls.Config{MinVersion: min}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv, &version
	}
	get := func(url string) error {
		c, err := New(Config{TLS: TLSConfig{IgnoreErrors: true}, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		_, err = ReadAll(context.Background(), c, url+"/a.cfg", 0)
		return err
	}
	any, version := serve(0)
	if err := get(any.URL); err != nil {
		t.Fatal(err)
	}
	if v := uint16(version.Load()); v != tls.VersionTLS12 {
		t.Errorf("negotiated %s, want TLS 1.2", tls.VersionName(v))
	}
	only13, _ := serve(tls.VersionTLS13)
	if err := get(only13.URL); err == nil {
		t.Error("fetched from a TLS 1.3-only server")
	}
}
