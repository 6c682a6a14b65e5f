package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/internal/datagram"
	"github.com/hdphone/hdphone/internal/stacklog"
)

// The methods the phone supports (Table G-2). REGISTER and PUBLISH are
// send-only, so they are not in Allow.
const allowMethods = "INVITE, ACK, BYE, CANCEL, REFER, NOTIFY, INFO, OPTIONS, PRACK, SUBSCRIBE"

// The extensions the phone supports: no outbound, precondition or sigcomp
// (Table G-1 lists them as unsupported).
const supportedExtensions = "replaces, 100rel, timer"

// SetReadBufferSize sets the size of the buffer sipgo keeps for each socket
// and connection it reads (its process-wide TransportBufferReadSize, 32 KiB
// by default), for the socket's life. A UDP socket's datagrams do not go
// through it (each is read into a buffer of its own size, see
// internal/datagram), so it only sets how much of a TCP or TLS stream one
// read takes: small keeps an idle phone small. Call it once from the
// composition root before creating any UA; it is not safe to call while UAs
// run.
func SetReadBufferSize(n int) {
	if n < 256 {
		n = 256
	}
	if n > 65535 {
		n = 65535
	}
	sipgosip.TransportBufferReadSize = uint16(n)
}

// SetStackLogger routes the few messages sipgo logs outside any UA (its
// process-wide logger: connection reference counting, parse failures of
// stray datagrams) to l; nil discards them. Call it once from the
// composition root, before any UA is created.
func SetStackLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	sipgosip.SetDefaultLogger(slog.New(stacklog.New(l.Handler(), nil)))
}

// UA is one phone's SIP user agent. Create it with New, serve it with Run,
// read Events, and give it intents (Register, Invite, Subscribe, and the
// methods of Call, Refer and Subscription) from any goroutine.
type UA struct {
	cfg    Config
	log    *slog.Logger
	clk    clock.Clock
	res    Resolver
	ip     net.IP
	events chan Event
	queue  eventQueue

	// sipgo's stack: made by New, or on a shared socket (lazy) by Run
	// once something needs it, before serving is closed.
	sua *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client

	// (In this order the fields leave no gaps; see seldomState.)
	serving   chan struct{} // lazy: closed once sipgo serves the socket, or never will
	stackErr  error         // lazy: why the stack could not be made (set before serving is closed)
	servedOne sync.Once
	stacking  atomic.Bool // lazy: Run is making the stack, or made it

	udpConn *datagram.Conn
	udpTxs  udpTxs // the non-INVITE transactions over udpConn (udptx.go)
	tcpLn   net.Listener
	tlsLn   net.Listener
	port    int // the port Via and Contact carry for cfg.Transport

	aor     sipgosip.Uri
	contact sipgosip.ContactHeader

	tlsNames sync.Map // remote IP string -> host name its certificate must match

	runCtx  context.Context
	stop    context.CancelFunc
	running atomic.Bool
	// ready is set once sipgo knows the listening socket: a request sent
	// before then makes sipgo bind a second socket on the same address.
	ready atomic.Bool
	// started is closed with ready set: intents given before Run wait on it.
	started chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup // goroutines the UA owns

	auth authCache

	spawnMu sync.Mutex // guards closing and socketClosed
	closing bool
	// socketClosed is set as the listening socket closes: no request is
	// handed to sipgo from then on (fromSocket).
	socketClosed bool
	// closedOnce closes the sockets once; a second closer waits for the
	// first (see closeListeners).
	closedOnce sync.Once

	// read is what the transport read, in order (arrivals.go); made with
	// sipgo's stack, which a phone that only registers on a fleet's shared
	// socket never makes.
	read *readOrder

	mu       sync.Mutex // guards the following fields
	dialogs  map[string]dialogUser
	seldom   *seldomState // made by its first use: most phones never need it
	reg      *registration
	regState RegState
	mwi      *Subscription
}

