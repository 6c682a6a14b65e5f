package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/hdphone/hdphone"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Doc        string
	Name       string
	Dir        string
	GoFiles    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(out)
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel turns an import path into a project-relative one ("" for the module
// root, "-" for packages outside the module).
func rel(p string) string {
	if p == module {
		return ""
	}
	if strings.HasPrefix(p, module+"/") {
		return strings.TrimPrefix(p, module+"/")
	}
	return "-"
}

// under reports whether project path p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// isTestSupport reports whether p is a *test helper package, which may import
// its parent, testing and test peers.
func isTestSupport(p string) bool {
	return strings.HasSuffix(path.Base(p), "test") || under(p, "internal/testpeer") || under(p, "internal/archtest")
}

// rule says that packages matching from must not import (directly or
// indirectly) packages matching to.
type rule struct {
	from   func(string) bool
	to     func(string) bool
	reason string
}

func in(dirs ...string) func(string) bool {
	return func(p string) bool {
		for _, d := range dirs {
			if under(p, d) {
				return true
			}
		}
		return false
	}
}

func project(p string) bool { return p != "-" }

func not(f func(string) bool) func(string) bool { return func(p string) bool { return !f(p) } }

func and(fs ...func(string) bool) func(string) bool {
	return func(p string) bool {
		for _, f := range fs {
			if !f(p) {
				return false
			}
		}
		return true
	}
}

var backends = in("hw/virtual", "hw/term", "hw/periph", "media/audio/portaudio")

var rules = []rule{
	{in("config"), and(project, not(in("config"))), "config is a leaf: it imports nothing of the project"},
	{in("clock"), and(project, not(in("clock"))), "clock is a leaf"},
	{and(in("hw"), not(in("hw/virtual", "hw/term", "hw/periph", "hw/hwtest"))), and(project, not(in("hw"))), "hw holds contracts only and imports nothing of the project"},
	{in("media/codec"), and(project, not(in("media/codec"))), "media/codec is a leaf"},
	{in("provisioning"), in("sip", "media", "device", "ui", "fleet", "lab"), "provisioning never imports sip, media or device: device joins them"},
	{in("sip"), in("provisioning", "media", "device", "ui", "fleet", "lab"), "sip carries SDP as bytes and never imports media, provisioning or device"},
	{in("media"), in("provisioning", "sip", "device", "ui", "fleet", "lab"), "media never imports sip, provisioning or device"},
	{in("device"), in("ui", "fleet", "lab"), "device runs with no screen and knows nothing of its fronts"},
	{in("device"), backends, "device never imports a hardware or audio backend"},
	{in("lab"), in("device", "ui", "fleet"), "lab is the world around the phones and must behave like real servers"},
	{in("diag"), in("sip", "media", "device", "ui", "fleet", "lab"), "diag services (syslog) take config and clock; the device wires them in"},
	{and(in("ui"), not(in("ui/web", "ui/cli"))), backends, "ui uses the hw contracts, never a backend"},
	{and(project, not(in("cmd", "fleet")), not(isTestSupport)), backends, "backends are wired in cmd (fleets use the in-memory board)"},
}

// directRules hold for a package's own imports only: the screen application
// reaches sip and media through device, but must not import them itself.
var directRules = []rule{
	{and(in("ui"), not(in("ui/web", "ui/cli"))), in("sip", "media", "provisioning", "lab", "fleet"), "ui renders device state and turns keys into device intents"},
}

func TestDependencyRules(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		for _, d := range p.Imports {
			for _, r := range directRules {
				if to := rel(d); to != "-" && r.from(from) && r.to(to) {
					t.Errorf("%s imports %s: %s", from, to, r.reason)
				}
			}
		}
		for _, d := range p.Deps {
			to := rel(d)
			if to == "-" || to == from {
				continue
			}
			for _, r := range rules {
				if r.from(from) && r.to(to) {
					t.Errorf("%s imports %s: %s", from, to, r.reason)
				}
			}
		}
	}
}

func TestNoTestingInProduction(t *testing.T) {
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		if isTestSupport(r) {
			continue
		}
		for _, d := range p.Deps {
			if d == "testing" {
				t.Errorf("%s depends on package testing; production code must not (move the helper to a *test package)", r)
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" && len(p.GoFiles) > 0 {
			t.Errorf("package %s has no package doc comment", rel(p.ImportPath))
		}
	}
}
