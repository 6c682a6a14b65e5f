// Package api is the control API of running phones: HTTP and JSON to list
// phones, read a phone's state, screen, LEDs, calls and recent events, press
// keys, dial, answer, hang up, transfer, read and change the configuration,
// restart, and inject faults (cable out, power cut); events stream as
// Server-Sent Events or over a WebSocket. `hdphone fleet --api ADDR` and
// `hdphone run --api ADDR` serve it; fleet/client is its Go client, and
// openapi.yaml (served at /api/v1/openapi.yaml) describes every route.
//
// The package takes phones as they are (Add), so one server fits a fleet of
// thousands and a single desk phone alike.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
)

// OpenAPI is the API's OpenAPI 3 description.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Phone is a phone the API serves.
type Phone struct {
	// ID names the phone in URLs (a fleet ID such as desk-3, or the MAC).
	ID     string
	Group  string
	Device *device.Phone
	// Screen is the phone's screen application; nil when it has none.
	Screen ScreenReader
}

// Config configures a Server; the zero value works.
type Config struct {
	// History is how many recent events the server keeps per phone; 0
	// means 100.
	History int
	// Logger receives the server's log; nil discards.
	Logger *slog.Logger
}

// Server serves the API. Make it with New, Add phones, serve Handler, and
// Close it to stop its event goroutines.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.RWMutex // guards phones and order
	phones map[string]*entry
	order  []*entry

	subMu sync.Mutex // guards subs
	subs  map[*subscriber]struct{}
	// Dropped counts events a slow stream client missed.
	dropped atomic.Uint64
}

// entry is a served phone and its recent events.
type entry struct {
	Phone
	mu     sync.Mutex // guards recent
	recent []Event
}

type subscriber struct {
	phone string // "" for all phones
	ch    chan Event
}

// New returns a Server with no phones.
func New(cfg Config) *Server {
	if cfg.History <= 0 {
		cfg.History = 100
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: log, ctx: ctx, cancel: cancel, phones: map[string]*entry{}, subs: map[*subscriber]struct{}{}}
	s.mux = http.NewServeMux()
	for _, r := range s.routes() {
		s.mux.HandleFunc(r.Method+" "+r.Path, r.handle)
	}
	return s
}

// Route is one route of the API (the OpenAPI test checks the list against
// openapi.yaml).
type Route struct {
	Method, Path string
	handle       http.HandlerFunc
}

// Routes lists the API's routes.
func (s *Server) Routes() []Route { return s.routes() }

