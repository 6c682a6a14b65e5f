package testpeer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// PlaywrightVersion is the playwright-core release the browser tests drive
// Chromium with. Only the library is installed from npm; the browser is
// Debian's chromium (Playwright's own browser download is never used). It is
// the last release that runs on Debian 12's Node.js 18: from 1.62 on,
// playwright-core exits at once on a Node.js older than 20.
// scripts/install-deps.sh installs the same version.
const PlaywrightVersion = "1.61.1"

// ChromiumFlags are the flags headless Chromium needs here: as root with no
// sandbox, and without the background connections a closed network refuses.
var ChromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage",
}

// Browser is what a browser test needs: node, a node_modules directory
// holding playwright-core, and the Chromium binary.
type Browser struct {
	Node        string
	NodeModules string
	Chromium    string
}

var playwrightMu sync.Mutex

// NeedBrowser finds node, npm and chromium (Unavailable when one is
// missing) and installs playwright-core into the repository's .cache
// directory once; later runs reuse it.
func NeedBrowser(t testing.TB) Browser {
	t.Helper()
	bins := Need(t, "node", "npm", "chromium")
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".cache", "playwright-"+PlaywrightVersion)
	mods := filepath.Join(dir, "node_modules")
	playwrightMu.Lock()
	defer playwrightMu.Unlock()
	if _, err := os.Stat(filepath.Join(mods, "playwright-core", "package.json")); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bins[1], "install", "--no-audit", "--no-fund", "--prefix", dir,
			"playwright-core@"+PlaywrightVersion)
		// playwright-core has no install script that downloads browsers;
		// the variable guards against one all the same.
		cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			Unavailable(t, "npm install playwright-core@%s: %v\n%s", PlaywrightVersion, err, out)
		}
	}
	return Browser{Node: bins[0], NodeModules: mods, Chromium: bins[2]}
}

// RunScript runs a Node script with playwright-core on its module path and
// the Chromium path and flags in HDPHONE_CHROMIUM and HDPHONE_CHROMIUM_FLAGS
// (space-separated), plus env. It returns the combined output; a non-zero
// exit fails the test with that output.
func (b Browser) RunScript(t testing.TB, ctx context.Context, script string, env ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, b.Node, script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+b.NodeModules,
		"HDPHONE_CHROMIUM="+b.Chromium,
		"HDPHONE_CHROMIUM_FLAGS="+strings.Join(ChromiumFlags, " "))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, out)
	}
	return string(out)
}

// repoRoot is the directory holding go.mod, found upwards from the test's
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
