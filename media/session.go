package media

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

const (
	// maxPacket is the receive buffer; a datagram that fills it is
	// oversized (truncated) and dropped.
	maxPacket = 1500
	// maxFrameSamples bounds one packet's PCM (120 ms at 16 kHz).
	maxFrameSamples = 1920
	// playFrame is the playout frame.
	playFrame = 20 * time.Millisecond
	// ssrcProbation is how many consecutive packets a new SSRC must send
	// before the phone switches to it.
	ssrcProbation = 3
	eventQueue    = 64
	rtpHeaderLen  = 12
)

// SessionConfig configures a call's media session. Only Codecs is required.
type SessionConfig struct {
	// Codecs are the codecs this build has (the codec registry's); the
	// negotiated formats are matched to them by name and clock rate.
	Codecs []codec.Codec
	// Source gives the microphone's PCM; nil sends silence.
	Source Source
	// Sink plays what the phone receives; nil discards it.
	Sink Sink
	// AudioRate is the Source's and Sink's sample rate; 0 means the codec's.
	// 8000 and 16000 convert to and from the codecs' rates.
	AudioRate int
	// Muted starts the session with the microphone off
	// (voip/audio/microphone/enable=0): silence is sent.
	Muted bool
	// Name labels the session in logs (a call id).
	Name string
}

// sessionMode tells the kind of stream a Session is.
type sessionMode uint8

const (
	modeCall sessionMode = iota
	modePageSend
	modePageListen
)

// Session is the media of one call: an RTP/RTCP socket pair, the send path
// (source, encoder, RFC 4733 events, comfort noise, SRTP) clocked by the
// engine's pacer, and the receive path (SRTP, checks, jitter buffer,
// decoder, sink). Make it with Engine.NewSession, describe its address in
// SDP, then Start it with the negotiated sdp.Result (again after each
// re-negotiation), and Close it. Its methods are safe for concurrent use.
type Session struct {
	e        *Engine
	cfg      SessionConfig
	mode     sessionMode
	log      *slog.Logger
	rtpConn  *net.UDPConn
	rtcpConn *net.UDPConn // nil for paging
	local    netip.AddrPort
	rtcpAddr netip.AddrPort
	port     int // reserved port of the range, or 0
	phase    uint64
	events   chan Event
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once

	params  atomic.Pointer[params]
	source  atomic.Pointer[Source]
	sink    atomic.Pointer[Sink]
	muted   atomic.Bool
	latched atomic.Pointer[netip.AddrPort]
	rtcpTo  atomic.Pointer[netip.AddrPort] // RTCP destination learnt from the far end's RTCP

	mu        sync.Mutex // guards dtmfQueue
	dtmfQueue []dtmfRequest

	paceMu sync.Mutex // held by pace; Close takes it to wait for a pace in flight
	closed bool       // guarded by paceMu
	tx     txState    // pacer only
	play   playState  // pacer only

	rmu sync.Mutex // guards rx and jb
	rx  rxState
	jb  jitterBuffer

	rtcpMu   sync.Mutex // serialises RTCP sending (pacer, Close)
	rtcpInMu sync.Mutex // serialises SRTCP decryption (RTP and RTCP readers)

	// counters read by Stats
	packetsSent  atomic.Uint64
	octetsSent   atomic.Uint64
	dtmfSent     atomic.Uint64
	rtcpSent     atomic.Uint64
	xrSent       atomic.Uint64
	eventsDrop   atomic.Uint64
	dropOversize atomic.Uint64
	dropMalform  atomic.Uint64
	dropBefore   atomic.Uint64
	dropAuth     atomic.Uint64
	dropReplay   atomic.Uint64
	dropUnknown  atomic.Uint64
	dropSource   atomic.Uint64
	dropRTCP     atomic.Uint64

	pageTimeout time.Duration // modePageListen
}

// params is one negotiated configuration; immutable once stored.
type params struct {
	res          sdp.Result
	send         codec.Codec // nil: nothing to send with
	sendPT       uint8
	recv         map[uint8]codec.Codec
	keys         *srtpKeys
	frameSamples int    // PCM samples per sent packet at the codec rate
	tsStep       uint32 // timestamp units per sent packet
	sendTicks    uint64
	playRate     int  // PCM rate of the playout (and of the Sink)
	recvClock    int  // RTP clock of the received audio
	srcRate      int  // PCM rate of the Source
	plc          bool // the receive codec conceals losses
}

