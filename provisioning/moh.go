package provisioning

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// MaxMusicOnHold is the largest music-on-hold file the phone accepts (§4.4).
const MaxMusicOnHold = 300 << 10

// FetchMusicOnHold downloads the WAV of lync/moh/url (PROV-10): at most
// 300 KB, 16 kHz 16-bit linear or 8 kHz A-law/µ-law, mono. ok is false when
// the key is empty.
func (p *Provisioner) FetchMusicOnHold(ctx context.Context, c *config.Config, base string) (tone Tone, ok bool, err error) {
	uri, ok := MusicOnHoldURI(c)
	if !ok {
		return Tone{}, false, nil
	}
	url, err := ResolveRef(base, p.cfg.Identity.Substitute(uri))
	if err != nil {
		return Tone{}, true, fmt.Errorf("lync/moh/url: %w", err)
	}
	data, err := fetch.ReadAll(ctx, p.cfg.Fetcher, url, MaxMusicOnHold)
	if errors.Is(err, fetch.ErrTooLarge) {
		return Tone{}, true, fmt.Errorf("%w: %s is over %d bytes: %w", ErrBadMusicOnHold, url, MaxMusicOnHold, err)
	}
	if err != nil {
		return Tone{}, true, fmt.Errorf("provisioning: music on hold %s: %w", url, err)
	}
	format, err := wavFormat(data)
	if err != nil {
		return Tone{}, true, fmt.Errorf("%w: %s: %w", ErrBadMusicOnHold, url, err)
	}
	name := url[strings.LastIndexByte(url, '/')+1:]
	return Tone{Name: name, Format: format, Data: data}, true, nil
}

// MusicOnHoldURI is lync/moh/url when it is set.
func MusicOnHoldURI(c *config.Config) (string, bool) {
	v := strings.TrimSpace(c.Get("lync/moh/url"))
	return v, v != ""
}
