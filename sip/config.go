package sip

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/internal/datagram"
)

// Transport is a SIP transport protocol, spelled as in the phone's
// configuration (voip/signalling/sip/transport_protocol) and in Via headers.
type Transport string

// Transports.
const (
	UDP Transport = "UDP"
	TCP Transport = "TCP"
	TLS Transport = "TLS"
)

// ParseTransport reads a transport name in any case; "" is UDP.
func ParseTransport(s string) (Transport, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "UDP":
		return UDP, nil
	case "TCP":
		return TCP, nil
	case "TLS":
		return TLS, nil
	}
	return "", fmt.Errorf("%w: transport %q is not UDP, TCP or TLS", ErrConfig, s)
}

func (t Transport) lower() string { return strings.ToLower(string(t)) }

// Server is a SIP server as configured: a host name or address and a port
// (0 means "not given": RFC 3263 then looks up NAPTR and SRV records).
type Server struct {
	Host string
	Port int
}

// IsZero reports whether no server is set.
func (s Server) IsZero() bool { return s.Host == "" }

func (s Server) String() string {
	if s.Port == 0 {
		return s.Host
	}
	if strings.Contains(s.Host, ":") {
		return "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	}
	return s.Host + ":" + strconv.Itoa(s.Port)
}

// ParseServer reads "host", "host:port" or "[v6]:port".
func ParseServer(s string) (Server, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Server{}, nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return Server{Host: ap.Addr().String(), Port: int(ap.Port())}, nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return Server{Host: s}, nil
	}
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return Server{Host: s}, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || host == "" {
		return Server{}, fmt.Errorf("%w: server %q", ErrConfig, s)
	}
	return Server{Host: host, Port: n}, nil
}

// TLSConfig is how the phone speaks TLS to SIP servers.
type TLSConfig struct {
	// Method is voip/signalling/sip/tls_method: "ssl_2_3" (the default,
	// negotiate) or one forced version: "tls_1", "tls_1_1", "tls_1_2".
	// "ssl_2" and "ssl_3" give ErrTLSVersion: Go does not speak them.
	Method string
	// Disable is voip/signalling/sip/tls_disable: versions excluded from
	// negotiation when Method is ssl_2_3.
	Disable []string
	// Certificates are the phone's client certificates
	// (security/sip_certificate_uri and sip_private_key_uri). The first one
	// also serves the phone's own TLS listener; without one, the listener
	// uses a self-signed certificate made at start.
	Certificates []tls.Certificate
	// Identity, when Certificates is empty, gives the certificate presented
	// to a server that asks for one: the phone's factory certificate
	// (manual §3.5.3). It is called only when a server asks. Nil: none.
	Identity func() (*tls.Certificate, error)
	// RootCAs are the trusted CAs (security/ca_certificate/{n}); nil means the
	// system roots.
	RootCAs *x509.CertPool
	// InsecureSkipVerify is security/SSLCertificateErrorsMode=Ignore.
	InsecureSkipVerify bool
	// ServerName overrides the name checked in the server certificate; ""
	// means the configured server's host.
	ServerName string
}

// MWIConfig is the voicemail subscription of voip/services/msg_waiting_ind.
type MWIConfig struct {
	// Subscribe makes the UA SUBSCRIBE to message-summary after its first
	// successful registration.
	Subscribe bool
	// Server receives the SUBSCRIBE (subscribe_address, subscribe_port);
	// zero means the registrar.
	Server Server
	// Expires is expiraition_timeout (sic); zero means one hour.
	Expires time.Duration
}

