package media

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

// benchSession is a started PCMU session sending to a socket nobody reads
// (the kernel drops what does not fit).
func benchSession(b *testing.B, secure bool) (*Session, *params) {
	b.Helper()
	s, p := fuzzSession(b, secure)
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sink.Close() })
	r := p.res
	r.Remote = sink.LocalAddr().(*net.UDPAddr).AddrPort()
	if err := s.Start(r); err != nil {
		b.Fatal(err)
	}
	src := mediatest.NewSine(1000, 8000, 8000)
	s.SetSource(src)
	s.SetSink(&discard{})
	return s, s.params.Load()
}

type discard struct{}

func (discard) WritePCM([]int16) error { return nil }

// BenchmarkSendPath is one 20 ms G.711 packet: source read, encode, RTP
// header, (SRTP), sendto.
func BenchmarkSendPath(b *testing.B) {
	for _, secure := range []bool{false, true} {
		b.Run(map[bool]string{false: "RTP", true: "SRTP"}[secure], func(b *testing.B) {
			s, p := benchSession(b, secure)
			now := time.Now()
			s.send(p, now, 0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				s.send(p, now, uint64(i+1)*p.sendTicks)
			}
		})
	}
}

// BenchmarkReceivePath is one received 20 ms G.711 packet: checks, (SRTP),
// sequence and jitter tracking, jitter buffer, and its playout (decode to
// the sink).
func BenchmarkReceivePath(b *testing.B) {
	for _, secure := range []bool{false, true} {
		b.Run(map[bool]string{false: "RTP", true: "SRTP"}[secure], func(b *testing.B) {
			s, p := benchSession(b, secure)
			// Packets as the far end makes them, encrypted with its key.
			const batch = 4096
			pkts := make([][]byte, batch)
			seq, ts := uint16(0), uint32(0)
			var enc *srtpKeys
			if secure {
				enc, _ = newSRTPKeys(&sdp.SRTP{Suite: p.res.SRTP.Suite, LocalKey: p.res.SRTP.RemoteKey, RemoteKey: p.res.SRTP.LocalKey})
			}
			fill := func() {
				for i := range pkts {
					pk := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, Payload: make([]byte, 160)}
					seq++
					ts += 160
					raw, _ := pk.Marshal()
					if enc != nil {
						raw, _ = enc.rtpOut.EncryptRTP(nil, raw, nil)
					}
					pkts[i] = raw
				}
			}
			fill()
			var h rtp.Header
			plain := make([]byte, 0, maxPacket+1)
			from := p.res.Remote
			evs := make([]Event, 0, 8)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i > 0 && i%batch == 0 {
					b.StopTimer()
					fill()
					b.StartTimer()
				}
				now = now.Add(20 * time.Millisecond)
				evs = s.receiveRTP(pkts[i%batch], false, from, &h, plain, evs[:0], now)
				s.playout(p, now)
			}
			b.StopTimer()
			if st := s.Stats(); st.PacketsReceived != uint64(b.N) {
				b.Fatalf("received %d of %d", st.PacketsReceived, b.N)
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPacing runs N two-way G.711 calls (2N sessions, each sending and
// playing 50 packets a second, with a source and a sink) on loopback in one
// engine restricted to one core (GOMAXPROCS=1), for 3 s, and reports the
// pacer's send jitter (deviation of each packet's send time from its
// stream's previous send plus 20 ms) at p50 and p99, the process CPU used,
// and the streams per fully used core. Beside the engine as built (OS timer,
// sockets read by the pacer) the same run measures a Go-timer pacer and
// reader goroutines per socket, for the ratios.
func BenchmarkPacing(b *testing.B) {
	variants := []struct {
		name                       string
		goTimer, readers, realTime bool
	}{
		{"ostimer", false, false, false},
		{"ostimer+realtime", false, false, true},
		{"gotimer", true, false, false},
		{"ostimer+readers", false, true, false},
	}
	for _, calls := range []int{50, 100, 200, 400, 600, 800} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("calls=%d/%s", calls, v.name), func(b *testing.B) {
				for range b.N {
					benchPacing(b, calls, v.goTimer, v.readers, v.realTime)
				}
			})
		}
	}
}

func benchPacing(b *testing.B, calls int, goTimer, readers, realTime bool) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	e, err := NewEngine(Config{Addr: loopback, PortBase: PortAny, GoTimer: goTimer, RealTime: realTime})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if readers && e.pacer.rx != nil {
		e.pacer.rx.close()
		e.pacer.rx = nil
	}
	pcmu := mustCodec(b, "PCMU")
	for range calls {
		var pair [2]*Session
		for i := range pair {
			s, err := e.NewSession(SessionConfig{Codecs: registry(), Source: mediatest.NewSine(440, 8000, 8000), Sink: discard{}})
			if err != nil {
				b.Fatal(err)
			}
			pair[i] = s
		}
		f := sdp.Format{PayloadType: 0, Name: pcmu.Name(), ClockRate: 8000}
		for i, s := range pair {
			peer := pair[1-i]
			s.Start(sdp.Result{Codec: f, Receive: []sdp.Format{f}, Ptime: 20, Remote: peer.LocalAddr(),
				RemoteRTCP: peer.LocalRTCP(), DTMFSend: -1, DTMFRecv: -1})
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := contextUntil(stop)
		defer cancel()
		e.Run(ctx)
	}()
	time.Sleep(time.Second) // warm up: jitter buffers fill, first RTCP
	// Collect the set-up's garbage now: the measured seconds are the
	// steady state, where only RTCP allocates.
	runtime.GC()
	e.ResetPacing()
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(3 * time.Second)
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	ps := e.Pacing()
	close(stop)
	<-done
	load := float64(cpu) / float64(wall)
	streams := 2 * calls
	b.ReportMetric(float64(streams), "streams")
	b.ReportMetric(float64(ps.JitterP50.Microseconds()), "p50-jitter-µs")
	b.ReportMetric(float64(ps.JitterP99.Microseconds()), "p99-jitter-µs")
	b.ReportMetric(float64(ps.WakeupP99.Microseconds()), "p99-wakeup-µs")
	b.ReportMetric(load*100, "cpu-%")
	b.ReportMetric(float64(streams)/load, "streams/core")
	b.ReportMetric(float64(ps.Overruns), "overruns")
	b.Logf("%d calls (%d streams), OS timer %v, real-time %v, reader goroutines %v: %d packets, send jitter p50 %v p99 %v max %v, wakeup p99 %v, CPU %.0f%% of a core, %.0f streams per core",
		calls, streams, ps.OSTimer, ps.RealTime, e.pacer.rx == nil, ps.Packets, ps.JitterP50, ps.JitterP99, ps.JitterMax, ps.WakeupP99, load*100, float64(streams)/load)
}

// contextUntil is a context cancelled when stop closes.
func contextUntil(stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// BenchmarkReceiveSocket is the receive path from the wire on Linux: a
// packet sent on loopback, taken by the pacer's poller (epoll, recvmsg with
// the kernel timestamp) and stored; the sender's sendto is in the timing.
func BenchmarkReceiveSocket(b *testing.B) {
	s, p := benchSession(b, false)
	if s.e.pacer.rx == nil {
		b.Skip("no receive poller on this platform")
	}
	if err := s.e.pacer.rx.add(s, s.rtpConn, pollRTP); err != nil {
		b.Fatal(err)
	}
	tx, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	pk := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 7}, Payload: make([]byte, 160)}
	buf := make([]byte, 200)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		pk.SequenceNumber = uint16(i)
		pk.Timestamp = uint32(i * 160)
		n, _ := pk.MarshalTo(buf)
		tx.Write(buf[:n])
		s.e.pacer.rx.poll()
		if i%8 == 0 {
			now = now.Add(20 * time.Millisecond)
			s.playout(p, now)
		}
	}
	b.StopTimer()
	if st := s.Stats(); st.PacketsReceived < uint64(b.N)*9/10 {
		b.Fatalf("received %d of %d", st.PacketsReceived, b.N)
	}
}
