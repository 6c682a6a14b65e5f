//go:build !linux

package datagram

import (
	"context"
	"net"
	"net/netip"
)

type muxSocket struct{}

// NewMux fails here: sharing a socket needs IP_PKTINFO (Linux).
func NewMux(port int) (*Mux, error) { return nil, ErrNoMux }

// Run returns at once: there is no Mux here.
func (m *Mux) Run(ctx context.Context) error { return ErrNoMux }

// Close does nothing here.
func (m *Mux) Close() error { return nil }

func (m *Mux) send(b []byte, src [4]byte, to netip.AddrPort) (int, error) {
	return 0, &net.OpError{Op: "write", Net: "udp", Err: ErrNoMux}
}
