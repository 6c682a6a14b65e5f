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