// Config describes one phone's SIP user agent. Fill it from the phone's
// configuration (ConfigFrom does that for the standard keys). Only User and
// one of Domain, Registrar, Proxy or DHCPServers are required; every other
// zero field has a working default.
type Config struct {
	// User is the line's user id (voip/line/0/id), the user part of the
	// address of record.
	User string
	// AuthName is the digest user name (voip/line/0/auth_name); "" means
	// User.
	AuthName string
	// Password is the digest password (voip/line/0/auth_password). It is never
	// logged.
	Password Secret
	// DisplayName goes in From headers (voip/line/0/description).
	DisplayName string
	// Domain is the SIP domain (voip/signalling/sip/proxy_gateway), the host
	// part of the address of record; "" means the registrar's or proxy's host.
	Domain string

	// Registrar receives REGISTER requests (sip_registrar/addr and port when
	// sip_registrar/enabled=1); zero means Proxy, then Domain.
	Registrar Server
	// Proxy receives out-of-dialog requests (proxy_address and proxy_port when
	// use_proxy=1); zero means the Request-URI's host.
	Proxy Server
	// OutboundProxy is the first hop of every request, REGISTER included
	// (sip_outbound_proxy/addr and port when enabled=1).
	OutboundProxy Server
	// DHCPServers are the SIP servers of DHCP option 120 (RFC 3361; see
	// ParseOption120), names or addresses, used in order as registrars and
	// proxies when nothing else is configured.
	DHCPServers []string

	// Transport is transport_protocol; zero means UDP.
	Transport Transport
	// LocalAddr is the phone's own IP address; every socket binds to it and
	// Via and Contact carry it. Zero means 127.0.0.1.
	LocalAddr netip.Addr
	// LocalPort is the phone's SIP port (voip/signalling/sip/port, 5060 on a
	// real phone); 0 lets the kernel choose.
	LocalPort int
	// LocalTLSPort is the port of the TLS listener (used when Transport is
	// TLS); 0 means LocalPort+1, or a kernel-chosen port when LocalPort is 0.
	LocalTLSPort int
	// SharedUDP, when it serves LocalAddr:LocalPort, gives the UDP
	// transport its address on a socket many agents share (a fleet's, which
	// its owner runs); otherwise the agent binds a socket of its own.
	SharedUDP *datagram.Mux
	// TLS configures TLS connections.
	TLS TLSConfig

	// RegisterExpires is registration_expires; zero means 3600 s.
	RegisterExpires time.Duration
	// NoResponseTimeout is outgoing_request_no_response_timeout_ms: how long
	// to wait for any response from a server before trying the next one;
	// zero means 4 s.
	NoResponseTimeout time.Duration
	// RetryInterval is the first wait before registering again after a
	// failure; it doubles up to 32 times as long. Zero means 30 s.
	RetryInterval time.Duration
	// FailbackRetry is failback_retry_timeout: how long a server that failed
	// is skipped while another answers; zero means 60 s.
	FailbackRetry time.Duration

	// SessionExpires is the session interval the phone asks for (RFC 4028);
	// zero means 1800 s, negative turns session timers off.
	SessionExpires time.Duration
	// MinSE is the smallest session interval accepted; zero means 90 s.
	MinSE time.Duration

	// RejectCode is the response a Reject with code 0 sends
	// (voip/services/reject_code, e.g. CODE_486); zero means 486.
	RejectCode int

	// MWI configures the voicemail subscription.
	MWI MWIConfig

	// CheckSync accepts NOTIFYs of the check-sync event package
	// (provisioning/check_sync/enabled): they are answered 200 and reported
	// as a NotifyEvent with no subscription. Without it they get 489 Bad
	// Event, as any package the phone does not take.
	CheckSync bool
	// TalkEvent accepts NOTIFYs of the talk event package
	// (voip/talk_event/enabled): a server's remote control asking the
	// phone to answer or resume a call. Answered and reported as
	// CheckSync's; 489 without it.
	TalkEvent bool

	// UserAgent is the User-Agent header; "" means the UC firmware's form
	// for a 450HD (device passes its own with device.UserAgent).
	UserAgent string

	// Resolver does RFC 3263 lookups; nil means a DNSResolver using
	// /etc/resolv.conf.
	Resolver Resolver
	// Clock drives registration refresh, retries, session and subscription
	// timers; nil means the system clock. (Transaction timers are sipgo's and
	// use real time.)
	Clock clock.Clock
	// Logger receives the UA's log; nil discards it.
	Logger *slog.Logger
	// OnEvent, when set, receives the UA's events instead of the Events
	// channel: in order, one call at a time, on a goroutine the UA owns
	// only while events are pending (an idle UA in a fleet of thousands
	// holds none). It may block, but must return once the UA closes.
	OnEvent func(Event)
	// TryEvent, when set with OnEvent, is offered each event while none
	// waits for OnEvent, on the goroutine that raised it, and takes it by
	// returning true. It must not block nor call the UA: it is for a
	// consumer that can take an event at once (a send on a channel with
	// room), which then needs no goroutine started for it.
	TryEvent func(Event) bool
}

