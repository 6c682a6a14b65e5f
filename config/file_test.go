package config

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"strings"
	"testing"
)

func applyFile(t *testing.T, c *Config, path string) (*Config, []Issue) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	next, issues, err := c.Apply(path, f)
	if err != nil {
		t.Fatalf("%s rejected: %v", path, err)
	}
	return next, issues
}

// behaviour: CFG-1
func TestApplyManualExamples(t *testing.T) {
	c, issues := applyFile(t, Default().New(""), "testdata/manual-examples.cfg") // some examples are C450HD or 445HD keys
	if len(issues) != 0 {
		t.Fatalf("issues: %v", issues)
	}
	want := map[string]string{
		"network/lan_type":                      "DHCP",
		"provisioning/method":                   "Dynamic", // written "dynamic"
		"system/daylight_saving/end_date/month": "7",       // written under system/ntp/daylight_saving/
		"voip/codec/codec_info/0/name":          "G722",
		"system/ntp/sync_time/hours":            "6",
	}
	for k, v := range want {
		if got := c.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if s, err := c.Secret("voip/line/0/auth_password"); err != nil || s != "secret1" {
		t.Errorf("auth password = %q, %v", s, err)
	}
}

// Real files carry CRLF, a firmware header, trailing spaces, repeated keys and
// keys the firmware does not know: they apply, with warnings that name the
// lines.
func TestApplyFieldFile(t *testing.T) {
	c, issues := applyFile(t, Default().New("450HD"), "testdata/field-generic-sip.cfg")
	var unknown, repeated []Issue
	for _, is := range issues {
		if is.Severity != Warning {
			t.Errorf("unexpected error issue %v", is)
		}
		switch {
		case errors.Is(is, ErrUnknownKey):
			unknown = append(unknown, is)
		case strings.Contains(is.Err.Error(), "repeated"):
			repeated = append(repeated, is)
		default:
			t.Errorf("unexpected warning %v", is)
		}
	}
	if len(unknown) != 1 || unknown[0].Key != "voip/line/0/group" || unknown[0].Line != 16 {
		t.Errorf("unknown-key warnings %v, want voip/line/0/group on line 16", unknown)
	}
	if len(repeated) != 1 || repeated[0].Line != 48 || !strings.Contains(repeated[0].Error(), "line 26") ||
		!strings.HasPrefix(repeated[0].Error(), "testdata/field-generic-sip.cfg:48: warning: ") {
		t.Errorf("repeated-key warnings %v, want line 48 naming line 26", repeated)
	}
	want := map[string]string{
		"system/type":                                 "450HD",
		"voip/line/0/description":                     "Front desk", // trailing space trimmed
		"voip/signalling/sip/transport_protocol":      "UDP",
		"voip/signalling/sip/registration_expires":    "3600", // the last one wins
		"voip/signalling/sip/failback_retry_timeout":  "",     // explicitly emptied
		"voip/signalling/sip/sip_outbound_proxy/addr": "sbc.example.com",
		"personal_settings/language":                  "PORTUGUESEBRAZILIAN",
		"provisioning/method":                         "Static",
		"provisioning/period/type":                    "hourly",
		"system/ntp/gmt_offset":                       "-03:00",
	}
	for k, v := range want {
		if got := c.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := c.Extra(); !maps.Equal(got, map[string]string{"voip/line/0/group": "0"}) {
		t.Errorf("extra = %v", got)
	}
	if s, _ := c.Secret("voip/line/0/auth_password"); s != "Pa55word!" {
		t.Errorf("auth password decrypts to %q", s)
	}
	// behaviour: CFG-5
	if got := c.Get("system/password"); !strings.HasPrefix(got, "MD5:") || strings.Contains(got, "admin-pw") {
		t.Errorf("plain System password kept as %q, want its MD5 form", got)
	}
	if !c.CheckSecret("system/password", "admin-pw") || c.CheckSecret("system/password", "1234") {
		t.Error("CheckSecret does not verify the hashed System password")
	}
	if _, err := c.Secret("system/password"); !errors.Is(err, ErrHashed) {
		t.Errorf("Secret of a hashed password: %v", err)
	}
}

func TestApplyTextForms(t *testing.T) {
	tests := map[string]string{
		"LF":               "voip/line/0/id=42\n",
		"CRLF":             "voip/line/0/id=42\r\n",
		"CR (old Mac)":     "; c\rvoip/line/0/id=42\r",
		"no final newline": "voip/line/0/id=42",
		"BOM":              "\xef\xbb\xbfvoip/line/0/id=42\n",
		"BOM and CRLF":     "\xef\xbb\xbf;UC_3.4.8.808\r\nvoip/line/0/id=42\r\n",
		"spaces":           "  voip/line/0/id  =  42  \t\n",
		"comments":         "; a\n# b\n   ; c\n\n\nvoip/line/0/id=42\n",
		"case":             "VOIP/LINE/0/ID=42\n",
	}
	for name, text := range tests {
		c, issues, err := Default().New("450HD").Apply(name, strings.NewReader(text))
		if err != nil || len(issues) != 0 {
			t.Errorf("%s: %v %v", name, err, issues)
			continue
		}
		if got := c.Get("voip/line/0/id"); got != "42" {
			t.Errorf("%s: id = %q", name, got)
		}
	}
}

// zeros is an endless reader of NUL bytes.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// A bad file changes nothing: the phone keeps its last good configuration,
// and every problem names the file and its line.
func TestApplyRejectsBadFiles(t *testing.T) {
	const good = "voip/line/0/id=1001\nnetwork/lan/vlan/id=10\n"
	tests := []struct {
		name     string
		text     string
		line     int
		sentinel error
	}{
		{"bad value", good + "network/lan/vlan/id=ten\n", 3, ErrBadValue},
		{"out of range", good + "network/lan/vlan/priority=8\n", 3, ErrBadValue},
		{"unknown enum", "network/lan_type=PPPOE\n" + good, 1, ErrBadValue},
		{"bad bool", good + "system/web/enabled=2\n", 3, ErrBadValue},
		{"bad ip", good + "network/lan/fixed_ip/gateway=10.0.0\n", 3, ErrBadValue},
		{"bad index", good + "personal_settings/functional_key/48/type=PAGING\n", 3, ErrBadIndex},
		{"no equals", good + "voip/line/0/id 1002\n", 3, ErrSyntax},
		{"empty key", good + "=1\n", 3, ErrSyntax},
		{"space in key", good + "voip line=1\n", 3, ErrSyntax},
		{"NUL byte", good + "voip/line/0/id=10\x0002\n", 3, ErrBinary},
		{"invalid UTF-8", good + "voip/line/0/description=\xff\xfe\n", 3, ErrBinary},
		{"control character", good + "voip/line/0/description=a\x1bb\n", 3, ErrBinary},
		{"bad encrypted password", good + "voip/line/0/auth_password={\"AAAAAAAAAAA=\"}\n", 3, ErrBadSecret},
		{"binary garbage", "\x7fELF\x02\x01\x01\x00\x00\x00\n\x00\x01\x02", 1, ErrBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := Default().New("450HD")
			if err := before.Set("voip/line/0/id", "900"); err != nil {
				t.Fatal(err)
			}
			snapshot := before.Explicit()
			got, issues, err := before.Apply("bad.cfg", strings.NewReader(tt.text))
			if !errors.Is(err, ErrRejected) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want ErrRejected and %v", err, tt.sentinel)
			}
			if got != before || !maps.Equal(before.Explicit(), snapshot) {
				t.Fatalf("a rejected file changed the configuration")
			}
			errs := Errors(issues)
			if len(errs) == 0 || errs[0].Line != tt.line || errs[0].File != "bad.cfg" {
				t.Fatalf("issues %v, want an error on bad.cfg line %d", issues, tt.line)
			}
			if !strings.Contains(err.Error(), "bad.cfg:") {
				t.Errorf("error %q does not name the file and line", err)
			}
		})
	}
}

