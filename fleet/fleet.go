package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/media"
)

// Screen is a phone's screen application on an in-memory board: what the
// press, expect_screen and expect_led steps and the control API reach.
type Screen interface {
	// Run draws until ctx ends.
	Run(ctx context.Context) error
	// Text is the screen's text, row after row.
	Text() string
	// LED returns an LED's state.
	LED(id hw.LED) hw.LEDState
	// LEDs returns every LED that is lit.
	LEDs() map[hw.LED]hw.LEDState
	// Press presses and releases a key (index: a programmable or function
	// key's cfg index).
	Press(k hw.Key, index int) error
}

// ScreenFunc makes a phone's screen; the composition root supplies it (the
// ui package on a hw/virtual board).
type ScreenFunc func(p *device.Phone) (Screen, error)

// Options tune a fleet run. The zero value runs every phone of the file
// with the default time-outs, no screens, and no progress reports.
type Options struct {
	// Shard runs only this shard's slice of the phones; the zero Shard is
	// the whole fleet.
	Shard Shard
	// Logger receives the fleet's and the phones' logs; nil discards.
	Logger *slog.Logger
	// Net tunes the phones' boot services (DHCP and provisioning time-outs,
	// back-off); the fleet sets the DHCP server or interface.
	Net device.NetConfig
	// Screens, when set, gives every phone a screen application; without
	// it, steps that need a screen fail on every phone.
	Screens ScreenFunc
	// Progress, if set, is called with every step result and boot outcome
	// as it happens (from the fleet's goroutines; it must not block long).
	Progress func(Progress)
	// Metrics, if set, counts boots and step results.
	Metrics *Metrics
	// OnDevice, if set, is called with each phone once its device exists,
	// before it is powered on (to subscribe to its events, say).
	OnDevice func(p *Phone)
	// Stay keeps the phones running after the scenario until Run's context
	// ends (to drive them through the control API); Report has the
	// scenario's results meanwhile.
	Stay bool
	// BootProcs, when > 0, is the process's GOMAXPROCS while the phones
	// boot (BootProcs gives hdphone fleet's choice); it is put back once
	// every phone has booted. 0 leaves it alone.
	BootProcs int
	// BootHeap, when > 0, holds the garbage collector back while the
	// phones are made and boot: it runs only once the runtime's memory
	// has grown by BootHeap for each phone (or as far as its own target
	// would have let it, if that is more; or at the process's memory
	// limit), and is put back once every phone has booted (BootHeap gives
	// hdphone fleet's choice). The hold first readies the heap the storm
	// will use, StormReadyPerPhone for each phone and more with the
	// embedded lab, in one system call where the kernel has one for it
	// (see readyHeap). 0 leaves the collector and the heap alone.
	BootHeap int64
}

// Progress is one thing that happened in a fleet run.
type Progress struct {
	Step   string // "" for boot progress
	Index  int    // the step's 0-based position; -1 for the boot
	Phone  string
	Model  model.Name
	Result *Result // nil: a phone entered Stage
	Stage  device.Stage
	// Done and Total count the results of the step so far.
	Done, Total int
}

// Fleet is a running fleet: its phones and the lab around them. Make one
// with New and run it with Run; the accessors are safe from any goroutine.
type Fleet struct {
	file  *File
	opts  Options
	log   *slog.Logger
	shard Shard

	phones []*Phone       // this shard's phones, in fleet order
	byN    map[int]*Phone // by fleet index (0-based)
	byID   map[string]*Phone
	byUser map[string]*Phone
	lab    *fleetLab
	pacers []*media.Pacer
	sipMux *datagram.Mux // the phones' shared SIP socket (Network.SharedSocket)

	mu      sync.Mutex // guards the fields below
	running bool
	report  *Report
	started time.Time
	step    int // the step running, -1 during the boot
	// scenarioDone is set once the last step has run.
	scenarioDone bool
}