type txState struct {
	p        *params
	enc      codec.Encoder
	ssrc     uint32
	seq      uint16
	ts       uint32
	tsAt     time.Time // engine time of ts
	sentAny  bool
	marker   bool
	pcm      []int16
	src      []int16
	rate     rateConverter
	payload  []byte
	pkt      []byte
	sealed   []byte
	hdr      rtp.Header
	lastSend time.Time // real time of the last send
	lastTick uint64
	haveTick bool
	dtmf     dtmfSender
	silent   int  // consecutive silent frames
	inDTX    bool // sending comfort noise instead of audio
	cnAge    int
	rtcpDue  time.Time
	qualDue  time.Time
}

type playState struct {
	p        *params
	decoders map[uint8]codec.Decoder
	last     codec.Decoder
	lastRate int
	fifo     []int16
	dec      []int16
	convBuf  []int16
	rate     rateConverter
	cnLevel  byte
	noise    noise
}

type rxState struct {
	haveSSRC  bool
	ssrc      uint32
	candSSRC  uint32
	candSeq   uint16
	candCount int
	seq       seqTracker
	jitter    jitterEstimator
	epoch     time.Time
	packets   uint64
	octets    uint64
	last      time.Time
	dtmf      dtmfReceiver
	dtmfCount uint64
	concealed uint64
	dropSSRC  uint64
	dropJump  uint64
	dropDup   uint64
	// from RTCP
	lastSRMid  uint32 // middle 32 bits of the last SR's NTP time
	lastSRAt   time.Time
	remote     RemoteReport
	rtt        time.Duration
	rtcpIn     uint64
	pageActive bool
}

// NewSession opens an RTP/RTCP socket pair from the engine's port range and
// returns a session that sends nothing until Start.
func (e *Engine) NewSession(cfg SessionConfig) (*Session, error) {
	rtpc, rtcpc, err := e.listenPair()
	if err != nil {
		return nil, err
	}
	s := e.newSession(cfg, modeCall, rtpc, rtcpc)
	if e.cfg.PortBase != PortAny {
		s.port = int(s.local.Port())
	}
	if err := s.register(); err != nil {
		return nil, err
	}
	return s, nil
}

