package provisioning

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/hdphone/hdphone/config"
)

// Method is provisioning/method.
type Method int

// The methods.
const (
	Dynamic Method = iota + 1
	Static
	Disable
)

func (m Method) String() string {
	switch m {
	case Dynamic:
		return "Dynamic"
	case Static:
		return "Static"
	case Disable:
		return "Disable"
	}
	return "unknown"
}

// ParseMethod reads a provisioning/method value without regard to case
// (files write "dynamic", "STATIC"; parameters_notes 65). Empty is Dynamic.
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "dynamic":
		return Dynamic, nil
	case "static":
		return Static, nil
	case "disable", "disabled":
		return Disable, nil
	}
	return 0, fmt.Errorf("provisioning: method %q (want Dynamic, Static or Disable)", s)
}

// DHCP is the provisioning information of the current lease: option number →
// value as text (66 and 67 as sent; 160 or the option named by
// provisioning/url_option_value as a URL).
type DHCP struct {
	Options map[int]string
}

// Decide returns the source provisioning/method names: the DHCP URL option,
// options 66/67, or the static URLs. It returns ErrDisabled for Disable and
// ErrNoSource when the method has nothing to go on (Locate then tries the
// fallbacks). Malformed URLs are ErrBadURL.
func Decide(c *config.Config, id Identity, dhcp DHCP) (Source, error) {
	m, err := ParseMethod(c.Get("provisioning/method"))
	if err != nil {
		return Source{}, err
	}
	switch m {
	case Disable:
		return Source{}, ErrDisabled
	case Static:
		return staticSource(c, id)
	}
	opt := c.Int("provisioning/url_option_value")
	if opt <= 0 || opt > 254 {
		opt = 160
	}
	if v := strings.TrimSpace(dhcp.Options[opt]); v != "" {
		src, err := ParseURL(v, id)
		if err != nil {
			return Source{}, fmt.Errorf("DHCP option %d: %w", opt, err)
		}
		src.Origin = FromDHCPURL
		return src, nil
	}
	if server := strings.TrimSpace(dhcp.Options[66]); server != "" {
		return tftpSource(server, strings.TrimSpace(dhcp.Options[67]), id)
	}
	return Source{}, ErrNoSource
}

// tftpSource is options 66 (a TFTP server, name or address) and 67 (the
// firmware file name, default <model>.img).
func tftpSource(server, file string, id Identity) (Source, error) {
	server = strings.TrimPrefix(strings.TrimSuffix(server, "/"), "tftp://")
	if file == "" {
		file = id.FirmwareName()
	}
	base, err := parseBase("tftp://" + server)
	if err != nil || base.Path != "" {
		return Source{}, fmt.Errorf("DHCP option 66 %q: %w", server, ErrBadURL)
	}
	if strings.ContainsAny(file, " \t\r\n\x00") {
		return Source{}, fmt.Errorf("DHCP option 67 %q: %w", file, ErrBadURL)
	}
	src := Source{Origin: FromDHCPTFTP, Firmware: join(base, id.Substitute(file))}
	for _, n := range id.ConfigNames() {
		src.Configs = append(src.Configs, join(base, n))
	}
	return src, nil
}

func staticSource(c *config.Config, id Identity) (Source, error) {
	src := Source{Origin: FromStatic}
	var errs []error
	if v := strings.TrimSpace(c.Get("provisioning/firmware/url")); v != "" {
		fw, err := ParseFirmwareURL(v, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("provisioning/firmware/url: %w", err))
		}
		src.Firmware = fw
	}
	if v := strings.TrimSpace(c.Get("provisioning/configuration/url")); v != "" {
		cfgs, err := ParseConfigURL(v, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("provisioning/configuration/url: %w", err))
		}
		src.Configs = cfgs
	}
	if len(errs) > 0 {
		return Source{}, errors.Join(errs...)
	}
	if src.Firmware == "" && len(src.Configs) == 0 {
		return Source{}, ErrNoSource
	}
	return src, nil
}

// StaticDNSHost is the host name of the Static DNS record method (B.1).
const StaticDNSHost = "ProvisioningServer"

// StaticDNSSource is tftp://ProvisioningServer/<model>/<model>.img and
// .../<model>/<MAC>.cfg (B.1, PROV-5).
func StaticDNSSource(id Identity) Source {
	mac, _ := NormalizeMAC(id.MAC)
	base := "tftp://" + StaticDNSHost + "/" + id.Model + "/"
	return Source{Origin: FromStaticDNS, Firmware: base + id.FirmwareName(), Configs: []string{base + mac + ".cfg"}}
}

// HTTPDoer sends HTTP requests without following redirects; *fetch.Client is
// one.
type HTTPDoer interface {
	Do(ctx context.Context, req *http.Request) (*http.Response, error)
}

// Redirect asks the HTTPS redirect server where this phone is provisioned
// (B.2; the exchange is in the package documentation).
func Redirect(ctx context.Context, doer HTTPDoer, serverURL string, id Identity) (Source, error) {
	mac, err := NormalizeMAC(id.MAC)
	if err != nil {
		return Source{}, err
	}
	base, err := parseBase(strings.TrimSpace(serverURL))
	if err != nil {
		return Source{}, fmt.Errorf("provisioning/redirect_server_url: %w", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return Source{}, fmt.Errorf("provisioning/redirect_server_url %q: %w: want https", serverURL, ErrBadURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/" + mac
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	resp, err := doer.Do(ctx, req)
	if err != nil {
		return Source{}, fmt.Errorf("provisioning: redirect server: %w", err)
	}
	defer resp.Body.Close()
	var target string
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Source{}, fmt.Errorf("%w: the redirect server does not know %s", ErrNoSource, mac)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		target = resp.Header.Get("Location")
	case resp.StatusCode == http.StatusOK:
		sc := bufio.NewScanner(io.LimitReader(resp.Body, 8<<10))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				target = line
				break
			}
		}
	default:
		return Source{}, fmt.Errorf("%w: HTTP %s", ErrBadRedirect, resp.Status)
	}
	if target == "" {
		return Source{}, fmt.Errorf("%w: HTTP %s without a URL", ErrBadRedirect, resp.Status)
	}
	src, err := ParseURL(target, id)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %w", ErrBadRedirect, err)
	}
	src.Origin = FromRedirect
	return src, nil
}

// lookupHost is net.DefaultResolver.LookupHost.
func lookupHost(ctx context.Context, host string) ([]string, error) {
	return net.DefaultResolver.LookupHost(ctx, host)
}
