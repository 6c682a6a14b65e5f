//go:build linux

package dhcp

import (
	"github.com/insomniacslk/dhcp/dhcpv4"
)

// identity returns the options every message but RELEASE and DECLINE
// carries: the model as vendor class (60) and user class (77), the request
// list (55) and the maximum message size (57).
func (c *Client) identity() []dhcpv4.Modifier {
	codes := make([]dhcpv4.OptionCode, 0, 16)
	for _, o := range RequestList(c.cfg.URLOption, c.cfg.Recovery) {
		codes = append(codes, dhcpv4.GenericOptionCode(o))
	}
	mods := []dhcpv4.Modifier{
		dhcpv4.WithHwAddr(c.mac),
		dhcpv4.WithBroadcast(c.cfg.BroadcastFlag),
		dhcpv4.WithOption(dhcpv4.OptMaxMessageSize(maxMessageSize)),
	}
	if vc := c.vendorClass(); vc != "" {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptClassIdentifier(vc)))
	}
	if uc := c.userClass(); uc != "" {
		// The phone sends the bare string, not the RFC 3004 length-prefixed form.
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptUserClass(uc)))
	}
	// Last, so that it replaces the library's default list.
	return append(mods, dhcpv4.WithOption(dhcpv4.OptParameterRequestList(codes...)))
}

func (c *Client) vendorClass() string {
	if c.cfg.VendorClass != "" {
		return c.cfg.VendorClass
	}
	return c.cfg.Model
}

func (c *Client) userClass() string {
	if c.cfg.UserClass != "" {
		return c.cfg.UserClass
	}
	return c.cfg.Model
}

func newMessage(mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	return dhcpv4.New(mods...)
}

func (c *Client) discover() (*dhcpv4.DHCPv4, error) {
	return newMessage(append(c.identity(), dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover))...)
}

// requestSelecting asks for an offered address (RFC 2131 §4.3.2, SELECTING):
// server identifier and requested address set, ciaddr zero.
func (c *Client) requestSelecting(offer *dhcpv4.DHCPv4) (*dhcpv4.DHCPv4, error) {
	return newMessage(append(c.identity(),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(offer.YourIPAddr)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(offer.ServerIdentifier())),
	)...)
}

// requestExtend asks to extend a lease (RENEWING or REBINDING): ciaddr set,
// no server identifier, no requested address.
func (c *Client) requestExtend(l *Lease) (*dhcpv4.DHCPv4, error) {
	return newMessage(append(c.identity(),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithClientIP(ip4(l.Address.Addr())),
		dhcpv4.WithBroadcast(false),
	)...)
}

func (c *Client) release(l *Lease) (*dhcpv4.DHCPv4, error) {
	return newMessage(
		dhcpv4.WithHwAddr(c.mac),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease),
		dhcpv4.WithClientIP(ip4(l.Address.Addr())),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ip4(l.Server))),
	)
}

// decline refuses an address found in use (RFC 2131 §4.4.1): ciaddr zero,
// the address in option 50.
func (c *Client) decline(l *Lease) (*dhcpv4.DHCPv4, error) {
	return newMessage(
		dhcpv4.WithHwAddr(c.mac),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip4(l.Address.Addr()))),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ip4(l.Server))),
	)
}
