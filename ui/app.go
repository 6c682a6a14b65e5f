package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// DefaultEmergencyNumbers are the numbers the Emergency softkey of a locked
// phone may call when Config.EmergencyNumbers is nil. The manual names no
// list; these are the common ones.
var DefaultEmergencyNumbers = []string{"911", "112", "999", "000", "100", "101", "102"}

// NoteDuration is how long a short note (an error, "Saved") stays on the
// info line.
const NoteDuration = 3 * time.Second

// Config describes a screen application. Phone and Board are required.
type Config struct {
	Phone Phone
	Board hw.Board
	// Clock paces the clock display, call durations, brightness and notes;
	// nil means the phone's clock.
	Clock clock.Clock
	// Logger receives the application's log; nil discards it.
	Logger *slog.Logger
	// Contacts is the phone's directory: the Directory screen lists it and
	// lync/contact_name_priority=CONTACT_SEARCH names callers from it.
	Contacts []Contact
	// EmergencyNumbers may be called from a locked phone; nil means
	// DefaultEmergencyNumbers.
	EmergencyNumbers []string
}

// App is a running screen application. Create it with New and run it with
// Run; Press, Frame and LEDs are safe from any goroutine.
type App struct {
	phone Phone
	board hw.Board
	clk   clock.Clock
	log   *slog.Logger
	model *model.Model
	geo   hw.Geometry
	slots []KeySlot
	leds  []hw.LED

	inject  chan hw.Event
	syncs   chan chan struct{}
	started atomic.Bool
	running atomic.Bool
	frame   atomic.Pointer[hw.TextFrame]
	ledMu   sync.Mutex
	ledNow  map[hw.LED]hw.LEDState // guarded by ledMu

	// Owned by the Run goroutine.
	ctx       context.Context
	st        uiState
	last      hw.TextFrame
	drawn     bool
	prevCalls map[string]device.CallState
	prevPages int
	prevPower bool
	prevStage device.Stage
}

// New checks cfg and returns an App that is not running yet.
func New(cfg Config) (*App, error) {
	if cfg.Phone == nil || cfg.Board == nil {
		return nil, fmt.Errorf("%w: Config.Phone and Config.Board are required", ErrConfig)
	}
	m := cfg.Phone.Model()
	if m == nil {
		return nil, fmt.Errorf("%w: the phone has no model", ErrConfig)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.OrReal(cfg.Phone.Clock())
	}
	geo := cfg.Board.Geometry()
	if geo.Cols <= 0 || geo.Rows <= 0 {
		geo = m.Screen
	}
	emergency := cfg.EmergencyNumbers
	if emergency == nil {
		emergency = DefaultEmergencyNumbers
	}
	a := &App{
		phone:  cfg.Phone,
		board:  cfg.Board,
		clk:    clk,
		log:    log.With("component", "ui"),
		model:  m,
		geo:    geo,
		slots:  KeySlots(m, geo),
		leds:   m.FaceplateLEDs(),
		inject: make(chan hw.Event, 32),
		syncs:  make(chan chan struct{}),
		ledNow: map[hw.LED]hw.LEDState{},
	}
	a.st.contacts = slices.Clone(cfg.Contacts)
	a.st.emergency = slices.Clone(emergency)
	f := hw.TextFrame{Rows: make([]string, geo.Rows), Highlight: -1}
	a.frame.Store(&f)
	return a, nil
}

// Slots returns where the programmable keys' labels are drawn, for a
// faceplate that draws the keys beside them.
func (a *App) Slots() []KeySlot { return slices.Clone(a.slots) }

// Frame returns the screen as last drawn.
func (a *App) Frame() hw.TextFrame {
	f := *a.frame.Load()
	f.Rows = slices.Clone(f.Rows)
	return f
}

// LEDs returns the LEDs as last set.
func (a *App) LEDs() map[hw.LED]hw.LEDState {
	a.ledMu.Lock()
	defer a.ledMu.Unlock()
	return maps.Clone(a.ledNow)
}

// Press presses and releases key k (index: the cfg index of a programmable
// or function key) as if on the faceplate, for fronts that have no board
// of their own (the Web interface's faceplate page).
func (a *App) Press(k hw.Key, index int) error {
	if !a.running.Load() {
		return ErrNotRunning
	}
	if _, ok := hw.ParseKey(k.String()); !ok || k == hw.KeyNone {
		return fmt.Errorf("%w: %v", ErrBadKey, k)
	}
	now := a.clk.Now()
	for _, act := range []hw.Action{hw.Press, hw.Release} {
		select {
		case a.inject <- hw.Event{Key: k, Index: index, Action: act, At: now}:
		default:
			return fmt.Errorf("ui: key %v dropped: the screen application is busy", k)
		}
	}
	return nil
}