func (e *Engine) newSession(cfg SessionConfig, mode sessionMode, rtpc, rtcpc *net.UDPConn) *Session {
	s := &Session{
		e:        e,
		cfg:      cfg,
		mode:     mode,
		rtpConn:  rtpc,
		rtcpConn: rtcpc,
		local:    rtpc.LocalAddr().(*net.UDPAddr).AddrPort(),
		events:   make(chan Event, eventQueue),
		done:     make(chan struct{}),
	}
	if rtcpc != nil {
		s.rtcpAddr = rtcpc.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	s.log = e.log.With("session", cfg.Name, "local", s.local)
	if cfg.Source != nil {
		s.source.Store(&cfg.Source)
	}
	if cfg.Sink != nil {
		s.sink.Store(&cfg.Sink)
	}
	s.muted.Store(cfg.Muted)
	s.jb.init(e.cfg.MinDelay, e.cfg.MaxDelay)
	s.tx.ssrc = randomUint32()
	s.tx.seq = uint16(randomUint32())
	s.tx.ts = randomUint32()
	s.tx.pcm = make([]int16, maxFrameSamples)
	s.tx.src = make([]int16, maxFrameSamples)
	s.tx.payload = make([]byte, maxPacket)
	s.tx.pkt = make([]byte, maxPacket)
	s.tx.sealed = make([]byte, 0, maxPacket+64)
	s.play.fifo = make([]int16, 0, 2*maxFrameSamples)
	s.play.dec = make([]int16, maxFrameSamples*2)
	s.play.convBuf = make([]int16, maxFrameSamples*2)
	return s
}

// register starts the readers and joins the pacer.
func (s *Session) register() error {
	if err := s.e.addStream(s, s); err != nil {
		s.rtpConn.Close()
		if s.rtcpConn != nil {
			s.rtcpConn.Close()
		}
		if s.port != 0 {
			s.e.releasePort(s.port)
		}
		return err
	}
	// On Linux the pacer reads the sockets; a socket the poller cannot
	// take gets a reader goroutine.
	if s.e.pacer.rx == nil || s.e.pacer.rx.add(s, s.rtpConn, pollRTP) != nil {
		s.wg.Add(1)
		go s.readRTP()
	}
	if s.rtcpConn != nil && (s.e.pacer.rx == nil || s.e.pacer.rx.add(s, s.rtcpConn, pollRTCP) != nil) {
		s.wg.Add(1)
		go s.readRTCP()
	}
	return nil
}

func (s *Session) setPhase(p uint64) { s.phase = p }

// LocalAddr is the RTP address to put in SDP (its IP is the engine's
// address, which may be unspecified: SDP then needs the phone's own).
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// LocalRTCP is the RTCP address (for a=rtcp).
func (s *Session) LocalRTCP() netip.AddrPort { return s.rtcpAddr }

// Events delivers the session's events. It is closed by Close. Events that
// find it full are dropped (and counted in Stats.EventsDropped).
func (s *Session) Events() <-chan Event { return s.events }

// SetMuted turns the microphone off (silence is sent) or on.
func (s *Session) SetMuted(m bool) { s.muted.Store(m) }

// SetSource and SetSink switch the audio device, e.g. handset to speaker.
func (s *Session) SetSource(src Source) {
	if src == nil {
		s.source.Store(nil)
		return
	}
	s.source.Store(&src)
}

// SetSink: see SetSource.
func (s *Session) SetSink(k Sink) {
	if k == nil {
		s.sink.Store(nil)
		return
	}
	s.sink.Store(&k)
}

// Start applies a negotiated stream: codec, payload types, far end, packet
// time, direction (hold), telephone-event, comfort noise and SRTP keys. Call
// it again with each new negotiation (re-INVITE); the SSRC, sequence and
// timestamp continue, and SRTP state is kept when the keys are the same.
func (s *Session) Start(r sdp.Result) error {
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	old := s.params.Load()
	p, err := s.makeParams(r, old)
	if err != nil {
		return err
	}
	if old == nil || old.res.Remote != r.Remote {
		s.latched.Store(nil)
		s.rtcpTo.Store(nil)
	}
	s.params.Store(p)
	s.log.Debug("media stream started", "codec", r.Codec.Name, "remote", r.Remote, "ptime", r.Ptime,
		"direction", r.Direction, "srtp", r.SRTP != nil)
	return nil
}

func findCodec(cs []codec.Codec, f sdp.Format) codec.Codec {
	for _, c := range cs {
		if strings.EqualFold(c.Name(), f.Name) && c.ClockRate() == f.ClockRate {
			return c
		}
	}
	return nil
}

func (s *Session) makeParams(r sdp.Result, old *params) (*params, error) {
	p := &params{res: r, recv: map[uint8]codec.Codec{}}
	if r.Codec.Name != "" {
		p.send = findCodec(s.cfg.Codecs, r.Codec)
		if p.send == nil {
			return nil, fmt.Errorf("%w: %s/%d", ErrNoCodec, r.Codec.Name, r.Codec.ClockRate)
		}
		p.sendPT = r.Codec.PayloadType
	}
	for _, f := range r.Receive {
		if c := findCodec(s.cfg.Codecs, f); c != nil {
			p.recv[f.PayloadType] = c
			if p.playRate == 0 {
				p.playRate, p.recvClock = c.SampleRate(), c.ClockRate()
				_, p.plc = c.NewDecoder().(codec.Concealer)
			}
		}
	}
	if p.send == nil && len(p.recv) == 0 {
		return nil, fmt.Errorf("%w: no negotiated codec", ErrNoCodec)
	}
	if p.send != nil {
		ptime := r.Ptime
		if ptime <= 0 {
			ptime = sdp.DefaultPtime
		}
		ptime = max(int(tickPeriod/time.Millisecond), ptime/int(tickPeriod/time.Millisecond)*int(tickPeriod/time.Millisecond))
		p.frameSamples = p.send.SampleRate() * ptime / 1000
		if p.frameSamples > maxFrameSamples {
			return nil, fmt.Errorf("%w: ptime %d ms is too long", ErrBadConfig, ptime)
		}
		p.tsStep = uint32(p.send.ClockRate() * ptime / 1000)
		p.sendTicks = uint64(time.Duration(ptime) * time.Millisecond / tickPeriod)
		if p.playRate == 0 {
			p.playRate, p.recvClock = p.send.SampleRate(), p.send.ClockRate()
		}
	}
	p.srcRate = p.frameRate()
	if s.cfg.AudioRate != 0 {
		p.playRate = s.cfg.AudioRate
		p.srcRate = s.cfg.AudioRate
	}
	if r.SRTP != nil {
		if old != nil && old.keys != nil && old.res.SRTP != nil && sameKeys(old.res.SRTP, r.SRTP) {
			p.keys = old.keys
		} else {
			k, err := newSRTPKeys(r.SRTP)
			if err != nil {
				return nil, err
			}
			p.keys = k
		}
	}
	return p, nil
}

func (p *params) frameRate() int {
	if p.send != nil {
		return p.send.SampleRate()
	}
	return p.playRate
}

func sameKeys(a, b *sdp.SRTP) bool {
	return a.Suite == b.Suite && bytes.Equal(a.LocalKey, b.LocalKey) && bytes.Equal(a.RemoteKey, b.RemoteKey)
}

// SendDTMF queues an RFC 4733 telephone-event for digit (0-9, *, #, A-D);
// duration 0 means 100 ms. It fails with ErrNoTelephoneEvent when the far
// end did not agree to telephone-event.
func (s *Session) SendDTMF(digit rune, duration time.Duration) error {
	ev, ok := digitEvent(digit)
	if !ok {
		return fmt.Errorf("%w: %q", ErrBadDigit, digit)
	}
	p := s.params.Load()
	switch {
	case p == nil:
		return ErrNotStarted
	case p.res.DTMFSend < 0:
		return ErrNoTelephoneEvent
	}
	if duration == 0 {
		duration = DefaultDTMFDuration
	}
	duration = min(max(duration, minDTMFDuration), maxDTMFDuration)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.dtmfQueue) >= dtmfQueueLen {
		return ErrDTMFBusy
	}
	s.dtmfQueue = append(s.dtmfQueue, dtmfRequest{event: ev, duration: duration})
	return nil
}

