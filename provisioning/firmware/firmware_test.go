package firmware

import (
	"bytes"
	"crypto/rand"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

func payload(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// behaviour: FW-1
// behaviour: PROV-2
func TestBuildThenVerifyRoundTrip(t *testing.T) {
	p := payload(t, 100_000)
	img, err := Build([]string{"450HD", "C450HD"}, "UC_3.4.9.1", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != HeaderSize+len(p) {
		t.Fatalf("image is %d bytes, want %d", len(img), HeaderSize+len(p))
	}
	var got bytes.Buffer
	h, err := Verify(bytes.NewReader(img), "c450hd", &got)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != "UC_3.4.9.1" || len(h.Models) != 2 || h.Models[1] != "C450HD" || h.Length != uint64(len(p)) {
		t.Fatalf("header %+v", h)
	}
	if !bytes.Equal(got.Bytes(), p) {
		t.Fatal("Verify copied a different payload")
	}
	// The header alone, from the first bytes (as a TFTP block or HTTP range
	// gives it), says the same.
	h2, err := ParseHeader(img[:HeaderSize])
	if err != nil || h2.String() != h.String() {
		t.Fatalf("ParseHeader = %v, %v", h2, err)
	}
	// One byte at a time still works (a slow network).
	if _, err := Verify(iotest.OneByteReader(bytes.NewReader(img[:HeaderSize+300])), "", nil); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short image through OneByteReader: %v", err)
	}
}

func TestPackStreamsToAFile(t *testing.T) {
	p := payload(t, 3<<20)
	path := filepath.Join(t.TempDir(), "450HD.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Pack(f, []string{"450HD"}, "UC_3.4.8.808", bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	built, _ := Build([]string{"450HD"}, "UC_3.4.8.808", p)
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, built) {
		t.Fatal("Pack and Build disagree")
	}
	if h.ImageSize() != uint64(len(onDisk)) {
		t.Fatalf("ImageSize %d, file %d", h.ImageSize(), len(onDisk))
	}
}

// behaviour: FW-1
func TestBadImagesAreRefused(t *testing.T) {
	p := payload(t, 4096)
	good, err := Build([]string{"450HD"}, "UC_3.4.8.808", p)
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name  string
		img   []byte
		model string
		want  error
	}{
		{"empty file", nil, "450HD", ErrTruncated},
		{"a cfg file, not an image", []byte("voip/line/0/enabled=1\n"), "450HD", ErrNotImage},
		{"half a header", good[:200], "450HD", ErrTruncated},
		{"header only", good[:HeaderSize], "450HD", ErrTruncated},
		{"payload cut short (dropped transfer)", good[:len(good)-1], "450HD", ErrTruncated},
		{"trailing garbage", append(bytes.Clone(good), 0), "450HD", ErrCorrupt},
		{"payload bit flipped", mut(func(b []byte) []byte { b[HeaderSize+10] ^= 1; return b }), "450HD", ErrCorrupt},
		{"version bit flipped (header CRC)", mut(func(b []byte) []byte { b[offVersion] ^= 1; return b }), "450HD", ErrCorrupt},
		{"CRC itself wrong", mut(func(b []byte) []byte { b[HeaderSize-1] ^= 0xff; return b }), "450HD", ErrCorrupt},
		{"image for another model", good, "445HD", ErrWrongModel},
		{"unknown format version", mut(func(b []byte) []byte { b[offFormat+1] = 9; return reseal(b) }), "450HD", ErrUnsupported},
		{"model slot after count", mut(func(b []byte) []byte { copy(b[offModels+modelLen:], "RX50"); return reseal(b) }), "450HD", ErrCorrupt},
		{"zero models", mut(func(b []byte) []byte { b[offNModels] = 0; return reseal(b) }), "450HD", ErrCorrupt},
		{"control byte in version", mut(func(b []byte) []byte { b[offVersion+2] = '\n'; return reseal(b) }), "450HD", ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sink bytes.Buffer
			_, err := Verify(bytes.NewReader(tt.img), tt.model, &sink)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

// reseal recomputes the header CRC after a test changed a field, so that the
// field check (not the CRC) is what refuses the image.
func reseal(b []byte) []byte {
	h := b[:HeaderSize]
	sum := crc32.ChecksumIEEE(h[:offChecksum])
	h[offChecksum], h[offChecksum+1], h[offChecksum+2], h[offChecksum+3] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	return b
}

func TestHeaderValuesAreChecked(t *testing.T) {
	tests := []struct {
		name    string
		models  []string
		version string
	}{
		{"no models", nil, "UC_1"},
		{"nine models", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, "UC_1"},
		{"empty version", []string{"450HD"}, ""},
		{"version too long", []string{"450HD"}, "UC_3.4.8.808-and-a-very-long-suffix"},
		{"space in model", []string{"450 HD"}, "UC_1"},
		{"model too long", []string{"0123456789abcdefg"}, "UC_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.models, tt.version, []byte("x")); !errors.Is(err, ErrBadHeader) {
				t.Fatalf("Build: %v, want ErrBadHeader", err)
			}
		})
	}
}

func TestReadHeaderConsumesOnlyTheHeader(t *testing.T) {
	img, _ := Build([]string{"RX50"}, "UC_3.4.8.808", []byte("payload"))
	r := bytes.NewReader(img)
	h, err := ReadHeader(r)
	if err != nil || h.Version != "UC_3.4.8.808" {
		t.Fatal(h, err)
	}
	rest, _ := io.ReadAll(r)
	if string(rest) != "payload" {
		t.Fatalf("after the header: %q", rest)
	}
}

func FuzzParseHeader(f *testing.F) {
	good, _ := Build([]string{"450HD", "C450HD"}, "UC_3.4.9.1", []byte("abc"))
	f.Add(good[:HeaderSize])
	f.Add(good[:HeaderSize-1])
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		// Whatever parses must re-encode to the same bytes.
		enc, err := h.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed header does not re-encode: %v (%+v)", err, h)
		}
		if !bytes.Equal(enc, b[:HeaderSize]) {
			t.Fatalf("re-encoded header differs")
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	img, _ := Build([]string{"450HD"}, "UC_3.4.8.808", []byte("x"))
	b.ReportAllocs()
	b.SetBytes(HeaderSize)
	for b.Loop() {
		if _, err := ParseHeader(img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	img, _ := Build([]string{"450HD"}, "UC_3.4.8.808", payload(b, 8<<20))
	b.ReportAllocs()
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		if _, err := Verify(bytes.NewReader(img), "450HD", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
