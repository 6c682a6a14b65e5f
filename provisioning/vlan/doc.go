// Package vlan is how a phone on an Ethernet port learns its voice VLAN
// from the switch before it asks DHCP for an address (manual §3.1.3):
// LLDP-MED (IEEE 802.1AB with ANSI/TIA-1057), where the switch answers the
// phone's advertisement with a network policy for voice, and Cisco's CDP,
// where it answers the phone's VoIP VLAN query. The phone keeps
// advertising itself every period, so that the switch keeps it in its
// neighbour table (model, firmware, MAC, capabilities).
//
// The frames are built and read here (Advertisement, ParseLLDP, CDPFrame,
// ParseCDP); an Agent sends and receives them on an interface with packet
// sockets (Linux, CAP_NET_RAW). An LLDP policy beats a CDP answer, as the
// manual's CDP_LLDP mode says.
package vlan