func (s *Server) routes() []Route {
	p := "/api/v1/phones/{id}"
	return []Route{
		{"GET", "/api/v1/openapi.yaml", s.openapi},
		{"GET", "/api/v1/phones", s.list},
		{"GET", "/api/v1/events", s.streamAll},
		{"GET", p, s.phone(s.state)},
		{"GET", p + "/screen", s.phone(s.screen)},
		{"GET", p + "/calls", s.phone(s.calls)},
		{"GET", p + "/events", s.phone(s.events)},
		{"GET", p + "/events/stream", s.phone(s.stream)},
		{"GET", p + "/events/ws", s.phone(s.websocket)},
		{"POST", p + "/keys", s.phone(s.keys)},
		{"POST", p + "/dial", s.phone(s.dial)},
		{"POST", p + "/answer", s.phone(intent(onCall((*device.Phone).Answer), s.calls))},
		{"POST", p + "/reject", s.phone(intent(onCall((*device.Phone).Reject), s.calls))},
		{"POST", p + "/hangup", s.phone(intent(onCall(func(d *device.Phone, ctx context.Context, id string) error {
			return s.hangup(ctx, d, id)
		}), s.calls))},
		{"POST", p + "/hold", s.phone(intent(onCall((*device.Phone).Hold), s.calls))},
		{"POST", p + "/resume", s.phone(intent(onCall((*device.Phone).Resume), s.calls))},
		{"POST", p + "/transfer", s.phone(intent(s.transfer, s.calls))},
		{"POST", p + "/dtmf", s.phone(intent(func(ctx context.Context, d *device.Phone, req DTMFRequest) error {
			return d.SendDTMF(ctx, req.Call, req.Digits)
		}, s.calls))},
		{"POST", p + "/dnd", s.phone(intent(func(ctx context.Context, d *device.Phone, req SwitchRequest) error {
			return d.SetDND(ctx, req.On)
		}, s.state))},
		{"POST", p + "/forward", s.phone(intent(func(ctx context.Context, d *device.Phone, req ForwardRequest) error {
			return d.SetForward(ctx, req.Target)
		}, s.state))},
		{"GET", p + "/config", s.phone(s.getConfig)},
		{"POST", p + "/config", s.phone(s.setConfig)},
		{"POST", p + "/reboot", s.phone(s.reboot)},
		{"POST", p + "/power", s.phone(intent(s.power, s.accepted))},
		{"POST", p + "/link", s.phone(intent(func(ctx context.Context, d *device.Phone, req SwitchRequest) error {
			return d.SetLink(ctx, req.On)
		}, s.accepted))},
	}
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Add serves p. The server follows the phone's events from now on (for
// the recent-event list and the streams).
func (s *Server) Add(p Phone) error {
	if p.ID == "" || p.Device == nil {
		return fmt.Errorf("%w: a phone needs an ID and a device", ErrBadRequest)
	}
	e := &entry{Phone: p}
	s.mu.Lock()
	if _, dup := s.phones[p.ID]; dup {
		s.mu.Unlock()
		return fmt.Errorf("%w: phone %q added twice", ErrBadRequest, p.ID)
	}
	s.phones[p.ID] = e
	s.order = append(s.order, e)
	s.mu.Unlock()
	events, stop := p.Device.Subscribe(64)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				s.publish(e, Event{Phone: p.ID, Event: ev})
			}
		}
	}()
	return nil
}

// Close stops following the phones and ends every stream.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

func (s *Server) publish(e *entry, ev Event) {
	e.mu.Lock()
	e.recent = append(e.recent, ev)
	if over := len(e.recent) - s.cfg.History; over > 0 {
		e.recent = append(e.recent[:0], e.recent[over:]...)
	}
	e.mu.Unlock()
	s.subMu.Lock()
	for sub := range s.subs {
		if sub.phone != "" && sub.phone != ev.Phone {
			continue
		}
		select {
		case sub.ch <- ev:
		default:
			s.dropped.Add(1)
		}
	}
	s.subMu.Unlock()
}

func (s *Server) subscribe(phone string) (*subscriber, func()) {
	sub := &subscriber{phone: phone, ch: make(chan Event, 256)}
	s.subMu.Lock()
	s.subs[sub] = struct{}{}
	s.subMu.Unlock()
	return sub, func() {
		s.subMu.Lock()
		delete(s.subs, sub)
		s.subMu.Unlock()
	}
}

// phone resolves {id} and hands the handler its entry.
func (s *Server) phone(h func(w http.ResponseWriter, r *http.Request, e *entry)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.RLock()
		e := s.phones[id]
		s.mu.RUnlock()
		if e == nil {
			writeError(w, fmt.Errorf("%w: %q", ErrNoPhone, id))
			return
		}
		h(w, r, e)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeError maps an error to its status: 404 for an unknown phone, 400 for
// a bad request, 409 for an intent the phone refuses in its state, 503 when
// the phone is not running, 500 otherwise.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNoPhone):
		code = http.StatusNotFound
	case errors.Is(err, ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, ErrNoScreen), errors.Is(err, device.ErrBadIntent), errors.Is(err, device.ErrNoCall), errors.Is(err, config.ErrUnknownKey):
		code = http.StatusConflict
	case errors.Is(err, device.ErrNotRunning), errors.Is(err, device.ErrPoweredOff):
		code = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	writeJSON(w, code, Error{Error: err.Error()})
}

// decode reads a JSON body into v; an empty body leaves v as it is.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return nil
}

// intentTimeout bounds how long an intent may wait for the phone.
const intentTimeout = 10 * time.Second

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	order := append([]*entry(nil), s.order...)
	s.mu.RUnlock()
	group := r.URL.Query().Get("group")
	out := make([]PhoneSummary, 0, len(order))
	for _, e := range order {
		if group != "" && e.Group != group {
			continue
		}
		out = append(out, summaryOf(&e.Phone, e.Device.Snapshot()))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) state(w http.ResponseWriter, r *http.Request, e *entry) {
	writeJSON(w, http.StatusOK, stateOf(&e.Phone, e.Device.Snapshot()))
}

