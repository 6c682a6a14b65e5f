package sip

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/icholy/digest"
)

// libraryDigest is the digest library's answer to chal, which the phone sent
// until it wrote its own: the reference digestValue must equal.
func libraryDigest(t testing.TB, chal *digest.Challenge, a digestAnswer) string {
	t.Helper()
	cred, err := digest.Digest(chal, digest.Options{
		Method: a.method, URI: a.uri, Username: a.user, Password: a.password, Count: a.nc, Cnonce: a.cnonce,
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(a.body)), nil },
	})
	if err != nil {
		t.Fatalf("library: %v", err)
	}
	return cred.String()
}

// The phone's credentials are what the digest library writes, byte for
// byte, for every algorithm and qop a challenge can ask (RFC 2617, RFC 7616
// and its userhash), with an opaque or without, quotes in the values, and
// the nonce count past 8 hex digits' first.
func TestDigestValueIsTheLibrarys(t *testing.T) {
	base := digestAnswer{method: "REGISTER", uri: "sip:sip.test", user: "100006", password: "pass100006", nc: 1, cnonce: "0a1b2c3d4e5f6071"}
	for _, tc := range []struct {
		name string
		chal digest.Challenge
		edit func(*digestAnswer)
	}{
		{"RFC 2617, no qop", digest.Challenge{Realm: "sip.test", Nonce: "abc"}, nil},
		{"qop auth", digest.Challenge{Realm: "sip.test", Nonce: "ZxY1Zmc2", QOP: []string{"auth"}}, nil},
		{"qop auth, third use", digest.Challenge{Realm: "sip.test", Nonce: "n", QOP: []string{"auth"}}, func(a *digestAnswer) { a.nc = 3 }},
		{"nonce count 0x1a2b", digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth"}}, func(a *digestAnswer) { a.nc = 0x1a2b }},
		{"nonce count 0 counts as 1", digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth"}}, func(a *digestAnswer) { a.nc = 0 }},
		{"auth preferred to auth-int", digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth-int", "auth"}}, nil},
		{"auth-int over the body", digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth-int"}},
			func(a *digestAnswer) { a.method, a.body = "INVITE", []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n") }},
		{"auth-int, no body", digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth-int"}}, nil},
		{"MD5 named, opaque", digest.Challenge{Realm: "r", Nonce: "n", Algorithm: "MD5", Opaque: "op4que", QOP: []string{"auth"}}, nil},
		{"SHA-256", digest.Challenge{Realm: "r", Nonce: "n", Algorithm: "SHA-256", QOP: []string{"auth"}}, nil},
		{"SHA-512", digest.Challenge{Realm: "r", Nonce: "n", Algorithm: "SHA-512", QOP: []string{"auth"}}, nil},
		{"SHA-512-256 without qop", digest.Challenge{Realm: "r", Nonce: "n", Algorithm: "SHA-512-256"}, nil},
		{"userhash", digest.Challenge{Realm: "r", Nonce: "n", Algorithm: "SHA-256", Userhash: true, QOP: []string{"auth"}}, nil},
		{"quotes and backslashes", digest.Challenge{Realm: `a "quoted" \realm`, Nonce: `n"1`, Opaque: `o\p`}, func(a *digestAnswer) { a.user = `u"s` }},
		{"long values", digest.Challenge{Realm: strings.Repeat("r", 300), Nonce: strings.Repeat("n", 400), QOP: []string{"auth"}},
			func(a *digestAnswer) {
				a.password = strings.Repeat("p", 200)
				a.uri = "sip:" + strings.Repeat("h", 300)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := base
			if tc.edit != nil {
				tc.edit(&a)
			}
			got, err := digestValue(&tc.chal, a)
			if err != nil {
				t.Fatal(err)
			}
			if want := libraryDigest(t, &tc.chal, a); got != want {
				t.Errorf("digestValue:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// A fresh client nonce each time when none is given, and a clear error for
// what the phone cannot answer.
func TestDigestValueCnonceAndRefusals(t *testing.T) {
	chal := &digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth"}}
	a := digestAnswer{method: "REGISTER", uri: "sip:r", user: "u", password: "p", nc: 1}
	one, _ := digestValue(chal, a)
	two, _ := digestValue(chal, a)
	if one == two || !strings.Contains(one, `cnonce="`) {
		t.Errorf("cnonce not fresh:\n%s\n%s", one, two)
	}
	for _, bad := range []*digest.Challenge{
		{Realm: "r", Nonce: "n", Algorithm: "SHA-1"},
		{Realm: "r", Nonce: "n", QOP: []string{"auth-conf"}},
	} {
		if v, err := digestValue(bad, a); !errors.Is(err, ErrAuth) {
			t.Errorf("%+v answered %q, err %v", bad, v, err)
		}
	}
}

// Whatever the challenge and the answer hold, digestValue writes what the
// library writes.
func FuzzDigestValue(f *testing.F) {
	f.Add("sip.test", "nonce", "", "", "auth", "REGISTER", "sip:sip.test", "100006", "pass", 1, false, []byte(nil))
	f.Add("r", "n", "SHA-256", "opq", "auth-int", "INVITE", "sip:x@y", "u", "p", 9, true, []byte("v=0\r\n"))
	f.Add("r\"q", "n\\", "MD5", "", "", "BYE", "sip:\x00", "\xff", "", 0, false, []byte{})
	f.Fuzz(func(t *testing.T, realm, nonce, alg, opaque, qop, method, uri, user, password string, nc int, userhash bool, body []byte) {
		if nc < 0 || nc > math.MaxUint32 {
			return // a phone's nonce count starts at 1 and fits nc's 8 hex digits
		}
		chal := &digest.Challenge{Realm: realm, Nonce: nonce, Algorithm: alg, Opaque: opaque, Userhash: userhash}
		if qop != "" {
			chal.QOP = strings.Split(qop, ",")
		}
		a := digestAnswer{method: method, uri: uri, user: user, password: password, nc: nc, cnonce: "00112233aabbccdd", body: body}
		got, err := digestValue(chal, a)
		cred, lerr := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: password, Count: nc, Cnonce: a.cnonce,
			GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }})
		if (err != nil) != (lerr != nil) {
			t.Fatalf("digestValue err %v, library err %v", err, lerr)
		}
		if err == nil && got != cred.String() {
			t.Fatalf("digestValue:\n got %s\nwant %s", got, cred.String())
		}
	})
}

func BenchmarkDigestValue(b *testing.B) {
	chal := &digest.Challenge{Realm: "sip.test", Nonce: "ZxY1Zmc2aGdqa2xtbm9wcXJzdHV2d3h5ejAx", QOP: []string{"auth"}}
	a := digestAnswer{method: "REGISTER", uri: "sip:sip.test", user: "100006", password: "pass100006", nc: 1}
	b.Run("own", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := digestValue(chal, a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cred, err := digest.Digest(chal, digest.Options{Method: a.method, URI: a.uri, Username: a.user, Password: a.password, Count: a.nc})
			if err != nil {
				b.Fatal(err)
			}
			_ = cred.String()
		}
	})
}
