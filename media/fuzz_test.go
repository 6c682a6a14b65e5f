package media

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/hdphone/hdphone/media/sdp"
)

// fuzzSession is a session fed by hand: its sockets exist but nothing reads
// them and no pacer runs.
func fuzzSession(t testing.TB, srtp bool) (*Session, *params) {
	t.Helper()
	e, err := NewEngine(Config{Addr: loopback, PortBase: PortAny, XR: XRRemoteAndEvents})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	var conns [2]*net.UDPConn
	for i := range conns {
		if conns[i], err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conns[i].Close() })
	}
	s := e.newSession(SessionConfig{Codecs: registry()}, modeCall, conns[0], conns[1])
	pcmu := sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	g722 := sdp.Format{PayloadType: 9, Name: "G722", ClockRate: 8000}
	r := sdp.Result{Codec: pcmu, Receive: []sdp.Format{pcmu, g722}, Ptime: 20,
		Remote: netip.MustParseAddrPort("127.0.0.1:9"), RemoteRTCP: netip.MustParseAddrPort("127.0.0.1:10"),
		DTMFSend: 101, DTMFRecv: 101, ComfortNoise: true}
	if srtp {
		key := make([]byte, 30)
		r.SRTP = &sdp.SRTP{Suite: sdp.SuiteAES128SHA1_80, LocalKey: key, RemoteKey: key}
	}
	if err := s.Start(r); err != nil {
		t.Fatal(err)
	}
	return s, s.params.Load()
}

func seedPackets() [][]byte {
	mk := func(pt uint8, seq uint16, ts uint32, payload []byte, pad bool) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 42, Padding: pad}, Payload: payload}
		if pad {
			p.PaddingSize = 4
		}
		b, _ := p.Marshal()
		return b
	}
	sr, _ := rtcp.Marshal([]rtcp.Packet{
		&rtcp.SenderReport{SSRC: 42, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: 1, LastSenderReport: 5}}},
		&rtcp.ExtendedReport{SenderSSRC: 42, Reports: []rtcp.ReportBlock{&rtcp.VoIPMetricsReportBlock{SSRC: 1, MOSCQ: 41}}},
		&rtcp.Goodbye{Sources: []uint32{42}},
	})
	return [][]byte{
		mk(0, 1, 160, make([]byte, 160), false),
		mk(9, 2, 320, make([]byte, 160), true),
		mk(101, 3, 480, []byte{5, 0x8a, 0x03, 0x20}, false),
		mk(13, 4, 640, []byte{40}, false),
		sr,
	}
}

// frame joins packets into one fuzz input: 2-byte length, then the packet.
func frame(pkts ...[]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = append(b, byte(len(p)>>8), byte(len(p)))
		b = append(b, p...)
	}
	return b
}

func unframe(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 && len(out) < 64 {
		n := int(b[0])<<8 | int(b[1])
		b = b[2:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzReceive feeds datagrams to the RTP and RTCP receive paths of a plain
// and an SRTP session and plays the result out: nothing may panic or stall,
// and a session never counts more packets received than it was given.
func FuzzReceive(f *testing.F) {
	seeds := seedPackets()
	f.Add(frame(seeds...))
	f.Add(frame(seeds[0], seeds[0], seeds[2], seeds[2], seeds[3]))
	f.Add(frame([]byte{0x80}, make([]byte, 1600)))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts := unframe(data)
		for _, secure := range []bool{false, true} {
			s, p := fuzzSession(t, secure)
			var h rtp.Header
			plain := make([]byte, 0, maxPacket+1)
			from := netip.MustParseAddrPort("127.0.0.1:9")
			now := time.Now()
			for i, pk := range pkts {
				if len(pk) > maxPacket {
					pk = pk[:maxPacket+1]
				}
				s.receiveRTP(pk, len(pk) > maxPacket, from, &h, plain, nil, now.Add(time.Duration(i)*20*time.Millisecond))
				s.receiveRTCP(p, pk, from, nil)
				s.playout(p, now.Add(time.Duration(i)*20*time.Millisecond))
			}
			st := s.Stats()
			if st.PacketsReceived > uint64(len(pkts)) {
				t.Fatalf("received %d of %d packets", st.PacketsReceived, len(pkts))
			}
		}
	})
}
