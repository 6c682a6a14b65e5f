package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
)

func cfgCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = realMain(append([]string{"cfg"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func writeCfg(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sampleCfg = "../../config/testdata/field-generic-sip.cfg"

// `cfg defaults --all` lists every cfg and local key of the manual's table,
// indexed keys at every index, with the manual's default; the output parses
// back without an issue.
func TestCfgDefaultsAll(t *testing.T) {
	code, out, errs := cfgCmd(t, "defaults", "--all")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, ";"+device.DefaultFirmware+"\n") {
		t.Errorf("no firmware header: %q", out[:40])
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		lines[l] = true
	}
	f, err := os.Open("../../config/testdata/parameters-facts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	checked := 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		key, kind, def := c[0], c[1], c[3]
		if kind != "cfg" && kind != "local" {
			continue
		}
		p, _, _, err := config.Default().Resolve(strings.ReplaceAll(key, "{n}", "0"))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		keys := []string{key}
		if p.Indexed() {
			keys = nil
			for _, n := range p.AllIndices() {
				if _, own := p.IndexDefaults[n]; !own { // a priority list's own slots
					keys = append(keys, p.KeyAt(n))
				}
			}
		}
		for _, k := range keys {
			checked++
			if !lines[k+"="+def] {
				t.Errorf("defaults --all lacks %q", k+"="+def)
			}
		}
	}
	if checked < 900 {
		t.Fatalf("checked only %d keys", checked)
	}
	_, issues, err := config.Default().New("").Apply("all.cfg", strings.NewReader(out))
	if err != nil || len(issues) != 0 {
		t.Fatalf("defaults --all does not parse back: %v %v", err, issues)
	}
}

func TestCfgDefaultsModel(t *testing.T) {
	code, out, _ := cfgCmd(t, "defaults", "--model", "rx50", "--firmware", "")
	if code != 0 || strings.HasPrefix(out, ";") {
		t.Fatalf("exit %d, output starts %q", code, out[:20])
	}
	for _, want := range []string{"lync/BToE/pairing_mode=BOTH\n", "system/type=RX50\n", "kernel/cfg/enable_core_dump=0\n",
		"personal_settings/functional_key/5/type=EMPTY\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("RX50 defaults lack %q", want)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasSuffix(l, "=") {
			t.Errorf("without --all, a parameter without default is listed: %q", l)
		}
	}
	if strings.Contains(out, "functional_key/6/") || strings.Contains(out, "lync/sidecardSL") {
		t.Error("RX50 defaults list keys the RX50 does not have")
	}
	if code, _, _ := cfgCmd(t, "defaults", "--model", "999HD"); code != 2 {
		t.Errorf("unknown model: exit %d, want 2", code)
	}
}

func TestCfgValidate(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := cfgCmd(t, "validate", sampleCfg)
	if code != 0 || !strings.Contains(out, "field-generic-sip.cfg:16: warning: voip/line/0/group") ||
		!strings.Contains(out, "valid for the 450HD") {
		t.Fatalf("good file: exit %d\n%s", code, out)
	}
	bad := writeCfg(t, dir, "bad.cfg", "network/lan/vlan/id=ten\nfoo/bar=1\nnetwork/lan_type=PPPoE\nno equals sign\n")
	code, out, errs := cfgCmd(t, "validate", bad, "--model", "450HD")
	if code != 1 {
		t.Fatalf("bad file: exit %d", code)
	}
	for _, want := range []string{"bad.cfg:1: error: network/lan/vlan/id", "bad.cfg:2: warning: foo/bar",
		"bad.cfg:3: error: network/lan_type", "bad.cfg:4: error:"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "rejected") {
		t.Errorf("no rejection summary: %q", errs)
	}
	// A file for another model is refused, as the phone refuses it.
	if code, out, _ := cfgCmd(t, "validate", "--model", "445HD", sampleCfg); code != 1 ||
		!strings.Contains(out, "field-generic-sip.cfg:2: error: system/type: the file is for a 450HD, not a 445HD") {
		t.Errorf("wrong model: exit %d\n%s", code, out)
	}
	huge := filepath.Join(dir, "huge.cfg")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("voip/line/0/id=1\n"), 400000), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cfgCmd(t, "validate", huge); code != 1 || !strings.Contains(errs, "larger than") {
		t.Errorf("huge file: exit %d %s", code, errs)
	}
	if code, _, _ := cfgCmd(t, "validate", filepath.Join(dir, "missing.cfg")); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := cfgCmd(t, "validate"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}

// behaviour: CFG-2
func TestCfgDelta(t *testing.T) {
	dir := t.TempDir()
	_, all, _ := cfgCmd(t, "defaults", "--all", "--model", "C450HD")
	full := writeCfg(t, dir, "all.cfg", all)
	code, out, errs := cfgCmd(t, "delta", full, "--model", "C450HD")
	if code != 0 || out != ";"+device.DefaultFirmware+"\n" {
		t.Fatalf("delta of the defaults: exit %d %s\n%q", code, errs, out)
	}
	changed := strings.Replace(all, "network/lan/vlan/id=0\n", "network/lan/vlan/id=30\n", 1)
	changed = strings.Replace(changed, "voip/signalling/sip/transport_protocol=UDP\n", "voip/signalling/sip/transport_protocol=tls\n", 1)
	code, out, _ = cfgCmd(t, "delta", "--firmware", "", writeCfg(t, dir, "changed.cfg", changed), "--model", "C450HD")
	if code != 0 || out != "network/lan/vlan/id=30\nvoip/signalling/sip/transport_protocol=TLS\n" {
		t.Fatalf("delta: exit %d\n%q", code, out)
	}
	// Without --model the file's system/type picks the defaults.
	code, out, _ = cfgCmd(t, "delta", sampleCfg)
	if code != 0 || strings.Contains(out, "system/type") || !strings.Contains(out, "voip/line/0/id=2001\n") {
		t.Fatalf("delta of the sample: exit %d\n%s", code, out)
	}
	if code, _, _ := cfgCmd(t, "delta", writeCfg(t, dir, "bad.cfg", "network/lan/vlan/id=x\n")); code != 1 {
		t.Errorf("delta of a bad file: exit %d", code)
	}
}

func TestCfgDiff(t *testing.T) {
	dir := t.TempDir()
	a := writeCfg(t, dir, "a.cfg", "voip/line/0/id=1001\nvoip/line/0/auth_password=one\nnetwork/lan_type=DHCP\n")
	b := writeCfg(t, dir, "b.cfg", "network/lan_type=dhcp\nvoip/line/0/id=1002\nvoip/line/0/auth_password="+config.EncryptSecret("two")+"\n")
	code, out, errs := cfgCmd(t, "diff", a, b)
	if code != 1 || !strings.Contains(errs, "differ in 2 settings") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "-voip/line/0/auth_password=(secret)\n+voip/line/0/auth_password=(secret)\n" +
		"-voip/line/0/id=1001\n+voip/line/0/id=1002\n"
	if out != want {
		t.Errorf("diff output\n%s\nwant\n%s", out, want)
	}
	if code, out, _ := cfgCmd(t, "diff", a, a); code != 0 || out != "" {
		t.Errorf("a file against itself: exit %d %q", code, out)
	}
}

// behaviour: CFG-4
// behaviour: CFG-5
func TestCfgEncrypt(t *testing.T) {
	dir := t.TempDir()
	src := writeCfg(t, dir, "Conf.cfg", "voip/line/0/id=1001\nvoip/line/0/auth_password=pw\n")
	code, out, errs := cfgCmd(t, "encrypt", "-f", src)
	dst := filepath.Join(dir, "Conf.cfx")
	if code != 0 || strings.TrimSpace(out) != dst {
		t.Fatalf("encrypt -f: exit %d %q %s", code, out, errs)
	}
	cfx, err := os.ReadFile(dst)
	if err != nil || !config.IsCFX(cfx) || bytes.Contains(cfx, []byte("1001")) {
		t.Fatalf("not an encrypted file: %v", err)
	}
	if code, out, _ := cfgCmd(t, "validate", dst); code != 0 || !strings.Contains(out, "valid") {
		t.Errorf("validate .cfx: exit %d %s", code, out)
	}
	if code, out, _ := cfgCmd(t, "decrypt", "-f", dst); code != 0 || out != "voip/line/0/id=1001\nvoip/line/0/auth_password=pw\n" {
		t.Errorf("decrypt -f: exit %d %q", code, out)
	}
	if code, _, _ := cfgCmd(t, "encrypt", "-f", dst); code != 1 {
		t.Errorf("encrypting a .cfx again: exit %d", code)
	}

	code, out, _ = cfgCmd(t, "encrypt", "-s", "1234")
	enc := strings.TrimSpace(out)
	if code != 0 || !config.IsEncrypted(enc) || len(enc) != len(`{"0qrNRpSJ6aE="}`) {
		t.Fatalf("encrypt -s: exit %d %q", code, out)
	}
	if code, out, _ := cfgCmd(t, "decrypt", "-s", enc); code != 0 || out != "1234\n" {
		t.Errorf("decrypt -s: exit %d %q", code, out)
	}
	for _, args := range [][]string{{"encrypt"}, {"encrypt", "-f", src, "-s", "x"}, {"decrypt"}} {
		if code, _, _ := cfgCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestCfgUsage(t *testing.T) {
	if code, _, errs := cfgCmd(t); code != 2 || !strings.Contains(errs, "validate") {
		t.Errorf("no subcommand: exit %d %s", code, errs)
	}
	if code, _, _ := cfgCmd(t, "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: exit %d", code)
	}
}
