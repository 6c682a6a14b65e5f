package provisioning

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var phone = Identity{Model: "450HD", MAC: "00:90:8F:00:00:01"}

// behaviour: BOOT-6
// behaviour: BOOT-7
// behaviour: PROV-2
func TestParseURLForms(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		fw      string
		configs []string
	}{
		{"proto://host: default names, per-phone cfg first",
			"http://192.168.2.1", "http://192.168.2.1/450HD.img",
			[]string{"http://192.168.2.1/00908f000001.cfg", "http://192.168.2.1/450HD.cfg"}},
		{"proto://host/ with a port",
			"tftp://10.0.0.1:6969/", "tftp://10.0.0.1:6969/450HD.img",
			[]string{"tftp://10.0.0.1:6969/00908f000001.cfg", "tftp://10.0.0.1:6969/450HD.cfg"}},
		{"firmware only", "ftp://192.168.2.1/Different_Firmware_Name.img", "ftp://192.168.2.1/Different_Firmware_Name.img", nil},
		{"firmware and per-phone cfg (manual's example)",
			"http://192.168.2.1/different.img;<MAC>.cfg", "http://192.168.2.1/different.img",
			[]string{"http://192.168.2.1/00908f000001.cfg"}},
		{"firmware and global cfg", "https://prov.example.com/fw/450HD_3.4.9.img;450HD.cfg",
			"https://prov.example.com/fw/450HD_3.4.9.img", []string{"https://prov.example.com/fw/450HD.cfg"}},
		{"configuration only", "http://192.168.2.1/;00908f000001.cfg", "", []string{"http://192.168.2.1/00908f000001.cfg"}},
		{"configuration only, in a directory", "tftp://srv/phones/;<mac>.cfg", "tftp://srv/phones/450HD.img",
			[]string{"tftp://srv/phones/00908f000001.cfg"}},
		{"Device Manager form", "http://10.1.8.23/firmwarefiles;ipp/dhcpoption160.cfg",
			"http://10.1.8.23/firmwarefiles/450HD.img", []string{"http://10.1.8.23/ipp/dhcpoption160.cfg"}},
		{"upper-case protocol and spaces around", "  HTTP://192.168.2.1/fw.IMG;<450HD>.cfg ", "http://192.168.2.1/fw.IMG",
			[]string{"http://192.168.2.1/450HD.cfg"}},
		{"FTP credentials travel to the cfg", "ftp://user:pw@192.168.2.1/450HD.img;<MAC>.cfg", "ftp://user:pw@192.168.2.1/450HD.img",
			[]string{"ftp://user:pw@192.168.2.1/00908f000001.cfg"}},
		{"cfg as a full URL", "http://a/450HD.img;https://b/c/<MAC>.cfx", "http://a/450HD.img", []string{"https://b/c/00908f000001.cfx"}},
		{"<MODEL> placeholder", "http://a/<MODEL>/<MODEL>.img;<MODEL>/<MAC>.cfg", "http://a/450HD/450HD.img",
			[]string{"http://a/450HD/450HD/00908f000001.cfg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := ParseURL(tt.raw, phone)
			if err != nil {
				t.Fatal(err)
			}
			if src.Firmware != tt.fw || !slices.Equal(src.Configs, tt.configs) {
				t.Fatalf("ParseURL(%q) = %q %q, want %q %q", tt.raw, src.Firmware, src.Configs, tt.fw, tt.configs)
			}
		})
	}
}

func TestParseURLRefusesOtherForms(t *testing.T) {
	for _, raw := range []string{
		"",
		"192.168.2.1",
		"192.168.2.1/450HD.img",
		"gopher://192.168.2.1/450HD.img",
		"scp://192.168.2.1/450HD.img",
		"http:///450HD.img",
		"http://192.168.2.1/450HD.cfg",           // a cfg in the firmware place
		"http://192.168.2.1/450HD.img;",          // nothing after ';'
		"http://192.168.2.1/450HD.img;a.cfg;b",   // two ';'
		"http://192.168.2.1/450 HD.img",          // space
		"http://192.168.2.1/450HD.img\n",         // trimmed, fine... but embedded:
		"http://192.168.2.1/a\x00.img",           // NUL
		"http://192.168.2.1/fw.img;gopher://x/y", // bad cfg URL
		"mailto:admin@example.com",
	} {
		if raw == "http://192.168.2.1/450HD.img\n" {
			continue // a trailing newline is trimmed like spaces
		}
		if src, err := ParseURL(raw, phone); !errors.Is(err, ErrBadURL) {
			t.Errorf("ParseURL(%q) = %+v, %v; want ErrBadURL", raw, src, err)
		}
	}
}