// New makes the fleet's phones (powered off) for opts.Shard.
func New(f *File, opts Options) (*Fleet, error) {
	if opts.Shard.Count == 0 {
		opts.Shard = Shard{Index: 0, Count: 1}
	}
	if err := opts.Shard.check(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fl := &Fleet{file: f, opts: opts, log: log, shard: opts.Shard, step: -1,
		byN: map[int]*Phone{}, byID: map[string]*Phone{}, byUser: map[string]*Phone{}}
	lo, hi := opts.Shard.Slice(len(f.Phones))
	for n := lo; n < hi; n++ {
		spec := f.Phones[n]
		p := &Phone{Spec: spec}
		switch f.Network.Mode {
		case ModeLoopback:
			p.Addr = loopbackAddr(f.Network.Addresses, spec.N)
		case ModeHost:
			p.Addr = f.Network.Address
		}
		fl.phones = append(fl.phones, p)
		fl.byN[n] = p
		fl.byID[spec.ID] = p
		if spec.User != "" {
			fl.byUser[spec.User] = p
		}
	}
	return fl, nil
}

// File returns the fleet file.
func (fl *Fleet) File() *File { return fl.file }

// Phones returns this shard's phones in fleet order.
func (fl *Fleet) Phones() []*Phone { return fl.phones }

// Phone returns the phone with fleet ID id (desk-3).
func (fl *Fleet) Phone(id string) (*Phone, bool) {
	p, ok := fl.byID[id]
	return p, ok
}

// Report returns the results so far (a copy); during Run it grows step by
// step.
func (fl *Fleet) Report() *Report {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.report == nil {
		return nil
	}
	return fl.report.clone()
}

// Run starts the lab (when the file asks for it), powers the phones on as
// the boot storm says, runs the scenario, and returns the report. A phone
// that fails a step is reported and skips the steps after it (unless they
// say always); the others go on. Run returns an error only when the fleet
// could not run at all; failed steps are in the report (Report.Failed).
func (fl *Fleet) Run(ctx context.Context) (*Report, error) {
	fl.mu.Lock()
	if fl.running {
		fl.mu.Unlock()
		return nil, errors.New("fleet: Run called twice")
	}
	fl.running = true
	fl.started = time.Now()
	fl.report = newReport(fl.file, fl.shard, fl.phones, fl.started)
	fl.mu.Unlock()

	if fl.file.Network.Lab {
		specs := make([]PhoneSpec, len(fl.phones))
		for i, p := range fl.phones {
			specs[i] = p.Spec
		}
		// The lab outlives the phones: stopped together, the phones'
		// last requests (a CANCEL or BYE a step's hang-up left in
		// flight) met a closed server, which logged every one as an
		// error at the end of a run that passed.
		labCtx, stopLab := context.WithCancel(context.WithoutCancel(ctx))
		l, err := startLab(labCtx, fl.file, specs, fl.log)
		if err != nil {
			stopLab()
			return nil, err
		}
		fl.lab = l
		defer func() { stopLab(); l.wait() }()
	}
	if fl.file.Network.SharedSocket {
		// Like the lab, the shared socket outlives the phones (their
		// last datagrams leave through it).
		m, err := datagram.NewMux(fl.file.Network.SIPPortBase)
		if err != nil {
			return nil, fmt.Errorf("fleet: network.shared_socket: %w", err)
		}
		fl.sipMux = m
		muxDone := make(chan struct{})
		go func() {
			defer close(muxDone)
			if err := m.Run(context.Background()); err != nil {
				fl.log.Error("shared SIP socket", "err", err)
			}
		}()
		defer func() { m.Close(); <-muxDone }()
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// The phones stop when ctx is cancelled; wait for them after that
	// (before the lab stops: deferred calls run last first).
	defer func() { cancel(); wg.Wait() }()
	// The fleet's pacers clock every phone's media: one goroutine and one
	// timer per core instead of one per phone (a pacer encodes on one
	// thread, so one per core lets calls use every core).
	for range max(1, runtime.GOMAXPROCS(0)) {
		pc := media.NewPacer(media.PacerConfig{})
		fl.pacers = append(fl.pacers, pc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.Run(ctx)
		}()
	}
	// The hold begins before the phones are made (10,000 phones' objects
	// made a collection of their own just before the storm) and ends when
	// every phone has booted.
	release := func() {}
	if per := fl.opts.BootHeap; per > 0 {
		n := int64(len(fl.phones))
		ready := int64(StormReadyPerPhone)
		if fl.file.Network.Lab {
			ready += labReadyPerPhone
			if !fl.file.Network.NoDHCP {
				ready += labDHCPReadyPerPhone
			}
		}
		release = holdCollector(satMul(per, n), satMul(ready, n))
	}
	defer func() { release() }()
	for _, p := range fl.phones {
		if err := fl.makeDevice(p); err != nil {
			return nil, fmt.Errorf("fleet: %s: %w", p.Spec.ID, err)
		}
		if fl.opts.OnDevice != nil {
			fl.opts.OnDevice(p)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Device.Run(ctx)
		}()
		if p.Screen != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.Screen.Run(ctx)
			}()
		}
	}
	fl.boot(ctx)
	release()
	release = func() {}
	for i := range fl.file.Scenario {
		if ctx.Err() != nil {
			break
		}
		fl.mu.Lock()
		fl.step = i
		fl.mu.Unlock()
		fl.runStep(ctx, i)
	}
	fl.mu.Lock()
	fl.report.finish(time.Now())
	r := fl.report.clone()
	fl.scenarioDone = true
	fl.mu.Unlock()
	if fl.opts.Stay {
		<-ctx.Done()
		return r, nil
	}
	return r, ctx.Err()
}

