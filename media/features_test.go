//go:build linux

package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

// TestSRTPCall runs an SRTP call in both SDES suites: each side hears the
// other, the wire carries no plain RTP, and forged packets fail
// authentication, are counted and change nothing.
//
// behaviour: MEDIA-8
func TestSRTPCall(t *testing.T) {
	t.Parallel()
	for _, suite := range []string{sdp.SuiteAES128SHA1_80, sdp.SuiteAES128SHA1_32} {
		t.Run(suite, func(t *testing.T) {
			t.Parallel()
			e := startEngine(t, Config{})
			a := newParty(t, e, 1000, 8000)
			b := newParty(t, e, 600, 8000)
			la := localFor(t, a.s, sdp.SecurityRequired, "PCMU")
			lb := localFor(t, b.s, sdp.SecurityRequired, "PCMU")
			// Offer only the suite under test.
			for _, c := range la.Crypto {
				if c.Suite == suite {
					la.Crypto = []sdp.Crypto{c}
				}
			}
			ra, _ := connect(t, a.s, b.s, la, lb)
			if ra.SRTP == nil || ra.SRTP.Suite != suite {
				t.Fatalf("negotiated %+v", ra.SRTP)
			}
			waitFor(t, 10*time.Second, "a second of audio both ways", func() bool { return a.rec.Len() > 8000 && b.rec.Len() > 8000 })
			heard(t, "a", a.rec, 8000, 600)
			heard(t, "b", b.rec, 8000, 1000)

			// A forger who knows the SSRC but not the key.
			forger := newRawPeer(t)
			st := b.s.Stats()
			fake := rtpSender{ssrc: st.RemoteSSRC, seq: 1, pt: 0}
			for range 5 {
				pk := fake.next(make([]byte, 160))
				pk = append(pk, make([]byte, 10)...) // a made-up tag
				forger.send(b.s.LocalAddr(), pk)
			}
			waitFor(t, 5*time.Second, "auth failures counted", func() bool { return b.s.Stats().Drops.SRTPAuth >= 5 })
			if got := b.s.Stats().Drops.WrongSource; got != 0 {
				t.Errorf("forged packets latched or reached the source check: %d", got)
			}
			heard(t, "b after forgery", b.rec, 8000, 1000)
		})
	}
}

// TestSRTPPacketsAreEncrypted looks at the wire: an SRTP stream's payload is
// not the encoded audio and carries the 10-byte tag.
func TestSRTPPacketsAreEncrypted(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	s := newSession(t, e, SessionConfig{}) // silence: PCMU 0xff bytes in the clear
	keys, err := sdp.DefaultCrypto()
	if err != nil {
		t.Fatal(err)
	}
	r := pcmuResult(peer.addr())
	r.SRTP = &sdp.SRTP{Suite: keys[0].Suite, LocalKey: keys[0].Key, RemoteKey: keys[0].Key}
	if err := s.Start(r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "packets", func() bool { return len(peer.rtpPackets()) >= 3 })
	for _, p := range peer.rtpPackets() {
		if len(p.Payload) != 160+10 {
			t.Fatalf("payload %d bytes, want 160 + 10-byte tag", len(p.Payload))
		}
		ff := 0
		for _, b := range p.Payload[:160] {
			if b == 0xff {
				ff++
			}
		}
		if ff > 20 {
			t.Fatalf("payload looks like clear PCMU silence (%d 0xff bytes)", ff)
		}
	}
}

