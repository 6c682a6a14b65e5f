package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
)

// role is what an account may do.
type role uint8

const (
	roleNone role = iota
	roleUser
	roleAdmin
)

func (r role) String() string {
	switch r {
	case roleAdmin:
		return "admin"
	case roleUser:
		return "user"
	}
	return "none"
}

// defaultPassword is the factory password of both accounts (§5.3.1).
const defaultPassword = "1234"

// credentials checks logins against the two accounts of a configuration.
// Passwords may be stored plain, encrypted ({"…"}) or, for system/password,
// MD5-hashed; config.Config.CheckSecret handles every form.
type credentials struct {
	cfg                 *config.Config
	adminName, userName string
	adminOK, userOK     bool // the account can log in (its values are set)
}

func credentialsOf(cfg *config.Config) credentials {
	c := credentials{cfg: cfg, adminName: cfg.Get("system/user_name"), userName: cfg.Get("system/web_user_name")}
	// AUTH-3 (an unconfigured pair accepts the Microsoft sign-in password)
	// needs the sign-in credentials, which the phone does not have yet; an
	// empty pair therefore cannot log in at all.
	c.adminOK = c.adminName != "" && cfg.Get("system/password") != ""
	c.userOK = c.userName != "" && cfg.Get("system/web_user_password") != ""
	return c
}

// defaults reports whether an account still has its factory password.
func (c credentials) defaults() bool {
	return (c.adminOK && c.cfg.CheckSecret("system/password", defaultPassword)) ||
		(c.userOK && c.cfg.CheckSecret("system/web_user_password", defaultPassword))
}

// check returns the role that name/password log in as, or roleNone.
func (c credentials) check(name, password string) role {
	// Every comparison always runs, in constant time, so timing does not
	// say which account or which half was wrong.
	adminName := equal(name, c.adminName)
	adminPass := c.cfg.CheckSecret("system/password", password)
	userName := equal(name, c.userName)
	userPass := c.cfg.CheckSecret("system/web_user_password", password)
	switch {
	case c.adminOK && adminName && adminPass:
		return roleAdmin
	case c.userOK && userName && userPass:
		return roleUser
	}
	return roleNone
}

func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on Linux; a phone without randomness
		// must not hand out guessable sessions.
		panic(fmt.Sprintf("web: crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// session is one logged-in browser.
type session struct {
	id      string
	csrf    string
	user    string
	role    role
	expires time.Time
}

// sessions holds the live sessions. At most maxSessions are kept; logging in
// beyond that ends the session closest to expiry.
type sessions struct {
	mu   sync.Mutex // guards m
	m    map[string]*session
	idle time.Duration
	clk  clock.Clock
}

const maxSessions = 64

func (s *sessions) create(user string, r role) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	s.pruneLocked(now)
	if len(s.m) >= maxSessions {
		var oldest *session
		for _, v := range s.m {
			if oldest == nil || v.expires.Before(oldest.expires) {
				oldest = v
			}
		}
		delete(s.m, oldest.id)
	}
	ss := &session{id: randomToken(), csrf: randomToken(), user: user, role: r, expires: now.Add(s.idle)}
	s.m[ss.id] = ss
	c := *ss
	return &c
}

// get returns a copy of the live session id and extends its expiry.
func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	now := s.clk.Now()
	if !now.Before(ss.expires) {
		delete(s.m, id)
		return session{}, false
	}
	ss.expires = now.Add(s.idle)
	return *ss, true
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func (s *sessions) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
}

func (s *sessions) pruneLocked(now time.Time) {
	for k, v := range s.m {
		if !now.Before(v.expires) {
			delete(s.m, k)
		}
	}
}

// lockout counts consecutive login failures per client address.
type lockout struct {
	mu    sync.Mutex // guards fails
	fails map[string]*failures
	max   int
	dur   time.Duration
	clk   clock.Clock
}

type failures struct {
	n     int
	until time.Time // locked until; zero when not locked
	last  time.Time
}

const maxTrackedAddrs = 4096

// locked returns the end of the lockout for addr, if one is running.
func (l *lockout) locked(addr string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fails[addr]
	if !ok || f.until.IsZero() {
		return time.Time{}, false
	}
	if !l.clk.Now().Before(f.until) {
		delete(l.fails, addr)
		return time.Time{}, false
	}
	return f.until, true
}

// fail records a failure and reports the lockout end when it starts one.
func (l *lockout) fail(addr string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	if len(l.fails) >= maxTrackedAddrs {
		for k, f := range l.fails {
			// Forget addresses quiet for a lockout period.
			if now.Sub(f.last) > l.dur {
				delete(l.fails, k)
			}
		}
		if len(l.fails) >= maxTrackedAddrs {
			clear(l.fails)
		}
	}
	f := l.fails[addr]
	if f == nil {
		f = &failures{}
		l.fails[addr] = f
	}
	f.n++
	f.last = now
	if f.n >= l.max {
		f.until = now.Add(l.dur)
		return f.until, true
	}
	return time.Time{}, false
}

func (l *lockout) succeed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, addr)
}

// clientAddr is the address lockouts are counted by: the peer's IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
