package web

import (
	"net/http"
	"strings"
)

const loginCookie = "hdphone_login"

type loginData struct {
	Next string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, "")
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	st := s.phone.Snapshot()
	v := &view{
		Title:    "Login",
		Model:    string(st.Model),
		MAC:      st.MAC,
		Firmware: st.Firmware,
		CSRF:     tok,
		Err:      errMsg,
		Banner:   credentialsOf(st.Config).defaults(),
		Data:     loginData{Next: safeNext(r.FormValue("next"))},
	}
	s.render(w, status, "login", v)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/home"
	}
	return next
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.showLogin(w, r, http.StatusBadRequest, "The login form could not be read.")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || !equal(c.Value, r.PostForm.Get("csrf")) {
		s.showLogin(w, r, http.StatusForbidden, "The login form has expired; please try again.")
		return
	}
	addr := clientAddr(r)
	if until, locked := s.lock.locked(addr); locked {
		s.log.Warn("login refused: locked out", "addr", addr)
		s.showLogin(w, r, http.StatusTooManyRequests,
			"Too many failed logins from your address: login is locked until "+until.Format("15:04:05")+".")
		return
	}
	name := r.PostForm.Get("username")
	role := credentialsOf(s.phone.Snapshot().Config).check(name, r.PostForm.Get("password"))
	if role == roleNone {
		until, locked := s.lock.fail(addr)
		s.log.Warn("login failed", "addr", addr, "user", name)
		if locked {
			s.showLogin(w, r, http.StatusTooManyRequests,
				"Too many failed logins from your address: login is locked until "+until.Format("15:04:05")+".")
			return
		}
		s.showLogin(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	s.lock.succeed(addr)
	sess := s.sessions.create(name, role)
	s.log.Info("login", "addr", addr, "role", role.String())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.current(r)
	if ok {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if r.ParseForm() != nil || !equal(r.PostForm.Get("csrf"), sess.csrf) {
			http.Error(w, "Missing or wrong CSRF token.", http.StatusForbidden)
			return
		}
		s.sessions.remove(sess.id)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
