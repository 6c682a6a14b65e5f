package sipproxy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"

	"github.com/hdphone/hdphone/internal/authparam"
)

// Users says which users exist and their passwords.
type Users func(user string) (password string, ok bool)

// Table is a fixed list of users and passwords.
func Table(m map[string]string) Users {
	return func(user string) (string, bool) {
		p, ok := m[user]
		return p, ok
	}
}

// Numbered is the users first..last (decimal user names, as phone
// extensions are) with the password prefix+user: Numbered(1001, 1010,
// "pass") has user 1001 with password pass1001.
func Numbered(first, last int, prefix string) Users {
	return func(user string) (string, bool) {
		var n int
		if _, err := fmt.Sscanf(user, "%d", &n); err != nil || fmt.Sprint(n) != user || n < first || n > last {
			return "", false
		}
		return prefix + user, true
	}
}

// nonceLife is how long a nonce is accepted; later ones are answered with
// stale=true so a client retries without asking its user again.
const nonceLife = 5 * time.Minute

// authenticator issues and checks digest challenges (RFC 2617, RFC 8760):
// nonces are a timestamp signed with a per-server key, so the server keeps
// no state per challenge except the highest nonce count seen, which stops
// replays.
type authenticator struct {
	realm     string
	algorithm string
	users     Users
	key       [32]byte
	now       func() time.Time

	mu sync.Mutex // guards nc
	nc map[string]int
}

func newAuthenticator(realm, algorithm string, users Users, now func() time.Time) *authenticator {
	a := &authenticator{realm: realm, algorithm: algorithm, users: users, now: now, nc: map[string]int{}}
	rand.Read(a.key[:])
	return a
}

func (a *authenticator) nonce() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(a.now().UnixNano()))
	m := hmac.New(sha256.New, a.key[:])
	m.Write(b[:])
	return hex.EncodeToString(b[:]) + hex.EncodeToString(m.Sum(nil)[:12])
}

// nonceState checks a nonce: valid, stale (ours but too old) or foreign.
func (a *authenticator) nonceState(n string) (valid, stale bool) {
	raw, err := hex.DecodeString(n)
	if err != nil || len(raw) != 20 {
		return false, false
	}
	m := hmac.New(sha256.New, a.key[:])
	m.Write(raw[:8])
	if !hmac.Equal(m.Sum(nil)[:12], raw[8:]) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	if a.now().Sub(issued) > nonceLife {
		return false, true
	}
	return true, false
}

// challenge is the WWW-Authenticate / Proxy-Authenticate value.
func (a *authenticator) challenge(stale bool) string {
	c := &digest.Challenge{Realm: a.realm, Nonce: a.nonce(), Algorithm: a.algorithm, QOP: []string{"auth"}, Stale: stale}
	return c.String()
}

// authResult is the outcome of checking credentials.
type authResult int

const (
	authMissing authResult = iota // no credentials for our realm: challenge
	authOK
	authStale // our nonce, expired: challenge with stale=true
	authBad   // wrong password, unknown user, replay: 403
)

// check verifies the credentials in header values hs for method.
func (a *authenticator) check(hs []string, method string) (authResult, string) {
	for _, h := range hs {
		cred, err := authparam.Credentials(h)
		if err != nil || cred.Realm != a.realm {
			continue
		}
		valid, stale := a.nonceState(cred.Nonce)
		if stale {
			return authStale, cred.Username
		}
		if !valid {
			return authMissing, cred.Username
		}
		pass, ok := a.users(cred.Username)
		if !ok {
			return authBad, cred.Username
		}
		if !strings.EqualFold(cred.Algorithm, a.algorithm) && !(cred.Algorithm == "" && a.algorithm == "MD5") {
			return authBad, cred.Username
		}
		chal := &digest.Challenge{Realm: a.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
		if cred.QOP != "" {
			chal.QOP = []string{cred.QOP}
		}
		want, err := digest.Digest(chal, digest.Options{
			Method: method, URI: cred.URI, Username: cred.Username, Password: pass,
			Count: cred.Nc, Cnonce: cred.Cnonce,
		})
		if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
			return authBad, cred.Username
		}
		if cred.QOP != "" && !a.fresh(cred.Nonce, cred.Nc) {
			return authBad, cred.Username // a replayed nonce count
		}
		return authOK, cred.Username
	}
	return authMissing, ""
}

// fresh records nc for nonce and reports whether it is higher than every
// count seen with it (RFC 2617 §3.2.2: nonce reuse with an increasing nc).
func (a *authenticator) fresh(nonce string, nc int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.nc[nonce]; ok && nc <= last {
		return false
	}
	if len(a.nc) > 1<<16 {
		// Forget the counts of expired nonces.
		for n := range a.nc {
			if ok, _ := a.nonceState(n); !ok {
				delete(a.nc, n)
			}
		}
	}
	a.nc[nonce] = nc
	return true
}
