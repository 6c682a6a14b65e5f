package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `hdphone demo` is the README's first command: it must pass on a fresh
// machine with nothing but Go. Every model boots, upgrades to the lab's
// firmware, takes its per-MAC file, registers; the call, the transfer and
// the page are proven by the tones each phone hears.
//
// behaviour: BOOT-1
// behaviour: PROV-1
// behaviour: PAGE-1
// behaviour: PAGE-2
// behaviour: PAGE-7
func TestDemoPasses(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "demo.xml")
	// Phones' goroutines may still log a moment after the command returns.
	var out, errb syncBuffer
	code := realMain([]string{"demo", "--plain", "--junit", junit}, &out, &errb)
	text := out.String()
	if code != 0 {
		t.Fatalf("demo exited %d: %s\n%s", code, errb.String(), text)
	}
	for _, want := range []string{
		"PASSED: 5 phones",
		"445HD.img (running UC_3.4.8.808)", "HRS.img (running UC_3.4.8.808)",
		"restarting: firmware upgrade to UC_3.4.9.10",
		"00908fde0004.cfg", "registered as 1005",
		"[450HD answers] answered 1001",
		"hears 1002's", "hears 1003's", "hears page Demo's",
		"[the HRS has no paging]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	for _, model := range []string{"445HD", "450HD", "C450HD", "RX50", "HRS"} {
		if !strings.Contains(text, "  "+model+"-1 ") || !strings.Contains(text, model+" ") {
			t.Errorf("summary lacks %s", model)
		}
	}
	if strings.Contains(text, "\x1b[") {
		t.Error("terminal escapes in plain output")
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Tests < 25 || suites.Failures != 0 {
		t.Errorf("JUnit: %d tests, %d failures", suites.Tests, suites.Failures)
	}
	if testing.Verbose() {
		t.Log(text)
	}
}

// `hdphone demo --print` shows the story as a fleet file that `hdphone
// fleet -f` can run.
func TestDemoPrintsItsFleetFile(t *testing.T) {
	// Phones' goroutines may still log a moment after the command returns.
	var out, errb syncBuffer
	if code := realMain([]string{"demo", "--print"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "scenario:") || !strings.Contains(out.String(), "firmware: UC_3.4.9.10") {
		t.Errorf("printed %q", out.String())
	}
}
