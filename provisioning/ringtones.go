package provisioning

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// Tone is one ring tone from a bundle.
type Tone struct {
	Name   string // the WAV file's base name, e.g. "Ring12.wav"
	Format string // "alaw/8000", "ulaw/8000" or "pcm16/16000"
	Data   []byte // the whole WAV file
}

// BundleLimits bound what a ring-tone bundle may unpack to. Zero fields take
// the defaults.
type BundleLimits struct {
	MaxBundle int64 // the downloaded file; default 16 MiB
	MaxFiles  int   // WAV files; default 32
	MaxFile   int64 // one WAV; default 4 MiB
	MaxTotal  int64 // all WAVs; default 32 MiB
}

func (l BundleLimits) withDefaults() BundleLimits {
	if l.MaxBundle <= 0 {
		l.MaxBundle = 16 << 20
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 32
	}
	if l.MaxFile <= 0 {
		l.MaxFile = 4 << 20
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = 32 << 20
	}
	return l
}

// UnpackTones reads a ring-tone bundle, a zip or a tgz (told apart by their
// first bytes), and returns its WAV files (PROV-9). Entries that are not
// .wav files (directories, read-mes) are skipped. The whole bundle is refused
// (ErrBadBundle) when an entry's path would leave the bundle (absolute, ..,
// backslashes), when it holds links, when a limit is passed, when two tones
// have the same name, or when a WAV is not A-law or µ-law at 8 kHz 8 bit or
// PCM at 16 kHz 16 bit, mono (Table 3-12).
func UnpackTones(data []byte, lim BundleLimits) ([]Tone, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBundle {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadBundle, len(data), lim.MaxBundle)
	}
	u := &unpacker{lim: lim, seen: map[string]bool{}}
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		err = u.zip(data)
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		err = u.tgz(data)
	default:
		return nil, fmt.Errorf("%w: neither zip nor tgz", ErrBadBundle)
	}
	if err != nil {
		return nil, err
	}
	if len(u.tones) == 0 {
		return nil, fmt.Errorf("%w: no .wav files", ErrBadBundle)
	}
	return u.tones, nil
}

type unpacker struct {
	lim   BundleLimits
	total int64
	tones []Tone
	seen  map[string]bool
}

func (u *unpacker) zip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	for _, f := range zr.File {
		if err := checkPath(f.Name); err != nil {
			return err
		}
		mode := f.Mode()
		if mode&^0o777 != 0 && !mode.IsDir() && !mode.IsRegular() {
			return fmt.Errorf("%w: %s is not a plain file", ErrBadBundle, f.Name)
		}
		if mode.IsDir() || !isWAV(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadBundle, f.Name, err)
		}
		err = u.add(f.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (u *unpacker) tgz(data []byte) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadBundle, err)
		}
		if err := checkPath(h.Name); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeReg:
		default:
			return fmt.Errorf("%w: %s is not a plain file (tar type %q)", ErrBadBundle, h.Name, h.Typeflag)
		}
		if !isWAV(h.Name) {
			continue
		}
		if err := u.add(h.Name, tr); err != nil {
			return err
		}
	}
}

// checkPath refuses names that would be written outside the bundle's
// directory if unpacked.
func checkPath(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) ||
		(len(name) > 1 && name[1] == ':') {
		return fmt.Errorf("%w: unsafe path %q", ErrBadBundle, name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return fmt.Errorf("%w: unsafe path %q", ErrBadBundle, name)
		}
	}
	return nil
}

func isWAV(name string) bool { return strings.EqualFold(path.Ext(name), ".wav") }

