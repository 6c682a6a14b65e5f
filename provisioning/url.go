package provisioning

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Identity is what file names and URLs are made from.
type Identity struct {
	// Model is the phone model as in file names: 445HD, 450HD, C450HD, RX50
	// or HRS.
	Model string
	// MAC is the phone's MAC address in any common notation; NormalizeMAC
	// gives the 12 lower-case hex digits used in file names.
	MAC string
}

// NormalizeMAC returns mac as 12 lower-case hex digits, accepting
// 00:90:8F:00:00:01, 00-90-8f-00-00-01, 0090.8f00.0001 and 00908F000001.
func NormalizeMAC(mac string) (string, error) {
	var b strings.Builder
	for _, r := range mac {
		switch {
		case r == ':' || r == '-' || r == '.':
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			b.WriteRune(r)
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + 'a' - 'A')
		default:
			return "", fmt.Errorf("%w: %q", ErrBadMAC, mac)
		}
	}
	if b.Len() != 12 {
		return "", fmt.Errorf("%w: %q", ErrBadMAC, mac)
	}
	return b.String(), nil
}

// ConfigNames are the configuration file names tried when a URL names none:
// the per-phone file first, then the global one.
func (id Identity) ConfigNames() []string {
	mac, _ := NormalizeMAC(id.MAC)
	return []string{mac + ".cfg", id.Model + ".cfg"}
}

// FirmwareName is the default firmware file name, <model>.img.
func (id Identity) FirmwareName() string { return id.Model + ".img" }

var placeholder = regexp.MustCompile(`(?i)<(MAC|MODEL|445HD|450HD|C450HD|RX50|HRS)>`)

// Substitute replaces <MAC> (any case) with the phone's MAC in lower case,
// <MODEL> with the model, and <450HD>-style placeholders with the model name
// they hold.
func (id Identity) Substitute(s string) string {
	mac, _ := NormalizeMAC(id.MAC)
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		switch strings.ToUpper(inner) {
		case "MAC":
			return mac
		case "MODEL":
			return id.Model
		}
		return strings.ToUpper(inner)
	})
}

// Source says where a phone's firmware and configuration come from.
type Source struct {
	// Origin says how the source was found, for logs and the status page.
	Origin Origin
	// Firmware is the image URL; empty when the source has none.
	Firmware string
	// Configs are configuration URLs in the order to try; the first that
	// exists is used. Empty when the source has none.
	Configs []string
}

// Origin says how a Source was found.
type Origin string

// The origins.
const (
	FromDHCPURL   Origin = "dhcp url option"
	FromDHCPTFTP  Origin = "dhcp options 66/67"
	FromStatic    Origin = "static urls"
	FromStaticDNS Origin = "static dns record"
	FromRedirect  Origin = "redirect server"
)

var schemes = map[string]bool{"ftp": true, "tftp": true, "http": true, "https": true}

// parseBase parses proto://host[/path] and checks the protocol and host.
func parseBase(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadURL)
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f {
			return nil, fmt.Errorf("%w: %q contains spaces or control characters", ErrBadURL, raw)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadURL, raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if !schemes[u.Scheme] {
		return nil, fmt.Errorf("%w: %q: protocol must be ftp, tftp, http or https", ErrBadURL, raw)
	}
	if u.Hostname() == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: %q has no server", ErrBadURL, raw)
	}
	return u, nil
}

