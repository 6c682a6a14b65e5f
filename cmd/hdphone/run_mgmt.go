package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync/atomic"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/ui"
	"github.com/hdphone/hdphone/ui/cli"
	"github.com/hdphone/hdphone/ui/web"
)

// The phone's management front ends in hdphone run: its Web interface
// (always, as on the real phone, unless --web off) and its Telnet/SSH console
// (listening only while management/telnet/enabled or management/ssh/enabled
// say so).

// mgmtAddrs are where the Web server and the console listen.
type mgmtAddrs struct {
	http, https, telnet, ssh string
}

// defaultMgmtAddrs gives the real phone's ports on the phone's address when
// running as root, and 8080/8443/2323/2222 otherwise (no privileged ports).
func defaultMgmtAddrs(addr netip.Addr) mgmtAddrs {
	host := ""
	if addr.IsValid() {
		host = addr.String()
	}
	at := func(port int) string { return netip.AddrPortFrom(addrOrAny(addr), uint16(port)).String() }
	if host == "" {
		at = func(port int) string { return fmt.Sprintf(":%d", port) }
	}
	if os.Geteuid() == 0 {
		return mgmtAddrs{at(80), at(443), at(23), at(22)}
	}
	return mgmtAddrs{at(8080), at(8443), at(2323), at(2222)}
}

func addrOrAny(a netip.Addr) netip.Addr {
	if a.IsValid() {
		return a
	}
	return netip.IPv4Unspecified()
}

// faceplateRef is the Web page's live faceplate: the screen application,
// once it runs.
type faceplateRef struct{ app atomic.Pointer[ui.App] }

var errNoScreen = errors.New("the screen application is not running")

func (f *faceplateRef) Frame() hw.TextFrame {
	if a := f.app.Load(); a != nil {
		return a.Frame()
	}
	return hw.TextFrame{}
}

func (f *faceplateRef) LEDs() map[hw.LED]hw.LEDState {
	if a := f.app.Load(); a != nil {
		return a.LEDs()
	}
	return nil
}

func (f *faceplateRef) Press(k hw.Key, index int) error {
	if a := f.app.Load(); a != nil {
		return a.Press(k, index)
	}
	return errNoScreen
}

// startManagement runs the Web server and the console beside phone p until
// ctx ends. It returns the notices for the screen (where to browse) and a
// function that waits for both to stop.
func startManagement(ctx context.Context, p *device.Phone, a mgmtAddrs, face *faceplateRef, log *slog.Logger) ([]string, func(), error) {
	var notices []string
	var waits []chan struct{}
	if a.http != "off" || a.https != "off" {
		srv, err := web.New(web.Config{Phone: p, HTTPAddr: a.http, HTTPSAddr: a.https, Logger: log.With("component", "web_server"),
			Faceplate: face, CheckNow: p.CheckNow})
		if err != nil {
			return nil, nil, fmt.Errorf("web interface: %w", err)
		}
		done := make(chan struct{})
		waits = append(waits, done)
		go func() {
			defer close(done)
			if err := srv.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("web interface stopped", "err", err)
			}
		}()
		if a.http != "off" {
			notices = append(notices, "web: http://"+a.http+"/ (admin/1234)")
		}
	}
	con, err := cli.New(cli.Config{Phone: p, TelnetAddr: a.telnet, SSHAddr: a.ssh, Logger: log.With("component", "cli"),
		Provision: p.CheckNow,
		LoadURL: func(ctx context.Context, url string) error {
			reboot, err := p.LoadConfigURL(ctx, url)
			if err == nil && reboot {
				return p.Reboot(ctx, "configuration loaded from "+url)
			}
			return err
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("console: %w", err)
	}
	done := make(chan struct{})
	waits = append(waits, done)
	go func() {
		defer close(done)
		if err := con.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("console stopped", "err", err)
		}
	}()
	return notices, func() {
		for _, w := range waits {
			<-w
		}
	}, nil
}
