package fileserver

import (
	"errors"
	"net"
	"net/http"
)

// ServeHTTP serves GET and HEAD (with Range, through http.ServeContent) and
// logs each request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	remote, _, _ := net.SplitHostPort(r.RemoteAddr)
	e := Entry{Proto: "http", Remote: remote, Path: r.URL.Path, Size: -1, UserAgent: r.UserAgent()}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only file server", http.StatusMethodNotAllowed)
		e.Outcome, e.Detail = Refused, r.Method
		s.record(e)
		return
	}
	f, err := s.open(r.URL.Path)
	switch {
	case errors.Is(err, ErrNotFound):
		http.NotFound(w, r)
		e.Outcome = Missing
		s.record(e)
		return
	case errors.Is(err, ErrBadPath):
		http.Error(w, err.Error(), http.StatusBadRequest)
		e.Outcome, e.Detail = Refused, err.Error()
		s.record(e)
		return
	case err != nil:
		http.Error(w, "internal error", http.StatusInternalServerError)
		e.Outcome, e.Detail = Failed, err.Error()
		s.record(e)
		return
	}
	defer f.close()
	e.Size = f.size
	cw := &countingWriter{ResponseWriter: w}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(cw, r, f.name, f.modTime, f.content)
	e.Sent = cw.n
	switch {
	case cw.err != nil:
		// The client went away mid-body: a phone that stopped after the
		// header, or a broken transfer.
		e.Outcome, e.Detail = Partial, "client closed the connection"
	case cw.status == http.StatusPartialContent:
		e.Outcome = Partial
	case cw.status >= 400:
		e.Outcome, e.Detail = Refused, http.StatusText(cw.status)
	case r.Method == http.MethodHead || e.Sent == e.Size:
		e.Outcome = Complete
	default:
		e.Outcome = Partial
	}
	s.record(e)
}

// countingWriter counts body bytes and remembers the status and the first
// write error.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
	err    error
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
