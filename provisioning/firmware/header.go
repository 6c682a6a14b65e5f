package firmware

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Layout constants of format version 1 (see the package documentation).
const (
	HeaderSize    = 512
	FormatVersion = 1
	MaxModels     = 8

	magic       = "HDPHIMG\x00"
	versionLen  = 32
	modelLen    = 16
	offFormat   = 8
	offHdrSize  = 10
	offFlags    = 12
	offLength   = 16
	offHash     = 24
	offVersion  = 56
	offNModels  = 88
	offModels   = 96
	offChecksum = HeaderSize - 4
)

// Header is the information at the start of an image.
type Header struct {
	// Format is the format version (FormatVersion for images this package
	// writes).
	Format uint16
	// Version is the firmware version string, e.g. "UC_3.4.8.808".
	Version string
	// Models are the phone models the image may be installed on.
	Models []string
	// Length is the payload length in bytes.
	Length uint64
	// SHA256 is the hash of the payload.
	SHA256 [32]byte
}

// Supports reports whether model is one of h.Models (case-insensitively, as
// model names arrive in any case from DHCP and file names).
func (h Header) Supports(model string) bool {
	for _, m := range h.Models {
		if strings.EqualFold(m, model) {
			return true
		}
	}
	return false
}

// Check returns an error wrapping ErrWrongModel unless the image is for model.
func (h Header) Check(model string) error {
	if !h.Supports(model) {
		return fmt.Errorf("%w: %s image is for %s", ErrWrongModel, model, strings.Join(h.Models, ","))
	}
	return nil
}

// ImageSize is the size of the whole image (header and payload).
func (h Header) ImageSize() uint64 { return HeaderSize + h.Length }

// String describes the header in one line.
func (h Header) String() string {
	return fmt.Sprintf("version %s, models %s, payload %d bytes, sha256 %s",
		h.Version, strings.Join(h.Models, ","), h.Length, hex.EncodeToString(h.SHA256[:]))
}

// MarshalBinary encodes the header into its 512 bytes.
func (h Header) MarshalBinary() ([]byte, error) {
	if err := checkField("version", h.Version, versionLen); err != nil {
		return nil, err
	}
	if h.Version == "" {
		return nil, fmt.Errorf("%w: empty version", ErrBadHeader)
	}
	if len(h.Models) == 0 || len(h.Models) > MaxModels {
		return nil, fmt.Errorf("%w: %d models (want 1..%d)", ErrBadHeader, len(h.Models), MaxModels)
	}
	b := make([]byte, HeaderSize)
	copy(b, magic)
	format := h.Format
	if format == 0 {
		format = FormatVersion
	}
	binary.BigEndian.PutUint16(b[offFormat:], format)
	binary.BigEndian.PutUint16(b[offHdrSize:], HeaderSize)
	binary.BigEndian.PutUint64(b[offLength:], h.Length)
	copy(b[offHash:], h.SHA256[:])
	copy(b[offVersion:], h.Version)
	b[offNModels] = byte(len(h.Models))
	for i, m := range h.Models {
		if err := checkField("model", m, modelLen); err != nil {
			return nil, err
		}
		if m == "" {
			return nil, fmt.Errorf("%w: empty model name", ErrBadHeader)
		}
		copy(b[offModels+i*modelLen:], m)
	}
	binary.BigEndian.PutUint32(b[offChecksum:], crc32.ChecksumIEEE(b[:offChecksum]))
	return b, nil
}

func checkField(name, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s %q is longer than %d bytes", ErrBadHeader, name, s, max)
	}
	if !printable(s) {
		return fmt.Errorf("%w: %s %q is not printable ASCII", ErrBadHeader, name, s)
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// ParseHeader decodes the header from the first bytes of an image. b may be
// longer than HeaderSize (the rest is ignored).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < len(magic) {
		if magic[:len(b)] == string(b) {
			return Header{}, fmt.Errorf("%w: %d bytes, the header needs %d", ErrTruncated, len(b), HeaderSize)
		}
		return Header{}, ErrNotImage
	}
	if string(b[:len(magic)]) != magic {
		return Header{}, ErrNotImage
	}
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes, the header needs %d", ErrTruncated, len(b), HeaderSize)
	}
	b = b[:HeaderSize]
	if got, want := binary.BigEndian.Uint32(b[offChecksum:]), crc32.ChecksumIEEE(b[:offChecksum]); got != want {
		return Header{}, fmt.Errorf("%w: header checksum %08x, computed %08x", ErrCorrupt, got, want)
	}
	h := Header{Format: binary.BigEndian.Uint16(b[offFormat:])}
	if h.Format != FormatVersion {
		return Header{}, fmt.Errorf("%w: format version %d", ErrUnsupported, h.Format)
	}
	if n := binary.BigEndian.Uint16(b[offHdrSize:]); n != HeaderSize {
		return Header{}, fmt.Errorf("%w: header size %d", ErrUnsupported, n)
	}
	h.Length = binary.BigEndian.Uint64(b[offLength:])
	if h.Length > 1<<40 {
		return Header{}, fmt.Errorf("%w: payload length %d", ErrCorrupt, h.Length)
	}
	copy(h.SHA256[:], b[offHash:offHash+32])
	var err error
	if h.Version, err = field(b[offVersion : offVersion+versionLen]); err != nil || h.Version == "" {
		return Header{}, fmt.Errorf("%w: version field", ErrCorrupt)
	}
	n := int(b[offNModels])
	if n == 0 || n > MaxModels {
		return Header{}, fmt.Errorf("%w: %d models", ErrCorrupt, n)
	}
	for i := range MaxModels {
		s, err := field(b[offModels+i*modelLen : offModels+(i+1)*modelLen])
		if err != nil || (i < n) == (s == "") {
			return Header{}, fmt.Errorf("%w: model slot %d", ErrCorrupt, i)
		}
		if i < n {
			h.Models = append(h.Models, s)
		}
	}
	return h, nil
}

// field decodes a NUL-padded ASCII string; bytes after the first NUL must be
// NUL too.
func field(b []byte) (string, error) {
	s, rest, _ := bytes.Cut(b, []byte{0})
	if !printable(string(s)) {
		return "", ErrCorrupt
	}
	for _, c := range rest {
		if c != 0 {
			return "", ErrCorrupt
		}
	}
	return string(s), nil
}

// ReadHeader reads and decodes the header from the start of r, consuming
// exactly HeaderSize bytes (fewer on error).
func ReadHeader(r io.Reader) (Header, error) {
	b := make([]byte, HeaderSize)
	n, err := io.ReadFull(r, b)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		// ParseHeader tells a short header from something else.
		return ParseHeader(b[:n])
	}
	if err != nil {
		return Header{}, fmt.Errorf("firmware: read header: %w", err)
	}
	return ParseHeader(b)
}