// Done reports whether the scenario has finished (the phones may still run
// with Options.Stay).
func (fl *Fleet) Done() bool {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.scenarioDone
}

// makeDevice makes p's device with its network and, when no provisioning
// server gives it one, its configuration in flash.
func (fl *Fleet) makeDevice(p *Phone) error {
	f := fl.file
	fls := flash.NewMemory()
	net := fl.opts.Net
	net.DHCPServer, net.Interface = netip.AddrPort{}, ""
	// cfg is the configuration kept in flash, line by line.
	var cfg bytes.Buffer
	line := func(parts ...string) {
		for _, s := range parts {
			cfg.WriteString(s)
		}
		cfg.WriteByte('\n')
	}
	switch {
	case fl.lab != nil && f.Network.NoDHCP:
		// Staged by hand: the lab's file server as static provisioning.
		url := fl.lab.httpURL()
		line("provisioning/method=STATIC")
		line("provisioning/firmware/url=", url)
		line("provisioning/configuration/url=", url, "/", macHex(p.Spec.MAC), ".cfg")
	case fl.lab != nil:
		net.DHCPServer = fl.lab.dhcp.Addr()
	case f.Network.DHCPServer != "":
		ap, err := netip.ParseAddrPort(f.Network.DHCPServer)
		if err != nil {
			return fmt.Errorf("DHCP server %q: %w", f.Network.DHCPServer, err)
		}
		net.DHCPServer = ap
	case f.Network.Mode == ModeInterface:
		net.Interface = p.Spec.Interface
		if f.Network.Namespace != "" {
			net.Do = netnsDo(f.Network.Namespace)
		}
	}
	if fl.lab == nil {
		// The phone starts with its line (and, with a provisioning URL,
		// where to fetch the rest) in flash, as a phone staged by hand.
		if f.Network.Registrar != "" {
			host, port, err := registrarAddr(f.Network.Registrar)
			if err != nil {
				return fmt.Errorf("registrar %q: %w", f.Network.Registrar, err)
			}
			domain := f.Network.Domain
			if domain == "" {
				domain = host
			}
			cfg.WriteString(phoneConfig(p.Spec, host, port, domain, f.Network.Transport))
		} else {
			for _, kv := range p.Spec.Config {
				line(kv.Key, "=", kv.Value)
			}
		}
		if u := f.Network.ProvisioningURL; u != "" {
			line("provisioning/method=STATIC")
			line("provisioning/configuration/url=", strings.TrimRight(u, "/"), "/", macHex(p.Spec.MAC), ".cfg")
		}
	}
	switch {
	case f.Network.Mode == ModeHost:
		line("voip/signalling/sip/port=", strconv.Itoa(f.Network.SIPPortBase+2*(p.Spec.N-1)))
	case f.Network.Mode == ModeLoopback && f.Network.SIPPortBase != defaultSIPPort:
		line("voip/signalling/sip/port=", strconv.Itoa(f.Network.SIPPortBase))
	}
	if cfg.Len() > 0 {
		if err := fls.Write(device.RecordConfig, cfg.Bytes()); err != nil {
			return err
		}
	}
	m, err := model.Lookup(string(p.Spec.Model))
	if err != nil {
		return err
	}
	dc := device.Config{
		Model:       m,
		MAC:         p.Spec.MAC,
		Flash:       fls,
		Addr:        p.Addr,
		Logger:      fl.opts.Logger,
		Audio:       p.audioFor,
		MediaPorts:  media.PortAny,
		MulticastIf: netip.AddrFrom4([4]byte{127, 0, 0, 1}),
		Network:     net,
		Pacer:       fl.pacers[p.Spec.N%len(fl.pacers)],
		SharedSIP:   fl.sipMux,
	}
	if f.Network.Mode == ModeInterface {
		dc.MulticastIf = netip.Addr{}
	}
	d, err := device.New(dc)
	if err != nil {
		return err
	}
	p.Device = d
	if fl.opts.Screens != nil {
		if p.Screen, err = fl.opts.Screens(d); err != nil {
			return fmt.Errorf("screen: %w", err)
		}
	}
	return nil
}

