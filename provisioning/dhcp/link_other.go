//go:build !linux

package dhcp

import (
	"context"
	"net"
	"net/netip"
)

// The client is built on nclient4, which compiles only on Linux. Elsewhere
// the option decoders, Lease and Override work, and constructing a client
// reports ErrUnsupported.

// Client is a DHCP client; on this platform it cannot be constructed.
type Client struct{}

// NewUDP is only available on Linux.
func NewUDP(cfg Config, local, server netip.AddrPort) (*Client, error) { return nil, ErrUnsupported }

// NewRaw is only available on Linux.
func NewRaw(iface string, cfg Config) (*Client, error) { return nil, ErrUnsupported }

// MAC returns nil.
func (c *Client) MAC() net.HardwareAddr { return nil }

// LocalAddr returns nil.
func (c *Client) LocalAddr() net.Addr { return nil }

// Lease returns nil.
func (c *Client) Lease() *Lease { return nil }

// Close returns ErrUnsupported.
func (c *Client) Close() error { return ErrUnsupported }

// Acquire returns ErrUnsupported.
func (c *Client) Acquire(context.Context) (*Lease, error) { return nil, ErrUnsupported }

// Renew returns ErrUnsupported.
func (c *Client) Renew(context.Context) (*Lease, error) { return nil, ErrUnsupported }

// Rebind returns ErrUnsupported.
func (c *Client) Rebind(context.Context) (*Lease, error) { return nil, ErrUnsupported }

// Release returns ErrUnsupported.
func (c *Client) Release(context.Context) error { return ErrUnsupported }

// Run returns ErrUnsupported.
func (c *Client) Run(context.Context) error { return ErrUnsupported }
