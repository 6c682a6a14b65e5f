package authparam

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/icholy/digest"
)

// ErrNotDigest is returned for a header of another scheme.
var ErrNotDigest = errors.New("authparam: not a Digest header")

// Challenge reads a WWW-Authenticate or Proxy-Authenticate value into the
// digest library's Challenge, as its ParseChallenge does.
func Challenge(header string) (*digest.Challenge, error) {
	pp, err := digestParams(header)
	if err != nil {
		return nil, err
	}
	var c digest.Challenge
	for _, p := range pp {
		switch p.Key {
		case "realm":
			c.Realm = p.Value
		case "domain":
			c.Domain = strings.Fields(p.Value)
		case "nonce":
			c.Nonce = p.Value
		case "algorithm":
			c.Algorithm = p.Value
		case "stale":
			c.Stale = strings.EqualFold(p.Value, "true")
		case "opaque":
			c.Opaque = p.Value
		case "qop":
			c.QOP = strings.Split(p.Value, ",")
		case "charset":
			c.Charset = p.Value
		case "userhash":
			c.Userhash = strings.EqualFold(p.Value, "true")
		}
	}
	return &c, nil
}

// Credentials reads an Authorization or Proxy-Authorization value into the
// digest library's Credentials, as its ParseCredentials does.
func Credentials(header string) (*digest.Credentials, error) {
	pp, err := digestParams(header)
	if err != nil {
		return nil, err
	}
	var c digest.Credentials
	for _, p := range pp {
		switch p.Key {
		case "username":
			c.Username = p.Value
		case "realm":
			c.Realm = p.Value
		case "nonce":
			c.Nonce = p.Value
		case "uri":
			c.URI = p.Value
		case "response":
			c.Response = p.Value
		case "algorithm":
			c.Algorithm = p.Value
		case "cnonce":
			c.Cnonce = p.Value
		case "opaque":
			c.Opaque = p.Value
		case "qop":
			c.QOP = p.Value
		case "nc":
			nc, err := strconv.ParseInt(p.Value, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("%w: nc %q", ErrSyntax, p.Value)
			}
			c.Nc = int(nc)
		case "userhash":
			c.Userhash = strings.EqualFold(p.Value, "true")
		}
	}
	return &c, nil
}

// digestParams is the parameter list of a "Digest ..." header value.
func digestParams(header string) ([]Param, error) {
	s, ok := digest.CutPrefix(header)
	if !ok {
		return nil, ErrNotDigest
	}
	return Parse(s)
}
