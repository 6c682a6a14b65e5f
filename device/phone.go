package device

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/internal/stackgrow"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/codec"
)

// DefaultFirmware is the firmware version a phone runs when its flash holds
// none.
const DefaultFirmware = "UC_3.4.8.808"

// Flash records the device keeps; package flash owns their names.
const (
	RecordConfig = flash.RecordConfig
	// Deprecated: use Flash().Firmware() (Slot, SetVersion, BeginBurn).
	RecordFirmware = flash.RecordFirmwareVersion
	// Deprecated: use Flash().Firmware() (BeginBurn, Recovery).
	RecordBurning = flash.RecordFirmwareBurning
)

// Config describes a phone to make. The zero value of every optional field
// works.
type Config struct {
	// Model is required.
	Model *model.Model
	// MAC is required; AudioCodes MACs start with 00:90:8f.
	MAC net.HardwareAddr
	// Flash is the phone's persistent storage; nil gives a memory store.
	Flash *flash.Store
	// Catalogue is the parameter catalogue; nil means config.Default().
	Catalogue *config.Catalogue
	// Firmware is the version the phone runs when its flash holds none;
	// "" means DefaultFirmware.
	Firmware string
	// Stages replaces the built-in implementation of some boot stages.
	Stages map[Stage]StageFunc
	// Clock is the time source; nil means the system clock.
	Clock clock.Clock
	// Logger receives the phone's log; nil discards it.
	Logger *slog.Logger
	// Addr is the phone's IP address when no network stage gives one (fleets
	// give every phone its own 127.x.y.z); the zero Addr means 127.0.0.1.
	Addr netip.Addr
	// Audio gives calls their microphone and speaker; nil sends silence and
	// discards what is received.
	Audio AudioFunc
	// LocalTones plays the sounds a phone makes itself: the ringer and the
	// call-progress tones (dial, ringback, busy; see wantSound) into the
	// speaker Audio gives the pseudo-call ToneCallID, and the call-waiting
	// tone into the call in progress. Off, the phone makes no sound of its
	// own (fleets: a ring per phone is work nobody listens to).
	LocalTones bool
	// Codecs are the codecs this build offers; nil means codec.Default().
	Codecs *codec.Registry
	// MediaPorts overrides voip/media/media_port as the first RTP port;
	// media.PortAny lets the kernel choose (many phones on one address).
	MediaPorts int
	// SyslogConsole receives the System Logging lines of the Serial and All
	// modes (system/syslog/mode): the phone's console. nil drops them.
	SyslogConsole io.Writer
	// SyslogLocal receives the lines of the Local mode, the log a real phone
	// keeps in its flash; nil drops them (fleets keep no logs).
	SyslogLocal io.Writer
	// MulticastIf is the local address paging joins and sends on; the zero
	// Addr lets the routing table choose. Phones on loopback need 127.0.0.1
	// (or the page follows the default route).
	MulticastIf netip.Addr
	// Network says how the phone gets its address in DHCP mode (raw on an
	// interface, or UDP towards a server) and tunes the boot services; the
	// zero value runs no DHCP client (the phone uses Addr).
	Network NetConfig
	// Pacer, when set, clocks the phone's media together with other phones'
	// (a fleet's single pacer, which its owner runs); nil gives each power
	// cycle's media engine its own.
	Pacer *media.Pacer
	// SharedSIP, when set, gives the SIP line its UDP address on a socket
	// other phones share (a fleet's, which its owner runs) where it serves
	// the phone's address and SIP port; nil binds a socket per line.
	SharedSIP *datagram.Mux
}

