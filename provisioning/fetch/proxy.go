package fetch

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/config"
)

// Proxy is the enterprise forward proxy for HTTP and HTTPS (§3.5.9).
type Proxy struct {
	// Addr is host:port of the proxy; empty means no proxy.
	Addr string
	// Username and Password authenticate to the proxy (Basic); an empty
	// Username sends no credentials.
	Username, Password string
	// DirectLocal sends requests for RFC 1918 addresses directly
	// (http_client/fwd_proxy/direct/ip=Local).
	DirectLocal bool
}

// Bypass reports whether a request to host goes directly rather than
// through the proxy.
func (p Proxy) Bypass(host string) bool {
	if p.Addr == "" {
		return true
	}
	if !p.DirectLocal {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().Is4() && a.Unmap().IsPrivate()
}

// forRequest is the http.Transport's Proxy function.
func (p Proxy) forRequest(req *http.Request) (*url.URL, error) {
	if p.Bypass(req.URL.Hostname()) {
		return nil, nil
	}
	u := &url.URL{Scheme: "http", Host: p.Addr}
	if p.Username != "" {
		u.User = url.UserPassword(p.Username, p.Password)
	}
	return u, nil
}

// FromSettings returns base with the HTTPS policy and forward proxy taken from
// a phone's configuration: security/SSLCertificateErrorsMode (compared without
// regard to case) and http_client/fwd_proxy/*. Certificates (CAs, client
// certificate) are files the integrator downloads; they stay as in base.
func FromSettings(c *config.Config, base Config) Config {
	cfg := base
	cfg.TLS.IgnoreErrors = equalFold(c.Get("security/SSLCertificateErrorsMode"), "Ignore")
	cfg.Proxy = Proxy{}
	ip := c.Get("http_client/fwd_proxy/ip")
	if ip != "" && ip != "0.0.0.0" {
		port := c.Int("http_client/fwd_proxy/port")
		if port <= 0 || port > 65535 {
			port = 8080
		}
		cfg.Proxy.Addr = net.JoinHostPort(ip, strconv.Itoa(port))
		// "0" is the manual's way of saying "not set" (parameters_notes 36).
		if u := c.Get("http_client/fwd_proxy/username"); u != "" && u != "0" {
			cfg.Proxy.Username = u
			if pw := c.Get("http_client/fwd_proxy/password"); pw != "0" {
				cfg.Proxy.Password = pw
			}
		}
		cfg.Proxy.DirectLocal = equalFold(c.Get("http_client/fwd_proxy/direct/ip"), "Local")
	}
	return cfg
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
