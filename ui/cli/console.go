package cli

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
)

// Config describes a management console. Phone is required; the zero value
// of every other field works.
type Config struct {
	Phone *device.Phone
	// TelnetAddr and SSHAddr are where the services listen when enabled;
	// "" means ":23" and ":22". Tests use "127.0.0.1:0": the port the
	// kernel picks first is kept when a service is turned off and on.
	TelnetAddr, SSHAddr string
	// LoadURL and Provision back the "load" and "provision" commands.
	LoadURL   func(ctx context.Context, url string) error
	Provision func(ctx context.Context) error
	// IdleTimeout ends a session that sends nothing for that long (0
	// means 10 minutes).
	IdleTimeout time.Duration
	// LogSize is how many phone events "show log" keeps (0 means 200).
	LogSize int
	// Logger receives the console's log; nil discards it.
	Logger *slog.Logger
}

// DefaultIdleTimeout ends silent sessions.
const DefaultIdleTimeout = 10 * time.Minute

// Console serves the command engine over Telnet and SSH while the phone's
// configuration enables them.
type Console struct {
	cfg    Config
	phone  *device.Phone
	log    *slog.Logger
	engine *Engine
	events *EventLog

	telnet, ssh service

	mu      sync.Mutex // guards sshConf
	sshConf *ssh.ServerConfig

	// The subscription is taken in New, so that "show log" has every event
	// from the moment the console exists; Run consumes and ends it.
	sub   <-chan device.Event
	unsub func()
}

// service is one listener and its sessions.
type service struct {
	name  string
	addr  string // configured address, then the bound one
	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup // the accept loop and the sessions
}

// New checks cfg and returns a Console; Run serves it. The console starts
// recording the phone's events at once; call Run (or the recording stays
// subscribed).
func New(cfg Config) (*Console, error) {
	if cfg.Phone == nil {
		return nil, ErrNoPhone
	}
	if cfg.TelnetAddr == "" {
		cfg.TelnetAddr = ":23"
	}
	if cfg.SSHAddr == "" {
		cfg.SSHAddr = ":22"
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{
		cfg:    cfg,
		phone:  cfg.Phone,
		log:    log.With("component", "console", "phone", cfg.Phone.MAC()),
		events: NewEventLog(cfg.LogSize),
		telnet: service{name: "telnet", addr: cfg.TelnetAddr, conns: map[net.Conn]struct{}{}},
		ssh:    service{name: "ssh", addr: cfg.SSHAddr, conns: map[net.Conn]struct{}{}},
	}
	c.engine = &Engine{Phone: cfg.Phone, LoadURL: cfg.LoadURL, Provision: cfg.Provision, Log: c.events}
	c.sub, c.unsub = cfg.Phone.Subscribe(256)
	return c, nil
}

// Engine returns the command engine the sessions use.
func (c *Console) Engine() *Engine { return c.engine }

// TelnetAddr returns the Telnet listener's address while Telnet is on, else nil.
func (c *Console) TelnetAddr() net.Addr { return c.telnet.boundAddr() }

// SSHAddr returns the SSH listener's address while SSH is on, else nil.
func (c *Console) SSHAddr() net.Addr { return c.ssh.boundAddr() }

func (s *service) boundAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Run records the phone's events and keeps each service's listener open
// exactly while the phone is on and its switch is 1, until ctx is done.
func (c *Console) Run(ctx context.Context) error {
	events := c.sub
	defer c.unsub()
	c.reconcile(ctx)
	defer func() {
		c.telnet.close()
		c.ssh.close()
		c.telnet.wg.Wait()
		c.ssh.wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return ctx.Err()
			}
			c.events.Add(ev)
			switch ev.Kind {
			case device.EventConfigApplied, device.EventPower, device.EventFactoryReset:
				c.reconcile(ctx)
			}
		}
	}
}