// ParseURL reads a provisioning URL in one of the four forms of DHCP option
// 160 (see the package documentation) after substituting placeholders.
func ParseURL(raw string, id Identity) (Source, error) {
	s := id.Substitute(strings.TrimSpace(raw))
	left, cfgPart, hasCfg := strings.Cut(s, ";")
	if strings.Contains(cfgPart, ";") {
		return Source{}, fmt.Errorf("%w: %q has more than one ';'", ErrBadURL, raw)
	}
	u, err := parseBase(left)
	if err != nil {
		return Source{}, err
	}
	var src Source
	p := u.Path
	switch {
	case p == "" || p == "/":
		if !hasCfg {
			// proto://host: the default names.
			src.Firmware = join(u, id.FirmwareName())
			for _, n := range id.ConfigNames() {
				src.Configs = append(src.Configs, join(u, n))
			}
			return src, nil
		}
		// proto://host/;cfg: configuration only.
	case strings.HasSuffix(p, "/"):
		src.Firmware = join(u, strings.TrimPrefix(p, "/")+id.FirmwareName())
	default:
		switch ext := path.Ext(p); {
		case ext == "":
			// A directory of images (the Device Manager's "firmwarefiles").
			src.Firmware = join(u, strings.TrimPrefix(p, "/")+"/"+id.FirmwareName())
		case strings.EqualFold(ext, ".img"):
			src.Firmware = u.String()
		default:
			return Source{}, fmt.Errorf("%w: %q: the firmware file must be an .img", ErrBadURL, raw)
		}
	}
	if hasCfg {
		c, err := configRef(u, cfgPart)
		if err != nil {
			return Source{}, fmt.Errorf("%w (in %q)", err, raw)
		}
		src.Configs = []string{c}
	}
	return src, nil
}

// configRef resolves the configuration part of a URL against its base.
func configRef(base *url.URL, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: empty configuration name after ';'", ErrBadURL)
	}
	if strings.Contains(ref, "://") {
		u, err := parseBase(ref)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	r, err := url.Parse(ref)
	if err != nil || r.Scheme != "" || r.Host != "" {
		return "", fmt.Errorf("%w: configuration name %q", ErrBadURL, ref)
	}
	return base.ResolveReference(r).String(), nil
}

// join makes the URL of a file name at the root of u's server.
func join(u *url.URL, name string) string {
	v := *u
	v.Path = "/" + strings.TrimPrefix(name, "/")
	v.RawPath = ""
	v.RawQuery, v.Fragment = "", ""
	return v.String()
}

// ParseFirmwareURL reads provisioning/firmware/url (Table B-1):
// proto://host gives <model>.img, proto://host/name.img that file.
func ParseFirmwareURL(raw string, id Identity) (string, error) {
	src, err := ParseURL(raw, id)
	if err != nil {
		return "", err
	}
	if src.Firmware == "" {
		return "", fmt.Errorf("%w: %q names no firmware", ErrBadURL, raw)
	}
	return src.Firmware, nil
}

// ParseConfigURL reads provisioning/configuration/url (Table B-1):
// proto://host gives <MAC>.cfg then <model>.cfg; proto://host/name.cfg that
// file; a directory (trailing '/') the default names in it. The manual's own
// example "http://host/different.img;<MAC>.cfg" gives its configuration part.
func ParseConfigURL(raw string, id Identity) ([]string, error) {
	s := id.Substitute(strings.TrimSpace(raw))
	if strings.Contains(s, ";") {
		src, err := ParseURL(raw, id)
		if err != nil {
			return nil, err
		}
		if len(src.Configs) == 0 {
			return nil, fmt.Errorf("%w: %q names no configuration", ErrBadURL, raw)
		}
		return src.Configs, nil
	}
	u, err := parseBase(s)
	if err != nil {
		return nil, err
	}
	dir := ""
	switch p := u.Path; {
	case p == "" || p == "/":
	case strings.HasSuffix(p, "/"):
		dir = strings.TrimPrefix(p, "/")
	case strings.EqualFold(path.Ext(p), ".img"):
		return nil, fmt.Errorf("%w: %q is a firmware image, not a configuration", ErrBadURL, raw)
	default:
		return []string{u.String()}, nil
	}
	var out []string
	for _, n := range id.ConfigNames() {
		out = append(out, join(u, dir+n))
	}
	return out, nil
}

// ResolveRef resolves a file reference from a configuration (a speed-dial or
// ring-tone URI, a certificate URI) against the URL the configuration came
// from: full URLs stay as they are, bare names ("speed_dial_list.txt", the
// manual's example) are fetched beside the configuration.
func ResolveRef(base, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", fmt.Errorf("%w: empty reference", ErrBadURL)
	}
	if strings.Contains(ref, "://") {
		u, err := parseBase(ref)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	if base == "" {
		return "", fmt.Errorf("%w: %q is relative and there is no configuration URL to resolve it against", ErrBadURL, ref)
	}
	b, err := parseBase(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadURL, ref, err)
	}
	return b.ResolveReference(r).String(), nil
}
