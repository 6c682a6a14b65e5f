//go:build linux

package media

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

// pcmuResult is a negotiated PCMU stream towards remote.
func pcmuResult(remote netip.AddrPort) sdp.Result {
	f := sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	return sdp.Result{Codec: f, Receive: []sdp.Format{f}, Ptime: 20, Remote: remote,
		RemoteRTCP: netip.AddrPortFrom(remote.Addr(), remote.Port()+1), DTMFSend: 101, DTMFRecv: 101}
}

// decodePCMU decodes a received payload with the registry's PCMU.
func decodePCMU(t testing.TB, payload []byte) []int16 {
	t.Helper()
	pcm := make([]int16, len(payload))
	n, err := mustCodec(t, "PCMU").NewDecoder().Decode(pcm, payload)
	if err != nil {
		t.Fatal(err)
	}
	return pcm[:n]
}

func newSession(t testing.TB, e *Engine, cfg SessionConfig) *Session {
	t.Helper()
	if cfg.Codecs == nil {
		cfg.Codecs = registry()
	}
	s, err := e.NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestDSByteOnTheWire checks the DS byte of RTP packets as received, in
// decimal and hex forms of voip/media/media_tos.
//
// behaviour: MEDIA-4
func TestDSByteOnTheWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  int
		want int
	}{{0, 0xb8}, {0x58, 88}, {NoTOS, 0}} {
		t.Run(fmt.Sprintf("tos=%d", tc.cfg), func(t *testing.T) {
			e := startEngine(t, Config{TOS: tc.cfg})
			peer := newRawPeer(t)
			s := newSession(t, e, SessionConfig{})
			if err := s.Start(pcmuResult(peer.addr())); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "packets", func() bool { return len(peer.packets()) >= 3 })
			for _, p := range peer.packets() {
				if p.tos != tc.want {
					t.Fatalf("DS byte 0x%02x, want 0x%02x", p.tos, tc.want)
				}
			}
		})
	}
}