func (u *unpacker) add(name string, r io.Reader) error {
	if len(u.tones) >= u.lim.MaxFiles {
		return fmt.Errorf("%w: more than %d tones", ErrBadBundle, u.lim.MaxFiles)
	}
	// Read at most one byte over the limit to tell "too big" from "fits",
	// whatever the archive's headers claim (zip bombs lie).
	b, err := io.ReadAll(io.LimitReader(r, u.lim.MaxFile+1))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadBundle, name, err)
	}
	if int64(len(b)) > u.lim.MaxFile {
		return fmt.Errorf("%w: %s is over %d bytes", ErrBadBundle, name, u.lim.MaxFile)
	}
	u.total += int64(len(b))
	if u.total > u.lim.MaxTotal {
		return fmt.Errorf("%w: tones total over %d bytes", ErrBadBundle, u.lim.MaxTotal)
	}
	base := path.Base(name)
	if u.seen[strings.ToLower(base)] {
		return fmt.Errorf("%w: two tones named %s", ErrBadBundle, base)
	}
	u.seen[strings.ToLower(base)] = true
	format, err := wavFormat(b)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadBundle, name, err)
	}
	u.tones = append(u.tones, Tone{Name: base, Format: format, Data: b})
	return nil
}

// wavFormat checks a RIFF/WAVE file's fmt chunk against the formats the
// phone plays.
func wavFormat(b []byte) (string, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return "", errors.New("not a RIFF/WAVE file")
	}
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if size < 0 || body+size > len(b) || body+size < body {
			return "", fmt.Errorf("chunk %q overruns the file", id)
		}
		if id == "fmt " {
			if size < 16 {
				return "", errors.New("short fmt chunk")
			}
			f := b[body:]
			tag, ch := binary.LittleEndian.Uint16(f), binary.LittleEndian.Uint16(f[2:])
			rate, bits := binary.LittleEndian.Uint32(f[4:]), binary.LittleEndian.Uint16(f[14:])
			switch {
			case ch != 1:
				return "", fmt.Errorf("%d channels (want mono)", ch)
			case tag == 6 && rate == 8000 && bits == 8:
				return "alaw/8000", nil
			case tag == 7 && rate == 8000 && bits == 8:
				return "ulaw/8000", nil
			case tag == 1 && rate == 16000 && bits == 16:
				return "pcm16/16000", nil
			}
			return "", fmt.Errorf("format %d, %d Hz, %d bit: want A-law or µ-law 8 kHz 8 bit, or PCM 16 kHz 16 bit", tag, rate, bits)
		}
		off = body + size + size%2
	}
	return "", errors.New("no fmt chunk")
}

// RingToneResult is a fetched ring-tone bundle.
type RingToneResult struct {
	URL   string
	Tones []Tone
	Hash  [32]byte
	// Changed is true when the bundle differs from the previous hash; new
	// tones apply without a reboot.
	Changed bool
}

// FetchRingTones downloads and unpacks the bundle of
// provisioning/ring_tone_uri. The phone does this only after boot, never on
// periodic checks (PROV-9). ok is false when the key is empty.
func (p *Provisioner) FetchRingTones(ctx context.Context, c *config.Config, base string, previous [32]byte, lim BundleLimits) (res RingToneResult, ok bool, err error) {
	uri, ok := RingToneURI(c)
	if !ok {
		return RingToneResult{}, false, nil
	}
	url, err := ResolveRef(base, p.cfg.Identity.Substitute(uri))
	if err != nil {
		return RingToneResult{}, true, fmt.Errorf("provisioning/ring_tone_uri: %w", err)
	}
	lim = lim.withDefaults()
	data, err := fetch.ReadAll(ctx, p.cfg.Fetcher, url, lim.MaxBundle)
	if err != nil {
		return RingToneResult{URL: url}, true, fmt.Errorf("provisioning: ring tones %s: %w", url, err)
	}
	tones, err := UnpackTones(data, lim)
	if err != nil {
		return RingToneResult{URL: url}, true, fmt.Errorf("provisioning: ring tones %s: %w", url, err)
	}
	h := sha256.Sum256(data)
	return RingToneResult{URL: url, Tones: tones, Hash: h, Changed: h != previous}, true, nil
}

// RingToneURI is provisioning/ring_tone_uri when it names a bundle (not
// empty, not NULL).
func RingToneURI(c *config.Config) (string, bool) {
	v := strings.TrimSpace(c.Get("provisioning/ring_tone_uri"))
	if v == "" || strings.EqualFold(v, "NULL") {
		return "", false
	}
	return v, true
}