// Close stops the session: it sends RTCP BYE, closes the sockets, waits for
// its goroutines and closes Events. It is idempotent.
func (s *Session) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.e.removeStream(s, s)
		s.paceMu.Lock()
		s.closed = true
		s.paceMu.Unlock()
		if s.e.pacer.rx != nil {
			s.e.pacer.rx.remove(s)
		}
		if p := s.params.Load(); p != nil && s.rtcpConn != nil {
			s.sendRTCP(p, s.e.clk.Now(), true)
		}
		s.rtpConn.Close()
		if s.rtcpConn != nil {
			s.rtcpConn.Close()
		}
		s.wg.Wait()
		if s.port != 0 {
			s.e.releasePort(s.port)
		}
		close(s.events)
	})
	return nil
}

func (s *Session) emit(ev Event) {
	select {
	case s.events <- ev:
	default:
		s.eventsDrop.Add(1)
	}
}

// pace is the pacer's entry point.
func (s *Session) pace(now time.Time, tick uint64) {
	s.paceMu.Lock()
	defer s.paceMu.Unlock()
	if s.closed {
		return
	}
	p := s.params.Load()
	if p == nil {
		return
	}
	t := tick + s.phase
	if s.mode != modePageSend && t%uint64(frameTicks) == 0 {
		s.playout(p, now)
	}
	if p.send != nil && p.sendTicks > 0 && t%p.sendTicks == 0 {
		s.send(p, now, tick)
	}
	if s.mode == modeCall {
		s.maybeReport(p, now)
	}
	if s.mode == modePageListen {
		s.checkPageEnd(now)
	}
}

// destination is where RTP goes: the latched source, else the SDP address.
func (s *Session) destination(p *params) netip.AddrPort {
	if l := s.latched.Load(); l != nil {
		return *l
	}
	return p.res.Remote
}

