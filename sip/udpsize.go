package sip

import sipgosip "github.com/emiago/sipgo/sip"

// SetMaxUDPMessage sets the largest SIP message sent over UDP (sipgo's
// process-wide UDPMTUSize less its 200-byte margin). sipgo refuses anything
// over 1300 bytes instead of switching to TCP; real phones and proxies send
// larger datagrams (an authorised INVITE relayed with Via and Record-Route
// easily passes 1300 bytes) and let IP fragment them. Call it once from the
// composition root (and test mains) before any UA runs.
func SetMaxUDPMessage(n int) {
	n = min(max(n, 1300), 65507)
	sipgosip.UDPMTUSize = n + 200
}
