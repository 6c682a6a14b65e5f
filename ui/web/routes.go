package web

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

//go:embed static
var staticFS embed.FS

// The tabs of the real phone's Web interface.
const (
	tabConfiguration = "Configuration"
	tabManagement    = "Management"
	tabStatus        = "Status & Diagnostics"
	tabHome          = "Home"
)

var tabOrder = []string{tabHome, tabConfiguration, tabManagement, tabStatus}

// handlerFunc serves a page for a logged-in session.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *reqctx)

// page is one entry of the menu: where it sits, who may see it, and its
// handlers. Extra routes under the same page (downloads, JSON) are in
// subroutes.
type page struct {
	tab, group, label, path string
	admin                   bool
	visible                 func(m *model.Model) bool // nil: every model
	get, post               handlerFunc
	sub                     map[string]handlerFunc // "GET /path" → handler
}

// reqctx is what a page handler gets: the session and the phone state at
// the start of the request.
type reqctx struct {
	sess  session
	state device.State
	page  *page
}

func (s *Server) menu() []*page {
	const (
		manual = "Manual Update"
		auto   = "Automatic Update"
		admin  = "Administration"
		system = "System Status"
		hist   = "History"
		diag   = "Diagnostics"
		info   = "System Information"
		pers   = "Personal Settings"
		lync   = "Lync sign in"
	)
	return []*page{
		{tab: tabHome, group: "", label: "Home", path: "/home", get: s.home},
		{tab: tabConfiguration, group: pers, label: "Function Keys", path: "/configuration/personal-settings/function-keys",
			visible: func(m *model.Model) bool { return keyPageVisible(m, functionKeys) },
			get:     s.keysPage(functionKeys), post: s.keysPost(functionKeys),
			sub: map[string]handlerFunc{
				"GET /configuration/personal-settings/function-keys/save":  s.keysSave(functionKeys),
				"POST /configuration/personal-settings/function-keys/load": s.keysLoad(functionKeys),
			}},
		{tab: tabConfiguration, group: pers, label: "Programmable Keys", path: "/configuration/personal-settings/programmable-keys",
			visible: func(m *model.Model) bool { return keyPageVisible(m, programmableKeys) },
			get:     s.keysPage(programmableKeys), post: s.keysPost(programmableKeys),
			sub: map[string]handlerFunc{
				"GET /configuration/personal-settings/programmable-keys/save":  s.keysSave(programmableKeys),
				"POST /configuration/personal-settings/programmable-keys/load": s.keysLoad(programmableKeys),
			}},
		{tab: tabConfiguration, group: "Security", label: "Certificate Signing Request", path: "/configuration/security/certificate-signing-request", admin: true,
			get: s.csrPage, post: s.csrGenerate,
			sub: map[string]handlerFunc{"GET /configuration/security/certificate-signing-request/save": s.csrSave}},
		{tab: tabConfiguration, group: lync, label: "Sign in", path: "/configuration/lync-sign-in/sign-in", get: s.signIn, post: s.signInPost},
		{tab: tabManagement, group: manual, label: "Configuration File", path: "/management/manual-update/configuration-file", admin: true,
			get: s.configFile, post: s.configEdit,
			sub: map[string]handlerFunc{
				"GET /management/manual-update/configuration-file/save":  s.configSave,
				"GET /management/manual-update/configuration-file/load":  s.configLoadForm,
				"POST /management/manual-update/configuration-file/load": s.configLoad,
			}},
		{tab: tabManagement, group: manual, label: "Manual firmware upgrade", path: "/management/manual-update/firmware-upgrade", admin: true,
			get: s.firmwarePage, post: s.firmwareUpload,
			sub: map[string]handlerFunc{"GET /management/manual-update/firmware-upgrade/progress": s.firmwareProgress}},
		{tab: tabManagement, group: auto, label: "Automatic Provisioning", path: "/management/automatic-update/automatic-provisioning", admin: true,
			get: s.autoUpdate, post: s.checkNow},
		{tab: tabManagement, group: admin, label: "Restart System", path: "/management/administration/restart-system", admin: true,
			get: s.restartPage, post: s.restartPost},
		{tab: tabManagement, group: admin, label: "Restore Defaults", path: "/management/administration/restore-defaults", admin: true,
			get: s.restorePage, post: s.restorePost},
		{tab: tabStatus, group: system, label: "Network Status", path: "/status/system-status/network-status", get: s.networkStatus},
		{tab: tabStatus, group: system, label: "VoIP Status", path: "/status/system-status/voip-status", get: s.voipStatus},
		{tab: tabStatus, group: hist, label: "Call History", path: "/status/history/call-history", get: s.callHistory, post: s.callHistoryDelete},
		{tab: tabStatus, group: diag, label: "Syslog Config", path: "/status/diagnostics/syslog-config", admin: true, get: s.syslogPage, post: s.syslogPost},
		{tab: tabStatus, group: diag, label: "Tombstone Dump", path: "/status/diagnostics/tombstone-dump", admin: true, get: s.tombstonePage,
			sub: map[string]handlerFunc{"GET /status/diagnostics/tombstone-dump/download": s.tombstoneDownload}},
		{tab: tabStatus, group: diag, label: "Monitoring", path: "/status/diagnostics/monitoring", admin: true, get: s.monitorPage, post: s.monitorGo},
		{tab: tabStatus, group: info, label: "Release Information", path: "/status/system-information/release-information", get: s.releaseInfo},
		{tab: tabStatus, group: info, label: "System Information", path: "/status/system-information/system-information", get: s.systemInfo},
		{tab: tabStatus, group: "Faceplate", label: "Live Faceplate", path: "/faceplate", get: s.faceplatePage,
			sub: map[string]handlerFunc{
				"GET /faceplate/state": s.faceplateState,
				"POST /faceplate/key":  s.faceplateKey,
			}},
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.root)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginPost)
	mux.HandleFunc("POST /logout", s.logout)
	for _, p := range s.menu() {
		if p.get != nil {
			mux.Handle("GET "+p.path, s.guard(p, p.get))
		}
		if p.post != nil {
			mux.Handle("POST "+p.path, s.guard(p, p.post))
		}
		for pattern, h := range p.sub {
			mux.Handle(pattern, s.guard(p, h))
		}
	}
	return s.front(mux)
}

