package sip

import (
	"fmt"
	"strings"
	"sync"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/hdphone/hdphone/internal/authparam"
)

// authCache keeps the last digest challenge of the registrar (401) and of
// the proxy (407), so that later requests reuse the nonce with an
// increasing nonce count (RFC 2617 §3.2.2) instead of being challenged
// again, as a real phone does on registration refreshes.
type authCache struct {
	mu    sync.Mutex // guards the following fields
	www   *cachedChallenge
	proxy *cachedChallenge
}

type cachedChallenge struct {
	chal *digest.Challenge
	nc   int
}

// challenge stores the challenge of a 401 or 407 and reports whether the
// server said the old nonce was stale.
func (a *authCache) challenge(res *sipgosip.Response) (stale bool) {
	header := "WWW-Authenticate"
	if res.StatusCode == 407 {
		header = "Proxy-Authenticate"
	}
	chal := bestChallenge(res.GetHeaders(header))
	if chal == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := &cachedChallenge{chal: chal}
	if res.StatusCode == 407 {
		a.proxy = c
	} else {
		a.www = c
	}
	return chal.Stale
}

// bestChallenge picks the strongest digest challenge the phone can answer:
// SHA-256 before MD5 (RFC 8760).
func bestChallenge(hs []sipgosip.Header) *digest.Challenge {
	var best *digest.Challenge
	rank := func(c *digest.Challenge) int {
		switch strings.ToUpper(c.Algorithm) {
		case "SHA-256":
			return 2
		case "", "MD5":
			return 1
		}
		return 0
	}
	for _, h := range hs {
		c, err := authparam.Challenge(h.Value())
		if err != nil {
			continue
		}
		c.Algorithm = strings.ToUpper(c.Algorithm)
		if !digest.CanDigest(c) || rank(c) == 0 {
			continue
		}
		if best == nil || rank(c) > rank(best) {
			best = c
		}
	}
	return best
}

// authorize answers the cached challenge of kind (401: the registrar's,
// Authorization; 407: the proxy's, Proxy-Authorization) with the next
// nonce count. Credentials for the other kind already in req stay.
func (a *authCache) authorize(req *sipgosip.Request, kind int, user, password string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	cc, header := a.www, "Authorization"
	if kind == 407 {
		cc, header = a.proxy, "Proxy-Authorization"
	}
	if cc == nil {
		return fmt.Errorf("%w: no challenge", ErrAuth)
	}
	cc.nc++
	value, err := digestValue(cc.chal, digestAnswer{method: string(req.Method), uri: req.Recipient.String(),
		user: user, password: password, nc: cc.nc, body: req.Body()})
	if err != nil {
		return err
	}
	for req.RemoveHeader(header) {
	}
	req.AppendHeader(sipgosip.NewHeader(header, value))
	return nil
}

// has reports whether a registrar challenge is cached.
func (a *authCache) has() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.www != nil
}

// forget drops the cached challenges (the credentials were refused).
func (a *authCache) forget() {
	a.mu.Lock()
	a.www, a.proxy = nil, nil
	a.mu.Unlock()
}
