package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/clock"
)

// Fetcher downloads files by URL.
type Fetcher interface {
	// Open starts downloading rawURL. When first > 0 only the first `first`
	// bytes are wanted: the transfer stops after them and the body yields at
	// most that many bytes. The caller must Close the body; closing early
	// aborts the transfer. A body may implement Sizer.
	Open(ctx context.Context, rawURL string, first int64) (io.ReadCloser, error)
}

// Sizer is implemented by bodies that know the file's full size.
type Sizer interface {
	// Size returns the full size of the file, or -1 when unknown.
	Size() int64
}

// Config configures a Client. The zero value works: no User-Agent header,
// 30 s time-outs, a 256 MiB size limit, the built-in trust store with
// certificate errors refused, no proxy.
type Config struct {
	// UserAgent is sent with every HTTP request (device.UserAgent).
	UserAgent string
	// Timeout bounds connecting and waiting for the first answer; 0: 30 s.
	Timeout time.Duration
	// IdleTimeout fails a transfer that receives nothing for this long;
	// 0: 30 s.
	IdleTimeout time.Duration
	// MaxSize refuses files larger than this; 0: 256 MiB.
	MaxSize int64
	// TLS is the HTTPS policy.
	TLS TLSConfig
	// Proxy is the HTTP forward proxy (zero: none).
	Proxy Proxy
	// LocalAddr is the local IP to connect from (a fleet phone's own
	// address); empty: any.
	LocalAddr string
	// TFTPBlockSize is the blksize option to request; 0: 1468.
	TFTPBlockSize int
	// TFTPTimeout is the TFTP retransmission time; 0: 1 s.
	TFTPTimeout time.Duration
	// TFTPRetries is the number of TFTP retransmissions; 0: 5.
	TFTPRetries int
	// Clock is the time for certificate validity and idle time-outs; nil:
	// the real clock.
	Clock clock.Clock
	// Logger logs each transfer at debug level; nil: discard.
	Logger *slog.Logger
}

func (c *Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 30 * time.Second
	}
	return c.Timeout
}

func (c *Config) idleTimeout() time.Duration {
	if c.IdleTimeout <= 0 {
		return 30 * time.Second
	}
	return c.IdleTimeout
}

func (c *Config) maxSize() int64 {
	if c.MaxSize <= 0 {
		return 256 << 20
	}
	return c.MaxSize
}

// Client is a Fetcher for http, https, tftp and ftp URLs. It is safe for
// concurrent use.
type Client struct {
	cfg   Config
	clock clock.Clock
	log   *slog.Logger

	// The HTTP side is made on first use: most checks of a booting fleet
	// phone fetch nothing over HTTP (TFTP, FTP, or no server at all), and
	// a transport and its TLS configuration were a tenth of what such a
	// phone allocated while booting.
	webOnce sync.Once
	tls     *tls.Config // built by New when it holds certificates to check
	http    *http.Client
	tr      atomic.Pointer[plainTransport] // once made
}

// New returns a Client. It fails when the TLS configuration holds unusable
// certificates or keys (ErrBadCertificate).
func New(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, clock: clock.OrReal(cfg.Clock), log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.TLS.CAs) > 0 || len(cfg.TLS.ClientCert) > 0 || len(cfg.TLS.ClientKey) > 0 {
		conf, err := cfg.TLS.build(c.clock)
		if err != nil {
			return nil, err
		}
		c.tls = conf
	}
	return c, nil
}

// web returns the HTTP client, making it on first use.
func (c *Client) web() *http.Client {
	c.webOnce.Do(func() {
		if c.tls == nil {
			// Without certificates of its own the configuration
			// cannot fail: the trust store and the policy.
			c.tls, _ = c.cfg.TLS.build(c.clock)
		}
		tr := c.transport(c.tls)
		c.tr.Store(tr)
		c.http = &http.Client{
			Transport: tr,
			// Redirects are followed for files (an http server sending the
			// phone to https, say) but not for Do, which returns them.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return fmt.Errorf("fetch: %d redirects", len(via))
				}
				if noFollow(req.Context()) {
					return http.ErrUseLastResponse
				}
				req.Header.Set("User-Agent", c.cfg.UserAgent)
				return nil
			},
		}
	})
	return c.http
}

