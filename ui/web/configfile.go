package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/hdphone/hdphone/config"
)

// configText writes the configuration as a .cfg file: the firmware version
// comment real saved files start with, then either every cfg parameter of
// the model with its effective value (indexed keys over their whole range),
// or, with modifiedOnly, only the values that differ from the factory
// defaults (a delta file, CFG-2). system/type names the model, so that the
// file is refused by a phone of another model.
func configText(cfg *config.Config, firmware string, modifiedOnly bool) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fmt.Fprintf(w, ";%s\n", firmware)
	m := cfg.Model()
	if _, _, _, err := cfg.Catalogue().Resolve("system/type"); err == nil && m != "" {
		fmt.Fprintf(w, "system/type=%s\n", m)
	}
	if modifiedOnly {
		w.Flush()
		config.Format(&buf, withoutType(cfg.Delta()))
		return buf.Bytes()
	}
	var keys []string
	for _, p := range cfg.Catalogue().Params() {
		if p.Kind != config.KindCfg || !p.AppliesTo(m) || p.Key == "system/type" {
			continue
		}
		if p.Indexed() {
			for _, n := range p.AllIndices() {
				keys = append(keys, p.KeyAt(n))
			}
			continue
		}
		keys = append(keys, p.Key)
	}
	slices.SortFunc(keys, config.CompareKeys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s=%s\n", k, cfg.Get(k))
	}
	extra := cfg.Extra()
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		fmt.Fprintf(w, "%s=%s\n", k, extra[k])
	}
	w.Flush()
	return buf.Bytes()
}

// withoutType drops system/type, which configText writes itself.
func withoutType(c *config.Config) *config.Config {
	if _, explicit, err := c.Lookup("system/type"); err == nil && explicit {
		c = c.Clone()
		c.Unset("system/type")
	}
	return c
}

type configFileData struct {
	Modified bool
	Text     string
}

func (s *Server) configFile(w http.ResponseWriter, r *http.Request, c *reqctx) {
	mod := r.URL.Query().Get("modified") == "1"
	text := configText(c.state.Config, c.state.Firmware, mod)
	s.renderPage(w, c, "configfile", http.StatusOK, "", "", configFileData{Modified: mod, Text: string(text)})
}

