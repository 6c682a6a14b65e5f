// Package dot1x is the phone's IEEE 802.1X supplicant on its LAN port
// (manual §3.5.5, network/lan/_802_1x/*): EAPOL to the port access entity
// group address, and EAP-MD5 (RFC 3748 §5.4) with the configured identity
// and password, or EAP-TLS (RFC 5216) with the phone's certificate. The
// switch (the authenticator) asks for the identity and a challenge or a TLS
// handshake; EAP-Success authorises the port.
//
// The frames are built and read here (ParseEAPOL and the Frame helpers); a
// Supplicant speaks them on an interface with a packet socket (Linux,
// CAP_NET_RAW). In MD5 mode a request for another method is answered with
// a NAK proposing MD5; in TLS mode, with one proposing TLS.
package dot1x

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
)

// Sentinel errors.
var (
	// ErrFrame: a frame that is not well-formed EAPOL/EAP.
	ErrFrame = errors.New("dot1x: malformed frame")
	// ErrRejected: the authenticator answered EAP-Failure.
	ErrRejected = errors.New("dot1x: authentication rejected")
	// ErrNoAuthenticator: nobody answered EAPOL-Start (a port without
	// 802.1X).
	ErrNoAuthenticator = errors.New("dot1x: no authenticator answered")
	// ErrNoVerdict: the authenticator fell silent in the middle of an
	// exchange.
	ErrNoVerdict = errors.New("dot1x: the authenticator gave no verdict")
)

// EAPOL is 802.1X's EtherType; PAEGroup is the port access entity group
// address frames go to.
const EtherType = 0x888e

var PAEGroup = net.HardwareAddr{0x01, 0x80, 0xc2, 0x00, 0x00, 0x03}

// EAPOL packet types.
const (
	TypeEAPPacket = 0
	TypeStart     = 1
	TypeLogoff    = 2
)

// EAP codes and method types.
const (
	CodeRequest  = 1
	CodeResponse = 2
	CodeSuccess  = 3
	CodeFailure  = 4

	MethodIdentity = 1
	MethodNAK      = 3
	MethodMD5      = 4
	MethodTLS      = 13
)

// eapolVersion is the version of the frames the phone sends (802.1X-2001;
// authenticators accept it from every supplicant).
const eapolVersion = 1

// EAP is one EAP packet.
type EAP struct {
	Code, ID int
	Method   int    // requests and responses only
	Data     []byte // after the method type
}

// ParseEAPOL reads an EAPOL frame (after the EtherType): its type and,
// for an EAP packet, the EAP it carries.
func ParseEAPOL(b []byte) (typ int, eap *EAP, err error) {
	if len(b) < 4 {
		return 0, nil, fmt.Errorf("%w: %d-byte EAPOL", ErrFrame, len(b))
	}
	typ = int(b[1])
	n := int(binary.BigEndian.Uint16(b[2:]))
	if 4+n > len(b) {
		return 0, nil, fmt.Errorf("%w: EAPOL body of %d bytes in %d", ErrFrame, n, len(b)-4)
	}
	if typ != TypeEAPPacket {
		return typ, nil, nil
	}
	p := b[4 : 4+n]
	if len(p) < 4 {
		return 0, nil, fmt.Errorf("%w: %d-byte EAP", ErrFrame, len(p))
	}
	e := &EAP{Code: int(p[0]), ID: int(p[1])}
	m := int(binary.BigEndian.Uint16(p[2:]))
	if m < 4 || m > len(p) {
		return 0, nil, fmt.Errorf("%w: EAP length %d in %d", ErrFrame, m, len(p))
	}
	switch e.Code {
	case CodeRequest, CodeResponse:
		if m < 5 {
			return 0, nil, fmt.Errorf("%w: EAP request without a type", ErrFrame)
		}
		e.Method = int(p[4])
		e.Data = append([]byte(nil), p[5:m]...)
	case CodeSuccess, CodeFailure:
	default:
		return 0, nil, fmt.Errorf("%w: EAP code %d", ErrFrame, e.Code)
	}
	return typ, e, nil
}

// StartFrame is EAPOL-Start; LogoffFrame is EAPOL-Logoff.
func StartFrame() []byte  { return []byte{eapolVersion, TypeStart, 0, 0} }
func LogoffFrame() []byte { return []byte{eapolVersion, TypeLogoff, 0, 0} }

// EAPFrame wraps e in an EAPOL frame.
func EAPFrame(e EAP) []byte {
	n := 4
	if e.Code == CodeRequest || e.Code == CodeResponse {
		n += 1 + len(e.Data)
	}
	b := []byte{eapolVersion, TypeEAPPacket, byte(n >> 8), byte(n), byte(e.Code), byte(e.ID), byte(n >> 8), byte(n)}
	if n > 4 {
		b = append(b, byte(e.Method))
		b = append(b, e.Data...)
	}
	return b
}

// Answer is the supplicant's response to an EAP request with identity
// and password: the identity, the MD5 response to a challenge, or a NAK
// proposing MD5 for any other method. ok is false for a request that
// cannot be answered (a challenge without a value).
func Answer(req EAP, identity, password string) (resp EAP, ok bool) {
	resp = EAP{Code: CodeResponse, ID: req.ID}
	switch req.Method {
	case MethodIdentity:
		resp.Method, resp.Data = MethodIdentity, []byte(identity)
	case MethodMD5:
		if len(req.Data) < 1 || int(req.Data[0]) == 0 || 1+int(req.Data[0]) > len(req.Data) {
			return EAP{}, false
		}
		challenge := req.Data[1 : 1+int(req.Data[0])]
		h := md5.New()
		h.Write([]byte{byte(req.ID)})
		h.Write([]byte(password))
		h.Write(challenge)
		resp.Method, resp.Data = MethodMD5, append([]byte{md5.Size}, h.Sum(nil)...)
	default:
		resp.Method, resp.Data = MethodNAK, []byte{MethodMD5}
	}
	return resp, true
}