// seldomState is what few phones ever hold, behind one pointer rather
// than a field each in every UA: an idle phone's UA stays within the
// allocator's 1,408-byte class (1,400 bytes and the allocator's 8-byte
// header, on 64-bit platforms).
type seldomState struct {
	failed  map[Target]time.Time   // targets skipped until then
	givenUp map[string]givenUpCall // calls whose INVITE was given up
}

// seldomLocked returns u.seldom, made if need be; u.mu is held.
func (u *UA) seldomLocked() *seldomState {
	if u.seldom == nil {
		u.seldom = &seldomState{}
	}
	return u.seldom
}

// dialogUser is what owns a dialog: a Call, a Subscription or an
// out-of-dialog Refer.
type dialogUser interface {
	handleRequest(req *sipgosip.Request, tx sipgosip.ServerTransaction)
}

// New checks the config and binds the UA's socket, so that errors (a taken
// port, a bad address) show at once and LocalAddr is known before Run.
func New(cfg Config) (*UA, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	u := &UA{
		cfg:     c,
		log:     c.Logger.With("component", "sip", "user", c.User),
		clk:     c.Clock,
		res:     c.Resolver,
		ip:      net.IP(c.LocalAddr.AsSlice()),
		done:    make(chan struct{}),
		started: make(chan struct{}),
	}
	if u.res == nil {
		u.res = &DNSResolver{}
	}
	u.regState = RegUnregistered
	if c.OnEvent == nil {
		u.events = make(chan Event)
	}
	u.queue = eventQueue{out: u.events, deliver: c.OnEvent, done: u.done, spawn: u.spawn}
	if c.OnEvent != nil {
		u.queue.try = c.TryEvent
	}
	u.runCtx, u.stop = context.WithCancel(context.Background())

	if _, _, err := tlsVersions(c.TLS.Method, c.TLS.Disable); err != nil {
		return nil, err
	}
	if err := u.listen(); err != nil {
		return nil, err
	}
	// On a shared socket the responses to the UA's own transactions
	// reach it without a reader, and sipgo's stack is made when something
	// first needs it: a fleet's phone that only registers never makes it.
	if u.lazy() {
		u.serving = make(chan struct{})
	} else if err := u.makeStack(); err != nil {
		u.closeListeners()
		return nil, err
	}
	u.aor = sipgosip.Uri{Scheme: "sip", User: c.User, Host: c.Domain}
	u.contact = sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: c.User, Host: c.LocalAddr.String(), Port: u.port}}
	if c.Transport != UDP {
		u.contact.Address.UriParams = sipgosip.HeaderParams{{K: "transport", V: c.Transport.lower()}}
	}
	return u, nil
}

// makeStack makes sipgo's user agent, server and client for the UA's
// socket and routes requests to the UA's handlers.
func (u *UA) makeStack() error {
	c := u.cfg
	uaOpts := []sipgo.UserAgentOption{sipgo.WithUserAgent(c.UserAgent), sipgo.WithUserAgentHostname(c.Domain)}
	if c.Transport == TLS {
		minV, maxV, err := tlsVersions(c.TLS.Method, c.TLS.Disable)
		if err != nil {
			return err
		}
		// Only a TLS phone dials TLS: every target carries the configured
		// transport (a UDP phone of a fleet keeps no client TLS config).
		tc := &tls.Config{
			// Verification is done in verifyServer against the configured
			// host name: sipgo dials resolved addresses, so the name it
			// would check is the IP.
			InsecureSkipVerify: true,
			VerifyConnection:   u.verifyServer,
			MinVersion:         minV,
			MaxVersion:         maxV,
			Certificates:       c.TLS.Certificates,
		}
		if len(c.TLS.Certificates) == 0 && c.TLS.Identity != nil {
			identity := c.TLS.Identity
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				cert, err := identity()
				if err != nil {
					return nil, fmt.Errorf("sip: factory certificate: %w", err)
				}
				return cert, nil
			}
		}
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(tc))
	}

	sl := slog.New(stacklog.New(u.log.Handler(), u.runCtx.Done()))
	sua, err := sipgo.NewUA(append(uaOpts,
		sipgo.WithUserAgentTransportLayerOptions(sipgosip.WithTransportLayerLogger(sl),
			sipgosip.WithTransportLayerReadFilter(u.readFilter)),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipgosip.WithTransactionLayerLogger(sl),
			sipgosip.WithTransactionLayerUnhandledResponseHandler(u.onStrayResponse),
		),
	)...)
	if err != nil {
		return fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(sua, sipgo.WithServerLogger(sl))
	if err != nil {
		sua.Close()
		return fmt.Errorf("sip: server: %w", err)
	}
	cli, err := sipgo.NewClient(sua, sipgo.WithClientLogger(sl), sipgo.WithClientHostname(c.LocalAddr.String()))
	if err != nil {
		sua.Close()
		return fmt.Errorf("sip: client: %w", err)
	}
	u.read = &readOrder{}
	sua.TransportLayer().OnMessage(u.onRead)
	u.mu.Lock() // for StackMade; intents read them after New or serving
	u.sua, u.srv, u.cli = sua, srv, cli
	u.mu.Unlock()
	u.handle()
	return nil
}

