//go:build linux

package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// traceroute sends UDP probes with growing TTL and reads the ICMP answers
// from the socket's error queue (IP_RECVERR), which needs no privilege: Time
// Exceeded names a router on the way, Port Unreachable the destination.
func traceroute(ctx context.Context, dst netip.Addr, maxHops int, timeout time.Duration) ([]Hop, error) {
	var hops []Hop
	for ttl := 1; ttl <= maxHops; ttl++ {
		if err := ctx.Err(); err != nil {
			return hops, err
		}
		h, err := probe(ctx, dst, ttl, timeout)
		if err != nil {
			return hops, err
		}
		hops = append(hops, h)
		if h.Reached {
			break
		}
	}
	return hops, nil
}

func probe(ctx context.Context, dst netip.Addr, ttl int, timeout time.Duration) (Hop, error) {
	h := Hop{TTL: ttl}
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return h, fmt.Errorf("web: traceroute socket: %w", err)
	}
	defer conn.Close()
	rc, err := conn.SyscallConn()
	if err != nil {
		return h, err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, ttl); serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		}
	}); err != nil || serr != nil {
		return h, fmt.Errorf("web: traceroute socket options: %w", errors.Join(err, serr))
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	start := time.Now()
	to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, uint16(tracePort+ttl)))
	if _, err := conn.WriteToUDP([]byte("hdphone traceroute"), to); err != nil && !isICMPErr(err) {
		return h, fmt.Errorf("web: traceroute send: %w", err)
	}
	buf := make([]byte, 512)
	oob := make([]byte, 512)
	for {
		var (
			e     extendedErr
			found bool
			rerr  error
		)
		err := rc.Read(func(fd uintptr) bool {
			_, oobn, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if err == unix.EAGAIN {
				return false // wait until the socket reports an error
			}
			if err != nil {
				rerr = err
				return true
			}
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil {
				rerr = err
				return true
			}
			for _, m := range msgs {
				if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR {
					if e, err = parseExtendedErr(m.Data); err == nil {
						found = true
					}
				}
			}
			return true
		})
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return h, nil // no answer: "*"
			}
			return h, fmt.Errorf("web: traceroute receive: %w", err)
		}
		if rerr != nil {
			return h, fmt.Errorf("web: traceroute receive: %w", rerr)
		}
		if !found || e.origin != eeOriginICMP {
			continue
		}
		h.RTT = time.Since(start)
		h.From = e.from
		h.Reached = e.typ == icmpUnreachable
		if e.typ != icmpTimeExceeded && e.typ != icmpUnreachable {
			continue
		}
		return h, nil
	}
}

func isICMPErr(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && (errno == syscall.ECONNREFUSED || errno == syscall.EHOSTUNREACH || errno == syscall.ENETUNREACH)
}
