package authparam_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/hdphone/hdphone/internal/authparam"
)

// What both the digest library and Challenge or Credentials parse, they
// parse the same (the library stays the reference: it computes the
// responses). Challenge and Credentials refuse more than the library does
// (a parameter without a name, text after a value); TestParseRefuses lists
// such cases, and read parameter names in any case, as RFC 7616 has them,
// where the library knows only lower case: inputs with capitals after the
// scheme are not compared.
func FuzzMatchesTheDigestLibrary(f *testing.F) {
	for _, s := range []string{
		`Digest realm="hdphone.test", nonce="6f1c", algorithm=md5, qop="auth", opaque="x", stale=false`,
		`Digest realm="r", nonce="n", algorithm=sha-256, qop="auth,auth-int", domain="sip:a sip:b", userhash=true`,
		`Digest username="1001", realm="r", nonce="n", uri="sip:r", response="0123", algorithm=md5, cnonce="c", qop=auth, nc=0000000a, opaque="o"`,
		`Digest realm="a\"b"`, `Basic realm="x"`, `Digest `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) >= len(digest.Prefix) && strings.ToLower(s[len(digest.Prefix):]) != s[len(digest.Prefix):] {
			return
		}
		want, werr := digest.ParseChallenge(s)
		if got, err := authparam.Challenge(s); err == nil && werr == nil {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("challenge %q: got %+v; the library %+v", s, got, want)
			}
		}
		wantC, werr := digest.ParseCredentials(s)
		if got, err := authparam.Credentials(s); err == nil && werr == nil {
			if !reflect.DeepEqual(got, wantC) {
				t.Fatalf("credentials %q: got %+v; the library %+v", s, got, wantC)
			}
		}
	})
}

func TestOtherSchemesAreNotDigest(t *testing.T) {
	if _, err := authparam.Challenge(`Basic realm="x"`); !errors.Is(err, authparam.ErrNotDigest) {
		t.Errorf("Challenge of Basic: %v", err)
	}
	if _, err := authparam.Credentials(`Bearer abc`); !errors.Is(err, authparam.ErrNotDigest) {
		t.Errorf("Credentials of Bearer: %v", err)
	}
}