// Phone is one emulated phone. Create it with New, run it with Run, and drive
// it with the intent methods (PowerOn, Reboot, ...), which are safe to call
// from any goroutine.
type Phone struct {
	cfg Config
	mac string
	log *slog.Logger
	// ccLog is log for the control center's services (provisioning, time,
	// the periodic checks): one per phone, shared by them.
	ccLog *slog.Logger
	clk   clock.Clock

	cmds    chan command
	waiters []chan struct{} // do's callers of the current step, woken after its snapshot (owner only)
	done    chan struct{}   // closed when Run returns
	started atomic.Bool
	snap    atomic.Pointer[State]
	hub     hub

	st      state   // owned by the Run goroutine
	pending []Event // events of the current step, sent after its snapshot
	// pendingBox is the eventQueues box pending was lent from (nil: none).
	pendingBox *[]Event
	starts     []func() // workers of the current step, started after its snapshot

	// tonePlaying is set while the phone's own sound plays (LocalTones);
	// calls' speakers give way to it. waiting is the call-waiting tone
	// being mixed into a call's speaker (nil: none). See callSpeaker.
	tonePlaying atomic.Bool
	waiting     atomic.Pointer[waitingTone]

	rt   bootRuntime // what the current cycle's boot services share
	sys  *syslogTap  // System Logging beside cfg.Logger
	link linkFault   // the emulated Ethernet cable (faults.go)
}

// state is the phone's mutable state; only the Run goroutine touches it.
type state struct {
	State
	calls  calls
	paging paging
	// media is the cycle's media engine, nil until the SignIn stage.
	media *phoneMedia
	// signInDone is closed by the first registration outcome; signInBoot
	// is the boot whose SignIn stage waits for it, which the outcome
	// finishes (signedIn).
	signInDone chan struct{}
	signInBoot *Boot
	cycle      *cycle
	// afterCycle runs once the ending cycle's workers are gone (reboot).
	afterCycle func(*state)
}

// cycle is one power cycle: its workers stop when ctx is cancelled.
type cycle struct {
	ctx    context.Context
	cancel context.CancelFunc // through stop, which ends its timers too
	wg     sync.WaitGroup
	ending bool
	// timers are the cycle's after timers not yet fired or stopped;
	// timersOff is set once the cycle has stopped them all.
	timersMu  sync.Mutex
	timers    *cycleTimer
	timersOff bool
	// syslogRunning is set once the cycle delivers System Logging lines.
	syslogRunning bool
}

// goCycle runs f on a goroutine owned by power cycle c; f must return when
// ctx is done. The goroutine starts once the current step has published its
// snapshot: workers read the phone through the snapshot (Boot.Config), and
// one started at once could read the state from before the step that made
// it (a line restarted for a new configuration came up with the old one).
// Owner goroutine only.
func (p *Phone) goCycle(c *cycle, f func(ctx context.Context)) {
	c.wg.Add(1) // now, so that the cycle's end waits for it
	p.starts = append(p.starts, func() {
		go func() {
			defer c.wg.Done()
			f(c.ctx)
		}()
	})
}

// New checks cfg and returns a powered-off phone.
func New(cfg Config) (*Phone, error) {
	if cfg.Model == nil {
		return nil, errors.New("device: Config.Model is required")
	}
	if len(cfg.MAC) != 6 {
		return nil, fmt.Errorf("device: Config.MAC %q is not a 48-bit MAC", cfg.MAC)
	}
	if cfg.Flash == nil {
		cfg.Flash = flash.NewMemory()
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = config.Default()
	}
	if cfg.Firmware == "" {
		cfg.Firmware = DefaultFirmware
	}
	if cfg.Codecs == nil {
		cfg.Codecs = codec.Default()
	}
	mac := strings.ReplaceAll(cfg.MAC.String(), ":", "")
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sys := &syslogTap{hostname: mac, console: cfg.SyslogConsole, local: cfg.SyslogLocal}
	log = slog.New(newTee(log.Handler(), sys))
	p := &Phone{
		cfg:  cfg,
		mac:  mac,
		log:  log.With("phone", mac, "model", string(cfg.Model.Name)),
		clk:  clock.OrReal(cfg.Clock),
		cmds: make(chan command, cmdQueue),
		done: make(chan struct{}),
		sys:  sys,
	}
	p.ccLog = p.log.With("component", "control_center")
	p.st.State = State{
		Model:    cfg.Model.Name,
		MAC:      mac,
		Stage:    StageOff,
		Since:    p.clk.Now(),
		Firmware: p.readFirmware(),
		Config:   cfg.Catalogue.New(string(cfg.Model.Name)),
	}
	p.publishSnapshot()
	return p, nil
}