func (s *Server) screen(w http.ResponseWriter, r *http.Request, e *entry) {
	if e.Screen == nil {
		writeError(w, fmt.Errorf("%w: phone %s", ErrNoScreen, e.ID))
		return
	}
	writeJSON(w, http.StatusOK, screenOf(e.Screen))
}

func (s *Server) calls(w http.ResponseWriter, r *http.Request, e *entry) {
	out := []Call{}
	for _, c := range e.Device.Snapshot().Calls {
		out = append(out, callOf(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, e *entry) {
	limit := s.cfg.History
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, fmt.Errorf("%w: limit %q", ErrBadRequest, v))
			return
		}
		limit = n
	}
	e.mu.Lock()
	out := append([]Event{}, e.recent...)
	e.mu.Unlock()
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	writeJSON(w, http.StatusOK, out)
}

// stream sends the phone's events as Server-Sent Events until the client
// goes away or the server closes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, e *entry) {
	s.sse(w, r, e.ID)
}

func (s *Server) streamAll(w http.ResponseWriter, r *http.Request) {
	s.sse(w, r, "")
}

func (s *Server) sse(w http.ResponseWriter, r *http.Request, phone string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, errors.New("api: streaming unsupported by this connection"))
		return
	}
	sub, stop := s.subscribe(phone)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": hdphone events\n\n")
	fl.Flush()
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
		case ev := <-sub.ch:
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, b)
			fl.Flush()
		}
	}
}

// websocket sends the phone's events as JSON text messages over a
// WebSocket until either side closes.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request, e *entry) {
	// Subscribe before the upgrade: once the client sees the handshake's
	// answer it may act, and the events of that action must reach it.
	sub, stop := s.subscribe(e.ID)
	defer stop()
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return // UpgradeHTTP answered the client
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() {
		// Read (and drop) what the client sends, to see it go away.
		defer close(gone)
		for {
			if _, _, err := wsutil.ReadClientData(conn); err != nil {
				return
			}
		}
	}()
	for {
		select {
		case <-gone:
			return
		case <-s.ctx.Done():
			wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusGoingAway, "server closing"))
			return
		case ev := <-sub.ch:
			b, _ := json.Marshal(ev)
			if err := wsutil.WriteServerText(conn, b); err != nil {
				return
			}
		}
	}
}

func (s *Server) keys(w http.ResponseWriter, r *http.Request, e *entry) {
	var req KeysRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.Keys) == 0 {
		writeError(w, fmt.Errorf("%w: no keys", ErrBadRequest))
		return
	}
	var keys []hw.KeyRef
	for _, name := range req.Keys {
		k, err := hw.ParseKeyRefs(strings.TrimSpace(name))
		if err != nil {
			writeError(w, fmt.Errorf("%w: %w", ErrBadRequest, err))
			return
		}
		keys = append(keys, k...)
	}
	ctx, cancel := context.WithTimeout(r.Context(), intentTimeout)
	defer cancel()
	for _, k := range keys {
		if e.Screen != nil {
			if err := e.Screen.Press(k.Key, k.Index); err != nil {
				writeError(w, err)
				return
			}
			continue
		}
		d, ok := k.Key.Digit()
		if !ok {
			writeError(w, fmt.Errorf("%w: key %s needs the screen application", ErrNoScreen, k.Key))
			return
		}
		if err := e.Device.Key(ctx, d); err != nil {
			writeError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, stateOf(&e.Phone, e.Device.Snapshot()))
}

func (s *Server) dial(w http.ResponseWriter, r *http.Request, e *entry) {
	var req DialRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Number == "" {
		writeError(w, fmt.Errorf("%w: no number", ErrBadRequest))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), intentTimeout)
	defer cancel()
	id, err := e.Device.Dial(ctx, req.Number)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, CallRef{Call: id})
}

