package sipproxy

import (
	"testing"
	"time"

	"github.com/icholy/digest"
)

func TestDigestChecks(t *testing.T) {
	for _, alg := range []string{"MD5", "SHA-256"} {
		t.Run(alg, func(t *testing.T) {
			now := time.Now()
			a := newAuthenticator("lab.test", alg, Numbered(1001, 1010, "pass"), func() time.Time { return now })
			chal, err := digest.ParseChallenge(a.challenge(false))
			if err != nil {
				t.Fatal(err)
			}
			cred := func(user, pass string, nc int) []string {
				c, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:lab.test", Username: user, Password: pass, Count: nc, Cnonce: "abc"})
				if err != nil {
					t.Fatal(err)
				}
				return []string{c.String()}
			}
			cases := []struct {
				name string
				hs   []string
				want authResult
			}{
				{"none", nil, authMissing},
				{"good nc=1", cred("1001", "pass1001", 1), authOK},
				{"replayed nc=1", cred("1001", "pass1001", 1), authBad},
				{"reused nonce nc=2", cred("1001", "pass1001", 2), authOK},
				{"wrong password", cred("1001", "nope", 3), authBad},
				{"unknown user", cred("2001", "pass2001", 1), authBad},
				{"other realm", []string{`Digest username="1001", realm="x", nonce="n", uri="sip:x", response="r"`}, authMissing},
				{"forged nonce", []string{`Digest username="1001", realm="lab.test", nonce="00112233445566778899aabbccddeeff00112233", uri="sip:x", response="r"`}, authMissing},
			}
			for _, tc := range cases {
				if got, _ := a.check(tc.hs, "REGISTER"); got != tc.want {
					t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				}
			}
			now = now.Add(nonceLife + time.Second)
			if got, _ := a.check(cred("1001", "pass1001", 9), "REGISTER"); got != authStale {
				t.Errorf("old nonce: %v, want stale", got)
			}
		})
	}
}

func TestNumberedUsers(t *testing.T) {
	u := Numbered(1001, 1010, "pass")
	for user, want := range map[string]bool{"1001": true, "1010": true, "1011": false, "01001": false, "x": false, "": false} {
		if p, ok := u(user); ok != want || (ok && p != "pass"+user) {
			t.Errorf("%q: %q %v", user, p, ok)
		}
	}
}