// TestRTCPAndXRModes runs a call per voip/rtcp_xr/vq_statistics/mode with
// reports every 500 ms (5 s on a phone): reports flow both ways in every mode (loss, jitter, RTT), XR
// goes to the far end only in REMOTE_AND_EVENTS, quality events only when not
// DISABLE.
//
// behaviour: MEDIA-6
func TestRTCPAndXRModes(t *testing.T) {
	for _, mode := range []XRMode{XRDisable, XREventsOnly, XRRemoteAndEvents} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			e := startEngine(t, Config{XR: mode, ReportInterval: 500 * time.Millisecond})
			a := newParty(t, e, 1000, 8000)
			b := newParty(t, e, 600, 8000)
			connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, "PCMU"), localFor(t, b.s, sdp.SecurityNone, "PCMU"))
			waitFor(t, 15*time.Second, "RTCP both ways and a quality interval", func() bool {
				sa, sb := a.s.Stats(), b.s.Stats()
				return sa.RTCPReceived > 0 && sb.RTCPReceived > 0 && sa.Remote.At.After(time.Time{}) && sb.Remote.At.After(time.Time{}) && sa.RTT > 0 && sb.RTT > 0
			})
			time.Sleep(time.Second) // past a quality interval
			sa := a.s.Stats()
			if sa.RTT > 100*time.Millisecond {
				t.Errorf("RTT on loopback %v", sa.RTT)
			}
			if sa.Remote.Lost != 0 || sa.Remote.FractionLost != 0 {
				t.Errorf("far end reports loss on loopback: %+v", sa.Remote)
			}
			if sa.Quality.MOSCQ < 4 {
				t.Errorf("MOS %.2f on a clean loopback call", sa.Quality.MOSCQ)
			}
			quality := 0
		drain:
			for {
				select {
				case ev := <-a.s.Events():
					if ev.Kind == EventQuality {
						quality++
						if ev.Quality.MOSCQ < 4 {
							t.Errorf("quality event %+v", ev)
						}
					}
				default:
					break drain
				}
			}
			switch mode {
			case XRDisable:
				if quality != 0 || sa.XRSent != 0 || sa.Remote.XR != nil {
					t.Errorf("DISABLE: %d quality events, %d XR sent, remote XR %v", quality, sa.XRSent, sa.Remote.XR)
				}
			case XREventsOnly:
				if quality == 0 || sa.XRSent != 0 || b.s.Stats().Remote.XR != nil {
					t.Errorf("EVENTS_ONLY: %d quality events, %d XR sent", quality, sa.XRSent)
				}
			case XRRemoteAndEvents:
				xr := b.s.Stats().Remote.XR
				if quality == 0 || sa.XRSent == 0 || xr == nil {
					t.Fatalf("REMOTE_AND_EVENTS: %d quality events, %d XR sent, far end got %v", quality, sa.XRSent, xr)
				}
				if xr.MOSCQ < 4 || xr.R < 80 || xr.LossRate != 0 || xr.JBNominal == 0 {
					t.Errorf("XR the far end received: %+v", *xr)
				}
			}
		})
	}
}

// TestPacketRecording switches DSP packet recording on and off during a
// call: copies of the RTP packets sent and received reach remote_ip:port
// only while it is on.
//
// behaviour: DIAG-4
func TestPacketRecording(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	a := newParty(t, e, 1000, 8000)
	b := newParty(t, e, 600, 8000)
	connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, "PCMU"), localFor(t, b.s, sdp.SecurityNone, "PCMU"))
	sniffer := newRawPeer(t)
	time.Sleep(200 * time.Millisecond)
	if n := len(sniffer.packets()); n != 0 {
		t.Fatalf("%d packets recorded while off", n)
	}
	if err := e.SetRecording(Recording{Enabled: true, RTP: true, Remote: sniffer.addr()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "recorded packets", func() bool { return len(sniffer.rtpPackets()) >= 40 })
	ssrcs := map[uint32]int{}
	for _, p := range sniffer.rtpPackets() {
		ssrcs[p.SSRC]++
	}
	if len(ssrcs) != 2 {
		t.Errorf("recorded SSRCs %v, want both directions of the call", ssrcs)
	}
	e.SetRecording(Recording{Enabled: false, RTP: true, Remote: sniffer.addr()})
	time.Sleep(100 * time.Millisecond)
	n := len(sniffer.packets())
	time.Sleep(300 * time.Millisecond)
	if m := len(sniffer.packets()); m != n {
		t.Errorf("%d packets recorded after switching off", m-n)
	}
	// The master switch alone records nothing without the RTP sub-switch.
	e.SetRecording(Recording{Enabled: true, RTP: false, Remote: sniffer.addr()})
	time.Sleep(300 * time.Millisecond)
	if m := len(sniffer.packets()); m != n {
		t.Errorf("%d packets recorded without rtp_recording", m-n)
	}
}

// TestComfortNoise: with CN negotiated a silent microphone sends comfort
// noise packets instead of audio, and received CN plays as noise of the
// signalled level.
func TestComfortNoise(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	peer := newRawPeer(t)
	rec := &audio.Recorder{}
	s := newSession(t, e, SessionConfig{Sink: rec}) // no source: silence
	r := pcmuResult(peer.addr())
	r.ComfortNoise = true
	if err := s.Start(r); err != nil {
		t.Fatal(err)
	}
	var cnPkts []rtp.Packet
	audio := 0
	waitFor(t, 5*time.Second, "two comfort noise packets", func() bool {
		cnPkts, audio = cnPkts[:0], 0
		for _, p := range peer.rtpPackets() {
			switch p.PayloadType {
			case 0:
				audio++
			case sdp.CNPayloadType:
				cnPkts = append(cnPkts, p)
			}
		}
		return len(cnPkts) >= 2
	})
	if audio > vadHangover+1 {
		t.Errorf("%d audio packets of silence, want at most the %d of the hangover", audio, vadHangover+1)
	}
	// Every cnRefresh packet times; a stalled pacer (a busy test machine)
	// skips packet times, which the timestamp still counts.
	if d := cnPkts[1].Timestamp - cnPkts[0].Timestamp; d < cnRefresh*160 || d > 2*cnRefresh*160 {
		t.Errorf("CN updates %d timestamp units apart, want every %d packets (%d)", d, cnRefresh, cnRefresh*160)
	}
	if len(cnPkts[0].Payload) != 1 || cnPkts[0].Payload[0] != 127 {
		t.Errorf("CN payload % x, want the level of digital silence (127)", cnPkts[0].Payload)
	}

	// The far end sends a talkspurt, then CN at -40 dBov and goes quiet.
	snd := rtpSender{ssrc: 5, pt: 0}
	for range 5 {
		peer.send(s.LocalAddr(), snd.next(make([]byte, 160)))
		time.Sleep(20 * time.Millisecond)
	}
	cnp := rtpSender{ssrc: 5, seq: snd.seq, ts: snd.ts, pt: sdp.CNPayloadType}
	peer.send(s.LocalAddr(), cnp.next([]byte{40}))
	rec.Reset()
	time.Sleep(500 * time.Millisecond)
	pcm := rec.Samples()
	if len(pcm) < 1600 {
		t.Fatalf("recorded %d samples", len(pcm))
	}
	if lvl := levelDBov(pcm[len(pcm)-1600:]); lvl < -43 || lvl > -37 {
		t.Errorf("played comfort noise at %.1f dBov, want about -40", lvl)
	}
}