// freeEvenBase finds n consecutive free UDP ports on loopback starting at an
// even port.
func freeEvenBase(t testing.TB, n int) int {
	t.Helper()
	for range 100 {
		// Below the kernel's ephemeral range (32768 up by default): a
		// port found free here is handed to a peer that binds it later,
		// and a socket bound to port 0 meanwhile, by this process or
		// another test's, never takes it.
		base := 20000 + 2*rand.IntN(6000)
		ok := true
		for p := base; p < base+n && ok; p++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// TestPortsFromBase: RTP ports come from voip/media/media_port upwards, even
// for RTP and odd for RTCP, skipping pairs of which either port is busy.
//
// behaviour: MEDIA-5
func TestPortsFromBase(t *testing.T) {
	base := freeEvenBase(t, 12)
	// Something else holds base (RTP of pair 0) and base+3 (RTCP of pair 1).
	for _, p := range []int{base, base + 3} {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	e := startEngine(t, Config{PortBase: base, PortCount: 10})
	a := newSession(t, e, SessionConfig{})
	b := newSession(t, e, SessionConfig{})
	if a.LocalAddr().Port() != uint16(base+4) || a.LocalRTCP().Port() != uint16(base+5) {
		t.Errorf("first session on %v/%v, want %d/%d", a.LocalAddr(), a.LocalRTCP(), base+4, base+5)
	}
	if b.LocalAddr().Port() != uint16(base+6) || b.LocalRTCP().Port() != uint16(base+7) {
		t.Errorf("second session on %v/%v, want %d/%d", b.LocalAddr(), b.LocalRTCP(), base+6, base+7)
	}
	c := newSession(t, e, SessionConfig{})
	if _, err := e.NewSession(SessionConfig{Codecs: registry()}); err == nil {
		t.Fatal("range of 5 pairs with 2 busy gave a 4th session")
	}
	// A closed session's pair becomes free again.
	a.Close()
	d := newSession(t, e, SessionConfig{})
	if d.LocalAddr().Port() != uint16(base+4) {
		t.Errorf("after close, new session on %v, want the freed %d", d.LocalAddr(), base+4)
	}
	_ = c
}

// TestDTMFOnTheWire checks RFC 4733 packets: one timestamp per event, the
// marker on the first, growing duration, the volume from the DTMF level, and
// three end packets; audio pauses during the event.
//
// behaviour: MEDIA-9
func TestDTMFOnTheWire(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{DTMFLevel: 10})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{Source: mediatest.NewSine(1000, 8000, 8000)})
	if err := s.Start(pcmuResult(peer.addr())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "audio", func() bool { return len(peer.rtpPackets()) >= 5 })
	if err := s.SendDTMF('5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var events []rtp.Packet
	waitFor(t, 5*time.Second, "the event's end packets", func() bool {
		events = events[:0]
		for _, p := range peer.rtpPackets() {
			if p.PayloadType == 101 {
				events = append(events, p)
			}
		}
		return len(events) >= 7
	})
	if len(events) != 7 {
		t.Fatalf("%d event packets, want 4 (100 ms at 20 ms) + 2 repeated ends = 7", len(events))
	}
	for i, p := range events {
		ev, ok := parseTelephoneEvent(p.Payload)
		if !ok || ev.event != 5 || ev.volume != 22 {
			t.Errorf("packet %d: %+v, want event 5 at -22 dBm0 (level 10)", i, ev)
		}
		if p.Timestamp != events[0].Timestamp {
			t.Errorf("packet %d timestamp %d, want the event start %d", i, p.Timestamp, events[0].Timestamp)
		}
		if p.Marker != (i == 0) {
			t.Errorf("packet %d marker %v", i, p.Marker)
		}
		wantDur := min(uint16(160*(i+1)), 800)
		if ev.duration != wantDur || ev.end != (i >= 4) {
			t.Errorf("packet %d: duration %d end %v, want %d %v", i, ev.duration, ev.end, wantDur, i >= 4)
		}
		if i > 0 && p.SequenceNumber != events[i-1].SequenceNumber+1 {
			t.Errorf("audio sent during the event (seq %d after %d)", p.SequenceNumber, events[i-1].SequenceNumber)
		}
	}
	if st := s.Stats(); st.DTMFSent != 1 {
		t.Errorf("DTMFSent %d", st.DTMFSent)
	}
	if err := s.SendDTMF('x', 0); err == nil {
		t.Error("x accepted as a digit")
	}
	noTE := pcmuResult(peer.addr())
	noTE.DTMFSend, noTE.DTMFRecv = -1, -1
	s.Start(noTE)
	if err := s.SendDTMF('1', 0); err != ErrNoTelephoneEvent {
		t.Errorf("without telephone-event: %v", err)
	}
}

// TestDTMFReceived: a far end's event packets (with the usual repeats)
// give one start and one end event.
func TestDTMFReceived(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{})
	if err := s.Start(pcmuResult(peer.addr())); err != nil {
		t.Fatal(err)
	}
	snd := rtpSender{ssrc: 0x1234, seq: 100, ts: 8000, pt: 101}
	for _, digit := range []uint8{7, 11} {
		for i := 1; i <= 8; i++ {
			ev := telephoneEvent{event: digit, volume: 10, duration: uint16(min(i, 5) * 160), end: i >= 5}
			var b [4]byte
			ev.put(b[:])
			pk := snd.next(b[:])
			snd.ts -= 4 // same timestamp for the whole event
			peer.send(s.LocalAddr(), pk)
		}
		snd.ts += 2000
	}
	var got []Event
	deadline := time.After(5 * time.Second)
	for len(got) < 4 {
		select {
		case ev := <-s.Events():
			if ev.Kind == EventDTMF || ev.Kind == EventDTMFEnd {
				got = append(got, ev)
			}
		case <-deadline:
			t.Fatalf("events %+v", got)
		}
	}
	want := []struct {
		k EventKind
		d rune
	}{{EventDTMF, '7'}, {EventDTMFEnd, '7'}, {EventDTMF, '#'}, {EventDTMFEnd, '#'}}
	for i, w := range want {
		if got[i].Kind != w.k || got[i].Digit != w.d {
			t.Errorf("event %d: %v %q, want %v %q", i, got[i].Kind, got[i].Digit, w.k, w.d)
		}
	}
	if got[1].Duration != 100*time.Millisecond || got[1].Volume != 10 {
		t.Errorf("end event %+v, want 100 ms at -10 dBm0", got[1])
	}
	if st := s.Stats(); st.DTMFReceived != 2 {
		t.Errorf("DTMFReceived %d", st.DTMFReceived)
	}
}

// TestMuteSendsSilence: with the microphone off the phone keeps sending
// packets, of silence.
//
// behaviour: MEDIA-10
func TestMuteSendsSilence(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{Source: mediatest.NewSine(1000, 8000, 8000)})
	if err := s.Start(pcmuResult(peer.addr())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "audio", func() bool { return len(peer.rtpPackets()) >= 5 })
	last := peer.rtpPackets()
	if rms := mediatest.RMS(decodePCMU(t, last[len(last)-1].Payload)); rms < 3000 {
		t.Fatalf("unmuted packet rms %.0f", rms)
	}
	s.SetMuted(true)
	time.Sleep(60 * time.Millisecond) // a packet or two in flight
	n := len(peer.rtpPackets())
	waitFor(t, 5*time.Second, "packets while muted", func() bool { return len(peer.rtpPackets()) >= n+5 })
	for _, p := range peer.rtpPackets()[n:] {
		if rms := mediatest.RMS(decodePCMU(t, p.Payload)); rms > 10 {
			t.Fatalf("muted packet rms %.0f, want silence", rms)
		}
	}
	s.SetMuted(false)
	n = len(peer.rtpPackets())
	waitFor(t, 5*time.Second, "audio again", func() bool {
		p := peer.rtpPackets()
		return len(p) > n+2 && mediatest.RMS(decodePCMU(t, p[len(p)-1].Payload)) > 3000
	})
}

