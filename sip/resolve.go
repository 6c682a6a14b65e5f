package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Target is one place a request can be sent to: a transport and an
// address, plus the host name the server's TLS certificate must match.
type Target struct {
	Transport Transport
	Addr      netip.AddrPort
	Host      string
}

func (t Target) String() string { return t.Transport.lower() + ":" + t.Addr.String() }

// Resolver turns a configured server into an ordered list of targets (RFC
// 3263 §4): the UA tries them in order and skips one that fails.
type Resolver interface {
	Resolve(ctx context.Context, s Server, t Transport) ([]Target, error)
}

// DNSResolver is RFC 3263 resolution over DNS: NAPTR, then SRV, then A.
//
//   - an IP address is used as it is (port 5060, or 5061 for TLS);
//   - a name with a port: its A records, in order;
//   - a name without a port: its NAPTR records for the transport's service
//     (SIP+D2U, SIP+D2T, SIPS+D2T) name SRV records; without a usable NAPTR
//     the SRV names are _sip._udp, _sip._tcp, or _sips._tcp then _sip._tls
//     (the Lync form); SRV targets are ordered by priority and, within a
//     priority, by weighted random choice (RFC 2782); without SRV records
//     the name's A records with the default port.
//
// The zero value asks the servers of /etc/resolv.conf.
type DNSResolver struct {
	// Servers are "ip:port" DNS servers; nil means /etc/resolv.conf.
	Servers []string
	// Timeout bounds each query; zero means 2 s.
	Timeout time.Duration
}

// Resolve implements Resolver.
func (r *DNSResolver) Resolve(ctx context.Context, s Server, t Transport) ([]Target, error) {
	if s.Host == "" {
		return nil, ErrNoServer
	}
	host := strings.TrimSuffix(strings.Trim(s.Host, "[]"), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return []Target{{Transport: t, Addr: netip.AddrPortFrom(ip, uint16(portOr(s.Port, t))), Host: host}}, nil
	}
	if s.Port != 0 {
		ips, err := r.lookupA(ctx, host)
		if err != nil {
			return nil, err
		}
		return targetsFor(ips, uint16(s.Port), t, host), nil
	}
	names, err := r.srvNames(ctx, host, t)
	if err != nil {
		return nil, err
	}
	var out []Target
	found := false
	for _, name := range names {
		recs, extra, err := r.query(ctx, name, dns.TypeSRV)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			continue // no SRV here (or a server that will not say): next step
		}
		srvs := make([]*dns.SRV, 0, len(recs))
		for _, rr := range recs {
			if srv, ok := rr.(*dns.SRV); ok && srv.Target != "." {
				srvs = append(srvs, srv)
			}
		}
		if len(srvs) == 0 {
			continue
		}
		found = true
		for _, srv := range orderSRV(srvs) {
			ips := glueA(extra, srv.Target)
			if len(ips) == 0 {
				ips, err = r.lookupA(ctx, strings.TrimSuffix(srv.Target, "."))
				if err != nil {
					continue // a dead target name is skipped, the next may work
				}
			}
			out = append(out, targetsFor(ips, srv.Port, t, host)...)
		}
		break
	}
	if found {
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: SRV targets of %s have no address", ErrResolve, host)
		}
		return out, nil
	}
	ips, err := r.lookupA(ctx, host)
	if err != nil {
		return nil, err
	}
	return targetsFor(ips, uint16(portOr(0, t)), t, host), nil
}

// srvNames returns the SRV names to look up for host, from its NAPTR
// records when it has usable ones.
func (r *DNSResolver) srvNames(ctx context.Context, host string, t Transport) ([]string, error) {
	service := map[Transport]string{UDP: "SIP+D2U", TCP: "SIP+D2T", TLS: "SIPS+D2T"}[t]
	recs, _, err := r.query(ctx, host, dns.TypeNAPTR)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	// A failed NAPTR query (refused, no such record) means "no NAPTR": RFC
	// 3263 §4.1 goes on with SRV.
	var naptrs []*dns.NAPTR
	for _, rr := range recs {
		n, ok := rr.(*dns.NAPTR)
		if ok && strings.EqualFold(n.Flags, "s") && strings.EqualFold(n.Service, service) && n.Replacement != "." {
			naptrs = append(naptrs, n)
		}
	}
	slices.SortStableFunc(naptrs, func(a, b *dns.NAPTR) int {
		if a.Order != b.Order {
			return int(a.Order) - int(b.Order)
		}
		return int(a.Preference) - int(b.Preference)
	})
	var names []string
	for _, n := range naptrs {
		names = append(names, strings.TrimSuffix(n.Replacement, "."))
	}
	if len(names) > 0 {
		return names, nil
	}
	switch t {
	case TLS:
		return []string{"_sips._tcp." + host, "_sip._tls." + host}, nil
	case TCP:
		return []string{"_sip._tcp." + host}, nil
	default:
		return []string{"_sip._udp." + host}, nil
	}
}

