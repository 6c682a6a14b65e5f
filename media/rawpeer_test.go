//go:build linux

package media

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"golang.org/x/sys/unix"
)

// rawPeer is a plain UDP socket standing in for the far end: it records
// every packet it receives (with the DS byte it arrived with) and sends
// hand-made packets.
type rawPeer struct {
	t    testing.TB
	conn *net.UDPConn
	mu   sync.Mutex
	got  []rawPacket
}

type rawPacket struct {
	data []byte
	from netip.AddrPort
	tos  int
	at   time.Time
}

func newRawPeer(t testing.TB) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVTOS, 1) })
	p := &rawPeer{t: t, conn: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		oob := make([]byte, 128)
		for {
			n, oobn, _, from, err := c.ReadMsgUDPAddrPort(buf, oob)
			if err != nil {
				return
			}
			tos := -1
			if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
				for _, m := range msgs {
					if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_TOS && len(m.Data) > 0 {
						tos = int(m.Data[0])
					}
				}
			}
			p.mu.Lock()
			p.got = append(p.got, rawPacket{append([]byte(nil), buf[:n]...), from, tos, time.Now()})
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return p
}

func (p *rawPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *rawPeer) packets() []rawPacket {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]rawPacket(nil), p.got...)
}

// rtpPackets parses what arrived as RTP.
func (p *rawPeer) rtpPackets() []rtp.Packet {
	var out []rtp.Packet
	for _, r := range p.packets() {
		var pk rtp.Packet
		if pk.Unmarshal(r.data) == nil {
			out = append(out, pk)
		}
	}
	return out
}

func (p *rawPeer) send(to netip.AddrPort, b []byte) {
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// rtpSender makes a stream of RTP packets as a far end would.
type rtpSender struct {
	ssrc uint32
	seq  uint16
	ts   uint32
	pt   uint8
}

func (s *rtpSender) next(payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}, Payload: payload}
	s.seq++
	s.ts += uint32(len(payload))
	b, _ := p.Marshal()
	return b
}
