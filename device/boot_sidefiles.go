package device

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/provisioning"
)

// Flash records of the provisioning side files.
const (
	// RecordSpeedDial holds the last speed-dial list as <key>,<number>,0
	// lines, RecordSpeedDialHash the SHA-256 of the file it came from.
	RecordSpeedDial     = "provisioning/speed_dial.txt"
	RecordSpeedDialHash = "provisioning/speed_dial.sha256"
	// DirRingTones holds the WAV files of the last ring-tone bundle,
	// RecordRingTonesHash the bundle's SHA-256.
	DirRingTones        = "ringtones/"
	RecordRingTonesHash = "provisioning/ring_tones.sha256"
	// RecordMusicOnHold is the music-on-hold WAV of lync/moh/url.
	RecordMusicOnHold = "provisioning/music_on_hold.wav"
)

// sideFiles fetches the files the configuration names, relative names
// beside the configuration: certificates first (so that the other downloads
// can use them), then the speed-dial list (after boot and at every periodic
// check, PROV-8), the ring-tone bundle and music on hold (after boot only,
// PROV-9, PROV-10). A bad file is logged and changes nothing. It reports
// whether a new speed-dial list needs a restart.
func (p *Phone) sideFiles(ctx context.Context, b *Boot, rt *cycleRuntime, atBoot bool) (reboot bool) {
	cfg := b.Config()
	base := rt.baseURL()
	p.fetchCertificates(ctx, b, base) // stored before the fetcher below is made, which trusts them
	if !sideFilesNamed(cfg, atBoot) {
		// Nothing to fetch: no downloader to make (a fleet's phones
		// mostly name none, and making one is a tenth of such a boot).
		return false
	}
	pr, fc, err := p.provisioner(b, cfg)
	if err != nil {
		p.log.Warn("side files", "err", err, "component", "control_center")
		return false
	}
	defer fc.CloseIdleConnections()
	fl := p.cfg.Flash
	warn := func(what string, err error) {
		if ctx.Err() != nil {
			return
		}
		p.log.Warn(what+" not loaded", "err", err, "component", "control_center")
		b.Log(what + " not loaded: " + err.Error())
	}

	res, ok, err := pr.FetchSpeedDial(ctx, cfg, base, storedHash(fl, RecordSpeedDialHash))
	switch {
	case err != nil:
		warn("speed-dial list", err)
	case ok && res.Changed:
		var buf bytes.Buffer
		for _, e := range res.Entries {
			fmt.Fprintf(&buf, "%d,%s,0\n", e.Key, e.Number)
		}
		if err := fl.Write(RecordSpeedDial, buf.Bytes()); err != nil {
			warn("speed-dial list", err)
			break
		}
		if err := fl.Write(RecordSpeedDialHash, []byte(hex.EncodeToString(res.Hash[:]))); err != nil {
			warn("speed-dial list", err)
			break
		}
		b.Log(fmt.Sprintf("new speed-dial list from %s (%d entries)", res.URL, len(res.Entries)))
		reboot = true
	}
	if !atBoot {
		return reboot
	}

	tones, ok, err := pr.FetchRingTones(ctx, cfg, base, storedHash(fl, RecordRingTonesHash), provisioning.BundleLimits{})
	switch {
	case err != nil:
		warn("ring tones", err)
	case ok && tones.Changed:
		if err := storeRingTones(fl, tones); err != nil {
			warn("ring tones", err)
			break
		}
		b.Log(fmt.Sprintf("%d ring tones from %s", len(tones.Tones), tones.URL))
	}

	moh, ok, err := pr.FetchMusicOnHold(ctx, cfg, base)
	switch {
	case err != nil:
		warn("music on hold", err)
	case ok:
		if err := fl.Write(RecordMusicOnHold, moh.Data); err != nil {
			warn("music on hold", err)
			break
		}
		b.Log("music on hold " + moh.Name)
	}
	return reboot
}

// sideFilesNamed reports whether cfg names a side file sideFiles would
// fetch: the speed-dial list, and at boot the ring tones or music on hold.
func sideFilesNamed(cfg *config.Config, atBoot bool) bool {
	if _, ok := provisioning.SpeedDialURI(cfg); ok {
		return true
	}
	if !atBoot {
		return false
	}
	_, tones := provisioning.RingToneURI(cfg)
	_, moh := provisioning.MusicOnHoldURI(cfg)
	return tones || moh
}

// storeRingTones replaces the ring tones in flash; the new ones play from
// the next ring on, without a restart.
func storeRingTones(fl *flash.Store, res provisioning.RingToneResult) error {
	old, err := fl.List(DirRingTones)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, t := range res.Tones {
		name := DirRingTones + t.Name
		keep[name] = true
		if err := fl.Write(name, t.Data); err != nil {
			return err
		}
	}
	for _, name := range old {
		if !strings.HasPrefix(name, DirRingTones) {
			name = DirRingTones + name
		}
		if !keep[name] {
			fl.Remove(name)
		}
	}
	return fl.Write(RecordRingTonesHash, []byte(hex.EncodeToString(res.Hash[:])))
}

// storedHash reads a hash record written by sideFiles; zero when none.
func storedHash(fl *flash.Store, name string) [sha256.Size]byte {
	var h [sha256.Size]byte
	b, err := fl.Read(name)
	if err != nil {
		return h
	}
	if d, err := hex.DecodeString(strings.TrimSpace(string(b))); err == nil && len(d) == len(h) {
		copy(h[:], d)
	}
	return h
}

// fetchCertificates downloads the certificates of security/*_uri into the
// flash slots (PROV-11): the CA slots are trusted by the next HTTPS
// downloads, the provisioning pair is presented to provisioning servers, the
// SIP pair to SIP servers over TLS. A bad file keeps the slot's old content.
// It reports whether anything was stored.
func (p *Phone) fetchCertificates(ctx context.Context, b *Boot, base string) bool {
	cfg := b.Config()
	uris := provisioning.CertificateURIsFrom(cfg)
	if uris == (provisioning.CertificateURIs{}) {
		return false
	}
	pr, fc, err := p.provisioner(b, cfg)
	if err != nil {
		return false
	}
	defer fc.CloseIdleConnections()
	certs, err := pr.FetchCertificates(ctx, uris, base)
	if err != nil && ctx.Err() == nil {
		p.log.Warn("certificates not loaded", "err", err, "component", "control_center")
		b.Log("certificates not loaded: " + err.Error())
	}
	store := p.cfg.Flash.Certificates()
	stored := false
	keep := func(what string, err error) {
		if err != nil {
			p.log.Warn(what+" not stored", "err", err, "component", "control_center")
			return
		}
		stored = true
	}
	for n, pem := range certs.CA {
		if pem != nil {
			keep(fmt.Sprintf("CA certificate %d", n), store.SetCA(n, pem))
		}
	}
	for _, pair := range []struct {
		slot flash.ClientSlot
		kp   provisioning.KeyPair
	}{{flash.SlotSIP, certs.SIP}, {flash.Slot8021X, certs.Dot1X}, {flash.SlotProvisioning, certs.AutoUpdate}} {
		if pair.kp.Cert != nil && pair.kp.Key != nil {
			keep(pair.slot.String()+" certificate", store.SetClientCert(pair.slot, pair.kp.Cert))
			keep(pair.slot.String()+" key", store.SetClientKey(pair.slot, pair.kp.Key))
		}
	}
	if stored {
		b.Log("certificates stored")
	}
	return stored
}
