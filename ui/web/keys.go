package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/model"
)

// keyKind tells the Function Keys page from the Programmable Keys page.
type keyKind uint8

const (
	functionKeys keyKind = iota + 1
	programmableKeys
)

func (k keyKind) title() string {
	if k == functionKeys {
		return "Function Keys"
	}
	return "Programmable Keys"
}

func (k keyKind) file() string {
	if k == functionKeys {
		return "function_keys.cfg"
	}
	return "programmable_keys.cfg"
}

func (k keyKind) path() string {
	if k == functionKeys {
		return "/configuration/personal-settings/function-keys"
	}
	return "/configuration/personal-settings/programmable-keys"
}

// keyIndices returns the cfg indices n of personal_settings/functional_key/{n}
// the page covers on model m: the programmable keys beside the screen, or
// the sidecar and expansion-module keys.
func keyIndices(m *model.Model, k keyKind) []int {
	var ranges []model.KeyRange
	if k == programmableKeys {
		ranges = m.Programmable
	} else {
		ranges = append(slices.Clone(m.Function), m.Expansion...)
	}
	var out []int
	for _, r := range ranges {
		for n := r.First; n <= r.Last; n++ {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

const keyPrefix = "personal_settings/functional_key/"

// keyFields are the settings of one key, in file order.
var keyFields = []string{"type", "key_label", "key_event", "speed_dial_number", "speed_dial_extension", "line", "shared_line_index"}

type keyRow struct {
	Index      int
	Type       string
	Label      string
	Value      string
	Configured bool
}

type keysData struct {
	Title   string
	Path    string
	File    string
	Rows    []keyRow
	Confirm bool // ask before Delete All
}

func (s *Server) keysData(cfg *config.Config, k keyKind) keysData {
	d := keysData{Title: k.title(), Path: k.path(), File: k.file()}
	for _, n := range keyIndices(s.phone.Model(), k) {
		r := keyRow{Index: n}
		for _, f := range keyFields {
			if _, explicit, err := cfg.Lookup(keyPrefix + strconv.Itoa(n) + "/" + f); err == nil && explicit {
				r.Configured = true
			}
		}
		get := func(f string) string { return cfg.Get(keyPrefix + strconv.Itoa(n) + "/" + f) }
		r.Type, r.Label = get("type"), get("key_label")
		switch strings.ToUpper(r.Type) {
		case "SPEED_DIAL":
			r.Value = get("speed_dial_number")
		case "EVENT", "KEY_EVENT":
			r.Value = get("key_event")
		}
		d.Rows = append(d.Rows, r)
	}
	return d
}

// keysText is the page's "Save" file: the explicitly set settings of the
// page's keys.
func keysText(cfg *config.Config, idx []int) []byte {
	var b bytes.Buffer
	for _, n := range idx {
		for _, f := range keyFields {
			key := keyPrefix + strconv.Itoa(n) + "/" + f
			if v, explicit, err := cfg.Lookup(key); err == nil && explicit {
				fmt.Fprintf(&b, "%s=%s\n", key, v)
			}
		}
	}
	return b.Bytes()
}

func (s *Server) keysPage(k keyKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqctx) {
		s.renderPage(w, c, "keys", http.StatusOK, "", "", s.keysData(c.state.Config, k))
	}
}

func (s *Server) keysSave(k keyKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqctx) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+k.file()+`"`)
		w.Write(keysText(c.state.Config, keyIndices(s.phone.Model(), k)))
	}
}

