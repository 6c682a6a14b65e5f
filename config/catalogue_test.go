package config

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// specRow is one row of the manual's parameter table (the FACT columns).
type specRow struct {
	key, kind, typ, def, values, rng, indices, models, section, reboot string
	summary                                                            string // only in the team's copy, empty in testdata
}

func readSpec(t *testing.T, path string) []specRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []specRow
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 10 {
			t.Fatalf("%s:%d: %d columns", path, line, len(c))
		}
		r := specRow{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], ""}
		if len(c) > 10 {
			r.summary = c[10]
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// specPath is the team's copy of the manual's table; users and CI may not
// have it, and then only the copy in testdata is checked.
const specPath = "/work/shared/spec/parameters.tsv"

// typeDeviations are the catalogue's deliberate departures from the manual's
// types, each explained in the parameter's description.
var typeDeviations = map[string]string{
	// Field files put host names here although the manual says "IP".
	"voip/signalling/sip/sip_outbound_proxy/addr":     "host",
	"voip/services/msg_waiting_ind/subscribe_address": "host",
	"lync/sign_in/fixed_outbound_proxy_address":       "host",
	// Kept MD5-hashed unless encrypted (§3.5.2).
	"system/password": "password_md5",
}

func TestCatalogueMatchesManual(t *testing.T) {
	rows := readSpec(t, "testdata/parameters-facts.tsv")
	if len(rows) != 322 {
		t.Fatalf("testdata has %d rows, want the manual's 322", len(rows))
	}
	if _, err := os.Stat(specPath); err == nil {
		live := readSpec(t, specPath)
		if len(live) != len(rows) {
			t.Fatalf("testdata copy has %d rows, %s has %d: refresh the copy", len(rows), specPath, len(live))
		}
		for i := range live {
			l := live[i]
			summary := l.summary
			l.summary = ""
			if l != rows[i] {
				t.Errorf("testdata row %d differs from %s: %+v vs %+v", i+2, specPath, rows[i], l)
			}
			rows[i].summary = summary
		}
	}
	cat := Default()
	for _, r := range rows {
		key := strings.ReplaceAll(r.key, "{n}", "0")
		if r.key == "lync/delegate/boss/{n}/distinRingtone" || strings.HasPrefix(r.key, "personal_settings/functional_key/") {
			key = strings.ReplaceAll(r.key, "{n}", "5")
		}
		p, _, _, err := cat.Resolve(key)
		if err != nil {
			t.Errorf("%s: %v", r.key, err)
			continue
		}
		if p.Kind.String() != r.kind {
			t.Errorf("%s: kind %s, manual %s", r.key, p.Kind, r.kind)
		}
		wantType := r.typ
		if dev, ok := typeDeviations[r.key]; ok {
			wantType = dev
		}
		if p.Type.String() != wantType {
			t.Errorf("%s: type %s, want %s", r.key, p.Type, wantType)
		}
		if p.Default != r.def {
			t.Errorf("%s: default %q, manual prints %q", r.key, p.Default, r.def)
		}
		for _, v := range splitNonEmpty(r.values, "|") {
			if !slices.Contains(p.Values, v) {
				t.Errorf("%s: value %q of the manual missing from %v", r.key, v, p.Values)
			}
		}
		if r.rng != "" {
			lo, hi := parseSpecRange(t, r.rng)
			if !p.HasRange || p.Min != lo || p.Max != hi {
				t.Errorf("%s: range %d..%d (set %v), manual %s", r.key, p.Min, p.Max, p.HasRange, r.rng)
			}
		} else if p.HasRange && p.Kind != KindDHCP {
			t.Errorf("%s: range %d..%d the manual does not give", r.key, p.Min, p.Max)
		}
		checkIndices(t, r, p)
		wantModels := splitNonEmpty(strings.ReplaceAll(r.models, " ", ""), ",")
		if !slices.Equal(p.Models, wantModels) {
			t.Errorf("%s: models %v, manual %v", r.key, p.Models, wantModels)
		}
		if p.Reboot != (r.reboot == "yes") {
			t.Errorf("%s: reboot %v, manual %q", r.key, p.Reboot, r.reboot)
		}
		if p.Section != r.section {
			t.Errorf("%s: section %q, manual %q", r.key, p.Section, r.section)
		}
		if r.summary != "" && sharesRun(p.Description, r.summary, 40) {
			t.Errorf("%s: description copies the spec's summary: %q", r.key, p.Description)
		}
	}
}

// checkIndices compares index ranges: numeric ones exactly; the function
// key and paging rows against the per-model ranges of §3.3.
func checkIndices(t *testing.T, r specRow, p *Param) {
	t.Helper()
	switch {
	case r.indices == "":
		if p.Indexed() && !strings.HasPrefix(p.Key, "voip/line/{n}/") {
			t.Errorf("%s: indexed as %v, manual gives no index", r.key, p.Indices)
		}
	case strings.Contains(r.indices, "function keys") || strings.Contains(r.indices, "same n as personal_settings/functional_key"):
		if !slices.Equal(p.Indices, []IndexRange{{0, 47}}) {
			t.Errorf("%s: indices %v, want 0-47", r.key, p.Indices)
		}
		want := map[string]int{"445HD": 38, "450HD": 47, "C450HD": 47, "RX50": 5}
		if p.AppliesTo("HRS") {
			want["HRS"] = 7
		}
		for m, hi := range want {
			if got := p.IndicesFor(m); !slices.Equal(got, []IndexRange{{0, hi}}) {
				t.Errorf("%s: %s indices %v, want 0-%d", r.key, m, got, hi)
			}
		}
	default:
		lo, hi, ok := strings.Cut(strings.Fields(r.indices)[0], "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("%s: cannot read index range %q", r.key, r.indices)
		}
		if !slices.Equal(p.Indices, []IndexRange{{a, b}}) {
			t.Errorf("%s: indices %v, manual %s", r.key, p.Indices, r.indices)
		}
	}
}

func parseSpecRange(t *testing.T, s string) (int64, int64) {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	lo, hi, _ := strings.Cut(strings.TrimPrefix(s, "-"), "-")
	a, err1 := strconv.ParseInt(lo, 10, 64)
	b, err2 := strconv.ParseInt(hi, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad spec range %q", s)
	}
	if neg {
		a = -a
	}
	return a, b
}

func splitNonEmpty(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// sharesRun reports whether a and b have a common substring of n bytes.
func sharesRun(a, b string, n int) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for i := 0; i+n <= len(a); i++ {
		if strings.Contains(b, a[i:i+n]) {
			return true
		}
	}
	return false
}

func TestEveryParamDescribed(t *testing.T) {
	for _, p := range Default().Params() {
		if len(p.Description) < 15 || !strings.HasSuffix(p.Description, ".") {
			t.Errorf("%s: description %q is not a sentence", p.Key, p.Description)
		}
	}
}

func TestResolve(t *testing.T) {
	c := Default()
	tests := []struct {
		key, canon string
		index      int
		err        error
	}{
		{"network/lan_type", "network/lan_type", -1, nil},
		{"NETWORK/LAN_TYPE", "network/lan_type", -1, nil}, // any case
		{"  network/lan_type ", "network/lan_type", -1, nil},
		{"personal_settings/functional_key/12/type", "personal_settings/functional_key/12/type", 12, nil},
		{"personal_settings/functional_key/47/type", "personal_settings/functional_key/47/type", 47, nil},
		{"voip/services/group_paging/group/47/port", "voip/services/group_paging/group/47/port", 47, nil},
		{"personal_settings/functional_key/48/type", "", 0, ErrBadIndex},
		{"personal_settings/functional_key/01/type", "", 0, ErrUnknownKey}, // "01" is not an index
		{"personal_settings/functional_key/type", "", 0, ErrUnknownKey},
		{"personal_settings/functional_key/{n}/type", "", 0, ErrUnknownKey},
		{"voip/line/0/auth_password", "voip/line/{n}/auth_password", 0, nil},
		{"voip/line/5/id", "voip/line/5/id", 5, nil},
		{"voip/line/6/id", "", 0, ErrBadIndex},
		{"voip/regional_settings/call_progress_tones/9/tone_off_3", "voip/regional_settings/call_progress_tones/9/tone_off_3", 9, nil},
		{"personal_settings/lines/0/ring_tone", "personal_settings/lines/0/ring_tone", -1, nil},
		{"lync/sign_in/pin_code_only", "sign_in/pin_code_only", -1, nil},
		{"voip/services/msg_waiting_ind/expiration_timeout", "voip/services/msg_waiting_ind/expiraition_timeout", -1, nil},
		{"system/ntp/daylight_saving/end_date/day", "system/daylight_saving/end_date/day", -1, nil},
		{"hybridConfigServiceInternalURL", "HybridConfigServiceInternalURL", -1, nil},
		{"no/such/key", "", 0, ErrUnknownKey},
		{"", "", 0, ErrUnknownKey},
	}
	for _, tt := range tests {
		_, canon, idx, err := c.Resolve(tt.key)
		if tt.canon == "voip/line/{n}/auth_password" {
			tt.canon = "voip/line/0/auth_password"
		}
		if !errors.Is(err, tt.err) || canon != tt.canon || (err == nil && idx != tt.index) {
			t.Errorf("Resolve(%q) = %q, %d, %v; want %q, %d, %v", tt.key, canon, idx, err, tt.canon, tt.index, tt.err)
		}
	}
}

// Resolve answers from a key's address the first time and every time
// after as the canonical map does: every canonical key, each asked for in
// two copies at different addresses (more keys than slots, so slots are
// shared and each is taken by the first key to come).
func TestResolveByAddressAnswersAsTheMap(t *testing.T) {
	c, err := ParseCatalogue(catalogueTSV)
	if err != nil {
		t.Fatal(err)
	}
	c.canonicalOnce.Do(c.makeCanonical)
	for round := range 3 {
		for key, want := range c.canonical {
			for _, k := range []string{key, strings.Clone(key)} {
				p, canon, n, err := c.Resolve(k)
				if err != nil || p != want.p || canon != want.canonical || n != want.index {
					t.Fatalf("round %d: Resolve(%q) = %v, %q, %d, %v; want %v, %q, %d", round, k, p, canon, n, err, want.p, want.canonical, want.index)
				}
			}
		}
	}
	taken := 0
	for i := range c.byAddress {
		if c.byAddress[i].Load() != nil {
			taken++
		}
	}
	if taken == 0 {
		t.Error("no slot taken: every key went through the map")
	}
}

func TestValueSpellings(t *testing.T) {
	c := Default().New("450HD")
	tests := []struct{ key, in, want string }{
		{"network/lan_type", "static", "STATIC"},
		{"provisioning/method", "dynamic", "Dynamic"},
		{"provisioning/method", "STATIC", "Static"},
		{"provisioning/period/type", "HOURLY", "hourly"},
		{"network/lan/vlan/mode", "DISABLE", "Disable"},
		{"security/SSLCertificateErrorsMode", "IGNORE", "Ignore"},
		{"personal_settings/functional_key/3/type", "KEY_EVENT", "Event"},
		{"personal_settings/functional_key/3/type", "DISCREETCALL", "Discreet_Call"},
		{"personal_settings/functional_key/3/type", "Discreet Call", "Discreet_Call"},
		{"personal_settings/functional_key/3/type", "Empty", "EMPTY"},
		{"personal_settings/functional_key/3/type", "VOCANOM", "VocaNOM"},
		{"personal_settings/functional_key/3/key_event", "CALENDAR", "Calendar"},
		{"personal_settings/functional_key/3/key_event", "Missed Calls", "Missed_Calls"},
		{"personal_settings/functional_key/3/key_event", "Contacts", "Directory"},
		{"voip/rtcp_xr/vq_statistics/mode", "0", "DISABLE"},
		{"voip/rtcp_xr/vq_statistics/mode", "1", "EVENTS_ONLY"},
		{"lync/contact_search_t9_enabled", "Enable", "1"},
		{"system/syslog/component/lcd_display", "Debug", "Detailed"},
		{"personal_settings/language", "PORTUGUESEBRAZILIAN", "PORTUGUESEBRAZILIAN"},
		{"personal_settings/language", "german", "German"},
		{"voip/signalling/sip/tls_disable", " SSL_2 ssl_3 ", "ssl_2 ssl_3"},
		{"provisioning/period/daily/time", "3:05", "03:05"},
		{"voip/signalling/sip/sip_outbound_proxy/addr", "sbc.example.net", "sbc.example.net"},
		{"voip/signalling/sip/transport_protocol", "tls", "TLS"},
		{"personal_settings/soft_keys/ongoing_call/1/key_function", "blind_transfer", "BLIND_TRANSFER"},
		{"voip/media/media_tos", "0x58", "0x58"},
		{"system/password", "1234", "MD5:81dc9bdb52d04dc20036dbd8313ed055"},
		{"system/password", "md5:81DC9BDB52D04DC20036DBD8313ED055", "MD5:81dc9bdb52d04dc20036dbd8313ed055"},
	}
	for _, tt := range tests {
		if err := c.Set(tt.key, tt.in); err != nil {
			t.Errorf("Set(%s, %q): %v", tt.key, tt.in, err)
			continue
		}
		if got := c.Get(tt.key); got != tt.want {
			t.Errorf("Set(%s, %q) then Get = %q, want %q", tt.key, tt.in, got, tt.want)
		}
	}
	bad := []struct{ key, in string }{
		{"network/lan/vlan/id", "5000"},
		{"network/lan/vlan/id", "ten"},
		{"network/lan_type", "PPPoE"},
		{"network/lan/fixed_ip/ip_address", "10.0.0.300"},
		{"network/lan/fixed_ip/ip_address", "host.example"},
		{"voip/signalling/sip/sip_outbound_proxy/addr", "bad host!"},
		{"system/web/enabled", "yes"},
		{"provisioning/period/daily/time", "25:00"},
		{"voip/signalling/sip/tls_disable", "ssl_2 tls_9"},
		{"voip/line/0/auth_password", `{"not base64!"}`},
		{"voip/line/0/auth_password", `{"AAAAAAAAAAA="}`}, // decrypts to bad padding
		{"voip/line/0/id", "a\x01b"},
	}
	for _, tt := range bad {
		if err := c.Set(tt.key, tt.in); !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrBadSecret) {
			t.Errorf("Set(%s, %q) = %v, want a bad value", tt.key, tt.in, err)
		}
	}
}