// send builds and sends one packet time of the stream.
func (s *Session) send(p *params, now time.Time, tick uint64) {
	t := &s.tx
	if t.p != p {
		if t.p == nil || t.p.send != p.send {
			t.enc = p.send.NewEncoder()
		}
		t.p = p
	}
	// The source is read every packet time, also when nothing is sent, so
	// it stays in step with real time.
	pcm := t.pcm[:p.frameSamples]
	s.readSource(p, pcm)
	if s.muted.Load() {
		clear(pcm)
	}
	// The timestamp follows media time, also across ticks the pacer
	// skipped after a stall.
	if t.haveTick {
		if gap := (tick - t.lastTick) / p.sendTicks; gap > 1 {
			t.ts += uint32(gap-1) * p.tsStep
		}
	}
	t.lastTick, t.haveTick = tick, true
	ts := t.ts
	t.ts += p.tsStep
	t.tsAt = now

	dest := s.destination(p)
	if !p.res.Direction.Sends() || !dest.IsValid() {
		t.dtmf = dtmfSender{}
		return
	}
	if s.sendEvent(p, ts, dest) {
		return
	}
	if p.res.ComfortNoise && s.mode == modeCall {
		level := levelDBov(pcm)
		if level < silenceDBov {
			t.silent++
		} else {
			t.silent = 0
		}
		if t.silent > vadHangover {
			if !t.inDTX || t.cnAge >= cnRefresh {
				t.inDTX, t.cnAge = true, 0
				t.payload[0] = cnLevelByte(level)
				s.writeRTP(p, sdp.CNPayloadType, false, ts, t.payload[:1], dest)
			}
			t.cnAge++
			return
		}
		if t.inDTX {
			t.inDTX = false
			t.marker = true // a talkspurt begins
		}
	}
	n, err := t.enc.Encode(t.payload, pcm)
	if err != nil {
		s.log.Debug("encode failed", "err", err)
		return
	}
	marker := !t.sentAny || t.marker
	t.marker = false
	s.writeRTP(p, p.sendPT, marker, ts, t.payload[:n], dest)
}

// readSource fills pcm (codec rate) from the source (its own rate).
func (s *Session) readSource(p *params, pcm []int16) {
	srcp := s.source.Load()
	if srcp == nil {
		clear(pcm)
		return
	}
	codecRate := p.send.SampleRate()
	want := len(pcm)
	if p.srcRate != codecRate && p.srcRate > 0 {
		want = len(pcm) * p.srcRate / codecRate
	}
	buf := s.tx.src[:want]
	n, err := (*srcp).ReadPCM(buf)
	if n < 0 || n > want {
		n = 0
	}
	clear(buf[n:])
	if err != nil && n == 0 {
		clear(pcm)
		return
	}
	if want == len(pcm) {
		copy(pcm, buf)
		return
	}
	s.tx.rate.convert(pcm, buf, p.srcRate, codecRate)
}

// sendEvent sends the telephone-event packet of this packet time, if a digit
// is being sent or queued; it reports whether it took the packet time.
func (s *Session) sendEvent(p *params, ts uint32, dest netip.AddrPort) bool {
	t := &s.tx
	d := &t.dtmf
	if !d.active {
		if d.gap > 0 {
			d.gap--
			return false
		}
		if p.res.DTMFSend < 0 {
			return false
		}
		s.mu.Lock()
		if len(s.dtmfQueue) == 0 {
			s.mu.Unlock()
			return false
		}
		req := s.dtmfQueue[0]
		s.dtmfQueue = s.dtmfQueue[1:]
		s.mu.Unlock()
		clock := 8000
		*d = dtmfSender{active: true, req: req, startTS: ts,
			target: uint32(req.duration.Seconds() * float64(clock))}
		s.dtmfSent.Add(1)
	}
	d.elapsed += p.tsStep
	ev := telephoneEvent{event: d.req.event, volume: dtmfVolume(s.e.cfg.DTMFLevel)}
	if d.elapsed >= d.target {
		ev.end = true
		d.elapsed = d.target
		d.endsSent++
	}
	ev.duration = uint16(min(d.elapsed, 0xffff))
	ev.put(t.payload[:eventPayloadLen])
	marker := d.elapsed == p.tsStep // the first packet of the event
	s.writeRTP(p, uint8(p.res.DTMFSend), marker, d.startTS, t.payload[:eventPayloadLen], dest)
	if d.endsSent >= dtmfEndRepeats {
		*d = dtmfSender{gap: dtmfGapFrames}
	}
	return true
}