// reconcile opens or closes the listeners to match the configuration.
func (c *Console) reconcile(ctx context.Context) {
	st := c.phone.Snapshot()
	telnetOn := st.Power && st.Config.Bool("management/telnet/enabled")
	// AUTH-5: SSH exists on the 445HD, 450HD, C450HD and HRS only.
	sshOn := st.Power && c.phone.Model().Caps.SSH && st.Config.Bool("management/ssh/enabled")
	c.telnet.set(ctx, c, telnetOn, c.serveTelnet)
	if sshOn {
		if _, err := c.sshConfig(); err != nil {
			c.log.Error("ssh host key", "err", err)
			sshOn = false
		}
	}
	c.ssh.set(ctx, c, sshOn, c.serveSSH)
}

func (s *service) set(ctx context.Context, c *Console, on bool, serve func(context.Context, net.Conn)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.ln == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			c.log.Error("listen", "service", s.name, "addr", s.addr, "err", err)
			return
		}
		s.addr = ln.Addr().String() // keep the port across off/on
		s.ln = ln
		c.log.Info("service on", "service", s.name, "addr", s.addr)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.accept(ctx, ln, c.cfg.IdleTimeout, serve)
		}()
	case !on && s.ln != nil:
		c.log.Info("service off", "service", s.name)
		s.closeLocked()
	}
}

func (s *service) accept(ctx context.Context, ln net.Listener, idle time.Duration, serve func(context.Context, net.Conn)) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.ln != ln { // turned off meanwhile
			s.mu.Unlock()
			conn.Close()
			return
		}
		conn = idleConn{Conn: conn, idle: idle}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			serve(ctx, conn)
		}()
	}
}

func (s *service) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
}

// closeLocked closes the listener and ends every session of the service.
func (s *service) closeLocked() {
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
	for conn := range s.conns {
		conn.Close()
	}
}

// idleConn ends a connection that reads nothing for idle.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

// checkAdmin reports whether name/password are the administrator pair
// (AUTH-4: Telnet, and SSH with it, use system/user_name and
// system/password, in whichever form the password is stored).
func (c *Console) checkAdmin(name, password string) bool {
	cfg := c.phone.Snapshot().Config
	user := cfg.Get("system/user_name")
	okUser := equal(name, user)
	okPass := cfg.CheckSecret("system/password", password)
	return user != "" && cfg.Get("system/password") != "" && okUser && okPass
}

func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func (c *Console) prompt() string { return string(c.phone.Model().Name) + "> " }

// repl reads command lines until the session ends.
func (c *Console) repl(ctx context.Context, t *term.Terminal) {
	st := c.phone.Snapshot()
	fmt.Fprintf(t, "AudioCodes %s %s (%s). Type help for the commands.\n", st.Model, st.Firmware, st.MAC)
	t.SetPrompt(c.prompt())
	for {
		line, err := t.ReadLine()
		if err != nil {
			return
		}
		quit, err := c.engine.Exec(ctx, t, line)
		if err != nil {
			fmt.Fprintf(t, "error: %v\n", err)
		}
		if quit {
			return
		}
	}
}

// maxLoginTries wrong passwords end a Telnet connection; SSH uses the same
// number through ServerConfig.MaxAuthTries.
const maxLoginTries = 3

func (c *Console) serveTelnet(ctx context.Context, conn net.Conn) {
	tc := newTelnetConn(conn)
	if err := tc.negotiate(); err != nil {
		return
	}
	t := term.NewTerminal(tc, "")
	tc.onResize = func(w, h int) { t.SetSize(w, h) }
	addr := conn.RemoteAddr().String()
	for try := 1; ; try++ {
		t.SetPrompt("Username: ")
		name, err := t.ReadLine()
		if err != nil {
			return
		}
		pass, err := t.ReadPassword("Password: ")
		if err != nil {
			return
		}
		if c.checkAdmin(strings.TrimSpace(name), pass) {
			c.log.Info("telnet login", "addr", addr)
			break
		}
		c.log.Warn("telnet login failed", "addr", addr)
		if try == maxLoginTries {
			io.WriteString(t, "Login incorrect. Too many failures.\n")
			return
		}
		io.WriteString(t, "Login incorrect.\n")
	}
	c.repl(ctx, t)
}