// hangup ends the named call, or the phone's current one.
func (s *Server) hangup(ctx context.Context, d *device.Phone, id string) error {
	if id == "" {
		for _, c := range d.Snapshot().Calls {
			if c.State != device.CallEnded {
				id = c.ID
				if c.State == device.CallConnected {
					break
				}
			}
		}
		if id == "" {
			return fmt.Errorf("%w: no call to hang up", device.ErrBadIntent)
		}
	}
	return d.Hangup(ctx, id)
}

// transfer moves a call to a target, blind (default) or attended.
func (s *Server) transfer(ctx context.Context, d *device.Phone, req TransferRequest) error {
	kind := device.Blind
	switch strings.ToLower(req.Kind) {
	case "", "blind":
	case "attended", "consultative":
		kind = device.Consultative
	default:
		return fmt.Errorf("%w: transfer kind %q (blind or attended)", ErrBadRequest, req.Kind)
	}
	return d.Transfer(ctx, req.Call, req.Target, kind)
}

// getConfig answers the running configuration as a .cfg file: the explicit
// values, credentials in their encrypted {"…"} form (never in plain text).
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request, e *entry) {
	cfg := e.Device.Snapshot().Config
	masked := cfg.Clone()
	for k, v := range cfg.Explicit() {
		if p, _, _, err := cfg.Catalogue().Resolve(k); err == nil && p.Secret() && v != "" && !config.IsEncrypted(v) && !strings.HasPrefix(v, "MD5:") {
			masked.Set(k, config.EncryptSecret(v))
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	config.Format(w, masked)
}

// setConfig applies a .cfg body (a whole file or a delta) as the Web page
// does; a bad file changes nothing and answers 422 with the reason.
func (s *Server) setConfig(w http.ResponseWriter, r *http.Request, e *entry) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, fmt.Errorf("%w: %w", ErrBadRequest, err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), intentTimeout)
	defer cancel()
	issues, reboot, err := e.Device.ApplyConfig(ctx, "api", body)
	if err != nil {
		if errors.Is(err, device.ErrNotRunning) || ctx.Err() != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusUnprocessableEntity, Error{Error: err.Error()})
		return
	}
	res := ConfigResult{Issues: []string{}, Reboot: reboot}
	for _, is := range issues {
		res.Issues = append(res.Issues, is.Error())
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) reboot(w http.ResponseWriter, r *http.Request, e *entry) {
	ctx, cancel := context.WithTimeout(r.Context(), intentTimeout)
	defer cancel()
	if err := e.Device.Reboot(ctx, "control API"); err != nil {
		writeError(w, err)
		return
	}
	s.accepted(w, r, e)
}

// accepted answers 202 with the phone's summary: the change it asked for
// is under way.
func (s *Server) accepted(w http.ResponseWriter, _ *http.Request, e *entry) {
	writeJSON(w, http.StatusAccepted, summaryOf(&e.Phone, e.Device.Snapshot()))
}

// power switches the phone on or off.
func (s *Server) power(ctx context.Context, d *device.Phone, req SwitchRequest) error {
	if req.On {
		return d.PowerOn(ctx)
	}
	return d.PowerOff(ctx)
}

// intent decodes the request body into a Req, runs do on the phone within
// the intent time-out and, when it succeeds, answers with answer: the shape
// of every POST that asks the phone to do something.
func intent[Req any](do func(ctx context.Context, d *device.Phone, req Req) error, answer func(http.ResponseWriter, *http.Request, *entry)) func(http.ResponseWriter, *http.Request, *entry) {
	return func(w http.ResponseWriter, r *http.Request, e *entry) {
		var req Req
		if err := decode(r, &req); err != nil {
			writeError(w, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), intentTimeout)
		defer cancel()
		if err := do(ctx, e.Device, req); err != nil {
			writeError(w, err)
			return
		}
		answer(w, r, e)
	}
}

// onCall adapts a call intent of the phone ((*device.Phone).Answer, …) to
// a body naming the call ("" for the phone's current one, where the intent
// allows it).
func onCall(f func(d *device.Phone, ctx context.Context, id string) error) func(context.Context, *device.Phone, CallRef) error {
	return func(ctx context.Context, d *device.Phone, req CallRef) error { return f(d, ctx, req.Call) }
}