// listen binds the socket of the configured transport on the phone's
// address: UDP, a TCP listener, or a TLS listener. Outgoing TCP and TLS
// connections come from the same address and an ephemeral port.
func (u *UA) listen() error {
	addr := func() string { return net.JoinHostPort(u.cfg.LocalAddr.String(), strconv.Itoa(u.cfg.LocalPort)) }
	switch u.cfg.Transport {
	case UDP:
		// The address as it is, not as a string to parse again (a
		// storm's phones each bind one).
		ap := netip.AddrPortFrom(u.cfg.LocalAddr, uint16(u.cfg.LocalPort))
		var dg *datagram.Conn
		if u.cfg.SharedUDP.Serves(ap) {
			var err error
			if dg, err = u.cfg.SharedUDP.Listen(ap, u.takeShared); err != nil {
				return fmt.Errorf("sip: listen udp %s: %w", addr(), err)
			}
		} else {
			c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
			if err != nil {
				return fmt.Errorf("sip: %w", err) // it names the address
			}
			if dg, err = datagram.New(c); err != nil {
				c.Close()
				return fmt.Errorf("sip: udp %s: %w", addr(), err)
			}
		}
		dg.Stray = func(from net.Addr, data []byte) {
			u.log.Debug("datagram that is not SIP dropped", "from", from, "bytes", len(data))
		}
		u.udpConn = dg
		u.port = dg.UDPAddr().Port
	case TCP:
		l, err := net.Listen("tcp", addr())
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		u.tcpLn = l
		u.port = l.Addr().(*net.TCPAddr).Port
	case TLS:
		conf, err := serverTLS(u.cfg.TLS, u.ip)
		if err != nil {
			return err
		}
		taddr := net.JoinHostPort(u.cfg.LocalAddr.String(), strconv.Itoa(u.cfg.LocalTLSPort))
		l, err := tls.Listen("tcp", taddr, conf)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		u.tlsLn = l
		u.port = l.Addr().(*net.TCPAddr).Port
	}
	return nil
}

// takeShared takes, on the shared socket's goroutine, the responses to the
// UA's own UDP transactions and, until sipgo's stack is being made, every
// other response: none can be for sipgo then, and sipgo would drop it
// (onStrayResponse) once the stack was made for it — for a REGISTER's
// response retransmitted after its transaction ended, say.
func (u *UA) takeShared(data []byte, from netip.AddrPort) bool {
	return u.udpTxs.take(data, from) || !u.stacking.Load() && isResponse(data)
}

// readFilter hands sipgo the datagrams the UA's socket read (see
// internal/datagram); set before the socket exists, it passes everything
// else through.
func (u *UA) readFilter(props sipgosip.TransportReadProps, data []byte) ([]byte, error) {
	if u.udpConn == nil {
		return data, nil
	}
	data, err := u.udpConn.Filter(props, data)
	// A response to one of the UA's own UDP transactions goes to it, not
	// to sipgo's parser (the datagram is the socket's own buffer).
	if len(data) > 0 && props.LocalAddr == u.udpConn.LocalAddr() {
		if from, ok := props.RemoteAddr.(*net.UDPAddr); ok {
			ap := from.AddrPort()
			if u.udpTxs.take(data, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())) {
				return nil, nil
			}
		}
	}
	return data, err
}