// writeRTP marshals, records, protects and sends one packet.
func (s *Session) writeRTP(p *params, pt uint8, marker bool, ts uint32, payload []byte, dest netip.AddrPort) {
	t := &s.tx
	h := &t.hdr
	h.Version = 2
	h.Padding = false
	h.Extension = false
	h.Marker = marker
	h.PayloadType = pt
	h.SequenceNumber = t.seq
	h.Timestamp = ts
	h.SSRC = t.ssrc
	h.CSRC = h.CSRC[:0]
	n, err := h.MarshalTo(t.pkt)
	if err != nil || n+len(payload) > len(t.pkt) {
		return
	}
	n += copy(t.pkt[n:], payload)
	out := t.pkt[:n]
	s.e.record(out)
	if p.keys != nil {
		sealed, err := p.keys.rtpOut.EncryptRTP(t.sealed[:0], out, h)
		if err != nil {
			s.log.Debug("srtp protect failed", "err", err)
			return
		}
		t.sealed = sealed[:0]
		out = sealed
	}
	if _, err := s.rtpConn.WriteToUDPAddrPort(out, dest); err != nil {
		s.log.Debug("rtp send failed", "dest", dest, "err", err)
	}
	t.seq++
	t.sentAny = true
	s.packetsSent.Add(1)
	s.octetsSent.Add(uint64(len(payload)))
	real := time.Now()
	if !t.lastSend.IsZero() && pt == p.sendPT {
		s.e.pacer.jitter.observe(real.Sub(t.lastSend) - time.Duration(p.sendTicks)*tickPeriod)
	}
	t.lastSend = real
}

// readRTP is the RTP receive goroutine.
func (s *Session) readRTP() {
	plain := make([]byte, 0, maxPacket+1)
	var h rtp.Header
	s.readLoop(s.rtpConn, func(pkt []byte, oversize bool, from netip.AddrPort, evs []Event) []Event {
		return s.receiveRTP(pkt, oversize, from, &h, plain, evs, s.e.clk.Now())
	})
}

// readLoop is a receive goroutine: it reads datagrams from conn until the
// socket is closed, hands each to receive (oversize: it filled the buffer
// past maxPacket) and emits the events receive returns, outside its locks.
func (s *Session) readLoop(conn *net.UDPConn, receive func(pkt []byte, oversize bool, from netip.AddrPort, evs []Event) []Event) {
	defer s.wg.Done()
	buf := make([]byte, maxPacket+1)
	var evs []Event
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			default:
				continue
			}
		}
		evs = receive(buf[:n], n > maxPacket, from, evs[:0])
		for _, ev := range evs {
			s.emit(ev)
		}
	}
}

