package web

import (
	"net/http"
)

type confirmData struct {
	Action   string // what the button does
	Question string // the confirmation question
	Confirm  bool   // show the OK/Cancel step
}

func (s *Server) restartPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "confirm", http.StatusOK, "", "", confirmData{Action: "Restart", Question: "Warning: Restart the phone?"})
}

// restartPost is the two-step Restart System form: Restart asks, OK
// restarts (MAINT-5).
func (s *Server) restartPost(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d := confirmData{Action: "Restart", Question: "Warning: Restart the phone?"}
	if r.PostForm.Get("step") != "confirm" {
		d.Confirm = true
		s.renderPage(w, c, "confirm", http.StatusOK, "", "", d)
		return
	}
	if err := s.phone.Reboot(r.Context(), "Restart System from the Web"); err != nil {
		s.renderPage(w, c, "confirm", http.StatusInternalServerError, "", "Restart failed: "+err.Error(), d)
		return
	}
	s.log.Info("restart from the Web", "user", c.sess.user)
	s.renderPage(w, c, "confirm", http.StatusOK, "The phone is restarting.", "", d)
}

func (s *Server) restorePage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "confirm", http.StatusOK, "", "", confirmData{Action: "Submit", Question: "Restore the phone to its factory defaults?"})
}

// restorePost is the two-step Restore Defaults form: Submit asks, OK
// restores and restarts (MAINT-3).
func (s *Server) restorePost(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d := confirmData{Action: "Submit", Question: "Restore the phone to its factory defaults?"}
	if r.PostForm.Get("step") != "confirm" {
		d.Confirm = true
		s.renderPage(w, c, "confirm", http.StatusOK, "", "", d)
		return
	}
	if err := s.phone.FactoryReset(r.Context()); err != nil {
		s.renderPage(w, c, "confirm", http.StatusInternalServerError, "", "Restore failed: "+err.Error(), d)
		return
	}
	s.log.Info("restore defaults from the Web", "user", c.sess.user)
	// The factory configuration may carry other credentials: every session
	// ends with it.
	s.sessions.clear()
	s.renderPage(w, c, "confirm", http.StatusOK, "The phone is restoring its factory defaults and restarting.", "", d)
}

type autoUpdateData struct {
	Available bool
	Method    string
	Firmware  string
	Config    string
	Period    string
}

func (s *Server) autoUpdateData(c *reqctx) autoUpdateData {
	cfg := c.state.Config
	return autoUpdateData{
		Available: s.cfg.CheckNow != nil,
		Method:    cfg.Get("provisioning/method"),
		Firmware:  cfg.Get("provisioning/firmware/url"),
		Config:    cfg.Get("provisioning/configuration/url"),
		Period:    cfg.Get("provisioning/period/type"),
	}
}

func (s *Server) autoUpdate(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "autoupdate", http.StatusOK, "", "", s.autoUpdateData(c))
}

// checkNow runs the provisioning check at once (FW-7).
func (s *Server) checkNow(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d := s.autoUpdateData(c)
	if s.cfg.CheckNow == nil {
		s.renderPage(w, c, "autoupdate", http.StatusNotImplemented, "", "Check Now is not available: no provisioning is wired into this phone.", d)
		return
	}
	if err := s.cfg.CheckNow(r.Context()); err != nil {
		s.renderPage(w, c, "autoupdate", http.StatusBadGateway, "", "The check failed: "+err.Error(), d)
		return
	}
	s.renderPage(w, c, "autoupdate", http.StatusOK, "The provisioning check ran.", "", d)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "signin", http.StatusOK, "", "", nil)
}

func (s *Server) signInPost(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "signin", http.StatusNotImplemented, "",
		"Sign-in is not available yet: the phone has no Skype for Business sign-in service.", nil)
}

type homeData struct {
	Stage         string
	Status        string
	Since         string
	IP            string
	BootCount     int
	Notifications []string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, c *reqctx) {
	st := c.state
	d := homeData{Stage: string(st.Stage), Status: st.Status, Since: st.Since.Format("2006-01-02 15:04:05"), BootCount: st.BootCount}
	if st.Network.Address.IsValid() {
		d.IP = st.Network.Address.Addr().String()
	}
	for _, n := range st.Notifications {
		d.Notifications = append(d.Notifications, n.Text)
	}
	s.renderPage(w, c, "home", http.StatusOK, "", "", d)
}
