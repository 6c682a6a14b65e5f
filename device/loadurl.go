package device

import (
	"context"
	"fmt"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// LoadConfigURL downloads a configuration file (http, https, tftp or ftp;
// a .cfx is decrypted) with the phone's own downloader — its User-Agent,
// certificates and proxy — and applies it as ApplyConfig does: checked for
// this model, validated, kept in flash. It reports whether a changed
// parameter needs a restart. The console's "load" command uses it.
func (p *Phone) LoadConfigURL(ctx context.Context, url string) (reboot bool, err error) {
	snap := p.Snapshot()
	fc, err := p.fetchClient(snap.Config, snap.Firmware, factorycert.NewKeeper(p.cfg.Flash.Certificates(), p.cfg.MAC).Certificate)
	if err != nil {
		return false, err
	}
	data, err := fetch.ReadAll(ctx, fc, url, config.MaxFileSize+1)
	if err != nil {
		return false, fmt.Errorf("device: load %s: %w", url, err)
	}
	_, reboot, err = p.ApplyConfig(ctx, url, data)
	return reboot, err
}
