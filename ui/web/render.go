package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed templates
var templateFS embed.FS

// pageSet holds one parsed template per page, each joined to the layout.
type pageSet map[string]*template.Template

var funcs = template.FuncMap{
	"since": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02 15:04:05")
	},
	"ms": func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) },
	"dur": func(d time.Duration) string {
		d = d.Round(time.Second)
		return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	},
}

// sharedPages parses the templates once per process: a fleet runs
// thousands of phones, and parsed templates are safe to share.
var sharedPages = sync.OnceValues(parsePages)

func parsePages() (pageSet, error) {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	set := pageSet{}
	for _, n := range names {
		name := n.Name()
		if name == "layout.html" || !strings.HasSuffix(name, ".html") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name); err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		set[strings.TrimSuffix(name, ".html")] = t
	}
	return set, nil
}

// view is what every page template gets.
type view struct {
	Title    string
	Tab      string
	Path     string
	User     string
	Role     string
	Model    string
	MAC      string
	Firmware string
	Banner   bool
	Tabs     []tabView
	Menu     []groupView
	CSRF     string
	Msg, Err string
	Data     any
}

type tabView struct {
	Name, Path string
	Active     bool
}

type groupView struct {
	Name  string
	Items []itemView
}

type itemView struct {
	Label, Path string
	Active      bool
}

// newView fills the layout's fields for c's page.
func (s *Server) newView(c *reqctx, title string, data any) *view {
	v := &view{
		Title:    title,
		User:     c.sess.user,
		Role:     c.sess.role.String(),
		Model:    string(c.state.Model),
		MAC:      c.state.MAC,
		Firmware: c.state.Firmware,
		CSRF:     c.sess.csrf,
		Data:     data,
		Banner:   credentialsOf(c.state.Config).defaults(),
	}
	if c.page != nil {
		v.Tab, v.Path = c.page.tab, c.page.path
		if title == "" {
			v.Title = c.page.label
		}
	}
	m := s.phone.Model()
	first := map[string]string{}
	groups := map[string]int{}
	for _, p := range s.menu() {
		if (p.admin && c.sess.role != roleAdmin) || (p.visible != nil && !p.visible(m)) {
			continue
		}
		if _, ok := first[p.tab]; !ok {
			first[p.tab] = p.path
		}
		if p.tab != v.Tab || p.tab == tabHome {
			continue
		}
		i, ok := groups[p.group]
		if !ok {
			i = len(v.Menu)
			groups[p.group] = i
			v.Menu = append(v.Menu, groupView{Name: p.group})
		}
		v.Menu[i].Items = append(v.Menu[i].Items, itemView{Label: p.label, Path: p.path, Active: p.path == v.Path})
	}
	for _, t := range tabOrder {
		if path, ok := first[t]; ok {
			v.Tabs = append(v.Tabs, tabView{Name: t, Path: path, Active: t == v.Tab})
		}
	}
	return v
}

// render executes a page template into a buffer first, so a template error
// gives a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, v any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderPage renders c's page with a message or an error line.
func (s *Server) renderPage(w http.ResponseWriter, c *reqctx, name string, status int, msg, errMsg string, data any) {
	v := s.newView(c, "", data)
	v.Msg, v.Err = msg, errMsg
	s.render(w, status, name, v)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, c *reqctx, status int, msg string) {
	v := s.newView(c, http.StatusText(status), nil)
	v.Err = msg
	s.render(w, status, "message", v)
}
