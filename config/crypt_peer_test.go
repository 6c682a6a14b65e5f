package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os/exec"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
)

// openssl runs `openssl args...` with stdin and returns its stdout.
func openssl(t *testing.T, bin string, stdin []byte, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// The password scheme is plain 3DES-CBC: OpenSSL, an independent
// implementation, produces and reads the same {"…"} values.
//
// behaviour: CFG-5
func TestSecretsAgainstOpenSSL(t *testing.T) {
	bin := testpeer.Need(t, "openssl")[0]
	key := hex.EncodeToString(builtinKey)
	zeroIV := "0000000000000000"
	for _, plain := range []string{"1234", "secret1", "8 bytes!", "a longer SIP password 0123456789"} {
		ct := openssl(t, bin, []byte(plain), "enc", "-des-ede3-cbc", "-K", key, "-iv", zeroIV)
		theirs := `{"` + base64.StdEncoding.EncodeToString(ct) + `"}`
		if ours := EncryptSecret(plain); ours != theirs {
			t.Errorf("%q: we make %s, openssl %s", plain, ours, theirs)
		}
		got, err := DecryptSecret(theirs)
		if err != nil || got != plain {
			t.Errorf("%q: openssl's value decrypts to %q, %v", plain, got, err)
		}
		ours, _ := base64.StdEncoding.DecodeString(EncryptSecret(plain)[2 : len(EncryptSecret(plain))-2])
		if back := openssl(t, bin, ours, "enc", "-d", "-des-ede3-cbc", "-K", key, "-iv", zeroIV); string(back) != plain {
			t.Errorf("%q: openssl decrypts ours to %q", plain, back)
		}
	}
}

// A .cfx body is 3DES-CBC of cfg||SHA-256(cfg) under the file's IV: OpenSSL
// decrypts ours, and a file built with OpenSSL decodes here.
//
// behaviour: CFG-4
func TestCFXAgainstOpenSSL(t *testing.T) {
	bin := testpeer.Need(t, "openssl")[0]
	key := hex.EncodeToString(builtinKey)
	cfg := []byte(";UC_3.4.8.808\nvoip/line/0/id=1001\nvoip/line/0/auth_password=" + EncryptSecret("pw") + "\n")

	cfx, err := EncryptFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iv := cfx[len(cfxMagic) : len(cfxMagic)+8]
	body := cfx[len(cfxMagic)+8:]
	pt := openssl(t, bin, body, "enc", "-d", "-des-ede3-cbc", "-K", key, "-iv", hex.EncodeToString(iv))
	sum := sha256.Sum256(cfg)
	if !bytes.Equal(pt, append(bytes.Clone(cfg), sum[:]...)) {
		t.Fatalf("openssl decrypts our .cfx to %q", pt)
	}

	digest := openssl(t, bin, cfg, "dgst", "-sha256", "-binary")
	theirIV := "0123456789abcdef"
	theirBody := openssl(t, bin, append(bytes.Clone(cfg), digest...), "enc", "-des-ede3-cbc", "-K", key, "-iv", theirIV)
	ivBytes, _ := hex.DecodeString(theirIV)
	file := append(append(bytes.Clone(cfxMagic), ivBytes...), theirBody...)
	got, err := DecodeFile("openssl.cfx", file)
	if err != nil || !bytes.Equal(got, cfg) {
		t.Fatalf("a .cfx made with openssl: %q, %v", got, err)
	}
}