// orderSRV sorts by priority and, inside a priority, draws by weight (RFC
// 2782): a record of weight 0 still gets a small chance.
func orderSRV(srvs []*dns.SRV) []*dns.SRV {
	slices.SortStableFunc(srvs, func(a, b *dns.SRV) int { return int(a.Priority) - int(b.Priority) })
	out := make([]*dns.SRV, 0, len(srvs))
	for i := 0; i < len(srvs); {
		j := i
		for j < len(srvs) && srvs[j].Priority == srvs[i].Priority {
			j++
		}
		group := slices.Clone(srvs[i:j])
		for len(group) > 0 {
			total := 0
			for _, s := range group {
				total += int(s.Weight) + 1
			}
			pick := rand.IntN(total)
			k := 0
			for ; k < len(group); k++ {
				pick -= int(group[k].Weight) + 1
				if pick < 0 {
					break
				}
			}
			out = append(out, group[k])
			group = append(group[:k], group[k+1:]...)
		}
		i = j
	}
	return out
}

func glueA(extra []dns.RR, name string) []netip.Addr {
	var ips []netip.Addr
	for _, rr := range extra {
		if a, ok := rr.(*dns.A); ok && strings.EqualFold(a.Hdr.Name, dns.Fqdn(name)) {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
				ips = append(ips, ip)
			}
		}
	}
	return ips
}

func (r *DNSResolver) lookupA(ctx context.Context, host string) ([]netip.Addr, error) {
	recs, _, err := r.query(ctx, host, dns.TypeA)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	for _, rr := range recs {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
				ips = append(ips, ip)
			}
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%w: %s has no A record", ErrResolve, host)
	}
	return ips, nil
}

var errNXDomain = errors.New("no such name")

// query asks each server in turn; a truncated UDP answer is asked again
// over TCP.
func (r *DNSResolver) query(ctx context.Context, name string, qtype uint16) (answer, extra []dns.RR, err error) {
	servers := r.Servers
	if len(servers) == 0 {
		cc, cerr := dns.ClientConfigFromFile("/etc/resolv.conf")
		if cerr != nil || len(cc.Servers) == 0 {
			return nil, nil, fmt.Errorf("%w: no DNS server", ErrResolve)
		}
		for _, s := range cc.Servers {
			servers = append(servers, net.JoinHostPort(s, cc.Port))
		}
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	var last error
	for _, srv := range servers {
		c := &dns.Client{Timeout: timeout}
		resp, _, err := c.ExchangeContext(ctx, m, srv)
		if err == nil && resp.Truncated {
			c.Net = "tcp"
			resp, _, err = c.ExchangeContext(ctx, m, srv)
		}
		if err != nil {
			last = err
			continue
		}
		switch resp.Rcode {
		case dns.RcodeSuccess:
			return resp.Answer, resp.Extra, nil
		case dns.RcodeNameError:
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrResolve, name, errNXDomain)
		default:
			last = fmt.Errorf("rcode %s", dns.RcodeToString[resp.Rcode])
		}
	}
	return nil, nil, fmt.Errorf("%w: %s %s: %w", ErrResolve, dns.TypeToString[qtype], name, last)
}

func targetsFor(ips []netip.Addr, port uint16, t Transport, host string) []Target {
	out := make([]Target, 0, len(ips))
	for _, ip := range ips {
		out = append(out, Target{Transport: t, Addr: netip.AddrPortFrom(ip, port), Host: host})
	}
	return out
}

func portOr(p int, t Transport) int {
	if p != 0 {
		return p
	}
	if t == TLS {
		return 5061
	}
	return 5060
}

// ParseOption120 decodes DHCP option 120 (RFC 3361, SIP servers): an
// encoding byte, then either DNS names in RFC 1035 label form (0) or IPv4
// addresses (1). It returns the servers in order of preference.
func ParseOption120(b []byte) ([]string, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: option 120 too short", ErrParse)
	}
	data := b[1:]
	var out []string
	switch b[0] {
	case 1:
		if len(data)%4 != 0 {
			return nil, fmt.Errorf("%w: option 120 address list of %d bytes", ErrParse, len(data))
		}
		for i := 0; i < len(data); i += 4 {
			out = append(out, netip.AddrFrom4([4]byte(data[i:i+4])).String())
		}
	case 0:
		var labels []string
		for i := 0; i < len(data); {
			l := int(data[i])
			i++
			if l == 0 {
				if len(labels) == 0 {
					return nil, fmt.Errorf("%w: option 120 empty name", ErrParse)
				}
				out = append(out, strings.Join(labels, "."))
				labels = labels[:0]
				continue
			}
			if l > 63 || i+l > len(data) {
				return nil, fmt.Errorf("%w: option 120 bad label length %d", ErrParse, l)
			}
			label := string(data[i : i+l])
			for _, c := range []byte(label) {
				if c <= ' ' || c >= 0x7f || c == '.' {
					return nil, fmt.Errorf("%w: option 120 label %q", ErrParse, label)
				}
			}
			labels = append(labels, label)
			i += l
		}
		if len(labels) > 0 {
			return nil, fmt.Errorf("%w: option 120 name not terminated", ErrParse)
		}
	default:
		return nil, fmt.Errorf("%w: option 120 encoding %d", ErrParse, b[0])
	}
	return out, nil
}
