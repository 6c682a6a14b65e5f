package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/device"
)

// Config describes a Web server. Phone is required; the zero value of every
// other field works.
type Config struct {
	// Phone is the phone the pages show and drive.
	Phone *device.Phone
	// HTTPAddr and HTTPSAddr are the listen addresses; "" means ":80" and
	// ":443" as on the real phone, "off" means no such listener. Tests use
	// "127.0.0.1:0".
	HTTPAddr, HTTPSAddr string
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Clock is the time source for sessions and lockouts; nil means the
	// phone's clock.
	Clock clock.Clock

	// SessionIdle ends a session unused for that long (default 15 min).
	SessionIdle time.Duration
	// MaxLoginFailures consecutive failures from one address start a
	// lockout of Lockout (defaults 5 and 5 min).
	MaxLoginFailures int
	Lockout          time.Duration
	// MaxConfigSize and MaxFirmwareSize limit uploads (defaults 1 MiB and
	// 256 MiB).
	MaxConfigSize, MaxFirmwareSize int64

	// Firmware verifies uploaded images; nil means ImageVerifier.
	Firmware FirmwareVerifier
	// History and Tombstones back the Call History and Tombstone Dump
	// pages; nil means the phone's flash (FlashHistory, FlashTombstones).
	History    CallHistory
	Tombstones Tombstones
	// Faceplate shows the screen and takes keys; nil shows the boot status
	// and takes no keys.
	Faceplate Faceplate
	// VoIP overrides the line and call state the VoIP Status page reads
	// from the phone's state; nil: the phone's state.
	VoIP VoIP
	// CheckNow backs Automatic Update > Check Now; nil: not available.
	CheckNow CheckNowFunc
}

// Defaults of the Config fields.
const (
	DefaultSessionIdle      = 15 * time.Minute
	DefaultMaxLoginFailures = 5
	DefaultLockout          = 5 * time.Minute
	DefaultMaxConfigSize    = 1 << 20
	DefaultMaxFirmwareSize  = 256 << 20
)

// Server is a phone's Web interface. Create it with New, then Run it (or
// Listen and Serve). Handler serves the pages without listeners, for tests.
type Server struct {
	cfg   Config
	phone *device.Phone
	log   *slog.Logger
	clk   clock.Clock

	sessions sessions
	lock     lockout
	pages    pageSet
	handler  func() http.Handler // the routes, built on first use
	fw       firmwareJob

	mu       sync.Mutex // guards the listeners
	httpLn   net.Listener
	httpsLn  net.Listener
	tlsCert  tls.Certificate
	listened bool
}

// New checks cfg and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if cfg.Phone == nil {
		return nil, ErrNoPhone
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.MaxLoginFailures <= 0 {
		cfg.MaxLoginFailures = DefaultMaxLoginFailures
	}
	if cfg.Lockout <= 0 {
		cfg.Lockout = DefaultLockout
	}
	if cfg.MaxConfigSize <= 0 {
		cfg.MaxConfigSize = DefaultMaxConfigSize
	}
	if cfg.MaxFirmwareSize <= 0 {
		cfg.MaxFirmwareSize = DefaultMaxFirmwareSize
	}
	if cfg.Firmware == nil {
		cfg.Firmware = ImageVerifier{}
	}
	if cfg.History == nil {
		cfg.History = FlashHistory{History: cfg.Phone.Flash().History()}
	}
	if cfg.Tombstones == nil {
		cfg.Tombstones = FlashTombstones{Dumps: cfg.Phone.Flash().Tombstones()}
	}
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = ":80"
	}
	if cfg.HTTPSAddr == "" {
		cfg.HTTPSAddr = ":443"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = cfg.Phone.Clock()
	}
	s := &Server{
		cfg:   cfg,
		phone: cfg.Phone,
		log:   log.With("component", "web", "phone", cfg.Phone.MAC()),
		clk:   clk,
	}
	s.sessions = sessions{m: map[string]*session{}, idle: cfg.SessionIdle, clk: clk}
	s.lock = lockout{fails: map[string]*failures{}, max: cfg.MaxLoginFailures, dur: cfg.Lockout, clk: clk}
	pages, err := sharedPages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	// A fleet's idle phones never see a request: build the routes then.
	s.handler = sync.OnceValue(s.routes)
	return s, nil
}

// Handler returns the Web interface as an http.Handler (the same one the
// listeners serve).
func (s *Server) Handler() http.Handler { return s.handler() }

// Listen binds the listeners (and makes or loads the HTTPS certificate).
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listened {
		return errors.New("web: Listen called twice")
	}
	if s.cfg.HTTPSAddr != "off" {
		cert, err := loadOrMakeCert(s.phone.Flash(), s.phone.MAC(), s.clk.Now())
		if err != nil {
			return err
		}
		s.tlsCert = cert
		ln, err := net.Listen("tcp", s.cfg.HTTPSAddr)
		if err != nil {
			return fmt.Errorf("web: listen HTTPS: %w", err)
		}
		// TLS 1.2 only, as the phone's OpenSSL 1.0.1 (manual §3.5.8).
		s.httpsLn = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert},
			MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
	}
	if s.cfg.HTTPAddr != "off" {
		ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
		if err != nil {
			if s.httpsLn != nil {
				s.httpsLn.Close()
			}
			return fmt.Errorf("web: listen HTTP: %w", err)
		}
		s.httpLn = ln
	}
	s.listened = true
	return nil
}

// HTTPAddr returns the bound HTTP address, or nil.
func (s *Server) HTTPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpLn == nil {
		return nil
	}
	return s.httpLn.Addr()
}

// HTTPSAddr returns the bound HTTPS address, or nil.
func (s *Server) HTTPSAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpsLn == nil {
		return nil
	}
	return s.httpsLn.Addr()
}

// Certificate returns the HTTPS certificate (after Listen).
func (s *Server) Certificate() tls.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsCert
}

// Serve serves the bound listeners until ctx is done, then shuts down and
// returns ctx.Err().
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	lns := []net.Listener{}
	for _, ln := range []net.Listener{s.httpLn, s.httpsLn} {
		if ln != nil {
			lns = append(lns, ln)
		}
	}
	s.mu.Unlock()
	if len(lns) == 0 {
		return errors.New("web: Serve before Listen (or both listeners off)")
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler().ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- srv.Serve(ln) }()
	}
	var err error
	consumed := 0
	select {
	case <-ctx.Done():
	case err = <-errc:
		consumed = 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	for i := consumed; i < len(lns); i++ {
		<-errc
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("web: serve: %w", err)
}

// Run listens and serves until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve(ctx)
}

// httpsURL returns the HTTPS address a plain request is redirected to.
func (s *Server) httpsURL(r *http.Request) (string, bool) {
	addr := s.HTTPSAddr()
	if addr == nil {
		return "", false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if host == "" {
		host = "localhost"
	}
	port := addr.(*net.TCPAddr).Port
	if port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	} else if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	return "https://" + host + r.URL.RequestURI(), true
}
