package ci

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/internal/testpeer"
)

// junit is what a CI system reads of the report.
type junit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// The CI example end to end: run.sh runs 200 phones in 100 calling pairs
// against Kamailio and leaves a green JUnit report; the failing variant's
// report is red on the one phone whose step failed, and the script exits 1.
//
// behaviour: SIP-1
func TestCIExampleAgainstKamailio(t *testing.T) {
	bash := testpeer.Need(t, "bash")[0]
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{
		UserRange: struct{ First, Last int }{1001, 1200},
		CallAuth:  true,
		Children:  4,
	})
	bin := filepath.Join(t.TempDir(), "hdphone")
	build := exec.Command("go", "build", "-o", bin, "github.com/hdphone/hdphone/cmd/hdphone")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var b [2]byte
	rand.Read(b[:])
	addrs := fmt.Sprintf("127.%d.%d.0/24", 130+int(b[0])%60, b[1])

	run := func(fleet string) (int, string, junit) {
		out := t.TempDir()
		cmd := exec.Command(bash, "run.sh")
		cmd.Env = append(os.Environ(), "HDPHONE="+bin, "SIP_REGISTRAR="+k.Addr(), "SIP_DOMAIN="+k.Domain,
			"PHONE_ADDRESSES="+addrs, "FLEET="+fleet, "OUT="+out, "CI=true")
		text, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var j junit
		b, rerr := os.ReadFile(filepath.Join(out, "junit.xml"))
		if rerr != nil {
			t.Fatalf("no JUnit report (%v):\n%s", rerr, text)
		}
		if err := xml.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		return code, string(text), j
	}

	code, text, j := run("fleet.yaml")
	if code != 0 || j.Failures != 0 {
		t.Fatalf("passing fleet: exit %d, %d failures\n%s", code, j.Failures, text)
	}
	// boot + registered (200 each), then six pair steps of 100 or 200.
	if want := 200 + 200 + 100 + 100 + 200 + 100 + 100 + 100; j.Tests != want {
		t.Errorf("JUnit has %d test cases, want %d", j.Tests, want)
	}
	if !strings.Contains(text, "200 phones, 1100 results: 1100 passed, 0 failed") {
		t.Errorf("output:\n%s", text)
	}
	if n := k.RegisteredCount(t); n != 200 {
		t.Errorf("Kamailio holds %d registrations, want 200", n)
	}

	code, text, j = run("fleet-failing.yaml")
	if code != 1 {
		t.Errorf("failing fleet: exit %d, want 1\n%s", code, text)
	}
	if j.Failures != 1 {
		t.Errorf("failing fleet: %d JUnit failures, want 1\n%s", j.Failures, text)
	}
	red := ""
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				red = s.Name + " / " + c.Name + ": " + c.Failure.Message
			}
		}
	}
	if !strings.Contains(red, "call a user nobody has / desk-1") || !strings.Contains(red, "404") {
		t.Errorf("the red test case is %q", red)
	}
}