// MAC returns the phone's MAC as 12 lower-case hex digits.
func (p *Phone) MAC() string { return p.mac }

// Model returns the phone's model.
func (p *Phone) Model() *model.Model { return p.cfg.Model }

// Flash returns the phone's persistent storage.
func (p *Phone) Flash() *flash.Store { return p.cfg.Flash }

// Clock returns the phone's time source.
func (p *Phone) Clock() clock.Clock { return p.clk }

// Logger returns the phone's logger.
func (p *Phone) Logger() *slog.Logger { return p.log }

// Snapshot returns the current state. It never blocks.
func (p *Phone) Snapshot() State { return *p.snap.Load() }

// Subscribe returns a channel of events and a function that ends the
// subscription. buf is the channel's capacity (0 means 64); events that do not
// fit are dropped and counted by Dropped.
func (p *Phone) Subscribe(buf int) (<-chan Event, func()) { return p.hub.subscribe(buf) }

// Dropped counts events lost to slow subscribers.
func (p *Phone) Dropped() uint64 { return p.hub.dropped.Load() }

// Run owns the phone until ctx is done; then it powers the phone off, waits
// for its workers and returns ctx.Err(). Run may be called once.
func (p *Phone) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("device: Run called twice")
	}
	defer close(p.done)
	for {
		select {
		case <-ctx.Done():
			if c := p.st.cycle; c != nil {
				c.stop()
				c.wg.Wait() // workers never block once their ctx is done
				p.st.cycle = nil
				p.st.Power = false
				p.setStage(&p.st, StageOff)
				p.emit(Event{Kind: EventPower, Text: "off"})
				p.publishSnapshot()
			}
			return ctx.Err()
		case c := <-p.cmds:
			p.step(c)
		}
	}
}

// cmdQueue is how many commands wait for a busy owner before their senders
// block: a booting phone's stage posts its screen texts and log lines
// without waiting (Boot.post), and the owner runs them in one step.
const cmdQueue = 4

// eventQueues lends event queues to steps that emit: a phone holds none
// between steps (an idle phone's heap), and a storm of booting phones does
// not make and grow a queue each (a boot's steps emit tens of events).
var eventQueues = sync.Pool{New: func() any { return new([]Event) }}

// maxKeptQueue is the longest queue returned to eventQueues.
const maxKeptQueue = 256

// maxStep bounds how many waiting commands one step runs before it
// publishes, so that a stream of commands cannot hold the snapshot back.
const maxStep = 16

// command is a change for the owner goroutine to make. A struct rather
// than a closure wrapping the caller's: a booting phone sends about twenty.
type command struct {
	f func(*state)
	// cycle, if set, is the context of the power cycle the command belongs
	// to: f runs only while that cycle goes on, so a command of a cycle that
	// ended (or was replaced) changes nothing.
	cycle context.Context
	// ran, if set, is closed once f has run (or been dropped) and its effect
	// published (do).
	ran chan struct{}
}

// run makes c's change. Owner goroutine only.
func (p *Phone) run(c command) {
	if c.cycle == nil || (p.st.cycle != nil && p.st.cycle.ctx == c.cycle && !p.st.cycle.ending) {
		c.f(&p.st)
	}
	if c.ran != nil {
		p.waiters = append(p.waiters, c.ran)
	}
}

