package main

import (
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fleetCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	// Phones' goroutines may still log a moment after the command returns.
	var out, errb syncBuffer
	code := realMain(append([]string{"fleet"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// testNet gives the test's phones their own /24 of 127/8.
func testNet(t *testing.T) {
	var b [2]byte
	rand.Read(b[:])
	t.Setenv("HDPHONE_TEST_NET", fmt.Sprintf("127.%d.%d.0/24", 130+int(b[0])%60, b[1]))
}

type junitFile struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j junitFile
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestFleetRunPasses(t *testing.T) {
	testNet(t)
	dir := t.TempDir()
	code, out, errs := fleetCmd(t, "-f", "testdata/fleet-pass.yaml", "--json", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "r.xml"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "4 phones, 18 results: 18 passed, 0 failed") || !strings.Contains(out, "[audio] 4/4 done") {
		t.Errorf("output:\n%s", out)
	}
	j := readJUnit(t, filepath.Join(dir, "r.xml"))
	if j.Tests != 18 || j.Failures != 0 || len(j.Suites) != 6 {
		t.Errorf("JUnit %d tests %d failures %d suites", j.Tests, j.Failures, len(j.Suites))
	}
	var rep struct {
		Summary struct{ Passed int } `json:"summary"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(b, &rep); err != nil || rep.Summary.Passed != 18 {
		t.Errorf("JSON report: %v %+v", err, rep)
	}
}

// A failing step turns the exit status and the JUnit file red.
func TestFleetRunFailsOnAFailedStep(t *testing.T) {
	testNet(t)
	dir := t.TempDir()
	junit := filepath.Join(dir, "r.xml")
	code, out, errs := fleetCmd(t, "-f", "testdata/fleet-fail.yaml", "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "FAIL desk-1 [call a number nobody has]") || !strings.Contains(errs, "step result(s) failed") {
		t.Errorf("output:\n%s\n%s", out, errs)
	}
	j := readJUnit(t, junit)
	if j.Failures != 1 {
		t.Errorf("JUnit failures %d, want 1", j.Failures)
	}
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && (s.Name != "cmdfail: call a number nobody has" || c.Name != "desk-1") {
				t.Errorf("unexpected failure %s / %s", s.Name, c.Name)
			}
		}
	}
}

func TestFleetCheckReportsLines(t *testing.T) {
	code, _, errs := fleetCmd(t, "check", "-f", "../../fleet/testdata/errors/unknown-step.yaml")
	if code != 2 || !strings.Contains(errs, "unknown-step.yaml:7:5: scenario[1].dance: unknown step") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, out, errs := fleetCmd(t, "check", "-f", "../../fleet/testdata/pairs.yaml")
	if code != 0 || !strings.Contains(out, "200 phones in 1 group(s), 5 steps") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
	t.Setenv("HDPHONE_TEST_NET", "")
	os.Unsetenv("HDPHONE_TEST_NET")
	code, _, errs = fleetCmd(t, "-f", "testdata/fleet-pass.yaml")
	if code != 2 || !strings.Contains(errs, "HDPHONE_TEST_NET") {
		t.Errorf("unset variable: exit %d: %s", code, errs)
	}
}

// Two shards run on their own and their reports merge into one JUnit file.
func TestFleetShardsAndMerge(t *testing.T) {
	testNet(t)
	dir := t.TempDir()
	var jsons []string
	for i := 0; i < 2; i++ {
		p := filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
		code, out, errs := fleetCmd(t, "-f", "testdata/fleet-pass.yaml", "--shard", fmt.Sprintf("%d/2", i), "--json", p)
		if code != 0 {
			t.Fatalf("shard %d: exit %d\n%s\n%s", i, code, out, errs)
		}
		if !strings.Contains(out, "(shard "+fmt.Sprint(i)+"/2: fleet phones") {
			t.Errorf("shard %d output:\n%s", i, out)
		}
		jsons = append(jsons, p)
	}
	junit := filepath.Join(dir, "all.xml")
	code, out, errs := fleetCmd(t, append([]string{"merge"}, append(jsons, "--junit", junit)...)...)
	if code != 0 || !strings.Contains(out, "merged 2 report(s) of fleet cmdpass (shards 0/2, 1/2): 4 phones, 18 results: 18 passed") {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out, errs)
	}
	if j := readJUnit(t, junit); j.Tests != 18 || j.Failures != 0 {
		t.Errorf("merged JUnit %+v", j)
	}
	code, _, errs = fleetCmd(t, "merge", jsons[0], jsons[0])
	if code != 2 || !strings.Contains(errs, "overlapping shards") {
		t.Errorf("overlapping merge: exit %d %s", code, errs)
	}
}
