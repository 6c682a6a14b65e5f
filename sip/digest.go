package sip

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/icholy/digest"
)

// digestAnswer is what answers a digest challenge: the request's method
// and URI, the credentials, the nonce count, and the body (for
// qop=auth-int).
type digestAnswer struct {
	method, uri    string
	user, password string
	nc             int
	cnonce         string // "" for a fresh one
	body           []byte
}

// digestValue writes the Authorization (or Proxy-Authorization) value that
// answers chal (RFC 7616 §3.4; RFC 2617 without qop), with the parameters
// in the order the digest library writes them (the order the phone has
// always sent) and values quoted as it quotes them. It hashes into buffers
// of its own: a storm of phones answers a challenge each, and the library's
// strings, hex copies and formatting took about 50 allocations and 4.6 µs
// an answer against 3 and 2.2 (BenchmarkDigestValue).
func digestValue(chal *digest.Challenge, a digestAnswer) (string, error) {
	var alg digestAlg
	switch strings.ToUpper(chal.Algorithm) {
	case "", "MD5":
		alg = digestMD5
	case "SHA-256":
		alg = digestSHA256
	case "SHA-512":
		alg = digestSHA512
	case "SHA-512-256":
		alg = digestSHA512_256
	default:
		return "", fmt.Errorf("%w: algorithm %q", ErrAuth, chal.Algorithm)
	}
	var qop string
	switch {
	case len(chal.QOP) == 0:
	case chal.SupportsQOP("auth"):
		qop = "auth"
	case chal.SupportsQOP("auth-int"):
		qop = "auth-int"
	default:
		return "", fmt.Errorf("%w: qop %q", ErrAuth, strings.Join(chal.QOP, ","))
	}
	var ncHex [8]byte
	if qop != "" {
		if a.cnonce == "" {
			a.cnonce = newCnonce()
		}
		s := strconv.FormatUint(uint64(uint32(max(a.nc, 1))), 16)
		copy(ncHex[:], "00000000"[:8-len(s)])
		copy(ncHex[8-len(s):], s)
	}
	user := a.user
	if chal.Userhash {
		user = string(alg.hexSum(nil, colonJoin(nil, a.user, chal.Realm)))
	}
	// The hashes' input is joined on the stack (as long as it fits).
	var in [512]byte
	var ha1, ha2, hbody, response [2 * sha512.Size]byte
	hexA1 := alg.hexSum(ha1[:0], colonJoin(in[:0], a.user, chal.Realm, a.password))
	a2 := colonJoin(in[:0], a.method, a.uri)
	if qop == "auth-int" {
		a2 = append(append(a2, ':'), alg.hexSum(hbody[:0], a.body)...)
	}
	hexA2 := alg.hexSum(ha2[:0], a2)
	kd := append(append(append(in[:0], hexA1...), ':'), chal.Nonce...)
	if qop != "" {
		kd = append(append(kd, ':'), ncHex[:]...)
		kd = colonJoin(append(kd, ':'), a.cnonce, qop)
	}
	kd = append(append(kd, ':'), hexA2...)
	hexResponse := alg.hexSum(response[:0], kd)

	b := make([]byte, 0, 256+len(user)+len(chal.Realm)+len(chal.Nonce)+len(a.uri)+len(chal.Opaque))
	b = append(b, "Digest "...)
	b = quoted(b, "username", user)
	b = quoted(append(b, ", "...), "realm", chal.Realm)
	b = quoted(append(b, ", "...), "nonce", chal.Nonce)
	b = quoted(append(b, ", "...), "uri", a.uri)
	if chal.Algorithm != "" {
		b = append(append(b, ", algorithm="...), chal.Algorithm...)
	}
	if qop != "" {
		b = quoted(append(b, ", "...), "cnonce", a.cnonce)
	}
	if chal.Opaque != "" {
		b = quoted(append(b, ", "...), "opaque", chal.Opaque)
	}
	if qop != "" {
		b = append(append(append(b, ", qop="...), qop...), ", nc="...)
		b = append(b, ncHex[:]...)
	}
	if chal.Userhash {
		b = append(b, ", userhash=true"...)
	}
	b = append(b, `, response="`...)
	b = append(append(b, hexResponse...), '"')
	return string(b), nil
}

// digestAlg is a digest algorithm the phone answers with.
type digestAlg int

const (
	digestMD5 digestAlg = iota
	digestSHA256
	digestSHA512
	digestSHA512_256
)

// hexSum appends the lower-case hex of data's hash to dst.
func (alg digestAlg) hexSum(dst, data []byte) []byte {
	switch alg {
	case digestSHA256:
		s := sha256.Sum256(data)
		return hex.AppendEncode(dst, s[:])
	case digestSHA512:
		s := sha512.Sum512(data)
		return hex.AppendEncode(dst, s[:])
	case digestSHA512_256:
		s := sha512.Sum512_256(data)
		return hex.AppendEncode(dst, s[:])
	}
	s := md5.Sum(data)
	return hex.AppendEncode(dst, s[:])
}

// colonJoin appends the parts to dst, colons between them.
func colonJoin(dst []byte, parts ...string) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, p...)
	}
	return dst
}

// quoted appends key="value", the value quoted as strconv.Quote does.
func quoted(b []byte, key, value string) []byte {
	b = append(append(b, key...), '=')
	return strconv.AppendQuote(b, value)
}
