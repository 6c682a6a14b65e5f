package config

import (
	"bytes"
	"maps"
	"strings"
	"testing"
)

var allModels = append([]string{""}, Models()...)

// For every model: defaults → format (all parameters) → parse gives the same
// configuration, with no issue at all, and its delta is empty.
func TestRoundTripDefaultsEveryModel(t *testing.T) {
	for _, m := range allModels {
		def := Default().New(m)
		var buf bytes.Buffer
		if err := (FormatOptions{All: true, Firmware: "UC_3.4.8.808"}).Format(&buf, def); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), ";UC_3.4.8.808\n") {
			t.Errorf("%s: no firmware header line", m)
		}
		back, issues, err := Default().New(m).Apply("all.cfg", bytes.NewReader(buf.Bytes()))
		if err != nil || len(issues) != 0 {
			t.Fatalf("%s: --all output does not parse back cleanly: %v %v", m, err, issues)
		}
		if d := Diff(def, back); len(d) != 0 {
			t.Errorf("%s: defaults → format → parse changed %+v", m, d)
		}
		if d := back.Delta(); len(d.Explicit()) != 0 {
			t.Errorf("%s: delta of a file equal to the defaults holds %v", m, d.Explicit())
		}
		// Explicit-only output of the factory configuration is empty.
		buf.Reset()
		if err := Format(&buf, def); err != nil || buf.Len() != 0 {
			t.Errorf("%s: factory configuration formats as %q", m, buf.String())
		}
	}
}

// Values round-trip exactly: format then parse gives the same explicit
// values and the same unknown keys.
func TestRoundTripValuesExactly(t *testing.T) {
	for _, path := range []string{"testdata/field-generic-sip.cfg", "testdata/manual-examples.cfg", "testdata/testbench-sample.cfg"} {
		c, _ := applyFile(t, Default().New(""), path)
		var buf bytes.Buffer
		if err := Format(&buf, c); err != nil {
			t.Fatal(err)
		}
		back, _, err := Default().New("").Apply("again.cfg", bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s: formatted output rejected: %v\n%s", path, err, buf.String())
		}
		if !maps.Equal(back.Explicit(), c.Explicit()) || !maps.Equal(back.Extra(), c.Extra()) {
			t.Errorf("%s: round trip changed values:\n%v\n%v", path, c.Explicit(), back.Explicit())
		}
		var again bytes.Buffer
		if err := Format(&again, back); err != nil || again.String() != buf.String() {
			t.Errorf("%s: formatting is not stable:\n%s\n---\n%s", path, buf.String(), again.String())
		}
	}
}

// `--all` lists every cfg and local key of the manual's table with the
// manual's default, indexed keys at every index.
func TestFormatAllListsEveryManualKey(t *testing.T) {
	var buf bytes.Buffer
	if err := (FormatOptions{All: true}).Format(&buf, Default().New("")); err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(buf.String(), "\n") {
		lines[l] = true
	}
	for _, r := range readSpec(t, "testdata/parameters-facts.tsv") {
		if r.kind != "cfg" && r.kind != "local" {
			continue
		}
		p, _, _, err := Default().Resolve(strings.ReplaceAll(r.key, "{n}", "0"))
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{r.key}
		if p.Indexed() {
			keys = nil
			for _, n := range p.AllIndices() {
				// A priority list's slots have their own factory values
				// (IndexDefaults, documented in the catalogue); the manual's
				// printed default is the first slot's.
				if _, own := p.IndexDefaults[n]; !own {
					keys = append(keys, p.KeyAt(n))
				}
			}
		}
		for _, k := range keys {
			if !lines[k+"="+r.def] {
				t.Errorf("--all lacks %q", k+"="+r.def)
			}
		}
	}
	for _, inband := range []string{"DisableHandsetOnLockedMachine=", "dhcp/option/160="} {
		if strings.Contains(buf.String(), inband) {
			t.Errorf("--all lists %q, which is not a configuration-file key", inband)
		}
	}
}

func TestFormatAllPerModel(t *testing.T) {
	tests := []struct {
		model    string
		has, not []string
	}{
		{"RX50", []string{"personal_settings/functional_key/5/type=EMPTY\n", "lync/BToE/pairing_mode=BOTH\n", "system/type=RX50\n", "kernel/cfg/enable_core_dump=0\n"},
			[]string{"personal_settings/functional_key/6/type=", "lync/sidecardSL=", "management/ssh/enabled="}},
		{"445HD", []string{"personal_settings/functional_key/38/type=EMPTY\n", "lync/sidecardSL=\n", "kernel/cfg/enable_core_dump=1\n"},
			[]string{"personal_settings/functional_key/39/type=", "personal_settings/ui_theme="}},
		{"HRS", []string{"personal_settings/functional_key/7/type=EMPTY\n", "management/ssh/enabled=0\n"},
			[]string{"personal_settings/functional_key/8/type=", "voip/services/group_paging/enabled="}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := (FormatOptions{All: true}).Format(&buf, Default().New(tt.model)); err != nil {
			t.Fatal(err)
		}
		for _, s := range tt.has {
			if !strings.Contains(buf.String(), s) {
				t.Errorf("%s: --all lacks %q", tt.model, s)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(buf.String(), s) {
				t.Errorf("%s: --all lists %q", tt.model, s)
			}
		}
	}
}

func TestFormatOrderAndExtras(t *testing.T) {
	c := Default().New("450HD")
	for _, kv := range [][2]string{
		{"personal_settings/functional_key/10/type", "PAGING"},
		{"personal_settings/functional_key/2/type", "PAGING"},
		{"network/lan_type", "STATIC"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	c.SetExtra("zz/unknown", "1")
	var buf bytes.Buffer
	if err := Format(&buf, c); err != nil {
		t.Fatal(err)
	}
	want := "network/lan_type=STATIC\n" +
		"personal_settings/functional_key/2/type=PAGING\n" +
		"personal_settings/functional_key/10/type=PAGING\n" +
		"; keys this firmware does not know\n" +
		"zz/unknown=1\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := (FormatOptions{OmitExtra: true}).Format(&buf, c); err != nil || strings.Contains(buf.String(), "zz/") {
		t.Errorf("OmitExtra kept unknown keys: %s", buf.String())
	}
}

func TestCompareKeys(t *testing.T) {
	tests := []struct {
		a, b string
		sign int
	}{
		{"a/2/x", "a/10/x", -1},
		{"a/10/x", "a/2/x", 1},
		{"a/b", "a/b/c", -1},
		{"a/b", "a/b", 0},
		{"a/b", "a/c", -1},
		{"voip/line/0", "voip/lines", -1},
	}
	for _, tt := range tests {
		got := CompareKeys(tt.a, tt.b)
		if (got < 0 && tt.sign >= 0) || (got > 0 && tt.sign <= 0) || (got == 0 && tt.sign != 0) {
			t.Errorf("CompareKeys(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.sign)
		}
	}
}
