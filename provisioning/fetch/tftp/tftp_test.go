package tftp

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

func TestPacketRoundTrip(t *testing.T) {
	tests := []Packet{
		{Op: OpRRQ, Filename: "450HD.img", Mode: "octet", Options: []Option{{"blksize", "1468"}, {"tsize", "0"}, {"timeout", "1"}}},
		{Op: OpRRQ, Filename: "450HD/00908f000001.cfg", Mode: "octet"},
		{Op: OpWRQ, Filename: "x", Mode: "netascii"},
		{Op: OpOACK, Options: []Option{{"blksize", "512"}, {"tsize", "1049088"}}},
		{Op: OpDATA, Block: 65535, Data: []byte("hello")},
		{Op: OpDATA, Block: 0, Data: []byte{}},
		{Op: OpACK, Block: 7},
		{Op: OpERROR, Code: ErrFileNotFound, Message: "File not found"},
	}
	for _, p := range tests {
		t.Run(p.Op.String(), func(t *testing.T) {
			b := p.Append(nil)
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if again := got.Append(nil); !bytes.Equal(again, b) {
				t.Fatalf("re-encoded %q, want %q", again, b)
			}
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"unknown opcode", []byte{0, 9, 0, 0}},
		{"RRQ without NUL", []byte("\x00\x01file\x00octet")},
		{"RRQ empty name", []byte("\x00\x01\x00octet\x00")},
		{"RRQ bad mode", []byte("\x00\x01f\x00binary\x00")},
		{"RRQ option without value", []byte("\x00\x01f\x00octet\x00blksize\x00")},
		{"ACK too long", []byte{0, 4, 0, 1, 0}},
		{"short DATA", []byte{0, 3, 0}},
		{"short ERROR", []byte{0, 5, 0}},
		{"OACK odd", []byte("\x00\x06blksize\x00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) = %v, want ErrMalformed", tt.b, err)
			}
		})
	}
	// A server that forgets the NUL after the message is still understood.
	p, err := Parse([]byte("\x00\x05\x00\x01no such file"))
	if err != nil || p.Message != "no such file" {
		t.Fatalf("lenient ERROR: %+v %v", p, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []Packet{
		{Op: OpRRQ, Filename: "450HD.img", Mode: "octet", Options: []Option{{"blksize", "1468"}, {"tsize", "0"}}},
		{Op: OpOACK, Options: []Option{{"blksize", "512"}}},
		{Op: OpDATA, Block: 1, Data: []byte("x")},
		{Op: OpACK, Block: 1},
		{Op: OpERROR, Code: 1, Message: "File not found"},
	} {
		f.Add(p.Append(nil))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		// A parsed packet re-encodes to something that parses the same way.
		q, err := Parse(p.Append(nil))
		if err != nil {
			t.Fatalf("re-encoded packet does not parse: %v", err)
		}
		if q.Op != p.Op || q.Block != p.Block || q.Filename != p.Filename || !bytes.Equal(q.Data, p.Data) ||
			len(q.Options) != len(p.Options) {
			t.Fatalf("round trip changed the packet: %+v → %+v", p, q)
		}
	})
}

// scripted is a one-transfer TFTP server whose behaviour the test writes as
// code: it receives the RRQ on the listening socket and hands the test a new
// socket (the server's transfer id) and the client's address.
type scripted struct {
	t    *testing.T
	ln   *net.UDPConn
	conn *net.UDPConn
	peer *net.UDPAddr
	req  Packet
}

func startScripted(t *testing.T, script func(s *scripted)) string {
	t.Helper()
	ln, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		ln.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, from, err := ln.ReadFromUDP(buf)
		if err != nil {
			return
		}
		req, err := Parse(buf[:n])
		if err != nil {
			t.Errorf("scripted: bad request: %v", err)
			return
		}
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		script(&scripted{t: t, ln: ln, conn: conn, peer: from, req: req})
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.LocalAddr().String()
}

func (s *scripted) send(p Packet) { s.conn.WriteToUDP(p.Append(nil), s.peer) }

// recv returns the next packet from the client, or ok=false after d.
func (s *scripted) recv(d time.Duration) (Packet, bool) {
	buf := make([]byte, 70000)
	s.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := s.conn.ReadFromUDP(buf)
	if err != nil {
		return Packet{}, false
	}
	p, err := Parse(buf[:n])
	if err != nil {
		s.t.Errorf("scripted: client sent a bad packet: %v", err)
		return Packet{}, false
	}
	return p, true
}

func (s *scripted) expectACK(block uint16) bool {
	s.t.Helper()
	p, ok := s.recv(3 * time.Second)
	if !ok || p.Op != OpACK || p.Block != block {
		s.t.Errorf("scripted: want ACK %d, got %+v (ok=%v)", block, p, ok)
		return false
	}
	return true
}

