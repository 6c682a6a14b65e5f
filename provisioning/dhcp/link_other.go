//go:build !linux

package dhcp

// NewRaw is only available on Linux.
func NewRaw(iface string, cfg Config) (*Client, error) {
	return nil, ErrUnsupported
}