// front applies what holds for every request: Web management on or off,
// HTTPS only, and security headers.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		cfg := s.phone.Snapshot().Config
		if !cfg.Bool("system/web/enabled") {
			// Read on every request: system/web/enabled=0 applies at once,
			// with no reboot, and ends every session (WEB-16, CFG-8).
			s.sessions.clear()
			http.Error(w, "Web management is disabled on this phone (system/web/enabled=0).", http.StatusForbidden)
			return
		}
		if r.TLS == nil && cfg.Bool("security/web/https_only") {
			if u, ok := s.httpsURL(r); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				http.Redirect(w, r, u, http.StatusMovedPermanently)
				return
			}
			http.Error(w, "This phone accepts Web management over HTTPS only (security/web/https_only=1).", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "hdphone_session"

// guard serves p's handler h to a session allowed to see p; a POST must
// carry the session's CSRF token.
func (s *Server) guard(p *page, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.current(r)
		if !ok {
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/state") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "Not logged in.", http.StatusUnauthorized)
			return
		}
		st := s.phone.Snapshot()
		if p.admin && sess.role != roleAdmin {
			s.renderError(w, r, &reqctx{sess: sess, state: st, page: p}, http.StatusForbidden,
				"This page is for the administrator account only.")
			return
		}
		if p.visible != nil && !p.visible(s.phone.Model()) {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPost && !s.csrfOK(r, sess) {
			s.renderError(w, r, &reqctx{sess: sess, state: st, page: p}, http.StatusForbidden,
				"The form has expired or did not come from this phone's pages (missing or wrong CSRF token); nothing was changed. Reload the page and try again.")
			return
		}
		h(w, r, &reqctx{sess: sess, state: st, page: p})
	})
}

// csrfOK checks the token of a POST: the X-CSRF-Token header (scripts),
// the csrf query parameter (multipart uploads, so the token is checked
// before a byte of the file is read), or the csrf form field.
func (s *Server) csrfOK(r *http.Request, sess session) bool {
	if tok := r.Header.Get("X-CSRF-Token"); tok != "" {
		return equal(tok, sess.csrf)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		tok := r.URL.Query().Get("csrf")
		return tok != "" && equal(tok, sess.csrf)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 2<<20) // the Configuration File text pane
	if err := r.ParseForm(); err != nil {
		return false
	}
	tok := r.PostForm.Get("csrf")
	return tok != "" && equal(tok, sess.csrf)
}

func (s *Server) current(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false
	}
	return s.sessions.get(c.Value)
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.current(r); ok {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func keyPageVisible(m *model.Model, k keyKind) bool {
	if !m.Caps.WebKeyPages {
		return false // WEB-6: the HRS has no key pages
	}
	return len(keyIndices(m, k)) > 0
}
