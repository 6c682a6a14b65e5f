package fileserver

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Outcome is how a request ended.
type Outcome int

// The outcomes.
const (
	Complete Outcome = iota + 1 // the whole file was sent
	Partial                     // the client took only the beginning (a header read) or a range
	Missing                     // no such file
	Refused                     // a bad path or request
	Failed                      // the transfer broke off (time-out, network error)
)

func (o Outcome) String() string {
	switch o {
	case Complete:
		return "complete"
	case Partial:
		return "partial"
	case Missing:
		return "not found"
	case Refused:
		return "refused"
	}
	return "failed"
}

// Entry is one request in the log.
type Entry struct {
	Time      time.Time
	Proto     string // "http" or "tftp"
	Remote    string // the client's IP
	Path      string // as requested
	Size      int64  // the file's size (-1: no file)
	Sent      int64  // payload bytes sent
	Outcome   Outcome
	UserAgent string // HTTP only
	Detail    string // e.g. the TFTP error the client sent
}

// Header reports whether the request read only the start of a firmware
// image (the provisioning header check).
func (e Entry) Header() bool {
	return e.Outcome == Partial && strings.EqualFold(path.Ext(e.Path), ".img")
}

// String describes the entry for people: "127.0.0.5 fetched 450HD.img header
// (tftp, 512 of 1049088 bytes)".
func (e Entry) String() string {
	name := strings.TrimPrefix(e.Path, "/")
	switch e.Outcome {
	case Complete:
		return fmt.Sprintf("%s fetched %s (%s, %d bytes)", e.Remote, name, e.Proto, e.Sent)
	case Partial:
		what := "part of " + name
		if e.Header() {
			what = name + " header"
		}
		return fmt.Sprintf("%s fetched %s (%s, %d of %d bytes)", e.Remote, what, e.Proto, e.Sent, e.Size)
	case Missing:
		return fmt.Sprintf("%s asked for %s: not found (%s)", e.Remote, name, e.Proto)
	}
	s := fmt.Sprintf("%s asked for %s: %s (%s", e.Remote, name, e.Outcome, e.Proto)
	if e.Size >= 0 {
		s += fmt.Sprintf(", %d of %d bytes", e.Sent, e.Size)
	}
	if e.Detail != "" {
		s += ", " + e.Detail
	}
	return s + ")"
}

func (s *Server) record(e Entry) {
	e.Time = s.clock.Now()
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.mu.Unlock()
	s.log.Debug("request", "entry", e.String())
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(e)
	}
}

// Log returns the requests so far, oldest first.
func (s *Server) Log() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries)
}