// keysPost deletes ticked rows, or all rows after confirmation (CFG-6,
// CFG-7). A deleted key gets its factory settings back.
func (s *Server) keysPost(k keyKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqctx) {
		idx := keyIndices(s.phone.Model(), k)
		var del []int
		switch r.PostForm.Get("action") {
		case "delete":
			for _, v := range r.PostForm["delete"] {
				n, err := strconv.Atoi(v)
				if err != nil || !slices.Contains(idx, n) {
					s.renderPage(w, c, "keys", http.StatusBadRequest, "", fmt.Sprintf("%q is not a key of this page; nothing was deleted.", v), s.keysData(c.state.Config, k))
					return
				}
				del = append(del, n)
			}
		case "deleteall":
			d := s.keysData(c.state.Config, k)
			d.Confirm = true
			s.renderPage(w, c, "keys", http.StatusOK, "", "", d)
			return
		case "deleteall-confirm":
			del = idx
		default:
			s.renderPage(w, c, "keys", http.StatusBadRequest, "", "Unknown action.", s.keysData(c.state.Config, k))
			return
		}
		if len(del) == 0 {
			s.renderPage(w, c, "keys", http.StatusOK, "", "No row was ticked.", s.keysData(c.state.Config, k))
			return
		}
		var b strings.Builder
		cat := c.state.Config.Catalogue()
		m := c.state.Config.Model()
		for _, n := range del {
			for _, f := range keyFields {
				key := keyPrefix + strconv.Itoa(n) + "/" + f
				if p, _, _, err := cat.Resolve(key); err == nil {
					fmt.Fprintf(&b, "%s=%s\n", key, p.DefaultFor(m))
				}
			}
		}
		if _, _, err := s.phone.ApplyConfig(r.Context(), "web:"+k.file(), []byte(b.String())); err != nil {
			s.renderPage(w, c, "keys", http.StatusInternalServerError, "", "Not deleted: "+err.Error(), s.keysData(c.state.Config, k))
			return
		}
		s.renderPage(w, c, "keys", http.StatusOK, fmt.Sprintf("%d keys deleted.", len(del)), "", s.keysData(s.phone.Snapshot().Config, k))
	}
}

// keysLoad applies an uploaded key file. Every line must set a key of this
// page; anything else refuses the whole file.
func (s *Server) keysLoad(k keyKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *reqctx) {
		fail := func(status int, msg string) {
			s.renderPage(w, c, "keys", status, "", msg, s.keysData(c.state.Config, k))
		}
		part, name, err := openUpload(w, r, "file", s.cfg.MaxConfigSize, ".cfg")
		if err != nil {
			fail(uploadStatus(err), uploadMessage(err))
			return
		}
		data, err := readUpload(part, s.cfg.MaxConfigSize)
		if err != nil {
			fail(uploadStatus(err), uploadMessage(err))
			return
		}
		if !isText(data) {
			fail(http.StatusBadRequest, "The file was refused; nothing was changed. ("+name+" is not a configuration file)")
			return
		}
		entries, issues, err := config.Parse(name, bytes.NewReader(data))
		if err == nil && len(issues) > 0 {
			err = issues[0]
		}
		if err != nil {
			fail(http.StatusUnprocessableEntity, "Not loaded; nothing was changed: "+err.Error())
			return
		}
		if len(entries) == 0 {
			fail(http.StatusBadRequest, "Not loaded: "+name+" holds no key settings.")
			return
		}
		idx := keyIndices(s.phone.Model(), k)
		cat := c.state.Config.Catalogue()
		for _, e := range entries {
			_, canon, n, err := cat.Resolve(e.Key)
			if err != nil || !strings.HasPrefix(canon, keyPrefix) || !slices.Contains(idx, n) {
				fail(http.StatusUnprocessableEntity, fmt.Sprintf("Not loaded; nothing was changed: %s:%d: %s is not a setting of this page's keys.", name, e.Line, e.Key))
				return
			}
		}
		if _, _, err := s.phone.ApplyConfig(r.Context(), "web:"+name, data); err != nil {
			fail(http.StatusUnprocessableEntity, "Not loaded; nothing was changed: "+strings.ReplaceAll(err.Error(), "\n", "; "))
			return
		}
		s.renderPage(w, c, "keys", http.StatusOK, fmt.Sprintf("%s loaded (%d settings).", name, len(entries)), "", s.keysData(s.phone.Snapshot().Config, k))
	}
}