// CloseIdleConnections closes kept-alive HTTP connections.
func (c *Client) CloseIdleConnections() {
	if tr := c.tr.Load(); tr != nil {
		tr.CloseIdleConnections()
	}
}

// Open implements Fetcher.
func (c *Client) Open(ctx context.Context, rawURL string, first int64) (io.ReadCloser, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var body io.ReadCloser
	switch u.Scheme {
	case "http", "https":
		body, err = c.openHTTP(ctx, u, first)
	case "tftp":
		body, err = c.openTFTP(ctx, u, first)
	case "ftp":
		body, err = c.openFTP(ctx, u, first)
	default:
		return nil, fmt.Errorf("%w: %q in %s", ErrUnsupportedScheme, u.Scheme, redact(u))
	}
	if err != nil {
		c.log.Debug("fetch failed", "url", redact(u), "err", err)
		return nil, err
	}
	c.log.Debug("fetch started", "url", redact(u), "first", first)
	return body, nil
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no scheme or host", ErrBadURL, raw)
	}
	return u, nil
}

// redact hides a password in a URL for logs and errors.
func redact(u *url.URL) string { return u.Redacted() }

// ReadAll downloads the whole file at rawURL, refusing more than limit bytes
// (0: no limit beyond the Client's own).
func ReadAll(ctx context.Context, f Fetcher, rawURL string, limit int64) ([]byte, error) {
	body, err := f.Open(ctx, rawURL, 0)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var r io.Reader = body
	if limit > 0 {
		if s, ok := body.(Sizer); ok && s.Size() > limit {
			return nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, rawURL, s.Size(), limit)
		}
		r = io.LimitReader(body, limit+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, rawURL, limit)
	}
	return b, nil
}

// ReadHeader downloads only the first n bytes of rawURL. A file shorter than
// n gives what there is and no error.
func ReadHeader(ctx context.Context, f Fetcher, rawURL string, n int) ([]byte, error) {
	body, err := f.Open(ctx, rawURL, int64(n))
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(body, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:m], err
}

// body is what Open returns: it limits the bytes to `first` (for header
// reads) and to the size limit, turns a stall into ErrTimeout, counts bytes
// and closes the underlying transfer once.
type body struct {
	rc       io.ReadCloser
	size     int64 // full file size, -1 unknown
	first    int64 // stop after this many bytes (0: all)
	max      int64
	url      string
	read     int64
	idle     time.Duration
	timer    clock.Timer
	expired  chan struct{} // closed when the idle timer fires
	onExpire func()        // unblocks a stalled read (closes the connection)
	closeMu  sync.Mutex
	closed   bool
	// mapErr turns a scheme's read error into the package's errors.
	mapErr func(error) error
}

func (c *Client) newBody(rc io.ReadCloser, size, first int64, u *url.URL, onExpire func(), mapErr func(error) error) *body {
	b := &body{rc: rc, size: size, first: first, max: c.cfg.maxSize(), url: redact(u),
		idle: c.cfg.idleTimeout(), expired: make(chan struct{}), onExpire: onExpire, mapErr: mapErr}
	b.timer = c.clock.AfterFunc(b.idle, func() {
		close(b.expired)
		if b.onExpire != nil {
			b.onExpire()
		}
	})
	return b
}

func (b *body) Size() int64 { return b.size }

func (b *body) Read(p []byte) (int, error) {
	if b.first > 0 {
		if b.read >= b.first {
			return 0, io.EOF
		}
		if rest := b.first - b.read; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if b.read > b.max {
		return n, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, b.url, b.max)
	}
	if err != nil && err != io.EOF {
		select {
		case <-b.expired:
			return n, fmt.Errorf("%w: %s: nothing received for %s", ErrTimeout, b.url, b.idle)
		default:
		}
		if b.mapErr != nil {
			err = b.mapErr(err)
		}
		return n, err
	}
	if err == io.EOF && b.first == 0 && b.size >= 0 && b.read < b.size {
		return n, fmt.Errorf("%w: %s: %d of %d bytes", ErrTruncated, b.url, b.read, b.size)
	}
	return n, err
}

func (b *body) Close() error {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.timer.Stop()
	return b.rc.Close()
}

// Received reports how many bytes the reader got so far.
func (b *body) Received() int64 { return b.read }

// isTimeout reports whether err is a network time-out.
func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
