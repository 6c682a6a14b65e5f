package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"
)

// openFTP logs in (anonymous unless the URL has user:password), asks for the
// size, and retrieves the file over a passive data connection. Closing the
// body early closes the data connection, which stops the server's transfer.
func (c *Client) openFTP(ctx context.Context, u *url.URL, first int64) (io.ReadCloser, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "21")
	}
	// RFC 1738: the path is relative to the login directory.
	path := strings.TrimPrefix(u.Path, "/")
	if path == "" {
		return nil, fmt.Errorf("%w: %s names no file", ErrBadURL, redact(u))
	}
	user, pass := "anonymous", "anonymous@"
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}

	// Every connection (control and data) is tracked so that the context,
	// the idle timer and Close can cut them all.
	conns := &connSet{}
	d := &net.Dialer{Timeout: c.cfg.timeout()}
	if c.cfg.LocalAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(c.cfg.LocalAddr)}
	}
	dial := func(network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// Bound every command and answer: a server that accepts and then
		// says nothing must not hang the phone.
		conn.SetDeadline(time.Now().Add(c.cfg.timeout()))
		conns.add(conn)
		return conn, nil
	}
	stop := context.AfterFunc(ctx, conns.closeAll)
	fail := func(err error) (io.ReadCloser, error) {
		stop()
		conns.closeAll()
		return nil, ftpErr(ctx, u, err)
	}
	sc, err := ftp.Dial(host, ftp.DialWithDialFunc(dial))
	if err != nil {
		return fail(err)
	}
	if err := sc.Login(user, pass); err != nil {
		return fail(err)
	}
	size := int64(-1)
	if n, err := sc.FileSize(path); err == nil {
		size = n
	} else if isFTPCode(err, ftp.StatusFileUnavailable) {
		return fail(err)
	}
	if first == 0 && size > c.cfg.maxSize() {
		return fail(fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, redact(u), size, c.cfg.maxSize()))
	}
	resp, err := sc.Retr(path)
	if err != nil {
		return fail(err)
	}
	conns.clearDeadlines()
	fb := &ftpBody{resp: resp, sc: sc, conns: conns, stop: stop, first: first}
	return c.newBody(fb, size, first, u, conns.closeAll, func(err error) error { return ftpErr(ctx, u, err) }), nil
}

type ftpBody struct {
	resp  *ftp.Response
	sc    *ftp.ServerConn
	conns *connSet
	stop  func() bool
	first int64
	eof   bool
}

func (f *ftpBody) Read(p []byte) (int, error) {
	n, err := f.resp.Read(p)
	if err == io.EOF {
		f.eof = true
	}
	return n, err
}

func (f *ftpBody) Close() error {
	defer f.stop()
	if !f.eof {
		// An early close (a header read): drop the data connection, which
		// makes the server abort the transfer, and leave without waiting
		// for its 426.
		f.conns.closeAll()
		return nil
	}
	f.conns.setDeadline(time.Now().Add(5 * time.Second))
	err := f.resp.Close() // reads the server's 226
	f.sc.Quit()
	f.conns.closeAll()
	return err
}

type connSet struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *connSet) add(c net.Conn) {
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

func (s *connSet) clearDeadlines() { s.setDeadline(time.Time{}) }

func (s *connSet) setDeadline(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.SetDeadline(t)
	}
}

func isFTPCode(err error, code int) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code
}

func ftpErr(ctx context.Context, u *url.URL, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), cerr)
		}
		return fmt.Errorf("fetch: %s: %w", redact(u), cerr)
	}
	var te *textproto.Error
	switch {
	case errors.Is(err, ErrTooLarge):
		return err
	case errors.As(err, &te) && te.Code == ftp.StatusFileUnavailable:
		return fmt.Errorf("%w: %s: %w", ErrNotFound, redact(u), err)
	case errors.As(err, &te) && te.Code == ftp.StatusNotLoggedIn:
		return fmt.Errorf("%w: %s: %w", ErrDenied, redact(u), err)
	case isTimeout(err):
		return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return fmt.Errorf("%w: %s: %w", ErrTruncated, redact(u), err)
	}
	return fmt.Errorf("fetch: %s: %w", redact(u), err)
}