func TestPrintedOdditiesKeepTheirMeaning(t *testing.T) {
	c := Default().New("")
	tests := []struct{ key, printed, get string }{
		{"lync/contact_search_t9_enabled", "Enable", "1"},
		{"system/syslog/component/lcd_display", "Debug", "Detailed"},
		{"PowerSaveDuringOfficeHoursTimeoutMS", "15 minutes", "900000"},
		{"PowerSavePostOfficeHoursTimeoutMS", "5 minutes", "300000"},
		{"voip/services/vocanom/number", "None", ""},
		{"http_client/fwd_proxy/username", "0", ""},
		{"personal_settings/functional_key/0/speed_dial_number", "4403", "4403"},
		{"voip/signalling/sip/tls_disable", " ssl_2 ssl_3 ", "ssl_2 ssl_3"},
		{"voip/services/group_paging/codec", "G722_8000", "G722_8000"},
		{"personal_settings/functional_key/0/key_event", "CALENDAR", "Calendar"},
	}
	for _, tt := range tests {
		p, _, _, err := Default().Resolve(tt.key)
		if err != nil {
			t.Fatal(err)
		}
		if p.Default != tt.printed {
			t.Errorf("%s: printed default %q, want %q", tt.key, p.Default, tt.printed)
		}
		if got := c.Get(tt.key); got != tt.get {
			t.Errorf("%s: Get = %q, want %q", tt.key, got, tt.get)
		}
		if err := c.Set(tt.key, tt.printed); err != nil {
			t.Errorf("%s: the printed default %q does not validate: %v", tt.key, tt.printed, err)
		}
	}
	if !c.Bool("lync/contact_search_t9_enabled") || c.Int("PowerSavePostOfficeHoursTimeoutMS") != 300000 {
		t.Error("odd defaults do not read as their meaning")
	}
}

