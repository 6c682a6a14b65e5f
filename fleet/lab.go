package fleet

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/internal/sockbuf"
	"github.com/hdphone/hdphone/lab/dhcpserver"
	"github.com/hdphone/hdphone/lab/fileserver"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/provisioning/firmware"
	"golang.org/x/net/netutil"
)

// fleetLab is the embedded lab of a fleet: the DHCP server offers each phone
// the loopback address it sends from and option 160 to the file server; the
// file server has every phone's <MAC>.cfg (its line, the SIP server, its
// group's keys) and, when the fleet file asks, a newer firmware image per
// model; the SIP server knows every line of the fleet. It is the lab
// package's three servers wired for patterned credentials.
type fleetLab struct {
	dhcp   *dhcpserver.Server
	files  *fileserver.Server
	sip    *sipproxy.Server
	dir    string // per-MAC overrides written by provision steps
	domain string
	httpLn []net.Listener // one port; several accept queues where the OS allows
	http   *http.Server

	mu   sync.Mutex // guards cfgs
	cfgs map[string]string

	wg sync.WaitGroup
}

// stormBuffer is the receive buffer the lab asks for on its UDP sockets: with
// the 4 MiB the kernel allows without CAP_NET_ADMIN (net.core.rmem_max here),
// a 10,000-phone storm lost 15,000 of its 58,000 datagrams at the SIP
// server's socket, each costing a phone a retransmission.
const stormBuffer = 32 << 20

// labConnections bounds the HTTP connections the lab serves at once.
const labConnections = 4096

// labDomain is the SIP domain of the embedded lab's lines.
const labDomain = "lab.hdphone"

// startLab binds and runs the lab until ctx ends; stop waits for it.
func startLab(ctx context.Context, f *File, phones []PhoneSpec, log *slog.Logger) (*fleetLab, error) {
	l := &fleetLab{domain: labDomain, cfgs: map[string]string{}}
	if f.Network.Domain != "" {
		l.domain = f.Network.Domain
	}
	users := make(map[string]string, len(phones))
	for _, p := range phones {
		if p.User != "" {
			users[p.User] = p.Password
		}
	}
	var err error
	l.sip, err = sipproxy.New(sipproxy.Config{
		Addr:       "127.0.0.1:0",
		TCP:        f.Network.Transport == "tcp",
		Domain:     l.domain,
		Users:      sipproxy.Table(users),
		AuthCalls:  true,
		MinExpires: time.Minute,
		ReadBuffer: stormBuffer,
		Logger:     log.With("server", "sip"),
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: lab: %w", err)
	}
	dir, err := os.MkdirTemp("", "hdphone-fleet-lab-")
	if err != nil {
		l.closeEarly()
		return nil, fmt.Errorf("fleet: lab: %w", err)
	}
	l.dir = dir
	files := map[string][]byte{}
	if v := f.Network.Firmware; v != "" {
		seen := map[string]bool{}
		for _, p := range phones {
			m := string(p.Model)
			if seen[m] {
				continue
			}
			seen[m] = true
			img, err := firmwareImage(m, v)
			if err != nil {
				l.closeEarly()
				return nil, err
			}
			files[m+".img"] = img
		}
	}
	sipAddr := l.sip.Addr()
	extra := make(map[string]string, len(phones))
	for _, p := range phones {
		mac := macHex(p.MAC)
		c := phoneConfig(p, sipAddr.Addr().String(), int(sipAddr.Port()), l.domain, f.Network.Transport)
		extra[mac] = c
		l.cfgs[mac] = c
	}
	l.files, err = fileserver.New(fileserver.Config{
		Dir:    dir,
		Files:  files,
		PerMAC: &fileserver.PerMAC{Template: `{{index .Extra .MAC}}`, Extra: extra},
		Logger: log.With("server", "files"),
	})
	if err == nil {
		// TFTP from the file server itself; HTTP from a server of ours
		// on the storm listeners (below).
		err = l.files.Listen("", "127.0.0.1:0")
	}
	if err == nil {
		l.httpLn, err = listenStorm("127.0.0.1:0")
	}
	if err != nil {
		l.closeEarly()
		return nil, fmt.Errorf("fleet: lab: %w", err)
	}
	// Keep-alive on: a phone reads its firmware header and fetches its
	// configuration over one connection, and closes it when its
	// configuration stage ends; the idle timeout only bounds phones that
	// vanish.
	l.http = &http.Server{Handler: l.files, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	// A boot storm sends thousands of DISCOVERs at once: a socket with the
	// default receive buffer (~200 KiB, some 270 datagrams) drops most of
	// them and every phone then waits out its DHCP retransmission.
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		l.closeEarly()
		return nil, fmt.Errorf("fleet: lab: %w", err)
	}
	sockbuf.SetReadBuffer(conn, stormBuffer)
	l.dhcp, err = dhcpserver.New(dhcpserver.Config{
		Conn:                conn,
		ClientSourceAddress: true,
		PrefixLen:           8,
		Options:             dhcpserver.Options{ProvisioningURL: l.httpURL()},
		Logger:              log.With("server", "dhcp"),
	})
	if err != nil {
		l.closeEarly()
		return nil, fmt.Errorf("fleet: lab: %w", err)
	}
	for _, ln := range l.httpLn {
		// At most labConnections served at once: the lab shares the
		// fleet's descriptors, and in a storm thousands of phones hold
		// their connection from the image header to the configuration;
		// the rest wait in the accept queues, costing only their own
		// socket.
		ln = netutil.LimitListener(ln, labConnections/len(l.httpLn))
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.http.Serve(ln)
		}()
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		<-ctx.Done()
		l.http.Close()
	}()
	for _, run := range []func(context.Context) error{l.sip.Run, l.files.Run, l.dhcp.Run} {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("lab server stopped", "err", err)
			}
		}()
	}
	return l, nil
}

