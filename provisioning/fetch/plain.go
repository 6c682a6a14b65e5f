package fetch

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// plainTransport sends the downloader's plain-HTTP requests that go
// straight to the server (no proxy) on the caller's goroutine: it writes
// the request and reads the response on one connection, kept for the next
// request to the same server. net/http's Transport, which carries the
// rest (HTTPS, proxies), runs three goroutines a connection and hands each
// request and response between them: in a boot storm of thousands of
// phones, each making one connection for two or three small files, that
// was about a fifth of the CPU (a 10,000-phone storm into the embedded lab,
// with this transport and without it). The wire is the same: requests are
// written by http.Request.Write and responses read by http.ReadResponse.
type plainTransport struct {
	dial          func(ctx context.Context, network, addr string) (net.Conn, error)
	headerTimeout time.Duration
	proxy         func(*http.Request) (*url.URL, error)
	next          *http.Transport

	mu   sync.Mutex
	idle map[string]*plainConn // a kept connection by server address
}

// maxIdle is how many servers' connections are kept: a phone downloads one
// file at a time, from one or two servers (firmware and configuration may
// come from different ones).
const maxIdle = 4

// plainConn is a connection with its buffers.
type plainConn struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	idle *time.Timer // closes it after idleTimeout while kept
}

// longAgo is a deadline that has passed: setting it stops a blocked read
// or write.
var longAgo = time.Unix(1, 0)

func (t *plainTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.URL.Host == "" {
		return t.next.RoundTrip(req)
	}
	if t.proxy != nil {
		if p, err := t.proxy(req); err != nil || p != nil {
			return t.next.RoundTrip(req)
		}
	}
	addr := canonicalAddr(req.URL)
	if pc := t.takeIdle(addr); pc != nil {
		resp, err := t.roundTrip(req, pc)
		if err == nil || !retryable(req, err) {
			return resp, err
		}
		// The server closed the kept connection before it got the
		// request: once more on a new one, as net/http does.
	}
	pc, err := t.connect(req.Context(), addr)
	if err != nil {
		closeRequestBody(req)
		return nil, err
	}
	return t.roundTrip(req, pc)
}

// nothingRead is a failure before any byte of a response came back. It
// is a time-out when its cause is (url.Error asks its cause directly).
type nothingRead struct{ err error }

func (e *nothingRead) Error() string { return "no response: " + e.err.Error() }
func (e *nothingRead) Unwrap() error { return e.err }
func (e *nothingRead) Timeout() bool { return isTimeout(e.err) }

// retryable reports whether req may be sent again after err: nothing was
// read of a response, and the request has no body to send again.
func retryable(req *http.Request, err error) bool {
	var nr *nothingRead
	return errors.As(err, &nr) && !nr.Timeout() && req.Context().Err() == nil &&
		(req.Body == nil || req.Body == http.NoBody) && (req.Method == http.MethodGet || req.Method == http.MethodHead)
}

// A connection's buffers go back to these when it closes: a storm's
// phones download one after another more than all at once.
var (
	connReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}
	connWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<10) }}
)

func (t *plainTransport) connect(ctx context.Context, addr string) (*plainConn, error) {
	c, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	br := connReaders.Get().(*bufio.Reader)
	bw := connWriters.Get().(*bufio.Writer)
	br.Reset(c)
	bw.Reset(c)
	return &plainConn{addr: addr, conn: c, br: br, bw: bw}, nil
}

// close stops its idle timer, closes the connection and gives back its
// buffers. It is called once, by whoever holds pc: a request that failed
// or whose body ended the connection, or the transport for a kept one it
// drops.
func (pc *plainConn) close() {
	if pc.idle != nil {
		pc.idle.Stop()
	}
	pc.conn.Close()
	pc.br.Reset(nil)
	pc.bw.Reset(nil)
	connReaders.Put(pc.br)
	connWriters.Put(pc.bw)
	pc.br, pc.bw = nil, nil
}

func (t *plainTransport) roundTrip(req *http.Request, pc *plainConn) (*http.Response, error) {
	ctx := req.Context()
	if t.headerTimeout > 0 {
		pc.conn.SetDeadline(time.Now().Add(t.headerTimeout))
	}
	// A cancelled request stops its read or write at once.
	stop := context.AfterFunc(ctx, func() { pc.conn.SetDeadline(longAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		pc.close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	err := req.Write(pc.bw)
	if err == nil {
		err = pc.bw.Flush()
	}
	if err != nil {
		return fail(&nothingRead{err})
	}
	var resp *http.Response
	for {
		if _, err := pc.br.Peek(1); err != nil {
			return fail(&nothingRead{err})
		}
		var err error
		if resp, err = http.ReadResponse(pc.br, req); err != nil {
			return fail(err)
		}
		// Interim responses (100 Continue, 103 Early Hints) are skipped;
		// 101 ends HTTP on the connection and is returned.
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	pc.conn.SetDeadline(time.Time{})
	if ctx.Err() != nil {
		pc.conn.SetDeadline(longAgo) // cancelled while the deadline was cleared
	}
	keep := !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols
	resp.Body = &plainBody{body: resp.Body, t: t, pc: pc, stop: stop, keep: keep}
	return resp, nil
}

// plainBody hands its connection back once the response was read to its
// end, or closes it when the body is closed before that.
type plainBody struct {
	body io.ReadCloser
	t    *plainTransport
	pc   *plainConn
	stop func() bool
	keep bool
	done bool
}

func (b *plainBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.release(true)
	}
	return n, err
}

func (b *plainBody) Close() error {
	if !b.done {
		b.release(false)
	}
	return nil
}

// release ends the request: the connection is kept when the response was
// read to its end, the request was not cancelled and both sides allow it.
func (b *plainBody) release(atEOF bool) {
	b.done = true
	if b.stop() && atEOF && b.keep {
		b.body.Close() // at its end: nothing left to read
		b.t.putIdle(b.pc)
		return
	}
	// Not b.body.Close: net/http's body reads a kept-alive response to its
	// end when closed (a whole image behind a header read).
	b.pc.close()
}

func (t *plainTransport) takeIdle(addr string) *plainConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	pc := t.idle[addr]
	if pc == nil {
		return nil
	}
	delete(t.idle, addr)
	pc.idle.Stop()
	return pc
}

func (t *plainTransport) putIdle(pc *plainConn) {
	t.mu.Lock()
	old := t.idle[pc.addr]
	if old == nil && len(t.idle) >= maxIdle {
		for _, o := range t.idle { // any other server's: the phone moved on
			old = o
			break
		}
	}
	if old != nil {
		delete(t.idle, old.addr)
	}
	if t.idle == nil {
		t.idle = map[string]*plainConn{}
	}
	t.idle[pc.addr] = pc
	if pc.idle == nil {
		pc.idle = time.AfterFunc(idleTimeout, func() { t.dropIdle(pc) })
	} else {
		pc.idle.Reset(idleTimeout)
	}
	t.mu.Unlock()
	if old != nil {
		old.close()
	}
}

// dropIdle closes pc if it is still kept.
func (t *plainTransport) dropIdle(pc *plainConn) {
	t.mu.Lock()
	kept := t.idle[pc.addr] == pc
	if kept {
		delete(t.idle, pc.addr)
	}
	t.mu.Unlock()
	if kept {
		pc.close()
	}
}

// CloseIdleConnections closes the kept connections, this transport's and
// net/http's.
func (t *plainTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, pc := range idle {
		pc.close()
	}
	t.next.CloseIdleConnections()
}

// canonicalAddr is u's host:port, port 80 when u gives none.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