func TestModelDefaults(t *testing.T) {
	cat := Default()
	tests := []struct{ model, key, want string }{
		{"RX50", "lync/BToE/pairing_mode", "BOTH"},
		{"450HD", "lync/BToE/pairing_mode", "AUTOMATIC"},
		{"445HD", "kernel/cfg/enable_core_dump", "1"},
		{"450HD", "kernel/cfg/enable_core_dump", "1"},
		{"C450HD", "kernel/cfg/enable_core_dump", "1"},
		{"RX50", "kernel/cfg/enable_core_dump", "0"},
		{"HRS", "kernel/cfg/enable_core_dump", "0"},
		{"RX50", "account/sip/permission", "ADMIN"},
		{"C450HD", "system/type", "C450HD"},
		{"rx50", "system/type", "RX50"},
		{"", "system/type", ""},
		{"450HD", "voip/signalling/sip/proxy_port", "5060"},
		{"450HD", "voip/signalling/sip/port", "5060"},
		{"450HD", "voip/signalling/sip/transport_protocol", "UDP"},
		{"450HD", "voip/signalling/sip/registration_expires", "3600"},
		{"450HD", "voip/line/3/enabled", "0"},
	}
	for _, tt := range tests {
		if got := cat.New(tt.model).Get(tt.key); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.model, tt.key, got, tt.want)
		}
	}
}

