package sdp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The SDES crypto suites (RFC 4568 §6.2, RFC 6188) the phone can use.
const (
	SuiteAES128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES128SHA1_32 = "AES_CM_128_HMAC_SHA1_32"
	SuiteAES256SHA1_80 = "AES_256_CM_HMAC_SHA1_80"
	SuiteAES256SHA1_32 = "AES_256_CM_HMAC_SHA1_32"
)

// KeyLen returns the length of a suite's master key plus master salt, or 0
// for a suite the phone does not support.
func KeyLen(suite string) int {
	switch suite {
	case SuiteAES128SHA1_80, SuiteAES128SHA1_32:
		return 16 + 14
	case SuiteAES256SHA1_80, SuiteAES256SHA1_32:
		return 32 + 14
	}
	return 0
}

// Crypto is one SDES a=crypto attribute: "tag suite inline:key".
type Crypto struct {
	Tag   int
	Suite string
	// Key is the master key followed by the master salt.
	Key []byte
}

// errUnusableCrypto marks a well-formed crypto line the phone cannot use (an
// unknown suite, several keys, an MKI or session parameters).
var errUnusableCrypto = errors.New("unusable crypto attribute")

// ParseCrypto reads the value of an a=crypto attribute. A lifetime is
// accepted (the phone never rekeys within one); an MKI, several keys or
// session parameters make the line unusable.
func ParseCrypto(v string) (Crypto, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return Crypto{}, errors.New("a=crypto needs tag, suite and key")
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 {
		return Crypto{}, errors.New("bad a=crypto tag")
	}
	c := Crypto{Tag: tag, Suite: f[1]}
	want := KeyLen(c.Suite)
	if want == 0 || len(f) > 3 {
		return Crypto{}, errUnusableCrypto
	}
	if strings.Contains(f[2], ";") { // several key params
		return Crypto{}, errUnusableCrypto
	}
	method, info, ok := strings.Cut(f[2], ":")
	if !ok || method != "inline" {
		return Crypto{}, errors.New("a=crypto key method must be inline")
	}
	key64, rest, _ := strings.Cut(info, "|")
	if rest != "" {
		// lifetime and MKI: "2^31" or "1048576", then "1:4".
		for _, p := range strings.Split(rest, "|") {
			if strings.Contains(p, ":") {
				return Crypto{}, errUnusableCrypto
			}
		}
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil {
		// Some peers leave the padding off.
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(key64, "="))
	}
	if err != nil {
		return Crypto{}, fmt.Errorf("a=crypto key is not base64: %w", err)
	}
	if len(key) != want {
		return Crypto{}, fmt.Errorf("a=crypto key of %s is %d bytes, want %d", c.Suite, len(key), want)
	}
	c.Key = key
	return c, nil
}

// String writes the attribute value.
func (c Crypto) String() string {
	return strconv.Itoa(c.Tag) + " " + c.Suite + " inline:" + base64.StdEncoding.EncodeToString(c.Key)
}

// NewCrypto makes a crypto attribute with a fresh random key.
func NewCrypto(tag int, suite string) (Crypto, error) {
	n := KeyLen(suite)
	if n == 0 {
		return Crypto{}, fmt.Errorf("%w: unsupported crypto suite %q", ErrBadLocal, suite)
	}
	key := make([]byte, n)
	if _, err := rand.Read(key); err != nil {
		return Crypto{}, fmt.Errorf("sdp: crypto key: %w", err)
	}
	return Crypto{Tag: tag, Suite: suite, Key: key}, nil
}

// DefaultCrypto returns fresh keys for the suites the phone offers, in its
// order of preference: AES_CM_128_HMAC_SHA1_80, then _32.
func DefaultCrypto() ([]Crypto, error) {
	a, err := NewCrypto(1, SuiteAES128SHA1_80)
	if err != nil {
		return nil, err
	}
	b, err := NewCrypto(2, SuiteAES128SHA1_32)
	if err != nil {
		return nil, err
	}
	return []Crypto{a, b}, nil
}

// Security is the phone's SRTP policy, the value of voip/media/srtp/mode.
// Real configuration files write DONOTSUPPORTENCRYPTION (plain RTP, the
// default); the two other values take the names AudioCodes devices use for
// their media security behaviour, PREFERABLE and MANDATORY. The Microsoft
// server encryption levels of the manual (§4.8: SupportEncryption,
// RequireEncryption) are accepted as aliases.
type Security uint8

const (
	// SecurityNone (DONOTSUPPORTENCRYPTION, the default) offers plain
	// RTP/AVP without keys and refuses offers that require SRTP.
	SecurityNone Security = iota
	// SecurityOptional (PREFERABLE) offers RTP/AVP with a=crypto lines, so
	// the far end may encrypt; it answers with SRTP when the offer has a
	// usable key and with plain RTP otherwise.
	SecurityOptional
	// SecurityRequired (MANDATORY) offers RTP/SAVP and accepts only answers
	// and offers with a usable key.
	SecurityRequired
)

var securityNames = [...]string{"DONOTSUPPORTENCRYPTION", "PREFERABLE", "MANDATORY"}

func (s Security) String() string {
	if int(s) < len(securityNames) {
		return securityNames[s]
	}
	return "Security(" + strconv.Itoa(int(s)) + ")"
}

// ParseSecurity reads a voip/media/srtp/mode value, in any case: the three
// names, the aliases SUPPORTENCRYPTION/OPTIONAL/PREFERRED and
// REQUIREENCRYPTION/REQUIRED/MANDATORY, NONE/DISABLE, and "" (the default,
// SecurityNone).
func ParseSecurity(v string) (Security, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "", "DONOTSUPPORTENCRYPTION", "NONE", "DISABLE", "DISABLED", "0":
		return SecurityNone, nil
	case "PREFERABLE", "SUPPORTENCRYPTION", "OPTIONAL", "PREFERRED", "1":
		return SecurityOptional, nil
	case "MANDATORY", "REQUIREENCRYPTION", "REQUIRED", "2":
		return SecurityRequired, nil
	}
	return 0, fmt.Errorf("%w: srtp mode %q (want DONOTSUPPORTENCRYPTION, PREFERABLE or MANDATORY)", ErrBadLocal, v)
}
