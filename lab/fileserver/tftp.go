package fileserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hdphone/hdphone/provisioning/fetch/tftp"
)

func (s *Server) tftpTimeout() time.Duration {
	if s.cfg.TFTPTimeout <= 0 {
		return time.Second
	}
	return s.cfg.TFTPTimeout
}

func (s *Server) tftpRetries() int {
	if s.cfg.TFTPRetries <= 0 {
		return 5
	}
	return s.cfg.TFTPRetries
}

// serveTFTP reads requests on the listening socket; each read request gets
// its own goroutine and socket (its transfer id, RFC 1350 §4).
func (s *Server) serveTFTP(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	buf := make([]byte, 2048)
	for {
		n, from, err := s.tftpLn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("fileserver: tftp: %w", err)
		}
		p, err := tftp.Parse(buf[:n])
		if err != nil {
			continue // not TFTP: drop it, as servers do
		}
		raddr := from.(*net.UDPAddr)
		switch p.Op {
		case tftp.OpRRQ:
			wg.Go(func() { s.tftpTransfer(ctx, raddr, p) })
		case tftp.OpWRQ:
			e := tftp.Packet{Op: tftp.OpERROR, Code: tftp.ErrAccessViolation, Message: "read-only server"}
			s.tftpLn.WriteTo(e.Append(nil), from)
			s.record(Entry{Proto: "tftp", Remote: raddr.IP.String(), Path: p.Filename, Size: -1, Outcome: Refused, Detail: "write request"})
		}
	}
}

// tftpTransfer sends one file.
func (s *Server) tftpTransfer(ctx context.Context, peer *net.UDPAddr, req tftp.Packet) {
	e := Entry{Proto: "tftp", Remote: peer.IP.String(), Path: req.Filename, Size: -1}
	local := s.tftpLn.LocalAddr().(*net.UDPAddr)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: local.IP})
	if err != nil {
		e.Outcome, e.Detail = Failed, err.Error()
		s.record(e)
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	sendErr := func(code tftp.ErrorCode, msg string) {
		p := tftp.Packet{Op: tftp.OpERROR, Code: code, Message: msg}
		conn.WriteToUDP(p.Append(nil), peer)
	}

	f, err := s.open(req.Filename)
	switch {
	case errors.Is(err, ErrNotFound):
		sendErr(tftp.ErrFileNotFound, "File not found")
		e.Outcome = Missing
		s.record(e)
		return
	case err != nil:
		sendErr(tftp.ErrAccessViolation, "Permission denied")
		e.Outcome, e.Detail = Refused, err.Error()
		s.record(e)
		return
	}
	defer f.close()
	e.Size = f.size

	t := &tftpSend{s: s, conn: conn, peer: peer, blksize: tftp.DefaultBlockSize, timeout: s.tftpTimeout()}
	var oack []tftp.Option
	for _, o := range req.Options {
		switch o.Name {
		case tftp.OptBlksize:
			if n, err := strconv.Atoi(o.Value); err == nil && n >= tftp.MinBlockSize {
				t.blksize = min(n, tftp.MaxBlockSize)
				oack = append(oack, tftp.Option{Name: tftp.OptBlksize, Value: strconv.Itoa(t.blksize)})
			}
		case tftp.OptTsize:
			oack = append(oack, tftp.Option{Name: tftp.OptTsize, Value: strconv.FormatInt(f.size, 10)})
		case tftp.OptTimeout:
			if n, err := strconv.Atoi(o.Value); err == nil && n >= 1 && n <= 255 {
				t.timeout = time.Duration(n) * time.Second
				oack = append(oack, o)
			}
		}
	}
	// The first packet is an OACK (acknowledged with block 0) when options
	// were accepted, else block 1 straight away.
	var block uint16
	if len(oack) > 0 {
		t.out = tftp.Packet{Op: tftp.OpOACK, Options: oack}.Append(t.out[:0])
		if err := t.await(0); err != nil {
			s.finish(e, t, err)
			return
		}
	}
	data := make([]byte, t.blksize)
	for {
		n, rerr := io.ReadFull(f.content, data)
		if rerr != nil && rerr != io.ErrUnexpectedEOF && rerr != io.EOF {
			sendErr(tftp.ErrUndefined, "read error")
			e.Outcome, e.Detail = Failed, rerr.Error()
			s.record(e)
			return
		}
		block++ // wraps to 0 after 65535, like tftpd-hpa
		t.out = tftp.Packet{Op: tftp.OpDATA, Block: block, Data: data[:n]}.Append(t.out[:0])
		t.sent += int64(n)
		if err := t.await(block); err != nil {
			s.finish(e, t, err)
			return
		}
		if n < t.blksize {
			e.Sent, e.Outcome = t.sent, Complete
			s.record(e)
			return
		}
	}
}

// tftpSend is the sending side of one transfer.
type tftpSend struct {
	s       *Server
	conn    *net.UDPConn
	peer    *net.UDPAddr
	blksize int
	timeout time.Duration
	out     []byte
	in      [1024]byte // receive buffer for ACKs and errors
	sent    int64
}

// clientError is an ERROR packet from the client (it gave up or, after a
// header read, stopped on purpose).
type clientError struct{ p tftp.Packet }

func (c clientError) Error() string {
	return fmt.Sprintf("client sent error %d (%s)", c.p.Code, c.p.Message)
}

// await sends t.out and waits for the ACK of block, resending on silence.
// Duplicate ACKs of earlier blocks are ignored, not answered, so that a
// delayed ACK cannot double the traffic (RFC 1123 §4.2.3.1).
func (t *tftpSend) await(block uint16) error {
	buf := t.in[:]
	for try := 0; try <= t.s.tftpRetries(); try++ {
		if _, err := t.conn.WriteToUDP(t.out, t.peer); err != nil {
			return err
		}
		deadline := time.Now().Add(t.timeout)
		for {
			t.conn.SetReadDeadline(deadline)
			n, from, err := t.conn.ReadFromUDP(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && time.Now().After(deadline.Add(-time.Millisecond)) {
					break // resend
				}
				return err
			}
			if !from.IP.Equal(t.peer.IP) || from.Port != t.peer.Port {
				e := tftp.Packet{Op: tftp.OpERROR, Code: tftp.ErrUnknownTID, Message: "unknown transfer id"}
				t.conn.WriteToUDP(e.Append(nil), from)
				continue
			}
			p, err := tftp.Parse(buf[:n])
			if err != nil {
				continue
			}
			switch {
			case p.Op == tftp.OpACK && p.Block == block:
				return nil
			case p.Op == tftp.OpERROR:
				return clientError{p}
			}
		}
	}
	return fmt.Errorf("no acknowledgement of block %d after %d tries", block, t.s.tftpRetries()+1)
}

func (s *Server) finish(e Entry, t *tftpSend, err error) {
	e.Sent = t.sent
	var ce clientError
	if errors.As(err, &ce) {
		e.Outcome, e.Detail = Partial, ce.Error()
	} else {
		e.Outcome, e.Detail = Failed, err.Error()
	}
	s.record(e)
}