// Secret is a password that never prints.
type Secret string

// LogValue hides the secret from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// String hides the secret from fmt.
func (Secret) String() string { return "REDACTED" }

// DefaultUserAgent is the User-Agent a UA sends when Config.UserAgent is "":
// the UC firmware's wire form for a 450HD.
const DefaultUserAgent = "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1"

// normalize fills defaults and checks the config.
func (c Config) normalize() (Config, error) {
	if c.User == "" {
		return c, fmt.Errorf("%w: no user", ErrConfig)
	}
	if c.AuthName == "" {
		c.AuthName = c.User
	}
	if c.Transport == "" {
		c.Transport = UDP
	}
	if _, err := ParseTransport(string(c.Transport)); err != nil {
		return c, err
	}
	if !c.LocalAddr.IsValid() {
		c.LocalAddr = netip.MustParseAddr("127.0.0.1")
	}
	if c.LocalPort < 0 || c.LocalPort > 65535 || c.LocalTLSPort < 0 || c.LocalTLSPort > 65535 {
		return c, fmt.Errorf("%w: local port out of range", ErrConfig)
	}
	if c.LocalTLSPort == 0 && c.LocalPort != 0 && c.LocalPort < 65535 {
		c.LocalTLSPort = c.LocalPort + 1
	}
	if c.Domain == "" {
		switch {
		case !c.Registrar.IsZero():
			c.Domain = c.Registrar.Host
		case !c.Proxy.IsZero():
			c.Domain = c.Proxy.Host
		case len(c.DHCPServers) > 0:
			s, err := ParseServer(c.DHCPServers[0])
			if err != nil || s.IsZero() {
				return c, fmt.Errorf("%w: DHCP SIP server %q", ErrConfig, c.DHCPServers[0])
			}
			c.Domain = s.Host
		default:
			return c, fmt.Errorf("%w: no domain, registrar, proxy or DHCP server", ErrConfig)
		}
	}
	if c.RegisterExpires <= 0 {
		c.RegisterExpires = time.Hour
	}
	if c.NoResponseTimeout <= 0 {
		c.NoResponseTimeout = 4 * time.Second
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = 30 * time.Second
	}
	if c.FailbackRetry <= 0 {
		c.FailbackRetry = time.Minute
	}
	if c.MinSE <= 0 {
		c.MinSE = 90 * time.Second
	}
	if c.SessionExpires == 0 {
		c.SessionExpires = 1800 * time.Second
	}
	if c.SessionExpires > 0 && c.SessionExpires < c.MinSE {
		c.SessionExpires = c.MinSE
	}
	if c.RejectCode == 0 {
		c.RejectCode = 486
	}
	if c.RejectCode < 400 || c.RejectCode > 699 {
		return c, fmt.Errorf("%w: reject code %d is not a 4xx-6xx response", ErrConfig, c.RejectCode)
	}
	if c.MWI.Expires <= 0 {
		c.MWI.Expires = time.Hour
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if _, _, err := tlsVersions(c.TLS.Method, c.TLS.Disable); err != nil {
		return c, err
	}
	c.Clock = clock.OrReal(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// ParseRejectCode reads voip/services/reject_code ("CODE_486", "CODE_603",
// or a bare number).
func ParseRejectCode(s string) (int, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimPrefix(s, "CODE_")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 400 || n > 699 {
		return 0, fmt.Errorf("%w: reject code %q", ErrConfig, s)
	}
	return n, nil
}
