package provisioning

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// Config configures a Provisioner.
type Config struct {
	// Identity names the phone's files.
	Identity Identity
	// Running is the running firmware version, e.g. "UC_3.4.8.808".
	Running string
	// Fetcher downloads files (a *fetch.Client with the phone's
	// User-Agent and TLS policy).
	Fetcher fetch.Fetcher
	// HTTP asks the redirect server; nil: the redirect fallback is skipped.
	HTTP HTTPDoer
	// LookupHost resolves the Static DNS name; nil: the system resolver.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// MaxConfigSize bounds a configuration file; 0: 1 MiB.
	MaxConfigSize int64
	// Logger; nil: discard.
	Logger *slog.Logger
}

// Provisioner runs the provisioning decision for one phone. It holds no
// state between calls and is safe for concurrent use.
type Provisioner struct {
	cfg Config
	log *slog.Logger
}

// New returns a Provisioner.
func New(cfg Config) (*Provisioner, error) {
	if cfg.Fetcher == nil {
		return nil, errors.New("provisioning: Config.Fetcher is nil")
	}
	if _, err := NormalizeMAC(cfg.Identity.MAC); err != nil {
		return nil, err
	}
	if cfg.Identity.Model == "" {
		return nil, errors.New("provisioning: Config.Identity.Model is empty")
	}
	if cfg.LookupHost == nil {
		cfg.LookupHost = lookupHost
	}
	if cfg.MaxConfigSize <= 0 {
		cfg.MaxConfigSize = 1 << 20
	}
	p := &Provisioner{cfg: cfg, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	return p, nil
}

// Locate finds the provisioning source: Decide, then (for Dynamic with
// nothing from DHCP) the Static DNS record, then the redirect server.
func (p *Provisioner) Locate(ctx context.Context, c *config.Config, dhcp DHCP) (Source, error) {
	src, err := Decide(c, p.cfg.Identity, dhcp)
	if !errors.Is(err, ErrNoSource) {
		return src, err
	}
	if m, _ := ParseMethod(c.Get("provisioning/method")); m != Dynamic {
		return Source{}, err
	}
	if addrs, lerr := p.cfg.LookupHost(ctx, StaticDNSHost); lerr == nil && len(addrs) > 0 {
		p.log.Info("provisioning from the Static DNS record", "host", StaticDNSHost, "addrs", addrs)
		return StaticDNSSource(p.cfg.Identity), nil
	}
	if p.cfg.HTTP == nil {
		return Source{}, ErrNoSource
	}
	src, rerr := Redirect(ctx, p.cfg.HTTP, c.Get("provisioning/redirect_server_url"), p.cfg.Identity)
	if rerr != nil {
		return Source{}, fmt.Errorf("%w (redirect: %w)", ErrNoSource, rerr)
	}
	return src, nil
}

// FirmwareCheck is the result of reading an image header.
type FirmwareCheck struct {
	URL    string
	Header firmware.Header
	// Upgrade is true when the image is for this model and its version
	// differs from the running one (newer or older).
	Upgrade bool
}

// CheckFirmware reads only the header of src's image. A source without
// firmware gives a zero FirmwareCheck and no error.
func (p *Provisioner) CheckFirmware(ctx context.Context, src Source) (FirmwareCheck, error) {
	fc := FirmwareCheck{URL: src.Firmware}
	if src.Firmware == "" {
		return fc, nil
	}
	b, err := fetch.ReadHeader(ctx, p.cfg.Fetcher, src.Firmware, firmware.HeaderSize)
	if err != nil {
		return fc, fmt.Errorf("provisioning: firmware %s: %w", src.Firmware, err)
	}
	h, err := firmware.ParseHeader(b)
	if err != nil {
		return fc, fmt.Errorf("provisioning: firmware %s: %w", src.Firmware, err)
	}
	fc.Header = h
	if err := h.Check(p.cfg.Identity.Model); err != nil {
		return fc, fmt.Errorf("provisioning: firmware %s: %w", src.Firmware, err)
	}
	fc.Upgrade = h.Version != p.cfg.Running
	return fc, nil
}

// DownloadFirmware downloads the image at url and streams its payload into
// dst (the flash burn) while verifying it. Only a nil error means dst holds a
// complete, verified payload for this model; otherwise the caller discards it
// and keeps the running firmware.
func (p *Provisioner) DownloadFirmware(ctx context.Context, url string, dst io.Writer) (firmware.Header, error) {
	body, err := p.cfg.Fetcher.Open(ctx, url, 0)
	if err != nil {
		return firmware.Header{}, fmt.Errorf("provisioning: firmware %s: %w", url, err)
	}
	defer body.Close()
	h, err := firmware.Verify(body, p.cfg.Identity.Model, dst)
	if err != nil {
		return h, fmt.Errorf("provisioning: firmware %s: %w", url, err)
	}
	return h, nil
}

// ConfigResult is a fetched and checked configuration file.
type ConfigResult struct {
	URL string
	// Text is the configuration text (decrypted when the file was a .cfx).
	Text []byte
	// Config is the running configuration with the file applied on top
	// (delta provisioning: keys the file does not name keep their values).
	Config *config.Config
	// Issues are the file's warnings (unknown or repeated keys).
	Issues []config.Issue
	// Changes lists what the file changes.
	Changes []config.Change
}

// FetchConfig fetches the first configuration of src that exists, decrypts a
// .cfx, checks that it is for this model and applies it on a copy of
// running. It never changes running.
func (p *Provisioner) FetchConfig(ctx context.Context, src Source, running *config.Config) (ConfigResult, error) {
	if len(src.Configs) == 0 {
		return ConfigResult{}, ErrNoConfig
	}
	var data []byte
	var url string
	for _, u := range src.Configs {
		b, err := fetch.ReadAll(ctx, p.cfg.Fetcher, u, p.cfg.MaxConfigSize)
		if errors.Is(err, fetch.ErrNotFound) {
			p.log.Debug("no configuration here", "url", u)
			continue
		}
		if err != nil {
			return ConfigResult{}, fmt.Errorf("provisioning: configuration %s: %w", u, err)
		}
		data, url = b, u
		break
	}
	if url == "" {
		return ConfigResult{}, fmt.Errorf("%w: tried %s", ErrNoConfig, strings.Join(src.Configs, ", "))
	}
	res, err := p.checkConfig(url, data, running)
	if err != nil {
		return res, err
	}
	return p.customConfig(ctx, res, running), nil
}

// KeyCustomConfig names an extra configuration file fetched after the main
// one and applied on top of it (field files: custom settings kept apart
// from a generated per-phone file).
const KeyCustomConfig = "provisioning/custom_configuration/url"

// customConfig applies the file of provisioning/custom_configuration/url,
// as the main file (or the running configuration) names it, on top of the
// main file's result. Relative names and <MAC> are resolved as for side
// files. One level only: a custom file naming another is not followed. A
// custom file that cannot be fetched or applied loses nothing: the main
// file applies and the problem is reported among res.Issues.
func (p *Provisioner) customConfig(ctx context.Context, res ConfigResult, running *config.Config) ConfigResult {
	ref := strings.TrimSpace(res.Config.Get(KeyCustomConfig))
	if ref == "" {
		return res
	}
	issue := func(err error) ConfigResult {
		res.Issues = append(res.Issues, config.Issue{File: ref, Severity: config.Warning, Key: KeyCustomConfig, Err: err})
		return res
	}
	u, err := ResolveRef(res.URL, p.cfg.Identity.Substitute(ref))
	if err != nil {
		return issue(err)
	}
	data, err := fetch.ReadAll(ctx, p.cfg.Fetcher, u, p.cfg.MaxConfigSize)
	if err != nil {
		return issue(fmt.Errorf("custom configuration %s: %w", u, err))
	}
	custom, err := p.checkConfig(u, data, res.Config)
	if err != nil {
		return issue(err)
	}
	res.Config = custom.Config
	res.Issues = append(res.Issues, custom.Issues...)
	res.Changes = config.Diff(running, custom.Config)
	return res
}

func (p *Provisioner) checkConfig(url string, data []byte, running *config.Config) (ConfigResult, error) {
	name := path.Base(url)
	text, err := config.DecodeFile(name, data)
	if err != nil {
		return ConfigResult{URL: url}, fmt.Errorf("provisioning: configuration %s: %w", url, err)
	}
	// Parse and Apply recognise a .cfx themselves: they get the file as
	// downloaded, under its own name.
	entries, _, err := config.Parse(name, bytes.NewReader(data))
	if err != nil {
		return ConfigResult{URL: url}, fmt.Errorf("provisioning: configuration %s: %w", url, err)
	}
	for _, e := range entries {
		if strings.EqualFold(e.Key, "system/type") && e.Value != "" && !strings.EqualFold(e.Value, p.cfg.Identity.Model) {
			return ConfigResult{URL: url}, fmt.Errorf("%w: %s says system/type=%s, this is a %s (line %d)",
				ErrWrongModel, url, e.Value, p.cfg.Identity.Model, e.Line)
		}
	}
	next, issues, err := running.Apply(name, bytes.NewReader(data))
	res := ConfigResult{URL: url, Text: text, Issues: issues}
	if err != nil {
		return res, fmt.Errorf("provisioning: configuration %s: %w", url, err)
	}
	res.Config = next
	res.Changes = config.Diff(running, next)
	return res, nil
}

// Outcome is the result of one provisioning check.
type Outcome struct {
	Source Source
	// Firmware is the header check; when Firmware.Upgrade is set the
	// integrator downloads and burns Firmware.URL (DownloadFirmware) and
	// reboots, and no configuration was fetched.
	Firmware    FirmwareCheck
	FirmwareErr error
	// Config is the fetched configuration (nil when none was fetched).
	Config    *ConfigResult
	ConfigErr error
}

// Check runs one provisioning check in the phone's order: locate the source,
// read the firmware header, and only when there is no firmware to install
// fetch the configuration (PROV-1). The error is for a check that could not
// start (no source, disabled); failures of each part are in the Outcome.
func (p *Provisioner) Check(ctx context.Context, running *config.Config, dhcp DHCP) (Outcome, error) {
	src, err := p.Locate(ctx, running, dhcp)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Source: src}
	out.Firmware, out.FirmwareErr = p.CheckFirmware(ctx, src)
	if out.FirmwareErr != nil {
		p.log.Warn("firmware check failed", "url", src.Firmware, "err", out.FirmwareErr)
	}
	if out.Firmware.Upgrade {
		p.log.Info("new firmware", "url", src.Firmware, "version", out.Firmware.Header.Version, "running", p.cfg.Running)
		return out, nil
	}
	if len(src.Configs) == 0 {
		return out, nil
	}
	res, err := p.FetchConfig(ctx, src, running)
	out.ConfigErr = err
	if err == nil {
		out.Config = &res
	} else {
		p.log.Warn("configuration not applied", "err", err)
	}
	return out, nil
}
