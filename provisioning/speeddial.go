package provisioning

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// SpeedDial is one line of a speed-dial file: memory key and number.
type SpeedDial struct {
	Key    int
	Number string
}

// MaxSpeedDialSize bounds a speed-dial file.
const MaxSpeedDialSize = 64 << 10

// ParseSpeedDial reads a speed-dial file (§3.3.1.1): one
// <memory key>,<number>,<type> per line, type 0. Blank lines and lines
// starting with # or ; are skipped; CSV quotes, a UTF-8 BOM and CRLF line ends
// (Excel) are accepted. Any bad line rejects the whole file with an error
// naming the line; a key given twice is an error too.
func ParseSpeedDial(data []byte) ([]SpeedDial, error) {
	var out []SpeedDial
	seen := map[int]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), MaxSpeedDialSize)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		f := strings.Split(text, ",")
		for i := range f {
			f[i] = strings.Trim(strings.TrimSpace(f[i]), `"`)
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%w: line %d: want <memory key>,<number>,0, got %q", ErrBadSpeedDial, line, text)
		}
		key, err := strconv.Atoi(f[0])
		if err != nil || key < 0 || key > 999 {
			return nil, fmt.Errorf("%w: line %d: memory key %q", ErrBadSpeedDial, line, f[0])
		}
		if f[2] != "0" {
			return nil, fmt.Errorf("%w: line %d: type %q (must be 0)", ErrBadSpeedDial, line, f[2])
		}
		if f[1] == "" || len(f[1]) > 64 || strings.IndexFunc(f[1], func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			return nil, fmt.Errorf("%w: line %d: number %q", ErrBadSpeedDial, line, f[1])
		}
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%w: line %d: memory key %d already on line %d", ErrBadSpeedDial, line, key, prev)
		}
		seen[key] = line
		out = append(out, SpeedDial{Key: key, Number: f[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSpeedDial, err)
	}
	return out, nil
}

// SpeedDialURI returns provisioning/speed_dial_uri, or false when it is
// empty or NULL (the documented "no file", parameters_notes 70).
func SpeedDialURI(c *config.Config) (string, bool) {
	v := strings.TrimSpace(c.Get("provisioning/speed_dial_uri"))
	if v == "" || strings.EqualFold(v, "NULL") {
		return "", false
	}
	return v, true
}

// SpeedDialResult is a fetched speed-dial file.
type SpeedDialResult struct {
	URL     string
	Entries []SpeedDial
	// Hash identifies the content; the integrator stores it to compare.
	Hash [32]byte
	// Changed is true when the content differs from the previous hash: the
	// phone then reboots (PROV-8).
	Changed bool
}

// FetchSpeedDial downloads and parses the speed-dial file named by c (after
// boot and on every periodic check). base is the configuration URL, against
// which a bare file name is resolved. ok is false when there is no file to
// fetch (empty or NULL).
func (p *Provisioner) FetchSpeedDial(ctx context.Context, c *config.Config, base string, previous [32]byte) (res SpeedDialResult, ok bool, err error) {
	uri, ok := SpeedDialURI(c)
	if !ok {
		return SpeedDialResult{}, false, nil
	}
	url, err := ResolveRef(base, p.cfg.Identity.Substitute(uri))
	if err != nil {
		return SpeedDialResult{}, true, fmt.Errorf("provisioning/speed_dial_uri: %w", err)
	}
	data, err := fetch.ReadAll(ctx, p.cfg.Fetcher, url, MaxSpeedDialSize)
	if err != nil {
		return SpeedDialResult{URL: url}, true, fmt.Errorf("provisioning: speed dial %s: %w", url, err)
	}
	entries, err := ParseSpeedDial(data)
	if err != nil {
		return SpeedDialResult{URL: url}, true, fmt.Errorf("provisioning: speed dial %s: %w", url, err)
	}
	h := sha256.Sum256(data)
	return SpeedDialResult{URL: url, Entries: entries, Hash: h, Changed: h != previous}, true, nil
}