// RecordSSHHostKey is the flash record of the SSH host key (OpenSSH PEM).
// It is part of the phone's identity: a factory reset keeps it.
const RecordSSHHostKey = flash.DirFactory + "ssh_host_ed25519_key"

func (c *Console) sshConfig() (*ssh.ServerConfig, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sshConf != nil {
		return c.sshConf, nil
	}
	signer, err := loadOrMakeHostKey(c.phone.Flash())
	if err != nil {
		return nil, err
	}
	conf := &ssh.ServerConfig{
		MaxAuthTries: maxLoginTries,
		PasswordCallback: func(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			if c.checkAdmin(meta.User(), string(password)) {
				c.log.Info("ssh login", "addr", meta.RemoteAddr().String())
				return nil, nil
			}
			c.log.Warn("ssh login failed", "addr", meta.RemoteAddr().String())
			return nil, ErrAuth
		},
		ServerVersion: "SSH-2.0-AudioCodes_" + string(c.phone.Model().Name),
	}
	conf.AddHostKey(signer)
	c.sshConf = conf
	return conf, nil
}

func (c *Console) serveSSH(ctx context.Context, conn net.Conn) {
	conf, err := c.sshConfig()
	if err != nil {
		return
	}
	sconn, chans, reqs, err := ssh.NewServerConn(conn, conf)
	if err != nil {
		return
	}
	defer sconn.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.sshSession(ctx, ch, creqs)
		}()
	}
}

// sshSession serves one session channel: pty-req and window-change size
// the terminal, shell starts the console, exec runs one command.
func (c *Console) sshSession(ctx context.Context, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	t := term.NewTerminal(ch, "")
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{})
	started := false
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case req, ok := <-reqs:
			if !ok {
				return
			}
			switch req.Type {
			case "pty-req":
				if w, h, ok := parsePtyReq(req.Payload); ok {
					t.SetSize(w, h)
				}
				req.Reply(true, nil)
			case "window-change":
				if w, h, ok := parseWindowChange(req.Payload); ok {
					t.SetSize(w, h)
				}
				req.Reply(false, nil)
			case "env":
				req.Reply(true, nil)
			case "shell":
				if started {
					req.Reply(false, nil)
					continue
				}
				started = true
				req.Reply(true, nil)
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer close(done)
					c.repl(ctx, t)
					exitStatus(ch, 0)
					ch.Close()
				}()
			case "exec":
				if started {
					req.Reply(false, nil)
					continue
				}
				cmd, ok := parseString(req.Payload)
				if !ok {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				code := uint32(0)
				if _, err := c.engine.Exec(ctx, ch, cmd); err != nil {
					fmt.Fprintf(ch.Stderr(), "error: %v\n", err)
					code = 1
				}
				exitStatus(ch, code)
				return
			default:
				req.Reply(false, nil)
			}
		}
	}
}

func exitStatus(ch ssh.Channel, code uint32) {
	ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Code uint32 }{code}))
}

// parseString reads an SSH string (uint32 length, bytes).
func parseString(b []byte) (string, bool) {
	if len(b) < 4 {
		return "", false
	}
	n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if n < 0 || len(b)-4 < n {
		return "", false
	}
	return string(b[4 : 4+n]), true
}

// parsePtyReq reads the width and height (columns, rows) of a pty-req
// (RFC 4254 §6.2): TERM string, then uint32 columns and rows.
func parsePtyReq(b []byte) (w, h int, ok bool) {
	termName, ok := parseString(b)
	if !ok {
		return 0, 0, false
	}
	return parseWindowChange(b[4+len(termName):])
}

// parseWindowChange reads uint32 columns and rows (RFC 4254 §6.7).
func parseWindowChange(b []byte) (w, h int, ok bool) {
	if len(b) < 8 {
		return 0, 0, false
	}
	w = int(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	h = int(uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]))
	if w <= 0 || h <= 0 || w > 1000 || h > 1000 {
		return 0, 0, false
	}
	return w, h, true
}
