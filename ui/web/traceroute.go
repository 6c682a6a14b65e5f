package web

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Hop is one line of a traceroute: the router (or the destination) that
// answered the probe with the given TTL, and the round trip; From is invalid
// when nothing answered in time ("*").
type Hop struct {
	TTL     int
	From    netip.Addr
	RTT     time.Duration
	Reached bool // the destination answered (port unreachable)
}

// Traceroute limits: the page runs inside one request, so it stays short.
const (
	traceMaxHops = 16
	traceTimeout = time.Second // per probe
	tracePort    = 33434       // the classic base port; TTL is added
)

// ICMP answers the probe socket reports (RFC 792).
const (
	icmpUnreachable  = 3
	icmpTimeExceeded = 11
	icmpPortUnreach  = 3 // code of Destination Unreachable
)

// extendedErr is what Linux attaches to an ICMP error on a UDP socket with
// IP_RECVERR: struct sock_extended_err, then the offender's sockaddr_in.
type extendedErr struct {
	origin, typ, code uint8
	from              netip.Addr
}

const eeOriginICMP = 2

// parseExtendedErr reads a sock_extended_err control message body.
func parseExtendedErr(b []byte) (extendedErr, error) {
	const eeSize, sinSize = 16, 16
	if len(b) < eeSize {
		return extendedErr{}, errors.New("web: short sock_extended_err")
	}
	e := extendedErr{origin: b[4], typ: b[5], code: b[6]}
	if len(b) >= eeSize+sinSize {
		sin := b[eeSize:]
		// sa_family is in host order; every target of this build is
		// little-endian.
		if binary.LittleEndian.Uint16(sin[0:2]) == 2 { // AF_INET
			e.from = netip.AddrFrom4([4]byte(sin[4:8]))
		}
	}
	return e, nil
}

type monitorData struct {
	Destination string
	Target      string
	Hops        []Hop
	Ran         bool
}

func (s *Server) monitorPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "monitor", http.StatusOK, "", "", monitorData{})
}

// monitorGo runs a traceroute to the Destination (DIAG-6, §7.5).
func (s *Server) monitorGo(w http.ResponseWriter, r *http.Request, c *reqctx) {
	dest := strings.TrimSpace(r.PostForm.Get("destination"))
	d := monitorData{Destination: dest}
	if dest == "" || len(dest) > 253 || strings.ContainsAny(dest, " /\\\x00") {
		s.renderPage(w, c, "monitor", http.StatusUnprocessableEntity, "", "Enter an IPv4 address or a host name.", d)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), traceMaxHops*traceTimeout+2*time.Second)
	defer cancel()
	addr, err := netip.ParseAddr(dest)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip4", dest)
		if lerr != nil || len(ips) == 0 {
			s.renderPage(w, c, "monitor", http.StatusUnprocessableEntity, "", fmt.Sprintf("%s could not be resolved.", dest), d)
			return
		}
		addr = ips[0]
	}
	if !addr.Is4() {
		s.renderPage(w, c, "monitor", http.StatusUnprocessableEntity, "", "Only IPv4 destinations are supported.", d)
		return
	}
	d.Target = addr.String()
	hops, err := traceroute(ctx, addr, traceMaxHops, traceTimeout)
	d.Hops, d.Ran = hops, true
	if err != nil {
		s.renderPage(w, c, "monitor", http.StatusBadGateway, "", "Traceroute failed: "+err.Error(), d)
		return
	}
	s.renderPage(w, c, "monitor", http.StatusOK, "", "", d)
}
