package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// firmwareJob is the one firmware upgrade that may run at a time, and what
// the progress endpoint reports about it.
type firmwareJob struct {
	mu       sync.Mutex // guards the fields below
	running  bool
	phase    string // receiving, verifying, burning, done, failed
	total    int64
	version  string
	err      string
	received atomic.Int64
}

type firmwareProgress struct {
	Phase    string `json:"phase"`
	Received int64  `json:"received"`
	Total    int64  `json:"total"`
	Version  string `json:"version,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (j *firmwareJob) start(total int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.running {
		return false
	}
	j.running, j.phase, j.total, j.version, j.err = true, "receiving", total, "", ""
	j.received.Store(0)
	return true
}

func (j *firmwareJob) finish(phase, version, err string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.running, j.phase, j.version, j.err = false, phase, version, err
}

func (j *firmwareJob) setPhase(phase, version string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.phase, j.version = phase, version
}

func (j *firmwareJob) snapshot() firmwareProgress {
	j.mu.Lock()
	defer j.mu.Unlock()
	return firmwareProgress{Phase: j.phase, Received: j.received.Load(), Total: j.total, Version: j.version, Error: j.err}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type firmwareData struct {
	Available bool
	Running   string
	Max       int64
}

func (s *Server) firmwareData(c *reqctx) firmwareData {
	return firmwareData{Available: s.cfg.Firmware != nil, Running: c.state.Firmware, Max: s.cfg.MaxFirmwareSize}
}

func (s *Server) firmwarePage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "firmware", http.StatusOK, "", "", s.firmwareData(c))
}

// firmwareUpload verifies an uploaded .img whole, for this model, before
// anything is burnt; then the phone burns it and restarts into it (FW-1).
func (s *Server) firmwareUpload(w http.ResponseWriter, r *http.Request, c *reqctx) {
	data := s.firmwareData(c)
	if s.cfg.Firmware == nil {
		s.renderPage(w, c, "firmware", http.StatusNotImplemented, "", "Manual firmware upgrade is not available: no image verifier is wired into this phone.", data)
		return
	}
	part, name, err := openUpload(w, r, "file", s.cfg.MaxFirmwareSize, ".img")
	if err != nil {
		s.renderPage(w, c, "firmware", uploadStatus(err), "", uploadMessage(err), data)
		return
	}
	defer part.Close()
	if !s.fw.start(r.ContentLength) {
		s.renderPage(w, c, "firmware", http.StatusConflict, "", "A firmware upgrade is already in progress.", data)
		return
	}
	s.log.Info("firmware upload", "file", name)
	body := countingReader{r: io.LimitReader(part, s.cfg.MaxFirmwareSize+1), n: &s.fw.received}
	refuse := func(version string, err error) {
		if tooLarge(err) || s.fw.received.Load() > s.cfg.MaxFirmwareSize {
			err = fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, s.cfg.MaxFirmwareSize)
		}
		s.fw.finish("failed", version, err.Error())
		s.log.Warn("firmware image refused", "file", name, "err", err)
		s.renderPage(w, c, "firmware", uploadStatus(err), "",
			"The firmware image "+name+" was refused; nothing was burnt and the phone keeps running "+c.state.Firmware+". ("+err.Error()+")", data)
	}
	version, copyRest, err := s.cfg.Firmware.Open(s.phone.Model().Name, body)
	if err != nil {
		refuse("", err)
		return
	}
	s.fw.setPhase("burning", version)
	if err := s.phone.BurnFirmware(r.Context(), version, func(dst io.Writer) error {
		if err := copyRest(dst); err != nil {
			return err
		}
		if s.fw.received.Load() > s.cfg.MaxFirmwareSize {
			return ErrTooLarge
		}
		return nil
	}); err != nil {
		refuse(version, err)
		return
	}
	s.fw.finish("done", version, "")
	s.renderPage(w, c, "firmware", http.StatusOK,
		"Firmware "+version+" verified and burnt from "+name+". The phone is restarting into it.", "", data)
}

func (s *Server) firmwareProgress(w http.ResponseWriter, r *http.Request, c *reqctx) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.fw.snapshot())
}
