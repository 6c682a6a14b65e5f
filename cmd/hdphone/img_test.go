package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func imgCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := realMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

// behaviour: FW-1
func TestImgPackInspect(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "450HD.img")
	code, out, errs := imgCmd(t, "img", "pack", "--models", "450HD,C450HD", "--version", "UC_3.4.9.1", "--size", "70000", "-o", img)
	if code != 0 {
		t.Fatalf("pack exit %d: %s %s", code, out, errs)
	}
	st, err := os.Stat(img)
	if err != nil || st.Size() != 512+70000 {
		t.Fatalf("image size: %v %v", st, err)
	}
	code, out, _ = imgCmd(t, "img", "inspect", img)
	if code != 0 || !strings.Contains(out, "version:  UC_3.4.9.1") || !strings.Contains(out, "models:   450HD,C450HD") ||
		!strings.Contains(out, "status:   OK") {
		t.Fatalf("inspect exit %d:\n%s", code, out)
	}
	// The same seed gives the same image.
	img2 := filepath.Join(dir, "again.img")
	imgCmd(t, "img", "pack", "--models", "450HD,C450HD", "--version", "UC_3.4.9.1", "--size", "70000", "-o", img2)
	a, _ := os.ReadFile(img)
	b, _ := os.ReadFile(img2)
	if !bytes.Equal(a, b) {
		t.Fatal("generated payload is not deterministic")
	}

	// A payload file.
	pl := filepath.Join(dir, "payload.bin")
	os.WriteFile(pl, []byte("real firmware bits"), 0o644)
	code, _, errs = imgCmd(t, "img", "pack", "--models", "RX50", "--version", "UC_3.4.8.808", "--payload", pl, "-o", filepath.Join(dir, "rx50.img"))
	if code != 0 {
		t.Fatalf("pack --payload: %d %s", code, errs)
	}

	// Wrong model for --model.
	if code, out, _ = imgCmd(t, "img", "inspect", "--model", "445HD", img); code != 1 || !strings.Contains(out, "another model") {
		t.Fatalf("inspect --model 445HD: exit %d\n%s", code, out)
	}

	// Corruptions exit 1.
	corrupt := func(name string, f func([]byte) []byte) {
		p := filepath.Join(dir, name)
		os.WriteFile(p, f(bytes.Clone(a)), 0o644)
		code, out, _ := imgCmd(t, "img", "inspect", p)
		if code != 1 || !strings.Contains(out, "BAD") {
			t.Errorf("%s: exit %d\n%s", name, code, out)
		}
	}
	corrupt("flipped.img", func(b []byte) []byte { b[1000] ^= 0x40; return b })
	corrupt("truncated.img", func(b []byte) []byte { return b[:len(b)-100] })
	corrupt("header.img", func(b []byte) []byte { b[60] ^= 1; return b })
	corrupt("notimage.img", func(b []byte) []byte { return []byte("voip/line/0/enabled=1\n") })
}

func TestImgUsage(t *testing.T) {
	tests := [][]string{
		{"img"},
		{"img", "frobnicate"},
		{"img", "pack", "--version", "UC_1", "-o", "x.img"},
		{"img", "inspect"},
	}
	for _, args := range tests {
		if code, _, _ := imgCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	dir := t.TempDir()
	if code, _, errs := imgCmd(t, "img", "pack", "--models", "450HD", "--version", "has space", "-o", filepath.Join(dir, "x.img")); code != 2 {
		t.Errorf("bad version: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.img")); err == nil {
		t.Error("a refused pack left a file behind")
	}
}