// Run owns the screen until ctx ends or the board closes; it returns
// ctx.Err(), or nil when the board closed. It does not close the board.
func (a *App) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("ui: Run called twice")
	}
	a.ctx = ctx
	events, stop := a.phone.Subscribe(256)
	defer stop()
	keys := a.board.Events()
	a.st.lastActive = a.clk.Now()
	a.refreshMissed()
	a.running.Store(true)
	defer a.running.Store(false)
	tick := a.clk.NewTimer(a.untilTick())
	defer tick.Stop()
	a.step()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-keys:
			if !ok {
				return nil
			}
			a.onKey(ev)
		case ev := <-a.inject:
			a.onKey(ev)
		case done := <-a.syncs:
			a.step()
			close(done)
			continue
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			a.onEvent(ev)
		case <-tick.C():
			tick.Reset(a.untilTick())
		}
		a.step()
	}
}

// roundTrip waits until the Run loop has handled what it took before
// (tests use it to know a key has had its effect).
func (a *App) roundTrip(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case a.syncs <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// untilTick is the time to the next whole second, when the clock and call
// durations change.
func (a *App) untilTick() time.Duration {
	now := a.clk.Now()
	d := now.Truncate(time.Second).Add(time.Second).Sub(now)
	if d <= 0 {
		d = time.Second
	}
	return d
}

func (a *App) onEvent(ev device.Event) {
	switch ev.Kind {
	case device.EventCall:
		// Any call may have ended into the missed list.
		a.refreshMissed()
	case device.EventFactoryReset:
		a.st.pin = ""
		a.st.locked = false
	}
}

// view gathers what a frame is drawn from.
func (a *App) view() view {
	st := a.phone.Snapshot()
	now := a.clk.Now()
	v := view{Model: a.model, Geo: a.geo, Slots: a.slots, State: st, Now: a.phone.LocalTime(), Mono: now, UI: &a.st}
	v.Backlight = backlightLevel(v, a.brightness(v, now))
	return v
}

// brightness is the mode after the time since the last activity (LCD-1).
func (a *App) brightness(v view, now time.Time) brightness {
	idle := now.Sub(a.st.lastActive)
	active, dimmer := lcdTimeouts(v)
	switch {
	case idle >= time.Duration(active+dimmer)*time.Minute:
		return brightNight
	case idle >= time.Duration(active)*time.Minute:
		return brightDimmer
	}
	return brightActive
}

// step reacts to what changed in the phone's state, then draws.
func (a *App) step() {
	v := a.view()
	a.observe(v)
	a.draw(a.view())
}

// observe wakes the screen and closes menus for a new incoming call or
// page, forgets menus across a restart, turns the screen saver on, and
// applies the lock's call policy.
func (a *App) observe(v view) {
	st := v.State
	if !st.Power || st.Stage != device.StageIdle {
		if a.prevPower != st.Power || a.prevStage != st.Stage {
			a.st.pages = nil
			a.st.saver = false
			a.st.softPage = 0
		}
	}
	if st.Power && !a.prevPower {
		a.wake()
	}
	a.prevPower, a.prevStage = st.Power, st.Stage
	calls := make(map[string]device.CallState, len(st.Calls))
	changed := false
	for _, c := range st.Calls {
		calls[c.ID] = c.State
		prev, seen := a.prevCalls[c.ID]
		if prev != c.State {
			changed = true
		}
		if c.State == device.CallIncoming && !seen && !c.Discreet {
			a.wake()
			a.closePages()
			if a.st.locked && !a.lockAllowsIncoming(v) {
				a.try(a.phone.Reject(a.ctx, c.ID))
			}
		}
	}
	if len(calls) != len(a.prevCalls) || changed {
		a.st.softPage = 0
	}
	a.prevCalls = calls
	if n := len(st.Pages); n > a.prevPages {
		a.wake()
		for _, p := range st.Pages {
			if !p.Sending {
				a.closePages()
				break
			}
		}
	}
	a.prevPages = len(st.Pages)
	// LCD-6: the C450HD's clock screen saver on an idle screen.
	if a.model.Caps.ScreenSaver && !a.st.saver && v.idle() && a.st.top() == nil && v.flag("personal_settings/ScreenSaverEnabled") {
		if secs := v.State.Config.Int("personal_settings/ScreenSaverAwakeTimeout"); secs > 0 &&
			a.clk.Now().Sub(a.st.lastActive) >= time.Duration(secs)*time.Second {
			a.st.saver = true
		}
	}
}

// wake is activity: the screen returns to Active brightness (LCD-3) and
// the screen saver goes.
func (a *App) wake() {
	a.st.lastActive = a.clk.Now()
	a.st.saver = false
}

// closePages closes the menus when a call or page comes in, keeping the
// pages that belong to a call (a transfer target being typed).
func (a *App) closePages() {
	keep := a.st.pages[:0]
	for _, p := range a.st.pages {
		if p.keepOnCall {
			keep = append(keep, p)
		}
	}
	a.st.pages = keep
}

func (a *App) draw(v view) {
	f := render(v)
	if !a.drawn || !sameFrame(f, a.last) {
		if err := a.board.ShowText(f); err != nil && !errors.Is(err, hw.ErrClosed) {
			a.log.Warn("show frame", "err", err)
		}
		a.last, a.drawn = f, true
		a.frame.Store(&f)
	}
	states := ledStates(v, a.leds)
	a.ledMu.Lock()
	defer a.ledMu.Unlock()
	for _, id := range a.leds {
		s := states[id]
		if old, ok := a.ledNow[id]; ok && old == s {
			continue
		}
		if err := a.board.SetLED(id, s); err != nil && !errors.Is(err, hw.ErrNotSupported) && !errors.Is(err, hw.ErrClosed) {
			a.log.Warn("set LED", "led", id, "err", err)
		}
		a.ledNow[id] = s
	}
}

func sameFrame(x, y hw.TextFrame) bool {
	return x.Highlight == y.Highlight && x.Backlight == y.Backlight && slices.Equal(x.Rows, y.Rows)
}

// note shows a short message on the info line.
func (a *App) note(text string) {
	a.st.note = text
	a.st.noteUntil = a.clk.Now().Add(NoteDuration)
}

// try shows a failed intent as a note; intents the phone refuses in its
// state say "Not available".
func (a *App) try(err error) {
	if err == nil {
		return
	}
	a.log.Info("intent refused", "err", err)
	switch {
	case errors.Is(err, device.ErrBadIntent), errors.Is(err, device.ErrNoCall), errors.Is(err, ErrNotAvailable):
		a.note("Not available")
	case errors.Is(err, context.Canceled), errors.Is(err, device.ErrNotRunning):
	default:
		a.note(err.Error())
	}
}

// refreshMissed counts the missed calls newer than the last one seen.
func (a *App) refreshMissed() {
	missed, err := a.phone.CallHistory(flash.Missed)
	if err != nil {
		return
	}
	n := 0
	for _, c := range missed {
		if c.ID > a.st.missedSeen {
			n++
		}
	}
	a.st.unseen = n
}

// markMissedSeen is opening the Missed Calls list.
func (a *App) markMissedSeen(list []flash.Call) {
	for _, c := range list {
		a.st.missedSeen = max(a.st.missedSeen, c.ID)
	}
	a.st.unseen = 0
}

// apply sends a few configuration lines to the phone as a configuration
// file would, and restarts it when a changed parameter needs that.
func (a *App) apply(lines ...string) bool {
	data := []byte{}
	for _, l := range lines {
		data = append(data, l...)
		data = append(data, '\n')
	}
	_, reboot, err := a.phone.ApplyConfig(a.ctx, "screen", data)
	if err != nil {
		a.log.Info("menu setting rejected", "err", err)
		a.note("Invalid value")
		return false
	}
	if reboot {
		a.note("Restarting…")
		a.try(a.phone.Reboot(a.ctx, "setting changed on the phone's screen"))
		return true
	}
	a.note("Saved")
	return true
}

// lockAllowsIncoming and lockAllowsOutgoing apply AllowCallsInLockState,
// or the in-band DisableHandsetOnLockedMachine when it says GET_FROM_INBAND
// (LOCK-3, LOCK-4).
func (a *App) lockPolicy(v view) (in, out bool) {
	switch v.get("AllowCallsInLockState") {
	case "ALLOW_BOTH":
		return true, true
	case "DENY_BOTH":
		return false, false
	case "ALLOW_INCOMING_ONLY":
		return true, false
	}
	switch v.get("DisableHandsetOnLockedMachine") {
	case "0":
		return true, true
	case "2":
		return false, false
	}
	return true, false
}

func (a *App) lockAllowsIncoming(v view) bool { in, _ := a.lockPolicy(v); return in }
func (a *App) lockAllowsOutgoing(v view) bool { _, out := a.lockPolicy(v); return out }