// TestPaging sends a page to a group with three listeners on loopback and
// one listener of another group on the same port: the three hear it, the
// other does not, and each reports the end of the page once the RTP has
// stopped for end_income_paging_timeout.
//
// behaviour: PAGE-1
// behaviour: PAGE-2
// behaviour: PAGE-5
func TestPaging(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	g722 := mustCodec(t, "G722")
	port := uint16(freeEvenBase(t, 2))
	group := netip.AddrPortFrom(netip.MustParseAddr("224.0.1.0"), port)
	other := netip.AddrPortFrom(netip.MustParseAddr("224.0.1.1"), port)
	type listener struct {
		l   *PageListener
		rec *audio.Recorder
	}
	listen := func(g netip.AddrPort) listener {
		rec := &audio.Recorder{}
		l, err := e.ListenPage(PageListenerConfig{Group: g, Interface: loopback, Codecs: registry(), Sink: rec, EndTimeout: 800 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return listener{l, rec}
	}
	members := []listener{listen(group), listen(group), listen(group)}
	outsider := listen(other)

	pager, err := e.NewPager(PagerConfig{Group: group, Interface: loopback, Codec: g722, Source: mediatest.NewSine(800, 8000, 16000)})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range members {
		select {
		case ev := <-m.l.Events():
			if ev.Kind != EventPageStart || ev.Remote.Addr() != loopback {
				t.Errorf("listener %d: %+v", i, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("listener %d: no page", i)
		}
	}
	waitFor(t, 10*time.Second, "a second of page audio", func() bool {
		for _, m := range members {
			if m.rec.Len() < 16000 {
				return false
			}
		}
		return true
	})
	for i, m := range members {
		heard(t, "listener "+string(rune('0'+i)), m.rec, 16000, 800)
	}
	stopped := time.Now()
	pager.Close()
	for i, m := range members {
		select {
		case ev := <-m.l.Events():
			if ev.Kind != EventPageEnd {
				t.Errorf("listener %d: %+v", i, ev)
			}
			if d := ev.At.Sub(stopped); d < 700*time.Millisecond || d > 3*time.Second {
				t.Errorf("listener %d: page ended %v after the RTP stopped, want about 800 ms", i, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("listener %d: no page end", i)
		}
	}
	if st := outsider.l.Stats(); st.PacketsReceived != 0 || outsider.rec.Len() != 0 {
		t.Errorf("listener of another group received %d packets and played %d samples", st.PacketsReceived, outsider.rec.Len())
	}
	select {
	case ev := <-outsider.l.Events():
		t.Errorf("listener of another group: %+v", ev)
	default:
	}
}

// TestByeOnClose: closing a session sends RTCP BYE, which the far end
// reports.
func TestByeOnClose(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	a := newParty(t, e, 1000, 8000)
	b := newParty(t, e, 600, 8000)
	connect(t, a.s, b.s, localFor(t, a.s, sdp.SecurityNone, "PCMU"), localFor(t, b.s, sdp.SecurityNone, "PCMU"))
	waitFor(t, 5*time.Second, "media", func() bool { return b.s.Stats().PacketsReceived > 5 })
	a.s.Close()
	if _, open := <-a.s.Events(); open {
		for range a.s.Events() {
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-b.s.Events():
			if ev.Kind == EventBye {
				if ev.Remote != a.s.LocalRTCP() {
					t.Errorf("BYE from %v, want %v", ev.Remote, a.s.LocalRTCP())
				}
				return
			}
		case <-deadline:
			t.Fatal("no BYE")
		}
	}
}