// defaultSIPPort is voip/signalling/sip/port's default.
const defaultSIPPort = 5060

// boot powers the phones on as the storm says and waits for each to reach
// the idle screen. A few goroutines power phones on, and one collects the
// outcomes (the phones' own watches and the time-outs): a storm of
// thousands holds no goroutine per phone while they boot.
func (fl *Fleet) boot(ctx context.Context) {
	if n := fl.opts.BootProcs; n > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	}
	b := fl.file.Boot
	total := len(fl.phones)
	start := time.Now()
	bc := &bootCollector{
		started: make(chan *booting, total),
		idle:    make(chan bootedPhone, total),
	}
	queue := make(chan *Phone)
	var wg sync.WaitGroup
	workers, limited := bootWorkers, b.Concurrency > 0
	if limited {
		// Each worker waits for its phone's outcome before the next.
		workers = b.Concurrency
	}
	for range min(total, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				bt := fl.powerOn(ctx, p, bc.idle, limited)
				bc.started <- bt
				if limited {
					<-bt.reported
				}
			}
		}()
	}
	go func() {
		defer close(queue)
		for i, p := range fl.phones {
			if b.Storm == StormSpread && total > 1 {
				at := start.Add(time.Duration(int64(b.Spread) * int64(i) / int64(total)))
				clock.Sleep(ctx, clock.Real, time.Until(at))
			}
			if ctx.Err() != nil {
				// The fleet stops: the phones not powered on fail.
				bc.started <- &booting{p: p, began: time.Now(), err: ctx.Err()}
				continue
			}
			queue <- p
		}
	}()
	done := 0
	bc.collect(ctx, fl, total, func(r *Result) {
		done++
		fl.record(-1, BootStep, r, done, total)
	})
	wg.Wait()
	fl.mu.Lock()
	fl.report.BootWallMillis = time.Since(start).Milliseconds()
	fl.mu.Unlock()
}

// bootWorkers is how many phones are powered on at a time (each power-on
// is a short hand-off to the phone's owner goroutine; the boot itself goes
// on without the worker).
const bootWorkers = 16

// BootStep is the name of the implicit first step: every phone powers on
// and reaches the idle screen within boot.timeout.
const BootStep = "boot"

// booting is a phone powered on (or that failed to) whose boot outcome is
// awaited.
type booting struct {
	p        *Phone
	began    time.Time
	deadline time.Time
	err      error       // power-on failed
	unwatch  func() bool // gives up the phone's watch for the idle screen
	settled  bool        // the collector's: the outcome is reported
	// reported, when not nil, is closed once the outcome is reported (a
	// worker of a storm with a concurrency limit waits for it).
	reported chan struct{}
}

type bootedPhone struct {
	b *booting
	s device.State
}

// bootCollector gathers the outcomes of a storm's boots.
type bootCollector struct {
	started chan *booting
	idle    chan bootedPhone
}

// powerOn powers p on and watches for its idle screen, which is reported on
// idle; waited asks for bt.reported.
func (fl *Fleet) powerOn(ctx context.Context, p *Phone, idle chan<- bootedPhone, waited bool) *booting {
	bt := &booting{p: p, began: time.Now()}
	if waited {
		bt.reported = make(chan struct{})
	}
	bt.deadline = bt.began.Add(fl.file.Boot.Timeout)
	if fl.opts.Progress != nil {
		fl.opts.Progress(Progress{Index: -1, Phone: p.Spec.ID, Model: p.Spec.Model, Stage: device.StageOff})
	}
	if bt.err = p.Device.PowerOn(ctx); bt.err != nil {
		return bt
	}
	bt.unwatch = p.Device.WhenQuick(func(s device.State) bool { return s.Stage == device.StageIdle },
		func(s device.State) { idle <- bootedPhone{bt, s} }) // never blocks: room for every phone
	return bt
}

