// Package sip is the phone's SIP user agent, built on sipgo: one UA, one
// socket and one IP address per phone.
//
// It is protocol machinery only. The phone's call logic (call waiting,
// which key does what, transfer choices, DND, forwarding) belongs to the
// integrator (package device), which drives a UA from its owner goroutine:
// intents go in as method calls that take a context, and everything that
// happens comes out as typed values on one channel, [UA.Events]. The UA never
// calls back into the integrator.
//
// SDP is carried as opaque bytes with a content type ([Body]); this package
// never looks inside it.
//
// # Concepts
//
// UA: created by [New] from a [Config], served by [UA.Run]. It binds its
// socket when created, so a fleet of phones each gets its own address.
//
// Registration: [UA.Register] starts registering and keeps the binding
// fresh (refresh at half the granted time, 423 Min-Expires, digest MD5 and
// SHA-256 with nonce reuse, back-off after failures, failover across the
// servers RFC 3263 resolution gives); [UA.Unregister] removes it.
// [RegistrationEvent] reports every change and failure.
//
// Calls: [UA.Invite] places a call; an incoming INVITE arrives as
// [IncomingCallEvent]. Both give a [*Call], the handle for answering,
// rejecting, cancelling, hanging up, re-INVITEs (hold and resume, with SDP
// from the integrator), REFER transfers (blind, and attended with Replaces),
// INFO DTMF, PRACK (RFC 3262) and session timers (RFC 4028).
//
// Subscriptions: [UA.Subscribe] for message-summary (MWI, RFC 3842) and
// dialog (BLF, RFC 4235) event packages; NOTIFY bodies are parsed by
// [ParseMessageSummary] and [ParseDialogInfo].
//
// # Transactions
//
// INVITE transactions, and every transaction over TCP or TLS, run in
// sipgo's transaction layer. The others over UDP (REGISTER, SUBSCRIBE,
// PUBLISH, BYE, CANCEL, …) the UA runs itself (RFC 3261 §17.1.2, T1 and T2
// as sipgo has them): the request goes out as sipgo writes it, and the
// socket's reader hands each response to its transaction by the top Via's
// branch and the CSeq method before sipgo parses anything. A fleet's storm
// of registrations then costs no goroutine, timer set or transaction object
// of sipgo's per request, and an idle phone's reader keeps a small stack.
//
// # What the phone advertises
//
// The methods of the manual's Table G-2 (REGISTER and PUBLISH are send-only,
// so an incoming one is refused with 405), the extensions replaces, 100rel
// and timer, and nothing the phone does not support: no outbound, no
// precondition, no sigcomp.
//
// # Process-wide settings
//
// sipgo keeps some settings in package variables. The only one a phone
// emulator needs is the size of the read buffer sipgo keeps per socket and
// connection; [SetReadBufferSize] sets it, once, from the composition root
// before any UA is created. A UDP phone's datagrams do not pass through it:
// each is read into a buffer of its own size (internal/datagram), so the
// buffer can be small and an idle phone holds almost nothing for reading.
// [SetMaxUDPMessage] lifts sipgo's 1300-byte limit on UDP messages and
// [SetStackLogger] routes sipgo's own process-wide log.
package sip
