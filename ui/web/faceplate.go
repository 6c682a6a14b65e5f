package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
)

// stateFace is the faceplate shown when no screen application is wired in:
// the boot screen text, notifications, and the ringer LED red while one is
// shown. It has no keys.
type stateFace struct{ p *device.Phone }

func (f stateFace) Frame() hw.TextFrame {
	st := f.p.Snapshot()
	rows := []string{string(st.Model) + "  " + st.Firmware}
	switch {
	case !st.Power:
		rows = append(rows, "(powered off)")
	case st.Status != "":
		rows = append(rows, st.Status)
	default:
		rows = append(rows, string(st.Stage))
	}
	for _, n := range st.Notifications {
		rows = append(rows, n.Text)
	}
	return hw.TextFrame{Rows: rows, Highlight: -1, Backlight: 31}
}

func (f stateFace) LEDs() map[hw.LED]hw.LEDState {
	st := f.p.Snapshot()
	m := map[hw.LED]hw.LEDState{{Kind: hw.LEDRinger}: {}}
	if len(st.Notifications) > 0 {
		m[hw.LED{Kind: hw.LEDRinger}] = hw.LEDState{Color: hw.Red}
	}
	return m
}

func (f stateFace) Press(hw.Key, int) error {
	return fmt.Errorf("%w: no screen application is wired in to take key presses", ErrNotAvailable)
}

func (s *Server) face() Faceplate {
	if s.cfg.Faceplate != nil {
		return s.cfg.Faceplate
	}
	return stateFace{s.phone}
}

type faceKey struct {
	Key   string
	Index int
	Label string
}

type faceplateData struct {
	Wired bool
	Cols  int
	Rows  int
	Keys  []faceKey
}

func (s *Server) faceplatePage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	m := s.phone.Model()
	d := faceplateData{Wired: s.cfg.Faceplate != nil, Cols: m.Screen.Cols, Rows: m.Screen.Rows}
	for _, k := range m.HardKeys {
		d.Keys = append(d.Keys, faceKey{Key: k.String(), Label: k.String()})
	}
	for _, n := range keyIndices(m, programmableKeys) {
		d.Keys = append(d.Keys, faceKey{Key: hw.KeyProgrammable.String(), Index: n, Label: "P" + strconv.Itoa(n)})
	}
	s.renderPage(w, c, "faceplate", http.StatusOK, "", "", d)
}

type ledJSON struct {
	LED     string `json:"led"`
	Color   string `json:"color"`
	Pattern string `json:"pattern"`
}

type faceJSON struct {
	Rows      []string  `json:"rows"`
	Highlight int       `json:"highlight"`
	Backlight int       `json:"backlight"`
	LEDs      []ledJSON `json:"leds"`
	Stage     string    `json:"stage"`
	Boot      int       `json:"boot"`
}

func (s *Server) faceplateState(w http.ResponseWriter, r *http.Request, c *reqctx) {
	f := s.face()
	fr := f.Frame()
	out := faceJSON{Rows: fr.Rows, Highlight: fr.Highlight, Backlight: fr.Backlight, Stage: string(c.state.Stage), Boot: c.state.BootCount}
	if out.Rows == nil {
		out.Rows = []string{}
	}
	leds := f.LEDs()
	ids := make([]hw.LED, 0, len(leds))
	for id := range leds {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b hw.LED) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return a.Index - b.Index
	})
	for _, id := range ids {
		st := leds[id]
		out.LEDs = append(out.LEDs, ledJSON{LED: id.String(), Color: st.Color.String(), Pattern: st.Pattern.String()})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// faceplateKey presses a key: form or JSON fields key (hw.Key name) and
// index (programmable or function keys).
func (s *Server) faceplateKey(w http.ResponseWriter, r *http.Request, c *reqctx) {
	var req struct {
		Key   string `json:"key"`
		Index int    `json:"index"`
	}
	if r.Header.Get("Content-Type") == "application/json" {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&req); err != nil {
			http.Error(w, "bad key request", http.StatusBadRequest)
			return
		}
	} else {
		req.Key = r.FormValue("key")
		req.Index, _ = strconv.Atoi(r.FormValue("index"))
	}
	k, ok := hw.ParseKey(req.Key)
	m := s.phone.Model()
	switch {
	case !ok || k == hw.KeyNone:
		http.Error(w, fmt.Sprintf("unknown key %q", req.Key), http.StatusBadRequest)
		return
	case k == hw.KeyProgrammable || k == hw.KeyFunction:
		if !slices.Contains(keyIndices(m, programmableKeys), req.Index) && !slices.Contains(keyIndices(m, functionKeys), req.Index) {
			http.Error(w, fmt.Sprintf("the %s has no key with index %d", m.Name, req.Index), http.StatusBadRequest)
			return
		}
	case !m.HasKey(k):
		http.Error(w, fmt.Sprintf("the %s has no %s key", m.Name, k), http.StatusBadRequest)
		return
	}
	if err := s.face().Press(k, req.Index); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, ErrNotAvailable) {
			status = http.StatusNotImplemented
		}
		http.Error(w, err.Error(), status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
