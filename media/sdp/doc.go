// Package sdp builds and reads the Session Description Protocol bodies a
// 400HD phone exchanges in its calls (RFC 4566 syntax, RFC 3264 offer/answer),
// for one audio stream.
//
// # Concepts
//
// A Local describes this phone's side: its address and RTP port, the codecs
// from the voip/codec/codec_info priority list that this build really has
// (index 0 first, only enabled entries), the packet time, RFC 4733
// telephone-event, comfort noise (RFC 3389), the direction (sendrecv, or
// sendonly/recvonly/inactive for hold) and SDES keys for SRTP (RFC 4568).
//
// Offer turns a Local into an offer. Answer reads a remote offer and returns
// the answer and the negotiated Result. Negotiate reads the remote answer to
// an offer made with Offer. A Result is plain data (codec, payload types,
// remote RTP and RTCP address, ptime, direction, DTMF payload type, SRTP
// keys) that the integrator hands to a media session.
//
// When no codec is common to both sides the negotiation fails with
// ErrNoCommonCodec (behaviour MEDIA-2); the SIP layer answers such an offer
// with 488 Not Acceptable Here. Security mismatches fail with ErrSecurity.
//
// The phone never advertises ICE (it does not support RFC 5245), always
// states its RTCP port with a=rtcp (RFC 3605), and writes one a=ptime.
//
// # Robustness
//
// Parse never panics: a body that is too large, is not SDP, or has a
// malformed line that matters (v, o, c, m, and the rtpmap, fmtp, ptime,
// rtcp and crypto attributes of the audio stream) gives a *ParseError
// wrapping ErrMalformed with the line number. Lines of unknown types and
// unknown attributes are kept but otherwise ignored, as real peers add many.
package sdp