// behaviour: PROV-4
func TestStaticURLs(t *testing.T) {
	fw, err := ParseFirmwareURL("tftp://192.168.2.1", phone)
	if err != nil || fw != "tftp://192.168.2.1/450HD.img" {
		t.Errorf("firmware: %q %v", fw, err)
	}
	fw, err = ParseFirmwareURL("ftp://192.168.2.1/Different_Firmware_Name.img", phone)
	if err != nil || fw != "ftp://192.168.2.1/Different_Firmware_Name.img" {
		t.Errorf("firmware: %q %v", fw, err)
	}
	if _, err := ParseFirmwareURL("http://h/;x.cfg", phone); !errors.Is(err, ErrBadURL) {
		t.Errorf("a configuration-only URL as firmware URL: %v", err)
	}
	tests := []struct {
		raw  string
		want []string
	}{
		{"http://192.168.2.1", []string{"http://192.168.2.1/00908f000001.cfg", "http://192.168.2.1/450HD.cfg"}},
		{"tftp://server/<MAC>.cfg", []string{"tftp://server/00908f000001.cfg"}},
		{"http://192.168.2.1/<450HD>.cfg", []string{"http://192.168.2.1/450HD.cfg"}},
		{"http://192.168.2.1/different.img;<MAC>.cfg", []string{"http://192.168.2.1/00908f000001.cfg"}},
		{"http://dm:8081/ipp/tenant/acme/", []string{"http://dm:8081/ipp/tenant/acme/00908f000001.cfg", "http://dm:8081/ipp/tenant/acme/450HD.cfg"}},
		{"https://h/secret.cfx", []string{"https://h/secret.cfx"}},
	}
	for _, tt := range tests {
		got, err := ParseConfigURL(tt.raw, phone)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseConfigURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	if _, err := ParseConfigURL("http://h/450HD.img", phone); !errors.Is(err, ErrBadURL) {
		t.Errorf("an image as configuration URL: %v", err)
	}
}

func TestMAC(t *testing.T) {
	for _, in := range []string{"00908f000001", "00908F000001", "00:90:8f:00:00:01", "00-90-8F-00-00-01", "0090.8f00.0001"} {
		if got, err := NormalizeMAC(in); err != nil || got != "00908f000001" {
			t.Errorf("NormalizeMAC(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "00908f00001", "00908f0000011", "00908g000001", "00 90 8f 00 00 01"} {
		if _, err := NormalizeMAC(in); !errors.Is(err, ErrBadMAC) {
			t.Errorf("NormalizeMAC(%q) = %v", in, err)
		}
	}
	// Both spellings of the token, any case of the MAC given.
	id := Identity{Model: "C450HD", MAC: "00:90:8F:AB:CD:EF"}
	if got := id.Substitute("x/<MAC>/<mac>/<Mac>.cfg"); got != "x/00908fabcdef/00908fabcdef/00908fabcdef.cfg" {
		t.Errorf("Substitute: %q", got)
	}
}

func TestResolveRef(t *testing.T) {
	tests := []struct{ base, ref, want string }{
		{"http://h/cfg/00908f000001.cfg", "speed_dial_list.txt", "http://h/cfg/speed_dial_list.txt"},
		{"http://h/cfg/00908f000001.cfg", "/tones.tgz", "http://h/tones.tgz"},
		{"http://h/cfg/00908f000001.cfg", "tftp://other/tones.tgz", "tftp://other/tones.tgz"},
		{"", "https://x/ca.pem", "https://x/ca.pem"},
	}
	for _, tt := range tests {
		if got, err := ResolveRef(tt.base, tt.ref); err != nil || got != tt.want {
			t.Errorf("ResolveRef(%q, %q) = %q, %v", tt.base, tt.ref, got, err)
		}
	}
	if _, err := ResolveRef("", "speed.txt"); !errors.Is(err, ErrBadURL) {
		t.Errorf("relative without a base: %v", err)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"http://192.168.2.1", "http://192.168.2.1/different.img;<MAC>.cfg",
		"tftp://h/;x.cfg", "http://10.1.8.23/firmwarefiles;ipp/dhcpoption160.cfg", "ftp://u:p@h:21/a/b.img", ";", "http://;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		src, err := ParseURL(raw, phone)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("error not ErrBadURL: %v", err)
			}
			return
		}
		if src.Firmware == "" && len(src.Configs) == 0 {
			t.Fatalf("%q parsed to nothing", raw)
		}
		// What the parser gives out is itself a clean URL of an accepted
		// protocol.
		for _, u := range append(slices.Clone(src.Configs), src.Firmware) {
			if u == "" {
				continue
			}
			if _, err := parseBase(u); err != nil && !strings.Contains(u, "%") {
				t.Fatalf("%q gave %q: %v", raw, u, err)
			}
		}
	})
}