// receiveRTP checks and stores one datagram that arrived at now. It returns
// the events to emit (outside the locks).
func (s *Session) receiveRTP(pkt []byte, oversize bool, from netip.AddrPort, h *rtp.Header, plain []byte, evs []Event, now time.Time) []Event {
	if oversize {
		s.dropOversize.Add(1)
		return evs
	}
	p := s.params.Load()
	if p == nil {
		s.dropBefore.Add(1)
		return evs
	}
	if len(pkt) < rtpHeaderLen || pkt[0]>>6 != 2 {
		s.dropMalform.Add(1)
		return evs
	}
	if pt := pkt[1] & 0x7f; pt >= 64 && pt <= 95 {
		// RTCP multiplexed on the RTP port (RFC 5761).
		return s.receiveRTCP(p, pkt, from, evs)
	}
	if p.keys != nil {
		out, err := p.keys.rtpIn.DecryptRTP(plain[:0], pkt, h)
		if err != nil {
			if errors.Is(err, srtp.ErrFailedToVerifyAuthTag) {
				s.dropAuth.Add(1)
			} else if strings.Contains(err.Error(), "duplicated") {
				s.dropReplay.Add(1)
			} else {
				s.dropMalform.Add(1)
			}
			return evs
		}
		pkt = out
	} else if _, err := h.Unmarshal(pkt); err != nil {
		s.dropMalform.Add(1)
		return evs
	}
	hl := h.MarshalSize()
	if hl > len(pkt) {
		s.dropMalform.Add(1)
		return evs
	}
	payload := pkt[hl:]
	if h.Padding {
		if len(payload) == 0 || int(payload[len(payload)-1]) > len(payload) || payload[len(payload)-1] == 0 {
			s.dropMalform.Add(1)
			return evs
		}
		payload = payload[:len(payload)-int(payload[len(payload)-1])]
	}

	kind := kindAudio
	switch {
	case p.res.DTMFRecv >= 0 && int(h.PayloadType) == p.res.DTMFRecv:
		kind = kindEvent
		if len(payload) < eventPayloadLen {
			s.dropMalform.Add(1)
			return evs
		}
	case p.res.ComfortNoise && h.PayloadType == sdp.CNPayloadType:
		kind = kindCN
		if len(payload) < 1 {
			s.dropMalform.Add(1)
			return evs
		}
	default:
		if _, ok := p.recv[h.PayloadType]; !ok {
			s.dropUnknown.Add(1)
			return evs
		}
	}
	if !p.res.Direction.Receives() && s.mode == modeCall {
		// On hold from this side: the packet is valid but not played.
		return evs
	}

	// Symmetric RTP: follow a far end that sends from another address
	// than its SDP says (NAT), once, with the first valid packet.
	if s.mode == modeCall && from != p.res.Remote {
		l := s.latched.Load()
		switch {
		case l != nil && *l == from:
		case l == nil:
			f := from
			s.latched.Store(&f)
			evs = append(evs, Event{Kind: EventLatched, At: now, Remote: from, SSRC: h.SSRC})
		default:
			s.dropSource.Add(1)
			return evs
		}
	}

	s.rmu.Lock()
	defer s.rmu.Unlock()
	rx := &s.rx
	if s.mode == modePageListen && !rx.pageActive {
		rx.pageActive = true
		rx.haveSSRC = false
		evs = append(evs, Event{Kind: EventPageStart, At: now, Remote: from, SSRC: h.SSRC})
	}
	if !rx.haveSSRC {
		rx.haveSSRC, rx.ssrc = true, h.SSRC
	} else if h.SSRC != rx.ssrc {
		// Another source: switch only when it persists.
		if h.SSRC == rx.candSSRC && h.SequenceNumber == rx.candSeq+1 {
			rx.candCount++
		} else {
			rx.candSSRC, rx.candCount = h.SSRC, 1
		}
		rx.candSeq = h.SequenceNumber
		if rx.candCount < ssrcProbation {
			rx.dropSSRC++
			return evs
		}
		rx.ssrc = h.SSRC
		rx.seq = seqTracker{}
		rx.jitter = jitterEstimator{}
		rx.dtmf = dtmfReceiver{}
		s.jb.reset()
		evs = append(evs, Event{Kind: EventSSRC, At: now, Remote: from, SSRC: h.SSRC})
	}
	rx.candCount = 0
	ext, verdict := rx.seq.update(h.SequenceNumber)
	switch verdict {
	case seqBad:
		rx.dropJump++
		return evs
	case seqRestarted:
		s.jb.reset()
		rx.jitter = jitterEstimator{}
	}
	if rx.epoch.IsZero() {
		rx.epoch = now
	}
	rx.packets++
	rx.octets += uint64(len(payload))
	rx.last = now
	if kind == kindEvent {
		evs = s.receiveEvent(payload, h.Timestamp, now, evs)
	} else if p.recvClock > 0 {
		rx.jitter.update(now.Sub(rx.epoch), h.Timestamp, p.recvClock)
	}
	switch s.jb.push(ext, h.Timestamp, h.PayloadType, kind, h.Marker, payload, now) {
	case pushDuplicate:
		rx.dropDup++
	case pushReset:
		rx.jitter = jitterEstimator{}
	}
	s.e.record(pkt)
	return evs
}

// receiveEvent turns telephone-event packets into DTMF events; rmu is held.
func (s *Session) receiveEvent(payload []byte, ts uint32, now time.Time, evs []Event) []Event {
	ev, _ := parseTelephoneEvent(payload)
	digit := eventDigit(ev.event)
	d := &s.rx.dtmf
	if !d.have || d.ts != ts {
		*d = dtmfReceiver{have: true, ts: ts}
		s.rx.dtmfCount++
		evs = append(evs, Event{Kind: EventDTMF, At: now, Digit: digit, Volume: int(ev.volume)})
	}
	if ev.end && !d.ended {
		d.ended = true
		evs = append(evs, Event{Kind: EventDTMFEnd, At: now, Digit: digit, Volume: int(ev.volume),
			Duration: time.Duration(ev.duration) * time.Second / 8000})
	}
	return evs
}