// TestSymmetricRTP: the phone sends from the port it receives on, and
// follows a far end whose packets come from another address than its SDP
// said.
func TestSymmetricRTP(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{})
	// The SDP names a port nobody listens on (the far end is behind NAT).
	signalled := netip.MustParseAddrPort("127.0.0.1:9")
	if err := s.Start(pcmuResult(signalled)); err != nil {
		t.Fatal(err)
	}
	snd := rtpSender{ssrc: 77, pt: 0}
	for range 3 {
		peer.send(s.LocalAddr(), snd.next(make([]byte, 160)))
	}
	select {
	case ev := <-s.Events():
		if ev.Kind != EventLatched || ev.Remote != peer.addr() {
			t.Errorf("event %+v, want latched to %v", ev, peer.addr())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no latch event")
	}
	waitFor(t, 5*time.Second, "RTP at the latched address", func() bool { return len(peer.rtpPackets()) >= 3 })
	for _, p := range peer.packets() {
		if p.from != s.LocalAddr() {
			t.Fatalf("packet from %v, want the session's receive port %v", p.from, s.LocalAddr())
		}
	}
	if st := s.Stats(); !st.Latched || st.SendTo != peer.addr() {
		t.Errorf("stats %+v", st)
	}
	// Another address after the latch is not followed.
	other := newRawPeer(t)
	other.send(s.LocalAddr(), snd.next(make([]byte, 160)))
	waitFor(t, 5*time.Second, "wrong-source drop", func() bool { return s.Stats().Drops.WrongSource == 1 })
}

