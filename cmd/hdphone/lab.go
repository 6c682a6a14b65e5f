package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hdphone/hdphone/lab"
)

// runLab runs the embedded DHCP, provisioning and SIP servers until Ctrl-C,
// for phones of this process, of another hdphone, or real ones.
func runLab(ctx context.Context, e *env, args []string) error {
	fs, verbose := newFlags(e, "lab", "[--dir DIR] [--host ADDR] [--dhcp-port N] [--http-port N] [--tftp-port N] [--sip-port N] [--scheme http|tftp]")
	dir := fs.String("dir", "", "directory of files to serve (firmware images, configuration files)")
	host := fs.String("host", "127.0.0.1", "address the servers listen on")
	dhcpPort := fs.Int("dhcp-port", 0, "DHCP server port (0: chosen by the kernel)")
	httpPort := fs.Int("http-port", 0, "HTTP file server port (0: chosen by the kernel)")
	tftpPort := fs.Int("tftp-port", 0, "TFTP file server port (0: chosen by the kernel)")
	sipPort := fs.Int("sip-port", 0, "SIP registrar and proxy port (0: chosen by the kernel)")
	scheme := fs.String("scheme", "http", "protocol of the provisioning URL: http or tftp")
	firstLine := fs.Int("first-line", 1000, "line number of MAC ..:00:00 (a phone's line is this plus the MAC's last 16 bits)")
	password := fs.String("password-prefix", "secret", "a line's password is this prefix followed by the line number")
	lease := fs.Duration("lease", time.Hour, "DHCP lease time")
	ntp := fs.String("ntp", "", "comma-separated NTP server addresses to hand out (DHCP option 42)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	addr, err := netip.ParseAddr(*host)
	if err != nil {
		return exitError{2, fmt.Errorf("--host: %w", err)}
	}
	cfg := lab.Config{
		Host: addr, DHCPPort: *dhcpPort, HTTPPort: *httpPort, TFTPPort: *tftpPort, SIPPort: *sipPort,
		Scheme: *scheme, FirstLine: *firstLine, PasswordPrefix: *password, LeaseTime: *lease,
		Logger: e.log,
	}
	if *dir != "" {
		d, err := filepath.Abs(*dir)
		if err != nil {
			return err
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return exitError{2, fmt.Errorf("--dir %s: not a directory", *dir)}
		}
		cfg.Dir = d
	}
	if *ntp != "" {
		for _, s := range strings.Split(*ntp, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return exitError{2, fmt.Errorf("--ntp: %w", err)}
			}
			cfg.DHCP.NTPServers = append(cfg.DHCP.NTPServers, a)
		}
	}
	l, err := lab.New(cfg)
	if err != nil {
		return exitError{2, err}
	}
	printLab(e, l, cfg)
	err = l.Run(ctx)
	fmt.Fprintln(e.stdout, "lab stopped")
	return err
}

func printLab(e *env, l *lab.Lab, cfg lab.Config) {
	w := e.stdout
	line, pw := l.Line(lab.PhoneMAC(0))
	fmt.Fprintf(w, "hdphone lab: Ctrl-C to stop\n\n")
	fmt.Fprintf(w, "  DHCP (UDP mode)   %s\n", l.DHCPAddr())
	fmt.Fprintf(w, "  HTTP files        %s\n", l.HTTPURL())
	fmt.Fprintf(w, "  TFTP files        %s\n", l.TFTPURL())
	fmt.Fprintf(w, "  SIP registrar     %s (udp; also the QoE collector of voip/qoe/qoe_server_address)\n", l.SIPAddr())
	if cfg.Dir != "" {
		fmt.Fprintf(w, "  serving           %s\n", cfg.Dir)
	}
	fmt.Fprintf(w, "\noption 160 URL      %s\n", l.ProvisioningURL())
	fmt.Fprintf(w, "  (a phone asks for <model>.img, then <MAC>.cfg, then <model>.cfg; every <MAC>.cfg\n")
	fmt.Fprintf(w, "  not in the directory is generated with one SIP line: MAC %s gets line %s, password %s)\n",
		lab.PhoneMAC(0), line, pw)
	fmt.Fprintf(w, "\nboot a phone against it:\n  hdphone run --headless --mac %s --addr %s --dhcp-server %s\n\n",
		strings.ReplaceAll(lab.PhoneMAC(0).String(), ":", ""), lab.PhoneAddr(0), l.DHCPAddr())
}
