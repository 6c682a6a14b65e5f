package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// installDeps is the script that installs every program the tests start; its
// COMMANDS array lists them and it checks each one after installing, so that
// under CI=true a missing program stops the run before any test.
const installDeps = "../../scripts/install-deps.sh"

// notInstalled are programs the tests may run that install-deps.sh does not
// provide: the Go toolchain itself and what every Debian system has.
var notInstalled = []string{"go", "sh", "true", "false", "cat", "getent", "id", "kill"}

// TestInstallDepsProvidesEveryPeer finds each program a Go file starts by
// name (testpeer.Need and friends, exec.Command, a namespace's Command or
// MustRun, testpeer.Run) and checks that scripts/install-deps.sh lists it in
// COMMANDS. A test that needs a new peer must say how CI gets it.
func TestInstallDepsProvidesEveryPeer(t *testing.T) {
	listed := installDepsCommands(t)
	used := programsStarted(t)
	if len(used) < 10 {
		t.Fatalf("found only %d programs started by the tests: the scan is broken", len(used))
	}
	t.Logf("programs the Go files start: %v", slices.Sorted(maps.Keys(used)))
	for prog, files := range used {
		if slices.Contains(listed, prog) || slices.Contains(notInstalled, prog) {
			continue
		}
		t.Errorf("%s runs %q, which scripts/install-deps.sh does not list in COMMANDS (add it, and its Debian package to PACKAGES)", files[0], prog)
	}
}

var commandsArray = regexp.MustCompile(`(?s)\nCOMMANDS=\(\n(.*?)\n\)`)

// installDepsCommands returns the programs in install-deps.sh's COMMANDS.
func installDepsCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(installDeps)
	if err != nil {
		t.Fatal(err)
	}
	m := commandsArray.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s has no COMMANDS=( ... ) array", installDeps)
	}
	return strings.Fields(string(m[1]))
}

// programsStarted parses every Go file of the module and returns the
// programs started by a literal name, each with the files that start it.
func programsStarted(t *testing.T) map[string][]string {
	t.Helper()
	used := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == ".cache" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", p)
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				for _, prog := range startedBy(call) {
					if !slices.Contains(used[prog], rel) {
						used[prog] = append(used[prog], rel)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}

// programArg is where the program's name is among the arguments of each
// process starter: exec.Command(name), exec.CommandContext(ctx, name),
// ns.Command(name), MustRun(t, name), testpeer.Run(t, ctx, allowFail, name),
// LookPath(name).
var programArg = map[string]int{"Command": 0, "CommandContext": 1, "MustRun": 1, "Run": 3, "LookPath": 0}

// startedBy returns the programs a call starts by a literal name.
func startedBy(call *ast.CallExpr) []string {
	var name, recv string
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		name = fn.Name
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if x, ok := fn.X.(*ast.Ident); ok {
			recv = x.Name
		}
	default:
		return nil
	}
	if name == "Need" {
		var progs []string
		for _, arg := range call.Args {
			if s, ok := stringLit(arg); ok {
				progs = append(progs, s)
			}
		}
		return progs
	}
	i, ok := programArg[name]
	// Run is testpeer.Run only (t.Run names a subtest).
	if !ok || name == "Run" && recv != "testpeer" || i >= len(call.Args) {
		return nil
	}
	if s, ok := stringLit(call.Args[i]); ok {
		return []string{s}
	}
	return nil
}

// stringLit returns the base name in a string literal, if arg is one.
func stringLit(arg ast.Expr) (string, bool) {
	lit, ok := arg.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "" {
		return "", false
	}
	return path.Base(s), true
}