// TestHoldAndReinvite: a hold (recvonly) stops sending; resuming and
// changing codec keep the SSRC and continue the sequence.
//
// behaviour: MEDIA-2
func TestHoldAndReinvite(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{Source: mediatest.NewSine(500, 8000, 8000)})
	r := pcmuResult(peer.addr())
	if err := s.Start(r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "audio", func() bool { return len(peer.rtpPackets()) >= 3 })
	hold := r
	hold.Direction = sdp.RecvOnly
	s.Start(hold)
	time.Sleep(60 * time.Millisecond)
	n := len(peer.rtpPackets())
	time.Sleep(300 * time.Millisecond)
	if m := len(peer.rtpPackets()); m != n {
		t.Errorf("%d packets sent on hold", m-n)
	}
	pcma := sdp.Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
	resume := r
	resume.Codec, resume.Receive = pcma, []sdp.Format{pcma}
	s.Start(resume)
	waitFor(t, 5*time.Second, "audio after resume", func() bool { return len(peer.rtpPackets()) >= n+3 })
	pk := peer.rtpPackets()
	before, after := pk[n-1], pk[n]
	if after.SSRC != before.SSRC || after.SequenceNumber != before.SequenceNumber+1 || after.PayloadType != 8 {
		t.Errorf("after resume: ssrc %x seq %d pt %d; before: ssrc %x seq %d", after.SSRC, after.SequenceNumber, after.PayloadType, before.SSRC, before.SequenceNumber)
	}
	if gap := after.Timestamp - before.Timestamp; gap < 160*15 {
		t.Errorf("timestamp advanced %d over a 300+ ms hold, want it to follow time", gap)
	}
	unknown := sdp.Format{PayloadType: 96, Name: "opus", ClockRate: 48000}
	bad := r
	bad.Codec, bad.Receive = unknown, []sdp.Format{unknown}
	if err := s.Start(bad); err == nil {
		t.Error("Start with a codec the build lacks succeeded")
	}
}

// TestReceiveRobustness streams a tone into a session while sending it
// garbage, truncated, oversized packets, unknown payload types, stray SSRCs,
// a sequence jump and a timestamp jump: every bad packet is dropped and
// counted, and the tone plays on.
func TestReceiveRobustness(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	rec := &audio.Recorder{}
	s := newSession(t, e, SessionConfig{Sink: rec})
	if err := s.Start(pcmuResult(peer.addr())); err != nil {
		t.Fatal(err)
	}
	enc := mustCodec(t, "PCMU").NewEncoder()
	src := mediatest.NewSine(1000, 8000, 8000)
	pcm := make([]int16, 160)
	payload := make([]byte, 160)
	frame := func() []byte {
		src.ReadPCM(pcm)
		n, _ := enc.Encode(payload, pcm)
		return payload[:n]
	}
	snd := rtpSender{ssrc: 0xabc, seq: 65500, ts: 1 << 31, pt: 0}
	to := s.LocalAddr()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range 100 {
		<-tick.C
		switch i {
		case 10:
			peer.send(to, []byte{0x80, 0x00, 0x01}) // truncated header
		case 12:
			peer.send(to, make([]byte, 40)) // version 0
		case 14:
			peer.send(to, make([]byte, 1600)) // oversized
		case 16:
			other := rtpSender{ssrc: 0xdead, seq: 5, pt: 0}
			peer.send(to, other.next(frame())) // a stray SSRC
		case 18:
			odd := rtpSender{ssrc: 0xabc, seq: snd.seq, ts: snd.ts, pt: 99}
			peer.send(to, odd.next(frame())) // unknown payload type
		case 20:
			jump := snd
			jump.seq += 20000
			peer.send(to, jump.next(frame())) // a lone sequence jump
		case 22:
			b := snd.next(frame())
			b[0] |= 0x20 // padding bit with a bad count
			b[len(b)-1] = 200
			peer.send(to, b)
			continue
		case 50:
			snd.ts += 10 * 8000 // a timestamp jump of 10 s
		}
		peer.send(to, snd.next(frame()))
	}
	time.Sleep(200 * time.Millisecond)
	st := s.Stats()
	d := st.Drops
	if d.Malformed < 3 || d.Oversize != 1 || d.WrongSSRC != 1 || d.UnknownPayload != 1 || d.SequenceJump != 1 {
		t.Errorf("drops %+v", d)
	}
	if st.PacketsReceived < 95 {
		t.Errorf("received %d of 100 good packets", st.PacketsReceived)
	}
	heard(t, "session", rec, 8000, 1000)
}