func fastClient() *Client {
	return &Client{Timeout: 100 * time.Millisecond, Retries: 3, BlockSize: 512}
}

func readAll(t *testing.T, c *Client, addr, name string) ([]byte, error) {
	t.Helper()
	tr, err := c.Get(context.Background(), addr, name)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	return io.ReadAll(tr)
}

func TestClientNegotiatesOptions(t *testing.T) {
	data := make([]byte, 1000)
	rand.Read(data)
	addr := startScripted(t, func(s *scripted) {
		if v, _ := s.req.Option("tsize"); v != "0" {
			s.t.Errorf("RRQ tsize = %q", v)
		}
		if v, _ := s.req.Option("blksize"); v != "512" {
			s.t.Errorf("RRQ blksize = %q", v)
		}
		// Accept a smaller block size than asked.
		s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "300"}, {"tsize", strconv.Itoa(len(data))}}})
		for i := 0; i*300 <= len(data); i++ {
			if !s.expectACK(uint16(i)) {
				return
			}
			end := min(len(data), (i+1)*300)
			s.send(Packet{Op: OpDATA, Block: uint16(i + 1), Data: data[i*300 : end]})
		}
		s.expectACK(4)
	})
	tr, err := fastClient().Get(context.Background(), addr, "f")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Size() != 1000 || tr.BlockSize() != 300 {
		t.Fatalf("size %d blksize %d", tr.Size(), tr.BlockSize())
	}
	got, err := io.ReadAll(tr)
	tr.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}

func TestClientWithAServerThatIgnoresOptions(t *testing.T) {
	data := bytes.Repeat([]byte("A"), 512+100)
	addr := startScripted(t, func(s *scripted) {
		s.send(Packet{Op: OpDATA, Block: 1, Data: data[:512]})
		if s.expectACK(1) {
			s.send(Packet{Op: OpDATA, Block: 2, Data: data[512:]})
			s.expectACK(2)
		}
	})
	got, err := readAll(t, &Client{Timeout: 100 * time.Millisecond}, addr, "f")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

func TestClientRetriesWithoutOptionsAfterError8(t *testing.T) {
	addr := startScripted(t, func(s *scripted) {
		s.send(Packet{Op: OpERROR, Code: ErrOptionNegotiation, Message: "no options"})
		// The plain retry arrives at the listening port.
		buf := make([]byte, 600)
		s.ln.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, from, err := s.ln.ReadFromUDP(buf)
		if err != nil {
			s.t.Error("no second RRQ")
			return
		}
		req, _ := Parse(buf[:n])
		if len(req.Options) != 0 {
			s.t.Errorf("second RRQ still has options: %+v", req.Options)
		}
		s.peer = from
		s.send(Packet{Op: OpDATA, Block: 1, Data: []byte("plain")})
		s.expectACK(1)
	})
	got, err := readAll(t, fastClient(), addr, "f")
	if err != nil || string(got) != "plain" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestClientSurvivesLossDuplicatesAndStrangers(t *testing.T) {
	data := make([]byte, 512*3+7)
	rand.Read(data)
	blk := func(n int) Packet {
		end := min(len(data), n*512)
		return Packet{Op: OpDATA, Block: uint16(n), Data: data[(n-1)*512 : end]}
	}
	addr := startScripted(t, func(s *scripted) {
		s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "512"}}})
		// ACK 0 "lost": the client must retransmit it.
		if _, ok := s.recv(time.Second); !ok {
			s.t.Error("no ACK 0")
			return
		}
		s.expectACK(0)
		s.send(blk(1))
		s.expectACK(1)
		// Out of order (block 3 before 2) is ignored; a duplicate of 1 is
		// acknowledged again.
		s.send(blk(3))
		s.send(blk(1))
		s.expectACK(1)
		// A stranger (another port) gets error 5 and is otherwise ignored.
		stranger, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		defer stranger.Close()
		b2 := blk(2)
		stranger.WriteToUDP(b2.Append(nil), s.peer)
		buf := make([]byte, 100)
		stranger.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, _, err := stranger.ReadFromUDP(buf); err != nil {
			s.t.Error("stranger got no answer")
		} else if p, _ := Parse(buf[:n]); p.Op != OpERROR || p.Code != ErrUnknownTID {
			s.t.Errorf("stranger got %+v", p)
		}
		s.send(blk(2))
		s.expectACK(2)
		s.send(blk(3))
		s.expectACK(3)
		s.send(blk(4))
		s.expectACK(4)
	})
	got, err := readAll(t, fastClient(), addr, "f")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

