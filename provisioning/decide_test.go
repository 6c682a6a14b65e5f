package provisioning

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// settings returns a 450HD configuration with kv applied.
func settings(t testing.TB, kv ...string) *config.Config {
	t.Helper()
	c := config.Default().New("450HD")
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatalf("Set(%s): %v", kv[i], err)
		}
	}
	return c
}

// behaviour: BOOT-4
// behaviour: BOOT-5
// behaviour: PROV-3
func TestDecide(t *testing.T) {
	opts := func(kv ...any) DHCP {
		d := DHCP{Options: map[int]string{}}
		for i := 0; i < len(kv); i += 2 {
			d.Options[kv[i].(int)] = kv[i+1].(string)
		}
		return d
	}
	tests := []struct {
		name    string
		cfg     []string
		dhcp    DHCP
		origin  Origin
		fw      string
		configs []string
		err     error
	}{
		{name: "option 160 wins over 66/67",
			dhcp:   opts(160, "http://10.0.0.1/fw.img;<MAC>.cfg", 66, "10.0.0.9", 67, "other.img"),
			origin: FromDHCPURL, fw: "http://10.0.0.1/fw.img", configs: []string{"http://10.0.0.1/00908f000001.cfg"}},
		{name: "66 with 67", dhcp: opts(66, "10.0.0.9", 67, "450HD_2.0.9.img"),
			origin: FromDHCPTFTP, fw: "tftp://10.0.0.9/450HD_2.0.9.img",
			configs: []string{"tftp://10.0.0.9/00908f000001.cfg", "tftp://10.0.0.9/450HD.cfg"}},
		{name: "66 without 67 asks for <model>.img", dhcp: opts(66, "myTFTPServer"),
			origin: FromDHCPTFTP, fw: "tftp://myTFTPServer/450HD.img",
			configs: []string{"tftp://myTFTPServer/00908f000001.cfg", "tftp://myTFTPServer/450HD.cfg"}},
		{name: "url_option_value picks another option", cfg: []string{"provisioning/url_option_value", "161"},
			dhcp:   opts(160, "http://ignored/", 161, "https://prov.example.com/;<MAC>.cfg"),
			origin: FromDHCPURL, configs: []string{"https://prov.example.com/00908f000001.cfg"}},
		{name: "url_option_value without that option falls to 66", cfg: []string{"provisioning/url_option_value", "161"},
			dhcp: opts(160, "http://ignored/", 66, "10.0.0.9"), origin: FromDHCPTFTP, fw: "tftp://10.0.0.9/450HD.img",
			configs: []string{"tftp://10.0.0.9/00908f000001.cfg", "tftp://10.0.0.9/450HD.cfg"}},
		{name: "nothing from DHCP", dhcp: opts(), err: ErrNoSource},
		{name: "a malformed option 160", dhcp: opts(160, "10.0.0.1/fw.img"), err: ErrBadURL},
		{name: "static", cfg: []string{"provisioning/method", "STATIC", "provisioning/firmware/url", "tftp://192.168.2.1",
			"provisioning/configuration/url", "http://192.168.2.1/<MAC>.cfg"},
			dhcp:   opts(160, "http://ignored/"),
			origin: FromStatic, fw: "tftp://192.168.2.1/450HD.img", configs: []string{"http://192.168.2.1/00908f000001.cfg"}},
		{name: "static without URLs", cfg: []string{"provisioning/method", "static"}, err: ErrNoSource},
		{name: "static with a bad URL", cfg: []string{"provisioning/method", "Static", "provisioning/firmware/url", "192.168.2.1"}, err: ErrBadURL},
		{name: "disable", cfg: []string{"provisioning/method", "disable"}, dhcp: opts(160, "http://10.0.0.1"), err: ErrDisabled},
		{name: "dynamic in lower case", cfg: []string{"provisioning/method", "dynamic"}, dhcp: opts(160, "tftp://10.0.0.1/"),
			origin: FromDHCPURL, fw: "tftp://10.0.0.1/450HD.img", configs: []string{"tftp://10.0.0.1/00908f000001.cfg", "tftp://10.0.0.1/450HD.cfg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := Decide(settings(t, tt.cfg...), phone, tt.dhcp)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.Origin != tt.origin || src.Firmware != tt.fw || !slices.Equal(src.Configs, tt.configs) {
				t.Fatalf("got %+v\nwant %s %q %q", src, tt.origin, tt.fw, tt.configs)
			}
		})
	}
}