// httpURL is the file server's base URL over HTTP.
func (l *fleetLab) httpURL() string { return "http://" + l.httpLn[0].Addr().String() }

// closeEarly releases what was bound when a later server fails to start.
func (l *fleetLab) closeEarly() {
	for _, ln := range l.httpLn {
		ln.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l.sip != nil {
		l.sip.Run(ctx)
	}
	if l.files != nil {
		l.files.Run(ctx)
	}
	if l.dir != "" {
		os.RemoveAll(l.dir)
	}
}

// wait waits for the servers after their context ended and removes the
// lab's files.
func (l *fleetLab) wait() {
	l.wg.Wait()
	os.RemoveAll(l.dir)
}

// provision changes a phone's configuration file on the file server: kv
// are added to (or replace lines of) what it serves now. The file takes
// effect at the phone's next provisioning check.
func (l *fleetLab) provision(mac net.HardwareAddr, kv []KV) error {
	key := macHex(mac)
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.cfgs[key]
	lines := strings.Split(strings.TrimRight(cur, "\n"), "\n")
	for _, e := range kv {
		replaced := false
		for i, ln := range lines {
			if k, _, ok := strings.Cut(ln, "="); ok && strings.EqualFold(strings.TrimSpace(k), e.Key) {
				lines[i] = e.Key + "=" + e.Value
				replaced = true
			}
		}
		if !replaced {
			lines = append(lines, e.Key+"="+e.Value)
		}
	}
	next := strings.Join(lines, "\n") + "\n"
	tmp := filepath.Join(l.dir, "."+key+".tmp")
	if err := os.WriteFile(tmp, []byte(next), 0o644); err != nil {
		return fmt.Errorf("fleet: provision: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(l.dir, key+".cfg")); err != nil {
		return fmt.Errorf("fleet: provision: %w", err)
	}
	l.cfgs[key] = next
	return nil
}

// phoneConfig is a phone's configuration file: its line at the registrar,
// then its group's keys.
func phoneConfig(p PhoneSpec, host string, port int, domain, transport string) string {
	var b strings.Builder
	fmt.Fprintf(&b, ";hdphone fleet: %s (%s)\n", p.ID, p.Model)
	if p.User != "" {
		fmt.Fprintf(&b, "voip/line/0/enabled=1\nvoip/line/0/id=%s\nvoip/line/0/description=%s\nvoip/line/0/auth_name=%s\nvoip/line/0/auth_password=%s\n",
			p.User, p.User, p.User, p.Password)
		fmt.Fprintf(&b, "voip/signalling/sip/use_proxy=1\nvoip/signalling/sip/proxy_address=%s\nvoip/signalling/sip/proxy_port=%d\n", host, port)
		if qoeToSIPServer(p.Config) {
			fmt.Fprintf(&b, "voip/qoe/qoe_server_address=%s\n", net.JoinHostPort(host, strconv.Itoa(port)))
		}
		if domain != "" {
			fmt.Fprintf(&b, "voip/signalling/sip/proxy_gateway=%s\n", domain)
		}
		if transport != "" && transport != "udp" {
			fmt.Fprintf(&b, "voip/signalling/sip/transport_protocol=%s\n", strings.ToUpper(transport))
		}
	}
	for _, kv := range p.Config {
		fmt.Fprintf(&b, "%s=%s\n", kv.Key, kv.Value)
	}
	return b.String()
}

// qoeToSIPServer reports whether a phone whose group keys are cfg sends
// voice-quality reports without naming a QoE server: they then go to the
// SIP server (the embedded lab's collects them).
func qoeToSIPServer(cfg []KV) bool {
	on, named := false, false
	for _, kv := range cfg {
		switch kv.Key {
		case "voip/qoe/qoe_publish_enabled", "qoe_publish_enabled":
			on = on || config.IsTrue(kv.Value) // the phone takes either key
		case "voip/qoe/qoe_server_address":
			named = kv.Value != ""
		}
	}
	return on && !named
}

func macHex(m net.HardwareAddr) string { return strings.ReplaceAll(m.String(), ":", "") }

// firmwareImage builds a small image of version for model; the payload is
// derived from the version so that every run serves the same bytes.
func firmwareImage(model, version string) ([]byte, error) {
	payload := make([]byte, 0, 64<<10)
	seed := sha256.Sum256([]byte(model + "/" + version))
	for len(payload) < cap(payload) {
		payload = append(payload, seed[:]...)
		seed = sha256.Sum256(seed[:])
	}
	img, err := firmware.Build([]string{model}, version, payload)
	if err != nil {
		return nil, fmt.Errorf("fleet: firmware image for %s: %w", model, err)
	}
	return img, nil
}

// registrarAddr splits an external registrar's host:port.
func registrarAddr(s string) (string, int, error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q", p)
	}
	return h, port, nil
}

// loopbackAddr is phone n's (1-based) address in prefix: n counts over host
// numbers whose last byte is 1-250.
func loopbackAddr(prefix netip.Prefix, n int) netip.Addr {
	base := prefix.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	i := uint32(n - 1)
	v += (i/250)*256 + i%250 + 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