// Every generic-SIP key of field-facts.md is in the catalogue.
func TestFieldFactsKeys(t *testing.T) {
	keys := []string{
		"voip/line/0/enabled", "voip/line/0/id", "voip/line/0/description", "voip/line/0/auth_name",
		"voip/line/0/auth_password", "voip/line/0/extension_display", "voip/line/0/account_type",
		"voip/line/0/line_mode", "voip/line/0/do_not_disturb/enabled", "voip/line/0/do_not_disturb/activated",
		"voip/signalling/sip/proxy_address", "voip/signalling/sip/proxy_port", "voip/signalling/sip/use_proxy",
		"voip/signalling/sip/use_proxy_ip_port_for_registrar", "voip/signalling/sip/proxy_gateway",
		"voip/signalling/sip/sip_registrar/enabled", "voip/signalling/sip/sip_registrar/addr",
		"voip/signalling/sip/sip_registrar/port", "voip/signalling/sip/transport_protocol",
		"voip/signalling/sip/registration_expires", "voip/signalling/sip/digit_map",
		"voip/signalling/sip/outgoing_request_no_response_timeout_ms", "voip/signalling/sip/failback_retry_timeout",
		"voip/media/srtp/mode", "voip/services/application_server_type", "voip/services/call_pickup/access_code",
		"voip/services/busy_lamp_field/enabled", "voip/services/conference/mode",
		"voip/services/conference/conf_ms_addr", "voip/services/reject_code", "voip/auto_answer/enabled",
		"voip/talk_event/enabled", "voip/dialing/dial_complete_key/enabled",
		"voip/dialing/secondary_dial_tone/enabled", "voip/dialing/secondary_dial_tone/key_sequence",
		"voip/distinctive_ringing/0/type", "system/ntp/date_display_format", "system/type",
		"system/feature_key_synchronization/enabled", "provisioning/check_sync/enabled",
		"provisioning/firmware/auto_update", "provisioning/custom_configuration/url",
		"voip/signalling/sip/port",
	}
	for _, k := range keys {
		if _, _, _, err := Default().Resolve(k); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

func TestParseCatalogueRejectsBadTables(t *testing.T) {
	header := "key\tkind\ttype\tdefault\tvalues\trange\tindices\tmodel_indices\tmodels\treboot\taliases\tmodel_defaults\tvalue_aliases\tsection\tdescription\n"
	row := func(cols ...string) string { return header + strings.Join(cols, "\t") + "\n" }
	bad := map[string]string{
		"columns":        header + "a/b\tcfg\tint\n",
		"kind":           row("a/b", "file", "int", "", "", "", "", "", "", "", "", "", "", "1", "d."),
		"type":           row("a/b", "cfg", "float", "", "", "", "", "", "", "", "", "", "", "1", "d."),
		"range":          row("a/b", "cfg", "int", "", "", "1-5", "", "", "", "", "", "", "", "1", "d."),
		"bad default":    row("a/b", "cfg", "int", "x", "", "", "", "", "", "", "", "", "", "1", "d."),
		"out of range":   row("a/b", "cfg", "int", "9", "", "1..5", "", "", "", "", "", "", "", "1", "d."),
		"index missing":  row("a/{n}/b", "cfg", "int", "", "", "", "", "", "", "", "", "", "", "1", "d."),
		"model indices":  row("a/{n}/b", "cfg", "int", "", "", "", "0-3", "RX50=0-9", "", "", "", "", "", "1", "d."),
		"reboot":         row("a/b", "cfg", "int", "", "", "", "", "", "", "maybe", "", "", "", "1", "d."),
		"duplicate":      row("a/b", "cfg", "int", "", "", "", "", "", "", "", "A/B", "", "", "1", "d."),
		"model defaults": row("a/b", "cfg", "int", "", "", "", "", "", "", "", "", "RX50", "", "1", "d."),
	}
	for name, tsv := range bad {
		if _, err := ParseCatalogue(tsv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// ExplicitValue finds what Set stored, under the canonical key only, and
// nothing for a key left at its default.
func TestExplicitValue(t *testing.T) {
	c := Default().New("450HD")
	if err := c.Set("PERSONAL_SETTINGS/functional_key/3/type", "SPEED_DIAL"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{
		{"personal_settings/functional_key/3/type", "SPEED_DIAL", true},
		{"PERSONAL_SETTINGS/functional_key/3/type", "", false}, // not canonical: not resolved
		{"personal_settings/functional_key/4/type", "", false}, // default
	} {
		if v, ok := c.ExplicitValue(tt.key); v != tt.value || ok != tt.ok {
			t.Errorf("ExplicitValue(%q) = %q, %v; want %q, %v", tt.key, v, ok, tt.value, tt.ok)
		}
	}
}

// SetsUnder sees set keys in canonical spelling, and keys the catalogue
// does not know, but not defaults.
func TestSetsUnder(t *testing.T) {
	c := Default().New("450HD")
	if c.SetsUnder("personal_settings/", "voip/") {
		t.Error("a factory configuration sets something")
	}
	if err := c.Set("PERSONAL_SETTINGS/functional_key/3/type", "SPEED_DIAL"); err != nil {
		t.Fatal(err)
	}
	if !c.SetsUnder("voip/", "personal_settings/functional_key/") || c.SetsUnder("voip/", "personal_settings/functional_key/4") {
		t.Error("functional_key/3/type not seen where set, or seen elsewhere")
	}
	c, _, err := c.ApplyBytes("x.cfg", []byte("voip/no_such_key=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Extra()) != 1 || !c.SetsUnder("voip/no_") {
		t.Errorf("unknown key %v not seen", c.Extra())
	}
}