// step runs c and the commands already waiting, then publishes one snapshot
// for them all and wakes do's callers among them.
func (p *Phone) step(c command) {
	p.run(c)
	for range maxStep - 1 {
		select {
		case c = <-p.cmds:
			p.run(c)
			continue
		default:
		}
		break
	}
	p.publishSnapshot()
	for i, ran := range p.waiters {
		close(ran)
		p.waiters[i] = nil
	}
	p.waiters = p.waiters[:0]
}

// do runs f on the owner goroutine and waits until it has run and its
// effect is published: the Snapshot the caller reads next holds it. It
// gives up when ctx ends, even with f queued: the owner ends a power cycle
// by cancelling its workers' ctx and waiting for them, and f, queued but not
// yet run, would never be.
func (p *Phone) do(ctx context.Context, f func(*state)) error {
	return p.doIn(ctx, nil, f)
}

// doIn is do for a command of the power cycle whose context is cycle (nil:
// of none): see command.cycle.
func (p *Phone) doIn(ctx, cycle context.Context, f func(*state)) error {
	if err := ctx.Err(); err != nil {
		return err // ended already: queue nothing
	}
	ran := make(chan struct{})
	if err := p.send(ctx, command{f: f, cycle: cycle, ran: ran}); err != nil {
		return err
	}
	select {
	case <-ran:
		return nil
	case <-p.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send queues c for the owner, waiting while the queue is full.
func (p *Phone) send(ctx context.Context, c command) error {
	select {
	case p.cmds <- c: // the usual case, room in the queue: no select over three channels
		return nil
	default:
	}
	select {
	case p.cmds <- c:
		return nil
	case <-p.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do runs f on the phone's owner goroutine with read access to the current
// state, for callers that need a consistent view (tests, the control API).
func (p *Phone) Do(ctx context.Context, f func(State)) error {
	return p.do(ctx, func(s *state) { f(s.State) })
}

// publishSnapshot stores the current state, then sends the events that led
// to it, so that a subscriber woken by an event always sees its effect.
func (p *Phone) publishSnapshot() {
	s := p.st.State
	// A snapshot is never written once published, so the next one shares
	// the previous one's copies of what did not change (most intents
	// change one field; copying every list took a fifth of what a
	// booting phone allocates), and an intent that changed nothing
	// publishes no new snapshot.
	prev := p.snap.Load()
	first := prev == nil
	if first {
		prev = &State{}
	}
	s.Notifications = reuse(prev.Notifications, s.Notifications)
	if s.Network.same(prev.Network) {
		s.Network = prev.Network
	} else {
		s.Network = s.Network.Clone()
	}
	s.Lines = reuse(prev.Lines, s.Lines)
	s.Calls = reuse(prev.Calls, s.Calls)
	s.Pages = reuse(prev.Pages, s.Pages)
	s.Keys = reuse(prev.Keys, s.Keys)
	changed := first || !s.sharesAll(prev)
	if changed {
		next := new(State)
		*next = s
		p.snap.Store(next)
	}
	// A change no event reports (an ended call leaving the screen) still
	// wakes Wait and When.
	p.hub.publishAll(p.pending, changed)
	// An idle phone keeps no events: a boot's steps run many commands
	// each, and a queue kept at that size (texts and all) was a kilobyte
	// of every idle phone's heap.
	if box := p.pendingBox; box != nil {
		clear(p.pending)
		if cap(p.pending) <= maxKeptQueue {
			*box = p.pending[:0]
			eventQueues.Put(box)
		}
		p.pending, p.pendingBox = nil, nil
	}
	for i, start := range p.starts {
		start()
		p.starts[i] = nil
	}
	p.starts = p.starts[:0]
}

// reuse is prev when cur holds the same elements (nil stays nil), else a
// copy of cur.
func reuse[S ~[]E, E comparable](prev, cur S) S {
	if (prev == nil) == (cur == nil) && slices.Equal(prev, cur) {
		return prev
	}
	return slices.Clone(cur)
}

// emit queues an event; the owner goroutine sends it with the next snapshot.
func (p *Phone) emit(e Event) {
	if e.At.IsZero() {
		e.At = p.clk.Now()
	}
	e.BootCount = p.st.BootCount
	if p.pendingBox == nil {
		p.pendingBox = eventQueues.Get().(*[]Event)
		p.pending = (*p.pendingBox)[:0]
	}
	p.pending = append(p.pending, e)
}

func (p *Phone) setStage(s *state, st Stage) {
	if s.Stage == st {
		return
	}
	s.Stage = st
	s.Since = p.clk.Now()
	if p.log.Enabled(context.Background(), slog.LevelInfo) { // its arguments cost a boot eight allocations when nobody reads them
		p.log.Info("stage", "stage", string(st), "boot", s.BootCount)
	}
	p.emit(Event{Kind: EventStage, Stage: st})
}

// PowerOption changes how PowerOn starts the phone.
type PowerOption func(*powerOptions)

type powerOptions struct{ held []hw.Key }

// WithKeysHeld powers on with keys held down; OK+MENU held restores the
// factory defaults before the boot (manual §8.7.1.1).
func WithKeysHeld(keys ...hw.Key) PowerOption {
	return func(o *powerOptions) { o.held = append(o.held, keys...) }
}

// PowerOn plugs the phone in. It returns once the power cycle has started;
// watch the events or Snapshot for progress. A phone already on is left alone.
func (p *Phone) PowerOn(ctx context.Context, opts ...PowerOption) error {
	var o powerOptions
	for _, f := range opts {
		f(&o)
	}
	return p.do(ctx, func(s *state) {
		if s.Power {
			return
		}
		if slices.Contains(o.held, hw.KeyOK) && slices.Contains(o.held, hw.KeyMenu) {
			p.factoryResetLocked(s, "OK+MENU held at power-on")
		}
		p.startCycleLocked(s)
	})
}

// PowerOff pulls the plug: workers stop at once and nothing more is written.
func (p *Phone) PowerOff(ctx context.Context) error {
	return p.do(ctx, func(s *state) { p.endCycleLocked(s, nil) })
}

// Reboot restarts the phone, as the Restart menu does.
func (p *Phone) Reboot(ctx context.Context, reason string) error {
	return p.do(ctx, func(s *state) { p.rebootLocked(s, reason) })
}

// FactoryReset restores the factory configuration and restarts the phone.
func (p *Phone) FactoryReset(ctx context.Context) error {
	return p.do(ctx, func(s *state) {
		p.endCycleLocked(s, func(s *state) {
			p.factoryResetLocked(s, "restore defaults")
			p.startCycleLocked(s)
		})
	})
}

func (p *Phone) rebootLocked(s *state, reason string) {
	if !s.Power {
		return
	}
	p.log.Info("reboot", "reason", reason)
	p.emit(Event{Kind: EventReboot, Text: reason})
	p.endCycleLocked(s, func(s *state) { p.startCycleLocked(s) })
}

func (p *Phone) factoryResetLocked(s *state, why string) {
	p.log.Info("factory reset", "why", why)
	if err := p.cfg.Flash.FactoryReset(); err != nil {
		p.log.Error("factory reset: flash", "err", err)
	}
	s.Config = p.cfg.Catalogue.New(string(p.cfg.Model.Name))
	s.Locked = false // the PIN goes with the rest (the screen application forgets it)
	s.Quality = nil
	p.emit(Event{Kind: EventFactoryReset, Text: why})
}

// startCycleLocked begins a power cycle and its boot worker.
func (p *Phone) startCycleLocked(s *state) {
	// Loading the configuration below grew the owner's stack step by
	// step (the 10k storm: 200–234 µs of CPU per boot in five runs with
	// this, 232–249 in three without, interleaved). To 8 KiB, not the boot
	// goroutine's 16: the owner needs no more (left to grow by itself it
	// ended the storm at 8 KiB), and every phone keeps its owner's stack,
	// fresh pages the kernel maps in while the storm boots (the 10k storm
	// at Kamailio: 153–172 µs of CPU a phone against 167–186 with 16 KiB,
	// interleaved). The cost: idle phones kept 14.7 KiB of stack each
	// instead of 12.0, after the same collections.
	stackgrow.To8KiB()
	ctx, cancel := context.WithCancel(context.Background())
	c := &cycle{ctx: ctx, cancel: cancel}
	s.cycle = c
	s.Power = true
	s.BootCount++
	s.Status, s.Failure = "", ""
	s.Notifications = nil
	s.Network = Network{}
	s.calls = calls{}
	p.tonePlaying.Store(false) // the last cycle's tone ended with its engine
	p.waiting.Store(nil)
	s.paging = paging{}
	s.media = nil
	s.Lines, s.Calls, s.Pages = nil, nil, nil
	s.MWI = MWI{}
	p.syncCalls(s)
	s.Firmware = p.readFirmware()
	s.Config = p.loadConfig(s)
	p.syncKeys(s)
	p.emit(Event{Kind: EventPower, Text: "on"})
	b := &Boot{p: p, c: c}
	// The boot goes deep at once (configuration, the SIP agent's set-up).
	p.goCycle(c, func(context.Context) { stackgrow.To16KiB(); p.boot(b) })
}

// endCycleLocked cancels the running cycle; once its workers are gone, then
// runs on the owner goroutine (nil: stay off).
func (p *Phone) endCycleLocked(s *state, then func(*state)) {
	c := s.cycle
	if c == nil || c.ending {
		if c == nil && then != nil {
			then(s)
		}
		return
	}
	c.ending = true
	c.stop()
	s.afterCycle = then
	go func() {
		c.wg.Wait()
		// The owner may already be gone (Run returned); then nothing waits.
		select {
		case p.cmds <- command{f: func(s *state) {
			if s.cycle != c {
				return
			}
			s.cycle = nil
			s.Power = false
			s.Status = ""
			p.setStage(s, StageOff)
			p.emit(Event{Kind: EventPower, Text: "off"})
			if then := s.afterCycle; then != nil {
				s.afterCycle = nil
				then(s)
			}
		}}:
		case <-p.done:
		}
	}()
}

func (p *Phone) readFirmware() string {
	return p.cfg.Flash.Firmware().Version(p.cfg.Firmware)
}

// loadConfig returns the configuration kept in flash, or the factory one
// when flash holds none or a bad one.
func (p *Phone) loadConfig(s *state) *config.Config {
	base := p.cfg.Catalogue.New(string(p.cfg.Model.Name))
	b, err := p.cfg.Flash.Read(RecordConfig)
	if err != nil {
		return base
	}
	cfg, _, err := base.Apply(RecordConfig, bytes.NewReader(b))
	if err != nil {
		p.log.Error("stored configuration rejected; using factory defaults", "err", err)
		p.emit(Event{Kind: EventConfigRejected, Text: RecordConfig, Err: err.Error()})
		return base
	}
	return cfg
}

// Wait blocks until cond holds for the phone's state or ctx ends; it checks
// after every event and every change no event reports. (It needs no event
// itself, only the wake-up: the snapshot is stored before its events are
// sent, so one pending wake-up covers any number of changes, and a waiter
// costs one event of buffer.)
func (p *Phone) Wait(ctx context.Context, cond func(State) bool) (State, error) {
	ch, stop := p.hub.subscribeWake()
	defer stop()
	for {
		if s := p.Snapshot(); cond(s) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return p.Snapshot(), ctx.Err()
		case _, ok := <-ch:
			if !ok {
				return p.Snapshot(), ErrNotRunning
			}
		}
	}
}

// When calls f once, on a goroutine of its own, with the first state for
// which cond holds: the current one, or one after an event, as Wait checks.
// Unlike Wait, nothing waits meanwhile (a fleet watches thousands of phones
// boot). stop gives up the watch; it reports whether it came before f was
// called (false: f has been or is being called).
func (p *Phone) When(cond func(State) bool, f func(State)) (stop func() bool) {
	return p.when(cond, func(s State) { go f(s) })
}

// WhenQuick is When for an f that returns at once and never calls the
// phone (a send on a channel with room): f runs on the goroutine that saw
// the state, the phone's owner or WhenQuick's caller, and no goroutine is
// started for it (a fleet watches thousands of phones boot).
func (p *Phone) WhenQuick(cond func(State) bool, f func(State)) (stop func() bool) {
	return p.when(cond, f)
}

func (p *Phone) when(cond func(State) bool, f func(State)) (stop func() bool) {
	var fired atomic.Bool
	try := func() bool {
		s := p.Snapshot()
		if !cond(s) {
			return false
		}
		if fired.CompareAndSwap(false, true) {
			f(s)
		}
		return true
	}
	unwatch := p.hub.watch(try)
	if try() { // after watching: no change between the two goes unseen
		unwatch()
	}
	return func() bool {
		unwatch()
		return fired.CompareAndSwap(false, true)
	}
}

// ErrWrongModel is returned when a configuration file names another model in
// system/type.
var ErrWrongModel = errors.New("device: configuration is for another model")

// ApplyConfig loads a configuration file (a whole file or a delta) on top of
// the running configuration, as the Web page and the console do. The file is
// checked for this model (system/type) and validated; a bad file changes
// nothing. On success the configuration is kept in flash; reboot reports
// whether a changed parameter needs a restart (the caller decides to restart).
func (p *Phone) ApplyConfig(ctx context.Context, source string, data []byte) (issues []config.Issue, reboot bool, err error) {
	var applyErr error
	err = p.do(ctx, func(s *state) {
		issues, reboot, applyErr = p.applyConfigLocked(s, source, data)
	})
	if err != nil {
		return nil, false, err
	}
	return issues, reboot, applyErr
}

func (p *Phone) applyConfigLocked(s *state, source string, data []byte) ([]config.Issue, bool, error) {
	next, issues, err := s.Config.Apply(source, bytes.NewReader(data))
	if err == nil {
		if t := next.Get("system/type"); t != "" && !strings.EqualFold(t, string(p.cfg.Model.Name)) {
			err = fmt.Errorf("%w: system/type=%s, this phone is a %s", ErrWrongModel, t, p.cfg.Model.Name)
		}
	}
	if err != nil {
		p.log.Warn("configuration rejected", "source", source, "err", err)
		p.emit(Event{Kind: EventConfigRejected, Stage: s.Stage, Text: source, Err: err.Error()})
		return issues, false, err
	}
	reboot, err := p.storeConfigLocked(s, source, next)
	return issues, reboot, err
}

// storeConfigLocked makes next the running configuration and keeps it in flash.
func (p *Phone) storeConfigLocked(s *state, source string, next *config.Config) (bool, error) {
	var buf bytes.Buffer
	if err := config.Format(&buf, next); err != nil {
		return false, fmt.Errorf("device: format configuration: %w", err)
	}
	changes := config.Diff(s.Config, next)
	reboot := config.NeedsReboot(changes)
	if err := p.cfg.Flash.Write(RecordConfig, buf.Bytes()); err != nil {
		return false, fmt.Errorf("device: store configuration: %w", err)
	}
	s.Config = next.Clone()
	p.syncLineFeatures(s)
	p.syncKeys(s)
	p.lineChanged(s, changes)
	p.log.Info("configuration applied", "source", source, "changes", len(changes), "reboot", reboot)
	p.emit(Event{Kind: EventConfigApplied, Stage: s.Stage, Text: fmt.Sprintf("%s (%d changes)", source, len(changes))})
	p.applySyslog(s)
	return reboot, nil
}