// configEdit applies the settings changed in the Configuration File page's
// text pane (§2.2.5.4: "In the Configuration File, change the … parameter
// value"). Only lines whose value differs from the running configuration
// are applied, through the phone's validation; a bad line changes nothing.
// The phone restarts only when a changed parameter needs it.
func (s *Server) configEdit(w http.ResponseWriter, r *http.Request, c *reqctx) {
	text := r.PostForm.Get("config")
	show := func(status int, msg, errMsg string) {
		st := s.phone.Snapshot()
		s.renderPage(w, c, "configfile", status, msg, errMsg, configFileData{Text: string(configText(st.Config, st.Firmware, false))})
	}
	entries, issues, err := config.Parse("configuration file", strings.NewReader(text))
	if err == nil {
		for _, is := range issues {
			if is.Severity == config.Error {
				err = is
				break
			}
		}
	}
	if err != nil {
		show(http.StatusUnprocessableEntity, "", "Not applied; nothing was changed: "+err.Error())
		return
	}
	cfg := c.state.Config
	var changed strings.Builder
	n := 0
	for _, e := range entries {
		_, canon, _, err := cfg.Catalogue().Resolve(e.Key)
		if err != nil {
			show(http.StatusUnprocessableEntity, "", fmt.Sprintf("Not applied; nothing was changed: line %d: %v", e.Line, err))
			return
		}
		if canon == "system/type" || cfg.Get(canon) == e.Value {
			continue
		}
		fmt.Fprintf(&changed, "%s=%s\n", canon, e.Value)
		n++
	}
	if n == 0 {
		show(http.StatusOK, "Nothing was changed.", "")
		return
	}
	_, reboot, err := s.phone.ApplyConfig(r.Context(), "web:configuration-file", []byte(changed.String()))
	if err != nil {
		show(http.StatusUnprocessableEntity, "", "Not applied; nothing was changed: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	msg := fmt.Sprintf("%d settings changed.", n)
	if reboot {
		if err := s.phone.Reboot(r.Context(), "configuration changed from the Web"); err != nil {
			show(http.StatusInternalServerError, "", "Applied, but the restart failed: "+err.Error())
			return
		}
		msg += " The phone is restarting for them to take effect."
	}
	show(http.StatusOK, msg, "")
}

func (s *Server) configSave(w http.ResponseWriter, r *http.Request, c *reqctx) {
	mod := r.URL.Query().Get("modified") == "1"
	text := configText(c.state.Config, c.state.Firmware, mod)
	name := c.state.MAC + ".cfg"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(text)
}

func (s *Server) configLoadForm(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "configload", http.StatusOK, "", "", nil)
}

type configResult struct {
	Name     string
	Applied  int
	Warnings []string
	Errors   []string
}

// configLoad applies an uploaded configuration file and restarts the phone
// (§8.7.2: once loaded, the phone reboots, indicated on the screen). A file
// that is not a configuration file, is for another model or holds a bad
// line changes nothing.
func (s *Server) configLoad(w http.ResponseWriter, r *http.Request, c *reqctx) {
	part, name, err := openUpload(w, r, "file", s.cfg.MaxConfigSize, ".cfg", ".cfx")
	if err != nil {
		s.renderPage(w, c, "configload", uploadStatus(err), "", uploadMessage(err), nil)
		return
	}
	data, err := readUpload(part, s.cfg.MaxConfigSize)
	if err != nil {
		s.renderPage(w, c, "configload", uploadStatus(err), "", uploadMessage(err), nil)
		return
	}
	res := configResult{Name: name}
	entries, _, perr := config.Parse(name, bytes.NewReader(data))
	switch {
	case config.IsCFX(data):
		// An encrypted .cfx: Parse decrypted it (a corrupted one is perr).
	case !isText(data):
		err = fmt.Errorf("%w: %s is not a configuration file (binary content)", ErrBadUpload, name)
	case perr != nil:
		err = fmt.Errorf("%w: %s: %v", ErrBadUpload, name, perr)
	case len(entries) == 0:
		err = fmt.Errorf("%w: %s holds no key=value lines", ErrBadUpload, name)
	}
	if err != nil {
		s.renderPage(w, c, "configload", http.StatusBadRequest, "", uploadMessage(err), res)
		return
	}
	issues, _, err := s.phone.ApplyConfig(r.Context(), "web:"+name, data)
	for _, is := range issues {
		if is.Severity == config.Error {
			res.Errors = append(res.Errors, is.Error())
		} else {
			res.Warnings = append(res.Warnings, is.Error())
		}
	}
	if err != nil {
		s.log.Warn("configuration file refused", "file", name, "err", err)
		msg := "The configuration file was not applied; the phone keeps its configuration. "
		if len(res.Errors) == 0 {
			msg += firstLine(err.Error())
		}
		s.renderPage(w, c, "configload", http.StatusUnprocessableEntity, "", msg, res)
		return
	}
	res.Applied = len(entries)
	s.log.Info("configuration file loaded; restarting", "file", name, "lines", len(entries))
	if err := s.phone.Reboot(r.Context(), "configuration file "+name+" loaded from the Web"); err != nil {
		s.renderPage(w, c, "configload", http.StatusInternalServerError, "", "Applied, but the restart failed: "+err.Error(), res)
		return
	}
	s.renderPage(w, c, "configload", http.StatusOK,
		fmt.Sprintf("Configuration file %s loaded (%d lines). The phone is restarting.", name, len(entries)), "", res)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// uploadMessage turns an upload error into the sentence the page shows.
func uploadMessage(err error) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return "The file is too large and was refused; nothing was changed. (" + err.Error() + ")"
	case errors.Is(err, ErrBadUpload):
		return "The file was refused; nothing was changed. (" + strings.TrimPrefix(err.Error(), "web: ") + ")"
	}
	return err.Error()
}
