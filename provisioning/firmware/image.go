package firmware

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Build returns a whole image of payload for models, in memory.
func Build(models []string, version string, payload []byte) ([]byte, error) {
	h := Header{Version: version, Models: models, Length: uint64(len(payload)), SHA256: sha256.Sum256(payload)}
	hdr, err := h.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(hdr, payload...), nil
}

// Pack writes an image of the payload read from r to w without holding the
// payload in memory: it writes a placeholder header, streams the payload while
// hashing it, then seeks back and writes the real header. w must be positioned
// at the start of the image.
func Pack(w io.WriteSeeker, models []string, version string, payload io.Reader) (Header, error) {
	h := Header{Version: version, Models: models}
	if _, err := h.MarshalBinary(); err != nil { // refuse bad values before writing anything
		return Header{}, err
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return Header{}, fmt.Errorf("firmware: pack: %w", err)
	}
	if _, err := w.Write(make([]byte, HeaderSize)); err != nil {
		return Header{}, fmt.Errorf("firmware: pack: %w", err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), payload)
	if err != nil {
		return Header{}, fmt.Errorf("firmware: pack payload: %w", err)
	}
	h.Length = uint64(n)
	copy(h.SHA256[:], sum.Sum(nil))
	hdr, err := h.MarshalBinary()
	if err != nil {
		return Header{}, err
	}
	if _, err := w.Seek(start, io.SeekStart); err != nil {
		return Header{}, fmt.Errorf("firmware: pack: %w", err)
	}
	if _, err := w.Write(hdr); err != nil {
		return Header{}, fmt.Errorf("firmware: pack: %w", err)
	}
	if _, err := w.Seek(start+int64(h.ImageSize()), io.SeekStart); err != nil {
		return Header{}, fmt.Errorf("firmware: pack: %w", err)
	}
	return h, nil
}

// Verify reads a whole image from r, checks that it is for model (skipped
// when model is empty), and copies the payload to dst while hashing it. It
// returns the header and nil only when the payload has exactly the announced
// length and hash; otherwise the caller must discard what dst received. dst
// may be nil to only check. Verify never buffers more than a copy buffer.
func Verify(r io.Reader, model string, dst io.Writer) (Header, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return Header{}, err
	}
	if model != "" {
		if err := h.Check(model); err != nil {
			return h, err
		}
	}
	if dst == nil {
		dst = io.Discard
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(dst, sum), io.LimitReader(r, int64(h.Length)))
	if err != nil {
		return h, fmt.Errorf("firmware: payload after %d bytes: %w", n, err)
	}
	if uint64(n) < h.Length {
		return h, fmt.Errorf("%w: payload %d of %d bytes", ErrTruncated, n, h.Length)
	}
	// The image must end where the header says; trailing bytes mean the
	// header and the file disagree.
	var one [1]byte
	if m, err := io.ReadFull(r, one[:]); m > 0 {
		return h, fmt.Errorf("%w: bytes after the %d-byte payload", ErrCorrupt, h.Length)
	} else if err != nil && !errors.Is(err, io.EOF) {
		return h, fmt.Errorf("firmware: read after payload: %w", err)
	}
	if got := sum.Sum(nil); !bytes.Equal(got, h.SHA256[:]) {
		return h, fmt.Errorf("%w: payload sha256 %s, header says %s", ErrCorrupt,
			hex.EncodeToString(got), hex.EncodeToString(h.SHA256[:]))
	}
	return h, nil
}
