package config

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// behaviour: CFG-5
func TestEncryptSecret(t *testing.T) {
	for _, plain := range []string{"", "1", "1234", "secret1", "8 bytes!", "a much longer pass phrase, with ünïcode"} {
		enc := EncryptSecret(plain)
		if !IsEncrypted(enc) {
			t.Fatalf("%q: %q is not in the {\"…\"} form", plain, enc)
		}
		if enc != EncryptSecret(plain) {
			t.Errorf("%q: encryption is not repeatable", plain)
		}
		got, err := DecryptSecret(enc)
		if err != nil || got != plain {
			t.Errorf("%q: decrypts to %q, %v", plain, got, err)
		}
		if len(plain) < 8 && len(enc) != len(`{"0qrNRpSJ6aE="}`) {
			t.Errorf("%q: %q has not the length of the manual's example", plain, enc)
		}
	}
	for _, bad := range []string{`0qrNRpSJ6aE=`, `{"0qrNRpSJ6aE"}`, `{"@@@@"}`, `{""}`, `{"AAAAAAAAAAA="}`, `{"AAAAAAAAAAAAAAA="}`} {
		if _, err := DecryptSecret(bad); !errors.Is(err, ErrBadSecret) {
			t.Errorf("DecryptSecret(%q) = %v, want ErrBadSecret", bad, err)
		}
	}
}

// behaviour: CFG-5
func TestPasswordParametersAcceptBothForms(t *testing.T) {
	c := Default().New("450HD")
	enc := EncryptSecret("s3cret")
	text := "voip/line/0/auth_password=" + enc + "\n" +
		"voip/line/1/auth_password=plain-pw\n" +
		"system/web_user_password=" + EncryptSecret("user-pw") + "\n" +
		"ems_server/user_password=ovoc\n"
	c, _, err := c.Apply("pw.cfg", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"voip/line/0/auth_password": "s3cret",
		"voip/line/1/auth_password": "plain-pw",
		"system/web_user_password":  "user-pw",
		"ems_server/user_password":  "ovoc",
	} {
		if got, err := c.Secret(key); err != nil || got != want {
			t.Errorf("Secret(%s) = %q, %v; want %q", key, got, err, want)
		}
		if !c.CheckSecret(key, want) || c.CheckSecret(key, want+"x") {
			t.Errorf("CheckSecret(%s) is wrong", key)
		}
	}
	// The stored form stays encrypted: saved files never hold the clear text.
	if c.Get("voip/line/0/auth_password") != enc {
		t.Error("encrypted value not kept as given")
	}
	var buf bytes.Buffer
	if err := Format(&buf, c); err != nil || strings.Contains(buf.String(), "s3cret") {
		t.Errorf("formatted file holds the clear text: %v\n%s", err, buf.String())
	}
}

// behaviour: CFG-5
func TestSystemPasswordForms(t *testing.T) {
	def := Default().New("450HD")
	if !def.CheckSecret("system/password", "1234") || def.CheckSecret("system/password", "12345") {
		t.Error("the factory System password is not 1234")
	}
	if got := def.Get("system/password"); got != md5Form("1234") {
		t.Errorf("factory System password reads %q", got)
	}
	enc := def.Clone()
	if err := enc.Set("system/password", EncryptSecret("t00l")); err != nil {
		t.Fatal(err)
	}
	if s, err := enc.Secret("system/password"); err != nil || s != "t00l" {
		t.Errorf("tool-encrypted System password: %q, %v", s, err)
	}
	if !enc.CheckSecret("system/password", "t00l") {
		t.Error("CheckSecret fails on the encrypted System password")
	}
	// A plain text that happens to look like an MD5 form on another key is
	// just a password.
	other := def.Clone()
	if err := other.Set("voip/line/0/auth_password", md5Form("x")); err != nil {
		t.Fatal(err)
	}
	if s, err := other.Secret("voip/line/0/auth_password"); err != nil || s != md5Form("x") {
		t.Errorf("%q, %v", s, err)
	}
}

// behaviour: CFG-4
func TestCFXRoundTrip(t *testing.T) {
	plain, err := os.ReadFile("testdata/field-generic-sip.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfx, err := EncryptFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !IsCFX(cfx) || bytes.Contains(cfx, []byte("pbx.example.com")) {
		t.Fatal("not an encrypted .cfx")
	}
	again, _ := EncryptFile(plain)
	if bytes.Equal(again, cfx) {
		t.Error("two encryptions of one file are identical: the IV is not random")
	}
	got, err := DecodeFile("Conf.cfx", cfx)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("DecodeFile: %v", err)
	}
	// A .cfx applies like the .cfg it came from.
	fromCfg, _ := applyFile(t, Default().New("450HD"), "testdata/field-generic-sip.cfg")
	fromCfx, _, err := Default().New("450HD").ApplyBytes("Conf.cfx", cfx)
	if err != nil || len(Diff(fromCfg, fromCfx)) != 0 {
		t.Errorf("the .cfx does not apply like its .cfg: %v", err)
	}
	// Plain text passes through; the name alone does not make a .cfx.
	if got, err := DecodeFile("Conf.cfg", plain); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("plain .cfg changed by DecodeFile: %v", err)
	}
}

// behaviour: CFG-4
func TestCFXRejectsDamage(t *testing.T) {
	cfx, err := EncryptFile([]byte("voip/line/0/id=1001\n"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(cfx)
		b[i] ^= 0x01
		return b
	}
	tests := map[string]struct {
		name string
		data []byte
		err  error
	}{
		"flipped IV bit":      {"a.cfx", flip(len(cfxMagic) + 2), ErrCorruptCFX},
		"flipped body bit":    {"a.cfx", flip(len(cfxMagic) + 9), ErrCorruptCFX},
		"flipped last byte":   {"a.cfx", flip(len(cfx) - 1), ErrCorruptCFX},
		"truncated":           {"a.cfx", cfx[:len(cfx)-8], ErrCorruptCFX},
		"cut mid-block":       {"a.cfx", cfx[:len(cfx)-3], ErrCorruptCFX},
		"header only":         {"a.cfx", cfxMagic, ErrCorruptCFX},
		"plain text as .cfx":  {"a.cfx", []byte("voip/line/0/id=1\n"), ErrNotCFX},
		"text-mode mangled":   {"a.cfx", bytes.Replace(cfx, []byte("\r\n"), []byte("\n"), 1), ErrNotCFX},
		"another tool's .cfx": {"Conf.CFX", []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}, ErrNotCFX},
	}
	for name, tt := range tests {
		if _, err := DecodeFile(tt.name, tt.data); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", name, err, tt.err)
		}
		before := Default().New("450HD")
		got, issues, err := before.ApplyBytes(tt.name, tt.data)
		if !errors.Is(err, ErrRejected) || got != before || len(issues) != 1 || issues[0].File != tt.name {
			t.Errorf("%s: Apply = %v, %v", name, err, issues)
		}
	}
}
