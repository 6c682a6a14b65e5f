package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanName(t *testing.T) {
	tests := map[string]string{
		"00908f000001.cfg":         "00908f000001.cfg",
		"../../../etc/passwd.cfg":  "passwd.cfg",
		`C:\Users\admin\delta.cfg`: "delta.cfg",
		"..":                       "upload",
		"a\x00b\nc.cfg":            "abc.cfg",
		"":                         "upload",
		strings.Repeat("x", 300):   strings.Repeat("x", 100),
	}
	for in, want := range tests {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"a.cfg", "../../x.img", `..\..\y.cfg`, "\xff\xfe", "..", "a/b/", "\u202e.cfg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := cleanName(s)
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00\r\n") || !utf8.ValidString(n) || utf8.RuneCountInString(n) > 100 {
			t.Fatalf("cleanName(%q) = %q", s, n)
		}
	})
}

func FuzzIsText(f *testing.F) {
	f.Add([]byte("a=b\r\n"))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if isText(b) && (!utf8.Valid(b) || strings.ContainsRune(string(b), 0)) {
			t.Fatalf("isText accepted %q", b)
		}
	})
}
