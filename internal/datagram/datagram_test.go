package datagram_test

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/datagram"
)

func listen(t *testing.T) (*datagram.Conn, *net.UDPConn) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	dg, err := datagram.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dg.Close() })
	peer, err := net.DialUDP("udp", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	return dg, peer
}

// Whatever its size, a datagram reaches the filter whole while sipgo's own
// buffer only ever holds one byte; the sender's address comes with it.
func TestDatagramsOfEverySizeReachTheFilter(t *testing.T) {
	dg, peer := listen(t)
	props := sipgosip.TransportReadProps{Transport: "udp", LocalAddr: dg.LocalAddr()}
	for _, size := range []int{1, 4, 1300, 8191, 20000, 65507} {
		msg := bytes.Repeat([]byte{'x'}, size)
		msg[0], msg[size-1] = 'A', 'Z'
		if _, err := peer.Write(msg); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		n, from, err := dg.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if from.String() != peer.LocalAddr().String() {
			t.Errorf("%d bytes from %v, want %v", size, from, peer.LocalAddr())
		}
		got, err := dg.Filter(props, buf[:n])
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%d bytes: filter gave %d bytes (%v)", size, len(got), err)
		}
		// Taken once: a read of another socket passes unchanged.
		if again, _ := dg.Filter(props, []byte("other")); string(again) != "other" {
			t.Errorf("second filter gave %q", again)
		}
	}
}

// Reads of the transport layer's other sockets (TCP, TLS) are not touched.
func TestOtherSocketsPassThrough(t *testing.T) {
	dg, peer := listen(t)
	peer.Write([]byte("REGISTER"))
	buf := make([]byte, 16)
	n, _, err := dg.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	other := sipgosip.TransportReadProps{Transport: "tcp", LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}}
	if got, _ := dg.Filter(other, []byte("stream bytes")); string(got) != "stream bytes" {
		t.Errorf("a TCP read became %q", got)
	}
	if got, _ := dg.Filter(sipgosip.TransportReadProps{LocalAddr: dg.LocalAddr()}, buf[:n]); string(got) != "REGISTER" {
		t.Errorf("the pending datagram is %q", got)
	}
}

// An empty datagram gives an empty read (sipgo skips it); Close ends a
// waiting read with net.ErrClosed, which sipgo's loop takes as its end.
func TestEmptyDatagramAndClose(t *testing.T) {
	dg, peer := listen(t)
	peer.Write(nil)
	n, _, err := dg.ReadFrom(make([]byte, 1))
	if err != nil || n != 0 {
		t.Fatalf("empty datagram: %d bytes, %v", n, err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := dg.ReadFrom(make([]byte, 1))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	dg.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the read")
	}
}

// What cannot be SIP (an RTCP report, a STUN request, a zero-length
// datagram) never reaches sipgo's parser; requests, responses and
// keep-alives do.
func TestOnlySIPReachesTheParser(t *testing.T) {
	dg, peer := listen(t)
	var strays int
	dg.Stray = func(from net.Addr, data []byte) { strays++ }
	props := sipgosip.TransportReadProps{Transport: "udp", LocalAddr: dg.LocalAddr()}
	cases := []struct {
		name string
		data []byte
		pass bool
	}{
		{"request", []byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n"), true},
		{"response", []byte("SIP/2.0 200 OK\r\n\r\n"), true},
		{"keep-alive", []byte("\r\n\r\n"), true},
		{"RTCP sender report", []byte{0x81, 0xc8, 0x00, 0x0c, 0x8a, 0x26, 0x3d, 0xb7}, false},
		{"RTP", []byte{0x80, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 1}, false},
		{"STUN binding request", []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42}, false},
	}
	for _, tc := range cases {
		if _, err := peer.Write(tc.data); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		n, _, err := dg.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dg.Filter(props, buf[:n])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if passed := len(got) > 0; passed != tc.pass || (passed && !bytes.Equal(got, tc.data)) {
			t.Errorf("%s: the parser got %q", tc.name, got)
		}
	}
	// The same from a UDP socket sipgo opened itself; a stream's bytes pass.
	other := sipgosip.TransportReadProps{Transport: "UDP", LocalAddr: &net.UDPAddr{IP: net.IPv4zero, Port: 40000}}
	if got, _ := dg.Filter(other, cases[3].data); len(got) != 0 {
		t.Errorf("RTCP on sipgo's own socket reached the parser: %q", got)
	}
	if got, _ := dg.Filter(other, cases[1].data); !bytes.Equal(got, cases[1].data) {
		t.Errorf("a response on sipgo's own socket became %q", got)
	}
	stream := sipgosip.TransportReadProps{Transport: "TCP", LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}}
	if got, _ := dg.Filter(stream, cases[3].data); !bytes.Equal(got, cases[3].data) {
		t.Errorf("a TCP read became %q", got)
	}
	if strays != 4 {
		t.Errorf("Stray told of %d datagrams, want 4", strays)
	}
}

// Serving is told once, as the first read begins, before any datagram has
// arrived: the UA lets its requests through from then on.
func TestServingIsToldAtTheFirstRead(t *testing.T) {
	dg, peer := listen(t)
	calls := make(chan struct{}, 4)
	dg.Serving = func() { calls <- struct{}{} }
	read := make(chan error, 1)
	go func() {
		for range 2 {
			if _, _, err := dg.ReadFrom(make([]byte, 1)); err != nil {
				read <- err
				return
			}
		}
		read <- nil
	}()
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("Serving not called while the first read waits")
	}
	for range 2 {
		if _, err := peer.Write([]byte("OPTIONS sip:a SIP/2.0\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if n := len(calls); n != 0 {
		t.Errorf("Serving called %d more times", n)
	}
}
