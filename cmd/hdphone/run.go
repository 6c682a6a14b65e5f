package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/fleet/api"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/term"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/audio/portaudio"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/ui"
)

const runSynopsis = "[--headless] [--model M] [--mac MAC] [--state DIR] [--cfg FILE] [--lab auto|on|off] " +
	"[--addr IP] [--dhcp-server HOST:PORT | --iface IF [--pc-iface IF]] [--audio auto|portaudio|null] [--mic FILE.wav] " +
	"[--contacts FILE.csv] [--log FILE]"

// runPhone runs one phone: by default with its faceplate in the terminal
// and the embedded lab around it; --headless prints its state transitions
// instead.
func runPhone(ctx context.Context, e *env, args []string) error {
	fs, verbose := newFlags(e, "run", runSynopsis)
	headless := fs.Bool("headless", false, "no terminal UI: print state transitions")
	modelName := fs.String("model", "450HD", "phone model: 445HD, 450HD, C450HD, RX50 or HRS")
	macFlag := fs.String("mac", "00908f000001", "MAC address (12 hex digits or colon form)")
	stateDir := fs.String("state", "", "state directory holding the phone's flash, kept between runs (empty: memory)")
	resetKeys := fs.Bool("hold-ok-menu", false, "hold OK+MENU at power-on (restore defaults)")
	addrFlag := fs.String("addr", "", "the phone's own IP address (a 127.x.y.z gives each phone on a host its own)")
	dhcpServer := fs.String("dhcp-server", "", "DHCP in UDP mode towards this server (host:port), sent from --addr (see hdphone lab)")
	iface := fs.String("iface", "", "DHCP in raw mode on this interface (needs CAP_NET_RAW)")
	pcIface := fs.String("pc-iface", "", "with --iface: the phone's PC port, bridged to it")
	cfgFile := fs.String("cfg", "", "configuration file applied at power-on, as from the Web page (real servers: a SIP line, provisioning)")
	labMode := fs.String("lab", "auto", "the embedded lab (DHCP, provisioning, SIP): on, off, or auto (on for the terminal UI unless --cfg, --dhcp-server or --iface)")
	audioMode := fs.String("audio", "auto", "sound: auto (the sound card when built with -tags portaudio, else none), portaudio, null")
	mic := fs.String("mic", "", "a WAV file played (looped) as the microphone instead of the sound card")
	contactsFile := fs.String("contacts", "", "the directory: a file of name,number lines")
	logFile := fs.String("log", "", "write the log to this file (the terminal UI otherwise discards it)")
	apiAddr := fs.String("api", "", "serve the control API (see fleet/api) on `ADDR` while the phone runs; the phone's ID is its MAC")
	webAddr := fs.String("web", "auto", "the phone's Web interface over HTTP on `ADDR`: auto (the phone's address, port 80 as root else 8080) or off")
	httpsAddr := fs.String("https", "auto", "the Web interface over HTTPS on `ADDR`: auto (port 443 as root else 8443) or off")
	telnetAddr := fs.String("telnet", "auto", "where the Telnet console listens while management/telnet/enabled=1: auto (23 as root else 2323)")
	sshAddr := fs.String("ssh", "auto", "where the SSH console listens while management/ssh/enabled=1: auto (22 as root else 2222)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	m, err := model.Lookup(*modelName)
	if err != nil {
		return exitError{2, err}
	}
	mac, err := parseMAC(*macFlag)
	if err != nil {
		return exitError{2, err}
	}
	log := e.log
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return exitError{2, fmt.Errorf("--log: %w", err)}
		}
		defer f.Close()
		log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: e.level}))
	} else if !*headless {
		log = slog.New(slog.DiscardHandler) // the terminal is the faceplate
	}
	if log != e.log {
		// The SIP stack's own log goes where the phone's goes, never over
		// the faceplate.
		sip.SetStackLogger(log.With("component", "sipgo"))
	}
	var contacts []ui.Contact
	if *contactsFile != "" {
		f, err := os.Open(*contactsFile)
		if err != nil {
			return exitError{2, fmt.Errorf("--contacts: %w", err)}
		}
		contacts, err = ui.ParseContacts(f)
		f.Close()
		if err != nil {
			return exitError{2, fmt.Errorf("--contacts %s: %w", *contactsFile, err)}
		}
	}
	var cfgData []byte
	if *cfgFile != "" {
		if cfgData, err = readFile(*cfgFile); err != nil {
			return exitError{2, fmt.Errorf("--cfg: %w", err)}
		}
	}
	fl := flash.NewMemory()
	if *stateDir != "" {
		if fl, err = flash.Open(*stateDir); err != nil {
			return err
		}
	}
	dc := device.Config{Model: m, MAC: mac, Flash: fl, Logger: log, MediaPorts: media.PortAny}
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
	dc.Network.PCInterface = *pcIface

	var notices []string
	withLab, err := wantLab(*labMode, *headless, *cfgFile != "" || *dhcpServer != "" || *iface != "")
	if err != nil {
		return exitError{2, err}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if withLab {
		l, err := lab.New(lab.Config{Logger: log})
		if err != nil {
			return err
		}
		labDone := make(chan struct{})
		go func() { l.Run(ctx); close(labDone) }()
		defer func() { cancel(); <-labDone }()
		dc.Network.DHCPServer = l.DHCPAddr()
		if !dc.Addr.IsValid() {
			dc.Addr = lab.PhoneAddr(macNumber(mac))
		}
		line, _ := l.Line(mac)
		notices = append(notices, fmt.Sprintf("lab: line %s, SIP %s, DHCP %s", line, l.SIPAddr(), l.DHCPAddr()))
		log.Info("embedded lab", "sip", l.SIPAddr(), "dhcp", l.DHCPAddr(),
			"another phone", fmt.Sprintf("hdphone run --headless --mac 00908f%06x --addr %s --dhcp-server %s",
				macNumber(mac)+2, lab.PhoneAddr(macNumber(mac)+1), l.DHCPAddr()))
	}
	af, audioNote, closeAudio := pickAudio(*audioMode, *mic)
	defer closeAudio()
	if af == nil && audioNote == "" {
		return exitError{2, fmt.Errorf("--audio %q: want auto, portaudio or null", *audioMode)}
	}
	dc.Audio = af
	// A desk phone is heard: dial tone off-hook, ringback while calling.
	dc.LocalTones = true
	if audioNote != "" {
		// A missing sound card matters most: it comes first.
		notices = append([]string{audioNote}, notices...)
	}

	p, err := device.New(dc)
	if err != nil {
		return err
	}
	events, stop := p.Subscribe(1024)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()
	face := &faceplateRef{}
	addrs := defaultMgmtAddrs(dc.Addr)
	for _, f := range []struct {
		flag string
		dst  *string
	}{{*webAddr, &addrs.http}, {*httpsAddr, &addrs.https}, {*telnetAddr, &addrs.telnet}, {*sshAddr, &addrs.ssh}} {
		if f.flag != "auto" {
			*f.dst = f.flag
		}
	}
	mgmtNotes, waitMgmt, err := startManagement(ctx, p, addrs, face, log)
	if err != nil {
		cancel()
		<-runErr
		return exitError{2, err}
	}
	defer func() { cancel(); waitMgmt() }()
	notices = append(notices, mgmtNotes...)
	if *apiAddr != "" {
		stopAPI, err := serveAPI(e, *apiAddr, api.Phone{ID: p.MAC(), Device: p})
		if err != nil {
			cancel()
			<-runErr
			return exitError{2, fmt.Errorf("--api: %w", err)}
		}
		defer stopAPI()
	}
	if cfgData != nil {
		issues, _, err := p.ApplyConfig(ctx, *cfgFile, cfgData)
		if err != nil {
			cancel()
			<-runErr
			return exitError{1, fmt.Errorf("--cfg %s: %w", *cfgFile, err)}
		}
		for _, is := range issues {
			log.Warn("configuration", "issue", is.Error())
		}
	}
	var opts []device.PowerOption
	if *resetKeys {
		opts = append(opts, device.WithKeysHeld(hw.KeyOK, hw.KeyMenu))
	}
	if *headless {
		// The screen application runs on an in-memory board, so the Web
		// page's faceplate shows and drives the phone.
		vb := virtual.Config{Geometry: m.Screen, LEDs: m.FaceplateLEDs()}.New()
		defer vb.Close()
		app, err := ui.New(ui.Config{Phone: ui.ForDevice(p), Board: vb, Logger: log, Contacts: contacts})
		if err != nil {
			return err
		}
		appDone := make(chan struct{})
		go func() { app.Run(ctx); close(appDone) }()
		defer func() { cancel(); <-appDone }()
		face.app.Store(app)
		for _, n := range notices {
			fmt.Fprintln(e.stderr, n)
		}
		if err := p.PowerOn(ctx, opts...); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s: powered on (firmware %s); Ctrl-C to power off\n", m.Name, p.MAC(), p.Snapshot().Firmware)
		return printEvents(e.stdout, events, runErr)
	}
	stop()
	return runTerminal(ctx, cancel, p, runErr, contacts, notices, log, opts, face)
}

