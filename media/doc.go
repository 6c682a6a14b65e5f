// Package media is the phone's voice path: RTP and RTCP over UDP, SRTP with
// SDES keys, the adaptive jitter buffer with loss concealment, RFC 4733
// telephone events, RFC 3389 comfort noise, voice-quality statistics (RTCP
// reports, RTCP-XR VoIP metrics, an E-model MOS) and multicast paging.
//
// It never imports sip, provisioning or device: SDP travels as bytes through
// the SIP layer, media/sdp turns it into an sdp.Result, and the device hands
// that to a Session.
//
// # Concepts
//
// An Engine is one phone's media: its address, its RTP port range
// (voip/media/media_port, even RTP and odd RTCP ports, busy ports skipped),
// the DS byte set on every socket (voip/media/media_tos), the RTCP-XR mode
// and the packet recorder. Engine.Run runs its Pacer: one goroutine that
// wakes on one OS timer (clock_nanosleep on Linux; Go's timers elsewhere)
// every 5 ms, reads the engine's sockets (on Linux, through one epoll set,
// with kernel arrival times) and clocks every stream, sending each stream's
// packets every ptime and playing 20 ms frames into its sink. One clock for
// all streams keeps send jitter low where a timer per stream would not. A
// fleet of phones in one process shares one Pacer (Config.Pacer), so a
// thousand phones cost one thread, not a thousand.
//
// A Session is one call: NewSession opens its sockets, Start applies (and
// re-applies, for hold or a codec change) a negotiation, Close ends it. It
// sends from the port it receives on and follows a far end whose packets come
// from another address than its SDP said (symmetric RTP). Its Source and Sink
// are the microphone and speaker; SetMuted sends silence
// (voip/audio/microphone/enable=0); SendDTMF sends RFC 4733 events at the
// volume of voip/audio/gain/dtmf_tone_signal_level. Events reports received
// digits, latching, SSRC changes, RTCP BYE and the 5-second quality metrics;
// Stats is a snapshot (packets, loss, jitter, RTT, MOS, drops by reason).
//
// A Pager sends a page to a multicast group; a PageListener joins a group,
// plays what arrives and reports its start and its end
// (end_income_paging_timeout without RTP).
//
// # Robustness
//
// Every received datagram is checked: garbage, truncated and oversized
// packets, unknown payload types, other SSRCs (a new one is taken only after
// three consecutive packets), sequence jumps (taken after two sequential
// packets, RFC 3550 A.1), failed SRTP authentication and replays are dropped
// and counted in Stats.Drops; none of them stops or stalls the stream.
//
// # Timing
//
// Packet times must be multiples of 5 ms (SDP rounds them to 10 ms). The
// jitter buffer's playout delay is ptime + 3 × jitter within 40-300 ms by
// default (Config.MinDelay, MaxDelay). On a machine shared with busy
// processes, Config.RealTime (SCHED_FIFO for the pacer's thread, with
// CAP_SYS_NICE) keeps their load out of the send timing, as a phone's media
// thread is kept; BenchmarkPacing measures both.
package media
