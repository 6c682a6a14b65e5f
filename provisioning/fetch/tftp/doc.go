// Package tftp is the Trivial File Transfer Protocol as a provisioning client
// needs it: the packet codec (RFC 1350, with the option extension of RFC 2347
// and the blksize, timeout and tsize options of RFC 2348 and RFC 2349) and a
// read-only client.
//
// # Packets
//
// Parse decodes one datagram into a Packet and Packet.Append encodes one; the
// lab's TFTP server (lab/fileserver) shares them.
//
// # Client
//
// Client.Get sends a read request with the options, negotiates them (falling
// back to plain RFC 1350 when a server ignores or refuses options) and returns
// a Transfer, an io.ReadCloser. The transfer is lock-step and lazy: a block is
// acknowledged only when the reader wants the next one, so a reader that stops
// after the firmware header and closes the transfer has made the server send
// only the first block; Close then sends an ERROR packet so the server stops at
// once. The client retransmits its last packet when the server is silent for
// Timeout, re-acknowledges duplicate blocks, ignores out-of-order blocks and
// packets from a foreign transfer id (answering those with error 5), follows
// the 16-bit block number when it wraps after block 65535 (to 0, or to 1 as
// some servers do) and honours the context throughout.
package tftp