// playout plays one 20 ms frame into the sink.
func (s *Session) playout(p *params, now time.Time) {
	pl := &s.play
	if pl.p != p {
		s.setDecoders(p)
	}
	rate := p.playRate
	if rate <= 0 {
		return
	}
	need := rate * int(playFrame/time.Millisecond) / 1000
	s.rmu.Lock()
	if s.mode == modePageListen && !s.rx.pageActive {
		// Between pages the listener plays nothing (the speaker is the
		// device's for other things).
		s.rmu.Unlock()
		return
	}
	s.jb.setJitter(s.rx.jitter.duration(max(p.recvClock, 1)))
	for len(pl.fifo) < need {
		step, pkt := s.jb.nextStep(now, playFrame)
		switch step {
		case stepPacket:
			dur := s.playPacket(p, pkt)
			if dur <= 0 {
				dur = s.jb.pktDur
			}
			s.jb.played(pkt, dur)
		case stepConceal, stepUnderrun:
			s.rx.concealed++
			s.conceal(rate, s.jb.pktDur)
		case stepCN:
			s.appendNoise(need - len(pl.fifo))
		default:
			s.appendSilence(need - len(pl.fifo))
		}
	}
	s.rmu.Unlock()
	if k := s.sink.Load(); k != nil {
		(*k).WritePCM(pl.fifo[:need])
	}
	n := copy(pl.fifo, pl.fifo[need:])
	pl.fifo = pl.fifo[:n]
}

func (s *Session) setDecoders(p *params) {
	pl := &s.play
	old := pl.decoders
	pl.decoders = make(map[uint8]codec.Decoder, len(p.recv))
	for pt, c := range p.recv {
		if pl.p != nil && pl.p.recv[pt] == c && old[pt] != nil {
			pl.decoders[pt] = old[pt]
			continue
		}
		pl.decoders[pt] = c.NewDecoder()
	}
	pl.p = p
}

// playPacket decodes a packet into the fifo and returns the time it covers.
func (s *Session) playPacket(p *params, pkt *jbPacket) time.Duration {
	pl := &s.play
	switch pkt.kind {
	case kindCN:
		pl.cnLevel = pkt.payload[0]
		n := durSamples(s.jb.pktDur, p.playRate)
		s.appendNoise(n)
		return 0
	case kindEvent:
		s.appendSilence(durSamples(s.jb.pktDur, p.playRate))
		return 0
	}
	dec := pl.decoders[pkt.pt]
	c := p.recv[pkt.pt]
	if dec == nil || c == nil {
		return 0
	}
	n, err := dec.Decode(pl.dec, pkt.payload)
	if err != nil || n <= 0 {
		s.rx.concealed++
		s.conceal(p.playRate, s.jb.pktDur)
		return s.jb.pktDur
	}
	pl.last, pl.lastRate = dec, c.SampleRate()
	s.appendPCM(pl.dec[:n], c.SampleRate(), p.playRate)
	return time.Duration(n) * time.Second / time.Duration(c.SampleRate())
}

func durSamples(d time.Duration, rate int) int {
	return int(d * time.Duration(rate) / time.Second)
}

func (s *Session) appendPCM(pcm []int16, from, to int) {
	pl := &s.play
	if from == to {
		pl.fifo = append(pl.fifo, pcm...)
		return
	}
	n := pl.rate.convert(pl.convBuf, pcm, from, to)
	pl.fifo = append(pl.fifo, pl.convBuf[:n]...)
}

// conceal fills one lost packet's time, with the decoder's concealment when
// it has one, else silence.
func (s *Session) conceal(rate int, d time.Duration) {
	pl := &s.play
	if c, ok := pl.last.(codec.Concealer); ok && pl.lastRate > 0 {
		want := min(durSamples(d, pl.lastRate), len(pl.dec))
		if n, err := c.Conceal(pl.dec[:want], want); err == nil && n > 0 {
			s.appendPCM(pl.dec[:n], pl.lastRate, rate)
			return
		}
	}
	s.appendSilence(durSamples(d, rate))
}

func (s *Session) appendSilence(n int) {
	pl := &s.play
	n = min(max(n, 0), cap(pl.fifo)-len(pl.fifo))
	pl.fifo = pl.fifo[:len(pl.fifo)+n]
	clear(pl.fifo[len(pl.fifo)-n:])
}

func (s *Session) appendNoise(n int) {
	pl := &s.play
	n = min(max(n, 0), cap(pl.fifo)-len(pl.fifo))
	pl.fifo = pl.fifo[:len(pl.fifo)+n]
	pl.noise.fill(pl.fifo[len(pl.fifo)-n:], pl.cnLevel)
}