type fakeFetcher struct{}

func (fakeFetcher) Open(context.Context, string, int64) (io.ReadCloser, error) {
	return nil, fetch.ErrNotFound
}

// behaviour: PROV-5
// behaviour: PROV-6
func TestLocateFallbacks(t *testing.T) {
	// The redirect server: HTTPS, answering with a redirect to the
	// provisioning URL for a known MAC, 404 for others.
	var gotUA string
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		switch r.URL.Path {
		case "/00908f000001":
			http.Redirect(w, r, "https://prov.example.com/phones/450HD.img;<MAC>.cfg", http.StatusFound)
		case "/00908f000002":
			io.WriteString(w, "\n  tftp://10.9.9.9\n")
		case "/00908f000003":
			w.WriteHeader(http.StatusFound) // no Location
		default:
			http.NotFound(w, r)
		}
	}))
	defer redirect.Close()
	hc, err := fetch.New(fetch.Config{UserAgent: "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1",
		TLS: fetch.TLSConfig{Roots: poolOf(redirect)}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mk := func(mac string, dns bool) *Provisioner {
		p, err := New(Config{Identity: Identity{Model: "450HD", MAC: mac}, Fetcher: fakeFetcher{}, HTTP: hc,
			LookupHost: func(ctx context.Context, host string) ([]string, error) {
				if dns && host == StaticDNSHost {
					return []string{"127.0.0.1"}, nil
				}
				return nil, errors.New("no such host")
			}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := settings(t, "provisioning/redirect_server_url", redirect.URL)

	src, err := mk("00908f000001", true).Locate(ctx, c, DHCP{})
	if err != nil || src.Origin != FromStaticDNS || src.Firmware != "tftp://ProvisioningServer/450HD/450HD.img" ||
		!slices.Equal(src.Configs, []string{"tftp://ProvisioningServer/450HD/00908f000001.cfg"}) {
		t.Fatalf("static DNS: %+v %v", src, err)
	}
	src, err = mk("00908f000001", false).Locate(ctx, c, DHCP{})
	if err != nil || src.Origin != FromRedirect || src.Firmware != "https://prov.example.com/phones/450HD.img" ||
		!slices.Equal(src.Configs, []string{"https://prov.example.com/phones/00908f000001.cfg"}) {
		t.Fatalf("redirect: %+v %v", src, err)
	}
	if !strings.Contains(gotUA, "AUDC-IPPhone-450HD") {
		t.Fatalf("redirect request User-Agent %q", gotUA)
	}
	src, err = mk("00908f000002", false).Locate(ctx, c, DHCP{})
	if err != nil || src.Firmware != "tftp://10.9.9.9/450HD.img" {
		t.Fatalf("redirect with a text body: %+v %v", src, err)
	}
	if _, err := mk("00908f000003", false).Locate(ctx, c, DHCP{}); !errors.Is(err, ErrBadRedirect) || !errors.Is(err, ErrNoSource) {
		t.Fatalf("redirect without Location: %v", err)
	}
	if _, err := mk("00908f000009", false).Locate(ctx, c, DHCP{}); !errors.Is(err, ErrNoSource) {
		t.Fatalf("unknown phone: %v", err)
	}
	// DHCP information wins over the fallbacks; Static and Disable have none.
	if src, _ := mk("00908f000001", true).Locate(ctx, c, DHCP{Options: map[int]string{66: "10.0.0.9"}}); src.Origin != FromDHCPTFTP {
		t.Fatalf("with option 66: %+v", src)
	}
	if _, err := mk("00908f000001", true).Locate(ctx, settings(t, "provisioning/method", "Static"), DHCP{}); !errors.Is(err, ErrNoSource) {
		t.Fatalf("static: %v", err)
	}
	if _, err := mk("00908f000001", true).Locate(ctx, settings(t, "provisioning/method", "Disable"), DHCP{}); !errors.Is(err, ErrDisabled) {
		t.Fatalf("disable: %v", err)
	}
}

func poolOf(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}