func TestClientErrors(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpERROR, Code: ErrFileNotFound, Message: "File not found"})
		})
		_, err := readAll(t, fastClient(), addr, "missing.cfg")
		var re *RemoteError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &re) || re.Message != "File not found" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("silent server", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {})
		start := time.Now()
		_, err := readAll(t, fastClient(), addr, "f")
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%v", err)
		}
		t.Logf("gave up after %v", time.Since(start))
	})
	t.Run("server dies mid-transfer", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpDATA, Block: 1, Data: make([]byte, 512)})
			s.expectACK(1)
		})
		_, err := readAll(t, fastClient(), addr, "f")
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("server error mid-transfer", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpDATA, Block: 1, Data: make([]byte, 512)})
			s.expectACK(1)
			s.send(Packet{Op: OpERROR, Code: ErrUndefined, Message: "disk on fire"})
		})
		_, err := readAll(t, fastClient(), addr, "f")
		var re *RemoteError
		if !errors.As(err, &re) || re.Message != "disk on fire" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("too large by tsize", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpOACK, Options: []Option{{"tsize", "5000"}}})
			if p, ok := s.recv(time.Second); !ok || p.Op != OpERROR {
				s.t.Errorf("want ERROR, got %+v", p)
			}
		})
		c := fastClient()
		c.MaxSize = 4000
		if _, err := readAll(t, c, addr, "f"); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("too large by counting", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpDATA, Block: 1, Data: make([]byte, 512)})
			s.expectACK(1)
			s.send(Packet{Op: OpDATA, Block: 2, Data: make([]byte, 512)})
		})
		c := fastClient()
		c.MaxSize = 600
		if _, err := readAll(t, c, addr, "f"); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("oversized block", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "100"}}})
			s.expectACK(0)
			s.send(Packet{Op: OpDATA, Block: 1, Data: make([]byte, 200)})
		})
		c := fastClient()
		if _, err := readAll(t, c, addr, "f"); !errors.Is(err, ErrProtocol) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("context cancelled while waiting", func(t *testing.T) {
		addr := startScripted(t, func(s *scripted) {
			s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "512"}}})
			s.recv(2 * time.Second)
		})
		ctx, cancel := context.WithCancel(context.Background())
		c := &Client{Timeout: 5 * time.Second}
		tr, err := c.Get(ctx, addr, "f")
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err = io.ReadAll(tr)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
		tr.Close()
	})
}

func TestClientCloseAbortsAfterTheFirstBlock(t *testing.T) {
	addr := startScripted(t, func(s *scripted) {
		s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "512"}, {"tsize", "100000"}}})
		s.expectACK(0)
		s.send(Packet{Op: OpDATA, Block: 1, Data: make([]byte, 512)})
		// The reader wants 100 bytes and closes: the next packet is an
		// ERROR, not ACK 1.
		p, ok := s.recv(2 * time.Second)
		if !ok || p.Op != OpERROR {
			s.t.Errorf("after a header read the client sent %+v (ok=%v), want ERROR", p, ok)
		}
	})
	tr, err := fastClient().Get(context.Background(), addr, "450HD.img")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(tr, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if tr.Received() != 512 {
		t.Fatalf("received %d bytes, want one block", tr.Received())
	}
}

// The block number is 16 bits: a file of more than 65535 blocks makes it
// wrap. Servers continue with 0 (tftpd-hpa) or 1.
func TestClientFollowsBlockNumberWrap(t *testing.T) {
	if testing.Short() {
		t.Skip("65 540 round trips")
	}
	for _, rollTo := range []uint16{0, 1} {
		t.Run("to "+strconv.Itoa(int(rollTo)), func(t *testing.T) {
			const bs, blocks = 8, 65540
			data := make([]byte, bs*blocks+3)
			rand.Read(data)
			addr := startScripted(t, func(s *scripted) {
				s.send(Packet{Op: OpOACK, Options: []Option{{"blksize", "8"}}})
				if !s.expectACK(0) {
					return
				}
				buf := make([]byte, 64)
				num := uint16(0)
				for i := 0; i*bs <= len(data); i++ {
					num++
					if num == 0 && rollTo == 1 {
						num = 1
					}
					end := min(len(data), (i+1)*bs)
					s.send(Packet{Op: OpDATA, Block: num, Data: data[i*bs : end]})
					s.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
					n, _, err := s.conn.ReadFromUDP(buf)
					if err != nil {
						s.t.Errorf("no ACK for block %d (#%d)", num, i+1)
						return
					}
					if p, _ := Parse(buf[:n]); p.Op != OpACK || p.Block != num {
						s.t.Errorf("ACK %+v for block %d", p, num)
						return
					}
				}
			})
			c := &Client{BlockSize: 8, Timeout: time.Second}
			got, err := readAll(t, c, addr, "big.img")
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%d of %d bytes, %v", len(got), len(data), err)
			}
		})
	}
}
