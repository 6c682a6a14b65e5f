package config

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles adds every sample configuration in testdata, and a .cfx of each.
func seedFiles(f *testing.F, add func(name string, data []byte)) {
	paths, err := filepath.Glob("testdata/*.cfg")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(p, data)
		cfx, err := EncryptFile(data)
		if err != nil {
			f.Fatal(err)
		}
		add(p+".cfx", cfx)
	}
}

// FuzzApply: no input panics; a rejected file leaves the configuration as
// it was; an accepted one formats and parses back to the same values, in
// canonical spelling.
func FuzzApply(f *testing.F) {
	seedFiles(f, func(name string, data []byte) { f.Add(data) })
	f.Add([]byte("voip/line/0/id=1\x00\n"))
	f.Add([]byte("\xef\xbb\xbf;UC_3.4.8.808\r\nnetwork/lan_type=static\r\n"))
	f.Add([]byte("a=b\na=c\nA=d\n=\n==\nkey\n"))
	base := Default().New("450HD")
	if err := base.Set("voip/line/0/id", "100"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := base.Explicit()
		next, issues, err := base.ApplyBytes("fuzz.cfg", data)
		if err != nil {
			if !errors.Is(err, ErrRejected) || next != base || !maps.Equal(base.Explicit(), before) {
				t.Fatalf("rejected file changed the configuration: %v", err)
			}
			if len(Errors(issues)) == 0 {
				t.Fatalf("rejected without an error issue: %v", err)
			}
			return
		}
		for k, v := range next.Explicit() {
			p, _, _, err := next.cat.Resolve(k)
			if err != nil {
				t.Fatalf("stored key %q does not resolve: %v", k, err)
			}
			if c, err := p.Canonical(v); err != nil || c != v {
				t.Fatalf("%s=%q is not canonical (%q, %v)", k, v, c, err)
			}
		}
		var buf bytes.Buffer
		if err := Format(&buf, next); err != nil {
			t.Fatal(err)
		}
		back, _, err := Default().New("450HD").ApplyBytes("again.cfg", buf.Bytes())
		if err != nil {
			t.Fatalf("formatted output rejected: %v\n%q", err, buf.String())
		}
		if !maps.Equal(back.Explicit(), next.Explicit()) || !maps.Equal(back.Extra(), next.Extra()) {
			t.Fatalf("round trip changed values\n%v\n%v", next.Explicit(), back.Explicit())
		}
	})
}

// FuzzDecodeFile: no input panics, and whatever decodes re-encodes to a
// file that decodes to the same text.
func FuzzDecodeFile(f *testing.F) {
	seedFiles(f, func(name string, data []byte) { f.Add(name, data) })
	f.Add("x.cfx", cfxMagic)
	f.Add("x.cfx", append(bytes.Clone(cfxMagic), make([]byte, 48)...))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		out, err := DecodeFile(name, data)
		if err != nil {
			if !errors.Is(err, ErrNotCFX) && !errors.Is(err, ErrCorruptCFX) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !IsCFX(data) {
			if !bytes.Equal(out, data) {
				t.Fatal("plain data changed")
			}
			return
		}
		again, err := EncryptFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := DecodeFile(name, again); err != nil || !bytes.Equal(back, out) {
			t.Fatalf("re-encoded file: %v", err)
		}
	})
}

// FuzzDecryptSecret: no input panics; what decrypts encrypts back to itself.
func FuzzDecryptSecret(f *testing.F) {
	for _, s := range []string{`{"0qrNRpSJ6aE="}`, EncryptSecret("1234"), EncryptSecret(""), `{""}`, `{"`, `"}`, "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := DecryptSecret(s)
		if err != nil {
			if !errors.Is(err, ErrBadSecret) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if back, err := DecryptSecret(EncryptSecret(plain)); err != nil || back != plain {
			t.Fatalf("%q: round trip gives %q, %v", plain, back, err)
		}
	})
}

// FuzzCanonical: Canonical never panics and is idempotent, for every
// parameter.
func FuzzCanonical(f *testing.F) {
	params := Default().Params()
	for i, p := range params {
		f.Add(i, p.Default)
	}
	f.Add(0, "0x7fffffffffffffff")
	f.Add(0, "md5:00112233445566778899aabbccddeeff")
	f.Fuzz(func(t *testing.T, i int, v string) {
		if i < 0 {
			i = -(i + 1)
		}
		p := params[i%len(params)]
		c, err := p.Canonical(v)
		if err != nil {
			return
		}
		if again, err := p.Canonical(c); err != nil || again != c {
			t.Fatalf("%s: Canonical(%q) = %q, then %q, %v", p.Key, v, c, again, err)
		}
		if !p.Equal(v, c) {
			t.Fatalf("%s: %q not Equal to its canonical form %q", p.Key, v, c)
		}
	})
}

// FuzzParseCatalogue: a malformed table is an error, never a panic, and
// every parameter of an accepted table takes its own default.
func FuzzParseCatalogue(f *testing.F) {
	lines := bytes.Split([]byte(catalogueTSV), []byte("\n"))
	header := string(lines[0]) + "\n"
	for _, l := range lines[1:40] {
		f.Add(header + string(l) + "\n")
	}
	f.Add(header + "a/{n}/b\tcfg\tint\t5\t\t0..9\t0-3\tRX50=0-1\t\t\t\t\t\t1\td.\n")
	f.Fuzz(func(t *testing.T, tsv string) {
		cat, err := ParseCatalogue(tsv)
		if err != nil {
			return
		}
		for _, p := range cat.Params() {
			for _, m := range allModels {
				c := cat.New(m)
				if d := p.DefaultFor(m); d != "" && p.Kind != KindDHCP {
					k := p.Key
					if p.Indexed() {
						k = p.KeyAt(p.AllIndices()[0])
					}
					if err := c.Set(k, d); err != nil {
						t.Fatalf("%s: own default %q rejected: %v", k, d, err)
					}
				}
			}
		}
	})
}
