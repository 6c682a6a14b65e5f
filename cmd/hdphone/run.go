package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

func runPhone(ctx context.Context, e *env, args []string) error {
	fs, verbose := newFlags(e, "run", "[--headless] [--model M] [--mac MAC] [--state DIR] [--addr IP] [--dhcp-server HOST:PORT | --iface IF]")
	headless := fs.Bool("headless", false, "no terminal UI: print state transitions")
	modelName := fs.String("model", "450HD", "phone model: 445HD, 450HD, C450HD, RX50 or HRS")
	macFlag := fs.String("mac", "00908f000001", "MAC address (12 hex digits or colon form)")
	stateDir := fs.String("state", "", "state directory holding the phone's flash (empty: memory)")
	resetKeys := fs.Bool("hold-ok-menu", false, "hold OK+MENU at power-on (restore defaults)")
	addrFlag := fs.String("addr", "", "the phone's own IP address (a 127.x.y.z gives each phone on a host its own)")
	dhcpServer := fs.String("dhcp-server", "", "DHCP in UDP mode towards this server (host:port), sent from --addr (see hdphone lab)")
	iface := fs.String("iface", "", "DHCP in raw mode on this interface (needs CAP_NET_RAW)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	if !*headless {
		return exitError{2, errors.New("the terminal UI is not built yet; use --headless")}
	}
	m, err := model.Lookup(*modelName)
	if err != nil {
		return exitError{2, err}
	}
	mac, err := parseMAC(*macFlag)
	if err != nil {
		return exitError{2, err}
	}
	fl := flash.NewMemory()
	if *stateDir != "" {
		if fl, err = flash.Open(*stateDir); err != nil {
			return err
		}
	}
	dc := device.Config{Model: m, MAC: mac, Flash: fl, Logger: e.log}
	if *addrFlag != "" {
		if dc.Addr, err = netip.ParseAddr(*addrFlag); err != nil {
			return exitError{2, fmt.Errorf("--addr: %w", err)}
		}
	}
	if *dhcpServer != "" {
		if dc.Network.DHCPServer, err = netip.ParseAddrPort(*dhcpServer); err != nil {
			return exitError{2, fmt.Errorf("--dhcp-server: %w", err)}
		}
	}
	dc.Network.Interface = *iface
	p, err := device.New(dc)
	if err != nil {
		return err
	}
	events, stop := p.Subscribe(1024)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()
	var opts []device.PowerOption
	if *resetKeys {
		opts = append(opts, device.WithKeysHeld(hw.KeyOK, hw.KeyMenu))
	}
	if err := p.PowerOn(ctx, opts...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: powered on (firmware %s); Ctrl-C to power off\n", m.Name, p.MAC(), p.Snapshot().Firmware)
	for {
		select {
		case ev := <-events:
			fmt.Fprintln(e.stdout, ev)
		case err := <-runErr:
			for {
				select {
				case ev := <-events:
					fmt.Fprintln(e.stdout, ev)
					continue
				default:
				}
				break
			}
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
}

// parseMAC accepts 00908f000001, 00:90:8f:00:00:01 and 00-90-8F-00-00-01.
func parseMAC(s string) (net.HardwareAddr, error) {
	clean := strings.NewReplacer(":", "", "-", "", ".", "").Replace(s)
	if len(clean) != 12 {
		return nil, fmt.Errorf("MAC %q: want 12 hex digits", s)
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(clean[i : i+2])
	}
	mac, err := net.ParseMAC(b.String())
	if err != nil {
		return nil, fmt.Errorf("MAC %q: %w", s, err)
	}
	return mac, nil
}