// collect reports each of total phones once: idle, failed to power on, or
// not idle by its deadline (or by the end of ctx).
func (bc *bootCollector) collect(ctx context.Context, fl *Fleet, total int, report func(*Result)) {
	var waiting []*booting // by deadline: phones are powered on in order
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	reported := 0
	settle := func(bt *booting, r *Result) {
		bt.settled = true
		reported++
		report(r)
		if bt.reported != nil {
			close(bt.reported)
		}
	}
	fail := func(bt *booting, err error) {
		settle(bt, (&Result{Phone: bt.p.Spec.ID, Step: BootStep}).fail(time.Since(bt.began), err))
	}
	// expire gives up watching bt; if its idle screen came first, that
	// outcome is on its way.
	expire := func(bt *booting, err func() error) {
		if !bt.settled && bt.unwatch() {
			fail(bt, err())
		}
	}
	done := ctx.Done()
	for reported < total {
		if len(waiting) > 0 {
			timer.Reset(time.Until(waiting[0].deadline))
		}
		select {
		case bt := <-bc.started:
			switch {
			case bt.err != nil:
				fail(bt, bt.err)
			case ctx.Err() != nil:
				expire(bt, ctx.Err)
			default:
				waiting = append(waiting, bt)
			}
		case ip := <-bc.idle:
			took := time.Since(ip.b.began)
			ip.b.p.setBooted(took)
			if fl.opts.Metrics != nil {
				fl.opts.Metrics.bootTime.Observe(took.Seconds())
			}
			settle(ip.b, (&Result{Phone: ip.b.p.Spec.ID, Step: BootStep}).pass(took,
				fmt.Sprintf("idle on %s after %d power cycle(s)", ip.s.Firmware, ip.s.BootCount)))
		case now := <-timer.C:
			for len(waiting) > 0 && !waiting[0].deadline.After(now) {
				bt := waiting[0]
				waiting = waiting[1:]
				expire(bt, func() error {
					s := bt.p.Device.Snapshot()
					return fmt.Errorf("not idle after %s: stage %s%s", fl.file.Boot.Timeout, s.Stage, noteText(s))
				})
			}
		case <-done:
			done = nil
			for _, bt := range waiting {
				expire(bt, ctx.Err)
			}
			waiting = nil
		}
		for len(waiting) > 0 && waiting[0].settled {
			waiting = waiting[1:]
		}
	}
}

func noteText(s device.State) string {
	if len(s.Notifications) == 0 {
		return ""
	}
	ns := make([]string, len(s.Notifications))
	for i, n := range s.Notifications {
		ns[i] = n.Text
	}
	return ` ("` + strings.Join(ns, `", "`) + `")`
}

// record adds a result to the report and tells the progress callback.
func (fl *Fleet) record(index int, step string, r *Result, done, total int) {
	if r.Status == StatusFailed {
		if p := fl.byID[r.Phone]; p != nil {
			p.markFailed(step)
		}
	}
	fl.mu.Lock()
	fl.report.add(index, r)
	fl.mu.Unlock()
	if fl.opts.Metrics != nil {
		fl.opts.Metrics.result(step, r.Status)
	}
	if fl.opts.Progress != nil {
		p := fl.byID[r.Phone]
		pr := Progress{Step: step, Index: index, Phone: r.Phone, Result: r, Done: done, Total: total}
		if p != nil {
			pr.Model = p.Spec.Model
		}
		fl.opts.Progress(pr)
	}
}

// Pacing returns the statistics of the fleet's media pacers (the send
// jitter and wakeup lateness of every phone's streams): the counts summed,
// the percentiles the worst pacer's.
func (fl *Fleet) Pacing() media.PacingStats {
	var out media.PacingStats
	for _, pc := range fl.pacers {
		st := pc.Stats()
		out.Packets += st.Packets
		out.Ticks += st.Ticks
		out.Overruns += st.Overruns
		out.Resyncs += st.Resyncs
		out.StreamsAtEnd += st.StreamsAtEnd
		out.OSTimer = st.OSTimer
		out.JitterP50 = max(out.JitterP50, st.JitterP50)
		out.JitterP99 = max(out.JitterP99, st.JitterP99)
		out.JitterMax = max(out.JitterMax, st.JitterMax)
		out.WakeupP50 = max(out.WakeupP50, st.WakeupP50)
		out.WakeupP99 = max(out.WakeupP99, st.WakeupP99)
	}
	return out
}

// ResetPacing clears the pacers' statistics (to measure one stretch of
// calls).
func (fl *Fleet) ResetPacing() {
	for _, pc := range fl.pacers {
		pc.ResetStats()
	}
}

// Lab returns the embedded lab's addresses ("" when the fleet has none).
func (fl *Fleet) Lab() (sip, dhcp, provisioning string) {
	if fl.lab == nil {
		return "", "", ""
	}
	return fl.lab.sip.Addr().String(), fl.lab.dhcp.Addr().String(), fl.lab.httpURL()
}