// wantLab decides whether to start the embedded lab.
func wantLab(mode string, headless, elsewhere bool) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		return !headless && !elsewhere, nil
	}
	return false, fmt.Errorf("--lab %q: want on, off or auto", mode)
}

// macNumber is n of lab.PhoneMAC(n): the MAC's low 24 bits less one.
func macNumber(mac net.HardwareAddr) int {
	return max(int(mac[3])<<16|int(mac[4])<<8|int(mac[5])-1, 0)
}

// pickAudio chooses the phone's microphone and speaker. It returns a note
// for the screen when there is no sound card, and a func that closes the
// device. A nil AudioFunc with no note is a bad mode.
func pickAudio(mode, mic string) (device.AudioFunc, string, func()) {
	none := func() {}
	var src media.Source
	if mic != "" {
		f, err := audio.OpenFile(mic, device.AudioRate, true)
		if err != nil {
			return nullAudio, "audio: --mic " + err.Error() + "; calls send silence", none
		}
		src = f
	}
	switch mode {
	case "null":
		return withMic(nullAudio, src), "audio: none (--audio null); calls are silent", none
	case "auto", "portaudio":
		dev, err := portaudio.Open(portaudio.Config{SampleRate: device.AudioRate, NoInput: src != nil})
		if err != nil {
			note := "audio: no sound card (" + err.Error() + "); calls are silent"
			if errors.Is(err, portaudio.ErrNotInBuild) {
				note = "audio: no sound card in this build (needs cgo, -tags portaudio); calls are silent"
			}
			return withMic(nullAudio, src), note, none
		}
		af := func(device.Call) (media.Source, media.Sink) { return dev, dev }
		return withMic(af, src), "", func() { dev.Close() }
	}
	return nil, "", none
}

