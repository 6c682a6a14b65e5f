package archtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// behaviourTag is how a test names the manual behaviour it proves:
// "// behaviour: BOOT-4" (behaviours.md, section code and item number).
var behaviourTag = regexp.MustCompile(`//\s*behaviour:\s*([A-Z]+-\d+)`)

// knownBehaviours reads the item codes of behaviours.md (testdata keeps the
// codes only).
func knownBehaviours(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/behaviour-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			ids = append(ids, s)
		}
	}
	return ids
}

// taggedBehaviours walks the module's test files and returns, for each tag,
// the files that carry it.
func taggedBehaviours(t *testing.T) map[string][]string {
	t.Helper()
	tags := map[string][]string{}
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", path)
		for _, m := range behaviourTag.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(tags[m[1]], rel) {
				tags[m[1]] = append(tags[m[1]], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

// TestBehaviourTagsNameRealItems catches typos: every tag must name an item
// of behaviours.md. Run with -v to see the coverage of the manual.
func TestBehaviourTagsNameRealItems(t *testing.T) {
	known := knownBehaviours(t)
	if len(known) < 200 {
		t.Fatalf("only %d behaviour codes known", len(known))
	}
	tags := taggedBehaviours(t)
	for tag, files := range tags {
		if !slices.Contains(known, tag) {
			t.Errorf("%s: tag %q names no item of behaviours.md", strings.Join(files, ", "), tag)
		}
	}
	var covered, missing []string
	bySection := map[string][2]int{}
	for _, id := range known {
		sec := id[:strings.IndexByte(id, '-')]
		c := bySection[sec]
		c[1]++
		if _, ok := tags[id]; ok {
			covered = append(covered, id)
			c[0]++
		} else {
			missing = append(missing, id)
		}
		bySection[sec] = c
	}
	secs := make([]string, 0, len(bySection))
	for s := range bySection {
		secs = append(secs, s)
	}
	sort.Strings(secs)
	var b strings.Builder
	fmt.Fprintf(&b, "behaviours covered by tests: %d of %d\n", len(covered), len(known))
	for _, s := range secs {
		fmt.Fprintf(&b, "  %-6s %2d/%2d\n", s, bySection[s][0], bySection[s][1])
	}
	fmt.Fprintf(&b, "not yet proven: %s\n", strings.Join(missing, " "))
	t.Log(b.String())
}