func TestApplyRejectsHugeFileWithoutReadingIt(t *testing.T) {
	before := Default().New("450HD")
	z := &zeros{}
	r := io.LimitReader(z, 100<<20) // 100 MB
	got, issues, err := before.Apply("huge.cfg", r)
	if !errors.Is(err, ErrRejected) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if got != before || len(issues) != 1 || issues[0].File != "huge.cfg" {
		t.Fatalf("got %v, issues %v", got, issues)
	}
	if z.read > MaxFileSize+64<<10 {
		t.Errorf("read %d bytes of a file it was going to refuse", z.read)
	}
}

// A file already in memory (a bytes.Reader: a phone's configuration from
// flash) is read in one copy, and refused all the same when it is too large.
func TestApplyFromMemory(t *testing.T) {
	before := Default().New("450HD")
	got, _, err := before.Apply("flash.cfg", bytes.NewReader([]byte("voip/line/0/id=1001\n")))
	if err != nil || got.Get("voip/line/0/id") != "1001" {
		t.Fatalf("got %q, err %v", got.Get("voip/line/0/id"), err)
	}
	huge := bytes.Repeat([]byte(";\n"), MaxFileSize/2+1)
	if _, _, err := before.Apply("huge.cfg", bytes.NewReader(huge)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// A file that is garbage from top to bottom stops after a bounded number of
// issues instead of one per line.
func TestApplyBoundsIssues(t *testing.T) {
	text := strings.Repeat("garbage line\n", 100000)
	_, issues, err := Default().New("").Apply("g.cfg", strings.NewReader(text))
	if !errors.Is(err, ErrRejected) || len(issues) > maxIssues+1 {
		t.Fatalf("%d issues, err %v", len(issues), err)
	}
}

func TestApplyWarnings(t *testing.T) {
	text := strings.Join([]string{
		"voip/line/0/id=1",          // 1
		"foo/bar=baz",               // 2 unknown, kept
		"voip/line/0/id=2",          // 3 repeated
		"dhcp/option/160=http://x/", // 4 a DHCP option
		"lync/sidecardSL=1",         // 5 a 445HD parameter, this is an RX50
		"personal_settings/functional_key/7/type=PAGING", // 6 RX50 keys are 0-5
		"FOO/BAR=qux", // 7 repeated unknown key
	}, "\n")
	c, issues, err := Default().New("RX50").Apply("w.cfg", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[int]bool{}
	for _, is := range issues {
		if is.Severity != Warning {
			t.Errorf("not a warning: %v", is)
		}
		lines[is.Line] = true
	}
	for _, l := range []int{2, 3, 4, 5, 6, 7} {
		if !lines[l] {
			t.Errorf("no warning on line %d: %v", l, issues)
		}
	}
	if c.Get("voip/line/0/id") != "2" || c.Get("lync/sidecardSL") != "1" || c.Get("personal_settings/functional_key/7/type") != "PAGING" {
		t.Error("warned values were not applied")
	}
	if _, ok := c.Extra()["dhcp/option/160"]; ok {
		t.Error("a DHCP option was kept as a setting")
	}
}

// behaviour: PROV-13
// behaviour: CFG-2
func TestDeltaFileChangesOnlyItsKeys(t *testing.T) {
	full, _ := applyFile(t, Default().New("450HD"), "testdata/field-generic-sip.cfg")
	delta := "voip/line/0/id=2002\nnetwork/lan/vlan/id=20\n"
	next, issues, err := full.Apply("delta.cfg", strings.NewReader(delta))
	if err != nil || len(issues) != 0 {
		t.Fatal(err, issues)
	}
	changes := Diff(full, next)
	if len(changes) != 2 || changes[0].Key != "network/lan/vlan/id" || changes[1].Key != "voip/line/0/id" {
		t.Fatalf("changes %+v, want exactly the two keys of the delta", changes)
	}
	if next.Get("voip/signalling/sip/proxy_address") != "pbx.example.com" {
		t.Error("a key the delta does not name lost its value")
	}
	// The saved "modified fields only" file holds exactly what differs from
	// the factory defaults.
	d := next.Delta()
	var buf bytes.Buffer
	if err := Format(&buf, d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "voip/signalling/sip/registration_expires") {
		t.Errorf("delta holds a value equal to its default:\n%s", buf.String())
	}
	for _, line := range []string{"voip/line/0/id=2002\n", "network/lan/vlan/id=20\n", "system/password=MD5:"} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("delta lacks %q:\n%s", line, buf.String())
		}
	}
	back, _, err := Default().New("450HD").Apply("delta", &buf)
	if err != nil || len(Diff(back, next)) != 0 {
		t.Errorf("delta applied on the factory configuration differs: %v %+v", err, Diff(back, next))
	}
}

// behaviour: CFG-8
func TestNeedsReboot(t *testing.T) {
	base := Default().New("450HD")
	tests := []struct {
		text   string
		reboot bool
	}{
		{"system/web/enabled=0\n", false},
		{"voip/packet_recording/enabled=1\n", false},
		{"system/ac_http_proxy_ip=10.0.0.9\n", true},
		{"provisioning/speed_dial_uri=http://x/sd.txt\n", true},
		{"system/ac_http_proxy_ip=\n", false}, // empty is its default: no change
	}
	for _, tt := range tests {
		next, _, err := base.Apply("r.cfg", strings.NewReader(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		if got := NeedsReboot(Diff(base, next)); got != tt.reboot {
			t.Errorf("%q: reboot %v, want %v", tt.text, got, tt.reboot)
		}
	}
}

func TestDiffComparesMeaning(t *testing.T) {
	a := Default().New("450HD")
	b := a.Clone()
	for k, v := range map[string]string{
		"voip/media/media_tos":           "184", // = 0xb8
		"lync/contact_search_t9_enabled": "1",   // = Enable
		"network/lan_type":               "dhcp",
	} {
		if err := b.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if d := Diff(a, b); len(d) != 0 {
		t.Errorf("same meanings reported as changes: %+v", d)
	}
	if d := b.Delta(); len(d.Explicit()) != 0 {
		t.Errorf("delta of defaults spelled differently: %v", d.Explicit())
	}
}

// Many bad values, or many unknown keys, give a bounded list of issues that
// still says how many more there were.
func TestApplyBoundsValueIssues(t *testing.T) {
	bad := strings.Repeat("network/lan/vlan/id=x\n", 5000)
	_, issues, err := Default().New("").Apply("v.cfg", strings.NewReader(bad))
	if !errors.Is(err, ErrRejected) || len(issues) != maxIssues+1 || !strings.Contains(issues[maxIssues].Error(), "more problems (4950 of them errors)") {
		t.Fatalf("%d issues, err %v, last %v", len(issues), err != nil, issues[len(issues)-1])
	}
	unknown := strings.Repeat("a/b/c=1\n", 5000)
	_, issues, err = Default().New("").Apply("u.cfg", strings.NewReader(unknown))
	if err != nil || len(issues) != maxIssues+1 || issues[maxIssues].Severity != Warning {
		t.Fatalf("%d issues, err %v", len(issues), err)
	}
}