func nullAudio(device.Call) (media.Source, media.Sink) { return audio.Null{}, audio.Null{} }

// withMic replaces the microphone of af by src, when there is one.
func withMic(af device.AudioFunc, src media.Source) device.AudioFunc {
	if src == nil {
		return af
	}
	return func(c device.Call) (media.Source, media.Sink) {
		_, sink := af(c)
		return src, sink
	}
}

// printEvents prints the phone's events until it stops (--headless).
func printEvents(w io.Writer, events <-chan device.Event, runErr <-chan error) error {
	for {
		select {
		case ev := <-events:
			fmt.Fprintln(w, ev)
		case err := <-runErr:
			for {
				select {
				case ev := <-events:
					fmt.Fprintln(w, ev)
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

// termLayout is the model's faceplate for the terminal.
func termLayout(m *model.Model) term.Layout {
	l := term.Layout{Name: string(m.Name), Screen: m.Screen, HardKeys: m.HardKeys, LEDs: m.FaceplateLEDs()}
	for _, s := range ui.KeySlots(m, m.Screen) {
		if s.Left {
			l.Left = append(l.Left, term.Slot{Index: s.Index, Row: s.Row})
		} else {
			l.Right = append(l.Right, term.Slot{Index: s.Index, Row: s.Row})
		}
	}
	for _, n := range m.KeyIndices() {
		if kind, num := m.KeyAt(n); kind == model.FunctionKey || kind == model.ExpansionKey {
			l.Side = append(l.Side, term.SideKey{Index: n, Number: num})
		}
	}
	return l
}

// runTerminal runs the phone with its faceplate in the terminal until
// Ctrl-C (in the terminal or as a signal).
func runTerminal(ctx context.Context, cancel context.CancelFunc, p *device.Phone, runErr chan error,
	contacts []ui.Contact, notices []string, log *slog.Logger, opts []device.PowerOption, face *faceplateRef) error {
	board, err := term.New(term.Config{Layout: termLayout(p.Model())})
	if err != nil {
		cancel()
		<-runErr
		return exitError{1, fmt.Errorf("%w (use --headless without a terminal)", err)}
	}
	board.SetNotices(notices...)
	app, err := ui.New(ui.Config{Phone: ui.ForDevice(p), Board: board, Logger: log, Contacts: contacts})
	if err != nil {
		board.Close()
		cancel()
		<-runErr
		return err
	}
	face.app.Store(app)
	appErr := make(chan error, 1)
	go func() { appErr <- app.Run(ctx) }()
	if err := p.PowerOn(ctx, opts...); err != nil {
		cancel()
	}
	appDone := false
	select {
	case <-ctx.Done():
	case <-board.Quit():
	case err := <-runErr:
		runErr <- err
	case <-appErr:
		appDone = true
	}
	cancel()
	if !appDone {
		<-appErr
	}
	board.Close()
	var phoneErr error
	if phoneErr = <-runErr; errors.Is(phoneErr, context.Canceled) {
		phoneErr = nil
	}
	return phoneErr
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