// LocalAddr is the address the UA listens on and puts in Via and Contact.
func (u *UA) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(u.cfg.LocalAddr, uint16(u.port))
}

// AOR is the address of record, sip:user@domain.
func (u *UA) AOR() string { return u.aor.String() }

// Transport is the transport the UA uses.
func (u *UA) Transport() Transport { return u.cfg.Transport }

// Events is the channel every Event arrives on, in order. It is closed when
// Run returns. The UA never blocks on it: events queue until read. With
// Config.OnEvent set there is no channel (nil): events go to OnEvent.
func (u *UA) Events() <-chan Event { return u.events }

// RegistrationState is the current registration state.
func (u *UA) RegistrationState() RegState {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.regState
}

// Run serves the UA until ctx ends, then closes its sockets, drops its
// calls and subscriptions without signalling (call Unregister and hang up
// first for a clean sign-out) and closes Events. It returns ctx's error.
// Run may be called once. Register, Invite and Subscribe given before Run
// has started wait for it.
func (u *UA) Run(ctx context.Context) error {
	if !u.running.CompareAndSwap(false, true) {
		return errors.New("sip: Run called twice")
	}
	// The listener is served on Run's own goroutine (a fleet's idle phone
	// holds as few as it can): ctx's end or Close closes it, which ends the
	// serving, and Run shuts the UA down. The serving is in functions of
	// its own so that Run's frame stays small: a lazy UA's goroutine waits
	// on its first 2 KiB of stack (see awaitNeed).
	defer context.AfterFunc(ctx, u.halt)()
	if u.lazy() {
		u.serveWhenNeeded()
	} else {
		u.serve()
	}
	<-u.runCtx.Done() // a listener that failed on its own leaves the UA up
	u.shutdown()
	return ctx.Err()
}

// serveWhenNeeded serves a lazy UA's socket with sipgo once something
// needs it (awaitNeed), until the socket closes.
func (u *UA) serveWhenNeeded() {
	// Register and Unregister go at once: their transactions need no
	// sipgo (udptx.go).
	u.setStarted()
	if u.awaitNeed() {
		u.udpConn.Serving = u.setServing
		if err := u.srv.ServeUDP(u.udpConn); err != nil && u.runCtx.Err() == nil {
			u.log.Warn("listener stopped", "err", err)
		}
	}
	u.setServing() // sipgo never served: intents fail, not wait
}

// serve serves the UA's listener with sipgo until it closes.
func (u *UA) serve() {
	var serve func() error
	switch {
	case u.udpConn != nil:
		// Not grown beforehand (as the boot's and the owner's stacks
		// are): the same CPU in a storm, and idle phones kept 1.7–1.8
		// KiB more stack each.
		serve = func() error { return u.srv.ServeUDP(u.udpConn) }
		// Intents wait until the socket is in sipgo's pool, which ServeUDP
		// does before its first read.
		u.udpConn.Serving = u.setStarted
	case u.tcpLn != nil:
		serve = func() error { return u.srv.ServeTCP(u.tcpLn) }
		u.setStarted()
	case u.tlsLn != nil:
		serve = func() error { return u.srv.ServeTLS(u.tlsLn) }
		u.setStarted()
	}
	if err := serve(); err != nil && u.runCtx.Err() == nil {
		u.log.Warn("listener stopped", "err", err)
	}
	u.setStarted() // a listener that never read: intents fail, not wait
}

// lazy reports whether the UA is on a shared socket, where sipgo's stack
// is made only when needed.
func (u *UA) lazy() bool { return u.udpConn != nil && u.udpConn.UDP() == nil }

