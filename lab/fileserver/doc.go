// Package fileserver is the lab's provisioning file server: HTTP and TFTP on
// loopback ports the kernel chooses, serving a directory, in-memory files
// (firmware images, say) and per-MAC configuration files generated from a
// template, and keeping a request log that tests and the demo read ("127.0.0.5
// fetched 450HD.img header over tftp").
//
// # Files
//
// A request path is looked up, in order, in Config.Files (exact path), in
// Config.Dir (never outside it), and, when its last element is a MAC file name
// (12 hex digits + ".cfg", either case, in any directory: "00908f000001.cfg",
// "450HD/00908F000001.cfg", "ipp/region/eu/00908f000001.cfg"), in the
// generated files of Config.PerMAC.
//
// # Generated configuration
//
// PerMAC.Template is a text/template executed with a Phone value: the MAC
// (lower case and upper case), a line number derived from the MAC (Base plus
// the MAC's last 16 bits as a number, or an entry of Accounts), a password
// (Accounts, or PasswordPrefix + line), the model taken from a model directory
// in the path when there is one, and Extra. DefaultTemplate gives one SIP line
// in the generic-SIP keys real provisioning systems write.
//
// # HTTP and TFTP
//
// HTTP serves GET and HEAD with Range support (a phone reading only a firmware
// header gets 206 and 512 bytes). TFTP is read-only RFC 1350 with the blksize,
// tsize and timeout options (RFC 2347-2349), retransmission, block-number wrap
// and aborts by the client; it shares the packet code with the phone's client
// in provisioning/fetch/tftp.
//
// # Request log
//
// Every request ends as an Entry: who asked, what, over which protocol, how
// many bytes were sent of how many, and whether the client took all of it,
// stopped after the header, or asked for something missing. Log returns the
// entries so far; Config.OnRequest sees each one as it happens.
package fileserver
