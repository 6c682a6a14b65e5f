package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// transport is the downloader's: plain HTTP straight to a server on the
// caller's goroutine (plainTransport), the rest through net/http's.
func (c *Client) transport(tlsConf *tls.Config) *plainTransport {
	// No TCP keep-alive probes: the downloader's connections are short
	// (and setting them up was four system calls a connection).
	d := &net.Dialer{Timeout: c.cfg.timeout(), KeepAlive: -1}
	if c.cfg.LocalAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(c.cfg.LocalAddr)}
	}
	next := &http.Transport{
		Proxy:                 c.cfg.Proxy.forRequest,
		DialContext:           d.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   c.cfg.timeout(),
		ResponseHeaderTimeout: c.cfg.timeout(),
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       idleTimeout,
		// The phone's files are already compressed or tiny; asking for gzip
		// would also break Range byte counting.
		DisableCompression: true,
		// A request is a few hundred bytes of headers; net/http's default
		// buffer is 4 KiB a connection, fresh memory in a boot storm.
		WriteBufferSize: 1024,
	}
	return &plainTransport{dial: d.DialContext, headerTimeout: c.cfg.timeout(), proxy: c.cfg.Proxy.forRequest, next: next}
}

// idleTimeout is how long a kept connection waits for the next request.
const idleTimeout = 30 * time.Second

type noFollowKey struct{}

func noFollow(ctx context.Context) bool { v, _ := ctx.Value(noFollowKey{}).(bool); return v }

// Do sends an HTTP or HTTPS request with the Client's TLS policy, proxy and
// User-Agent, and returns the response without following redirects (the
// redirect server and the Device Manager keep-alive use it). Errors are typed
// like Open's, but HTTP status codes are left to the caller.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("%w: Do needs http or https, not %q", ErrUnsupportedScheme, req.URL.Scheme)
	}
	req = req.WithContext(context.WithValue(ctx, noFollowKey{}, true))
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	resp, err := c.web().Do(req)
	if err != nil {
		return nil, c.httpErr(ctx, req.URL, err)
	}
	return resp, nil
}

func (c *Client) openHTTP(parent context.Context, u *url.URL, first int64) (io.ReadCloser, error) {
	// The request has its own context so that Close (and the idle timer)
	// can drop the connection; errors are judged by the parent's.
	ctx, cancel := context.WithCancel(parent)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if first > 0 {
		req.Header.Set("Range", "bytes=0-"+strconv.FormatInt(first-1, 10))
	}
	resp, err := c.web().Do(req)
	if err != nil {
		cancel()
		return nil, c.httpErr(parent, u, err)
	}
	size := resp.ContentLength
	switch {
	case resp.StatusCode == http.StatusPartialContent && first > 0:
		size = totalFromContentRange(resp.Header.Get("Content-Range"))
	case resp.StatusCode == http.StatusOK:
		// A server that ignores Range sends everything: the body stops
		// after `first` bytes and Close drops the connection.
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		closeBody(resp, 0)
		cancel()
		return nil, fmt.Errorf("%w: %s (HTTP %s)", ErrNotFound, redact(u), resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		closeBody(resp, 0)
		cancel()
		return nil, fmt.Errorf("%w: %s (HTTP %s)", ErrDenied, redact(u), resp.Status)
	default:
		closeBody(resp, 0)
		cancel()
		return nil, &StatusError{URL: redact(u), Code: resp.StatusCode, Status: resp.Status}
	}
	if first == 0 && size > c.cfg.maxSize() {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, redact(u), size, c.cfg.maxSize())
	}
	rc := &httpBody{resp: resp, cancel: cancel}
	return c.newBody(rc, size, first, u, cancel, func(err error) error { return c.httpErr(parent, u, err) }), nil
}

// httpBody closes the response and cancels its request. What is left of a
// small response (the rest of a 512-byte header read, an error page) is
// read first, so that the connection carries the phone's next request;
// a large rest is dropped with the connection rather than drained.
type httpBody struct {
	resp   *http.Response
	cancel context.CancelFunc
	read   int64
}

func (h *httpBody) Read(p []byte) (int, error) {
	n, err := h.resp.Body.Read(p)
	h.read += int64(n)
	return n, err
}

func (h *httpBody) Close() error {
	defer h.cancel()
	return closeBody(h.resp, h.read)
}

// drainLimit is the most of a response's rest closeBody reads to keep its
// connection.
const drainLimit = 4 << 10

// closeBody closes resp's body after reading its rest when that is known
// and small (read bytes of it were read already): the transport reuses a
// connection only after its response was read to the end. A larger or
// unknown rest is not read: the connection is dropped.
func closeBody(resp *http.Response, read int64) error {
	if rest := resp.ContentLength - read; resp.ContentLength >= 0 && rest <= drainLimit {
		io.Copy(io.Discard, io.LimitReader(resp.Body, rest+1)) // +1: to see the EOF
	}
	return resp.Body.Close()
}

// totalFromContentRange reads the total of "bytes 0-511/1049088" (-1 if
// absent or "*").
func totalFromContentRange(v string) int64 {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '/' {
			n, err := strconv.ParseInt(v[i+1:], 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// httpErr maps transport errors to the package's errors.
func (c *Client) httpErr(ctx context.Context, u *url.URL, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), cerr)
		}
		return fmt.Errorf("fetch: %s: %w", redact(u), cerr)
	}
	if ce := certError(u.Hostname(), err); ce != nil {
		return ce
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: %w", ErrTruncated, redact(u), err)
	}
	if isTimeout(err) {
		return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("fetch: %s: %w", redact(u), err)
}