// awaitNeed waits, on a lazy UA's Run, until sipgo is needed — a datagram
// the UA's own transactions did not take (a request, a stray response), or
// an intent that sends through sipgo (useStack) — and makes sipgo's stack.
// It reports false when the UA stopped first or the stack could not be
// made.
//
// It waits on the socket's Arrived alone, which useStack wakes and the
// socket's close (halt, the only end of runCtx while Run waits) signals
// too: one channel, not a select of three, keeps an idle fleet phone's
// goroutine on its first 2 KiB of stack (a select's frames grew it to 4)
// and its wait cheaper.
func (u *UA) awaitNeed() bool {
	<-u.udpConn.Arrived()
	if u.runCtx.Err() != nil {
		return false
	}
	u.stacking.Store(true)
	if err := u.makeStack(); err != nil {
		u.stackErr = err
		u.log.Warn("sip stack", "err", err)
		return false
	}
	return true
}

// setServing lets a lazy UA's intents that need sipgo through (useStack).
func (u *UA) setServing() {
	u.servedOne.Do(func() { close(u.serving) })
}

// useStack makes sure sipgo serves the UA's socket before an intent sends
// through it: at once unless the UA is lazy, whose stack it asks Run for.
func (u *UA) useStack(ctx context.Context) error {
	if !u.lazy() {
		return nil
	}
	u.udpConn.Wake() // awaitNeed
	select {
	case <-u.serving:
	case <-u.runCtx.Done():
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
	if u.stackErr != nil {
		return u.stackErr
	}
	if u.sua == nil { // Run stopped before it was needed
		return ErrNotRunning
	}
	return u.live()
}

// halt makes a running UA's Run return: the end of its context, or Close.
func (u *UA) halt() {
	u.stop()
	u.closeListeners()
}

// closeListeners closes the UA's sockets and returns once they are closed,
// whichever goroutine began it. Go's Close returns at once, with an error,
// to all but the first caller, while the first waits for the socket's
// reader to let go before the descriptor is closed: Run's shutdown, the
// second caller after the halt that ctx's end ran on another goroutine,
// returned with the port still bound, and an agent started at once on the
// same address (a phone powered off and on) failed to bind it.
func (u *UA) closeListeners() {
	u.closedOnce.Do(func() {
		u.spawnMu.Lock() // no send from the socket is under way past here
		u.socketClosed = true
		u.spawnMu.Unlock()
		if u.udpConn != nil {
			u.udpConn.Close()
		}
		if u.tcpLn != nil {
			u.tcpLn.Close()
		}
		if u.tlsLn != nil {
			u.tlsLn.Close()
		}
	})
}

// setStarted lets intents through (waitRunning).
func (u *UA) setStarted() {
	if u.ready.CompareAndSwap(false, true) {
		close(u.started)
	}
}

// Close stops a running UA (like cancelling Run's context) or releases the
// sockets of one that never ran.
func (u *UA) Close() error {
	if u.running.CompareAndSwap(false, true) {
		u.shutdown()
		return nil
	}
	u.halt()
	return nil
}

func (u *UA) shutdown() {
	u.stop()
	u.mu.Lock()
	if u.reg != nil {
		u.reg.cancel()
		u.reg.mu.Lock()
		u.reg.stopped = true
		if u.reg.timer != nil {
			u.reg.timer.Stop()
		}
		u.reg.mu.Unlock()
	}
	users := make([]dialogUser, 0, len(u.dialogs))
	for _, d := range u.dialogs {
		users = append(users, d)
	}
	u.mu.Unlock()
	for _, d := range users {
		if c, ok := d.(*Call); ok {
			c.drop()
		}
		if s, ok := d.(*Subscription); ok {
			s.drop()
		}
	}
	u.closeListeners()
	if u.sua != nil {
		u.sua.Close()
	}
	u.spawnMu.Lock()
	u.closing = true
	u.spawnMu.Unlock()
	close(u.done)
	u.wg.Wait()
	if u.events != nil {
		close(u.events)
	}
}

// waitRunning is live for intents that may come as the UA starts: Register,
// Invite and Subscribe given before Run, and the answer to a call that
// arrived while Run was still putting its socket in sipgo's pool. They wait
// for it, as long as ctx allows.
func (u *UA) waitRunning(ctx context.Context) error {
	if err := u.waitStarted(ctx); err != nil {
		return err
	}
	return u.useStack(ctx)
}

// waitStarted is waitRunning for Register, whose transactions need sipgo
// only where transact calls useStack.
func (u *UA) waitStarted(ctx context.Context) error {
	select {
	case <-u.started:
	case <-u.runCtx.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	return u.live()
}

// live reports whether intents can be given.
func (u *UA) live() error {
	if !u.ready.Load() || u.runCtx.Err() != nil {
		return ErrNotRunning
	}
	return nil
}

// emit queues an event for the integrator.
func (u *UA) emit(ev Event) {
	select {
	case <-u.done:
		return
	default:
	}
	u.queue.push(ev)
}

// spawn runs f on a goroutine the UA owns and waits for at shutdown.
// It reports false (and runs nothing) once the UA is shutting down, so that
// timers firing late never race the final Wait.
func (u *UA) spawn(f func()) bool {
	if !u.enter() {
		return false
	}
	go func() {
		defer u.wg.Done()
		f()
	}()
	return true
}

// inline runs f on the caller's goroutine, counted like spawn's goroutines
// (shutdown waits for it); false (nothing run) once the UA is shutting down.
func (u *UA) inline(f func()) bool {
	if !u.enter() {
		return false
	}
	defer u.wg.Done()
	f()
	return true
}

// enter counts work shutdown must wait for (the caller calls wg.Done), or
// reports false once shutdown has begun.
func (u *UA) enter() bool {
	u.spawnMu.Lock()
	defer u.spawnMu.Unlock()
	if u.closing {
		return false
	}
	u.wg.Add(1)
	return true
}

// verifyServer checks a TLS server's certificate against the host name the
// phone was configured with (RFC 5922: the domain, not the SRV target),
// unless certificate errors are to be ignored.
func (u *UA) verifyServer(cs tls.ConnectionState) error {
	if u.cfg.TLS.InsecureSkipVerify {
		return nil
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("sip: TLS server sent no certificate")
	}
	name := u.cfg.TLS.ServerName
	if name == "" {
		name = cs.ServerName
		if v, ok := u.tlsNames.Load(cs.ServerName); ok {
			name = v.(string)
		}
	}
	opts := x509.VerifyOptions{
		Roots:         u.cfg.TLS.RootCAs,
		DNSName:       name,
		Intermediates: x509.NewCertPool(),
	}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return fmt.Errorf("sip: TLS server certificate for %s: %w", name, err)
	}
	return nil
}

// Address is a SIP address as shown to the user.
type Address struct {
	Display string
	URI     string
	User    string
	Host    string
}

func addressOf(display string, uri sipgosip.Uri) Address {
	return Address{Display: display, URI: uri.String(), User: uri.User, Host: uri.Host}
}

// dialogKey identifies a dialog by Call-ID and the UA's own tag (unique,
// random), which is enough to match any request or NOTIFY for it.
func dialogKey(callID, localTag string) string { return callID + "|" + localTag }

func (u *UA) addDialog(key string, d dialogUser) {
	u.mu.Lock()
	if u.dialogs == nil { // made by the first: a phone that only registers has none
		u.dialogs = map[string]dialogUser{}
	}
	u.dialogs[key] = d
	u.mu.Unlock()
}

func (u *UA) removeDialog(key string, d dialogUser) {
	u.mu.Lock()
	if u.dialogs[key] == d {
		delete(u.dialogs, key)
	}
	u.mu.Unlock()
}

func (u *UA) findDialog(key string) dialogUser {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.dialogs[key]
}

// Calls returns the calls the UA knows, in no particular order.
func (u *UA) Calls() []*Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []*Call
	for _, d := range u.dialogs {
		if c, ok := d.(*Call); ok {
			out = append(out, c)
		}
	}
	return out
}
