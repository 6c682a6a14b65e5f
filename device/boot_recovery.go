package device

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/provisioning"
	"github.com/hdphone/hdphone/provisioning/dhcp"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// stageRecovery is the recovery loader, entered instead of the normal boot
// when a burn was interrupted (FW-2). It asks DHCP for options 66 and 67 only
// (FW-3), fetches the image over TFTP from the option-66 server (the file of
// option 67, else <model>.img), burns it and restarts into it (FW-4). When
// anything fails it restarts after RecoveryDelay and tries again, so the
// boot count climbs about every 5 s until it works.
func (p *Phone) stageRecovery(ctx context.Context, b *Boot) error {
	b.Status("Recovery mode")
	err := p.recoverFirmware(ctx, b)
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		return RebootError("firmware recovered")
	}
	p.log.Warn("recovery failed", "err", err, "component", "control_center")
	b.Log("recovery failed: " + err.Error())
	if b.Sleep(p.cfg.Network.recoveryDelay()) != nil {
		return nil
	}
	return RebootError("recovery failed")
}

func (p *Phone) recoverFirmware(ctx context.Context, b *Boot) error {
	if p.cfg.Network.mode() == netNone {
		return fmt.Errorf("%w: no network to recover from (Config.Network is not set)", ErrRecovery)
	}
	c, err := p.openDHCP(ctx, b, b.Config(), true)
	if err != nil {
		return err
	}
	defer c.Close()
	lease, err := c.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRecovery, err)
	}
	server, file := recoverySource(lease, p.cfg.Network.TFTPPort)
	if server == "" {
		return fmt.Errorf("%w: DHCP named no TFTP server (option 66 or siaddr)", ErrRecovery)
	}
	if file == "" {
		file = p.identity().FirmwareName()
	}
	url := "tftp://" + server + "/" + file
	b.Log(fmt.Sprintf("recovery: %s from DHCP %s", url, lease.Server))

	fc, err := p.fetchClient(b.Config(), b.Snapshot().Firmware, p.factoryCertificate(b))
	if err != nil {
		return err
	}
	defer fc.CloseIdleConnections()
	pr, err := provisioning.New(provisioning.Config{Identity: p.identity(), Fetcher: fc,
		Logger: p.ccLog})
	if err != nil {
		return err
	}
	hb, err := fetch.ReadHeader(ctx, fc, url, firmware.HeaderSize)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrRecovery, url, err)
	}
	h, err := firmware.ParseHeader(hb)
	if err == nil {
		err = h.Check(string(p.cfg.Model.Name))
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrRecovery, url, err)
	}
	if err := p.burnImage(ctx, b, pr, url, h); err != nil {
		return fmt.Errorf("%w: %w", ErrRecovery, err)
	}
	return nil
}

// recoverySource is where the recovery loader fetches from: option 66, or
// else the BOOTP next-server (siaddr) that DHCP servers set for network boot
// (dnsmasq's dhcp-boot, ISC's next-server, the manual's Tftpd32 lab of C.3,
// which names only the file); and option 67, or else the header's file
// field. A server named without a port is asked on tftpPort when set (tests;
// 0 means TFTP's 69). The file is "" when neither names one.
func recoverySource(l *dhcp.Lease, tftpPort int) (server, file string) {
	server = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l.TFTPServer), "tftp://"), "/")
	if server == "" && l.NextServer.IsValid() {
		server = l.NextServer.String()
	}
	if server != "" && tftpPort > 0 {
		if _, _, err := net.SplitHostPort(server); err != nil {
			server = net.JoinHostPort(server, strconv.Itoa(tftpPort))
		}
	}
	file = strings.TrimSpace(l.BootFile)
	if file == "" {
		file = l.BootFileField
	}
	return server, strings.TrimLeft(file, "/")
}
