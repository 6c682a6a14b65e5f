package tftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// Client reads files from TFTP servers. The zero value works: block size
// 1468 (fits an Ethernet frame), 1 s retransmission time-out, 5 retries, no
// size limit, an ephemeral local port on any address.
type Client struct {
	// BlockSize is the blksize option to request (MinBlockSize..MaxBlockSize);
	// 0 means 1468.
	BlockSize int
	// Timeout is how long to wait for the server before retransmitting; it is
	// also sent as the timeout option (whole seconds, 1..255). 0 means 1 s.
	Timeout time.Duration
	// Retries is how many times the last packet is retransmitted before the
	// transfer fails with ErrTimeout; 0 means 5.
	Retries int
	// MaxSize refuses files larger than this many bytes (0: no limit).
	MaxSize int64
	// LocalAddr is the local IP to send from (a fleet phone's own address);
	// empty means any.
	LocalAddr string
	// NoOptions sends a plain RFC 1350 request (no blksize, tsize, timeout).
	NoOptions bool
}

func (c *Client) blockSize() int {
	if c.BlockSize == 0 {
		return 1468
	}
	return c.BlockSize
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return time.Second
	}
	return c.Timeout
}

func (c *Client) retries() int {
	if c.Retries <= 0 {
		return 5
	}
	return c.Retries
}

// Get starts reading filename from the server at addr (host:port). It returns
// once the server has accepted the request (an OACK or the first block), so
// "file not found" and unreachable servers are reported here. The caller must
// Close the transfer.
func (c *Client) Get(ctx context.Context, addr, filename string) (*Transfer, error) {
	if bs := c.blockSize(); bs < MinBlockSize || bs > MaxBlockSize {
		return nil, fmt.Errorf("tftp: block size %d outside %d..%d", bs, MinBlockSize, MaxBlockSize)
	}
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("tftp: resolve %s: %w", addr, err)
	}
	var laddr *net.UDPAddr
	if c.LocalAddr != "" {
		laddr = &net.UDPAddr{IP: net.ParseIP(c.LocalAddr)}
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("tftp: %w", err)
	}
	t := &Transfer{c: c, conn: conn, server: raddr, blksize: DefaultBlockSize, size: -1,
		// One byte more than the largest DATA we accept, so that an
		// oversized block shows as such rather than being cut to size.
		buf: make([]byte, max(c.blockSize(), DefaultBlockSize)+4+1)}
	// The context ends the transfer by expiring the socket's deadline, which
	// wakes any blocked read.
	t.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	t.ctx = ctx
	if err := t.request(filename); err != nil {
		t.abort(err)
		return nil, err
	}
	return t, nil
}

// Transfer is one file being read. It is not safe for concurrent use.
type Transfer struct {
	c       *Client
	ctx     context.Context
	stop    func() bool
	conn    *net.UDPConn
	server  *net.UDPAddr // the server's transfer address, once known
	blksize int
	size    int64 // tsize from the OACK, or -1

	buf      []byte
	blockBuf []byte // holds the current block; pending slices into it
	pending  []byte // unread bytes of the current block
	block    uint16 // number of the block in pending (or last acknowledged)
	acked    bool   // whether block has been acknowledged
	last     bool   // the current block is the final (short) one
	received int64  // payload bytes received from the network
	out      []byte // last packet sent, for retransmission
	err      error  // sticky error
	done     bool
	once     sync.Once
}

// Size returns the file size the server announced with tsize, or -1.
func (t *Transfer) Size() int64 { return t.size }

// BlockSize returns the negotiated block size.
func (t *Transfer) BlockSize() int { return t.blksize }

// Received returns how many payload bytes came over the network so far
// (whole blocks, possibly more than were read).
func (t *Transfer) Received() int64 { return t.received }

func (t *Transfer) request(filename string) error {
	req := Packet{Op: OpRRQ, Filename: filename, Mode: "octet"}
	if !t.c.NoOptions {
		secs := int(t.c.timeout().Round(time.Second) / time.Second)
		secs = max(1, min(255, secs))
		req.Options = []Option{
			{OptBlksize, strconv.Itoa(t.c.blockSize())},
			{OptTsize, "0"},
			{OptTimeout, strconv.Itoa(secs)},
		}
	}
	initial := t.server
	for attempt := 0; ; attempt++ {
		t.server = initial
		t.out = req.Append(t.out[:0])
		p, err := t.exchange(true)
		if err != nil {
			return err
		}
		switch p.Op {
		case OpOACK:
			if err := t.acceptOptions(&p); err != nil {
				t.sendError(ErrOptionNegotiation, err.Error())
				return err
			}
			// ACK 0 starts the data (RFC 2347).
			t.block, t.acked = 0, false
			return nil
		case OpDATA:
			// The server ignored the options: plain RFC 1350, 512-byte blocks.
			t.blksize = DefaultBlockSize
			if p.Block != 1 {
				return fmt.Errorf("%w: first DATA block is %d", ErrProtocol, p.Block)
			}
			return t.take(&p)
		case OpERROR:
			rerr := &RemoteError{Code: p.Code, Message: p.Message}
			if p.Code == ErrOptionNegotiation && len(req.Options) > 0 && attempt == 0 {
				// A server that refuses options gets a plain request.
				req.Options = nil
				continue
			}
			return rerr
		default:
			return fmt.Errorf("%w: %s in answer to RRQ", ErrProtocol, p.Op)
		}
	}
}

func (t *Transfer) acceptOptions(p *Packet) error {
	for _, o := range p.Options {
		switch o.Name {
		case OptBlksize:
			n, err := strconv.Atoi(o.Value)
			if err != nil || n < MinBlockSize || n > t.c.blockSize() {
				return fmt.Errorf("%w: server blksize %q (asked %d)", ErrProtocol, o.Value, t.c.blockSize())
			}
			t.blksize = n
		case OptTsize:
			n, err := strconv.ParseInt(o.Value, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: server tsize %q", ErrProtocol, o.Value)
			}
			t.size = n
			if t.c.MaxSize > 0 && n > t.c.MaxSize {
				return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, t.c.MaxSize)
			}
		case OptTimeout:
			// The server's retransmission time; ours is configured.
		default:
			return fmt.Errorf("%w: option %q was not requested", ErrProtocol, o.Name)
		}
	}
	return nil
}

// exchange sends t.out and waits for a packet from the server, retransmitting
// on silence. first: the server's transfer id is not known yet and is taken
// from the first answer.
func (t *Transfer) exchange(first bool) (Packet, error) {
	tries := 0
	send := true
	for {
		if send {
			if _, err := t.conn.WriteToUDP(t.out, t.server); err != nil {
				return Packet{}, t.netErr(err)
			}
			send = false
		}
		t.conn.SetReadDeadline(time.Now().Add(t.c.timeout()))
		n, from, err := t.conn.ReadFromUDP(t.buf)
		if err != nil {
			if cerr := t.ctx.Err(); cerr != nil {
				return Packet{}, fmt.Errorf("tftp: %w", cerr)
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				tries++
				if tries > t.c.retries() {
					return Packet{}, fmt.Errorf("%w: no answer from %s after %d tries", ErrTimeout, t.server, tries)
				}
				send = true
				continue
			}
			return Packet{}, t.netErr(err)
		}
		if !from.IP.Equal(t.server.IP) || (!first && from.Port != t.server.Port) {
			// A packet from another transfer: tell it and carry on (RFC 1350 §4).
			if from.IP.Equal(t.server.IP) || !first {
				e := Packet{Op: OpERROR, Code: ErrUnknownTID, Message: "unknown transfer id"}
				t.conn.WriteToUDP(e.Append(nil), from)
			}
			continue
		}
		p, err := Parse(t.buf[:n])
		if err != nil {
			continue // a damaged datagram is as good as a lost one
		}
		if first {
			t.server = from
		}
		return p, nil
	}
}

func (t *Transfer) netErr(err error) error {
	if cerr := t.ctx.Err(); cerr != nil {
		return fmt.Errorf("tftp: %w", cerr)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return fmt.Errorf("tftp: %w", err)
}

// take accepts DATA block p as the current block.
func (t *Transfer) take(p *Packet) error {
	if len(p.Data) > t.blksize {
		return fmt.Errorf("%w: block %d has %d bytes, block size %d", ErrProtocol, p.Block, len(p.Data), t.blksize)
	}
	t.received += int64(len(p.Data))
	if t.c.MaxSize > 0 && t.received > t.c.MaxSize {
		t.sendError(ErrDiskFull, "file too large")
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, t.c.MaxSize)
	}
	t.block = p.Block
	t.acked = false
	// Copy: the receive buffer is reused for the next datagram.
	t.blockBuf = append(t.blockBuf[:0], p.Data...)
	t.pending = t.blockBuf
	if len(p.Data) < t.blksize {
		// The final block: acknowledge at once so the server can finish
		// (RFC 1350 §6), even if the reader stops here.
		t.last = true
		t.ack()
	}
	return nil
}

func (t *Transfer) ack() {
	a := Packet{Op: OpACK, Block: t.block}
	t.out = a.Append(t.out[:0])
	t.conn.WriteToUDP(t.out, t.server)
	t.acked = true
}

// next acknowledges the current block and waits for the following one.
func (t *Transfer) next() error {
	want := t.block + 1
	a := Packet{Op: OpACK, Block: t.block}
	t.out = a.Append(t.out[:0])
	t.acked = true
	resend := true
	for {
		var p Packet
		var err error
		if resend {
			p, err = t.exchange(false)
		} else {
			p, err = t.wait()
		}
		if err != nil {
			return err
		}
		switch p.Op {
		case OpDATA:
			switch {
			case p.Block == want || (want == 0 && p.Block == 1):
				// want == 0 after block 65535: servers roll over to 0
				// (tftpd-hpa) or to 1.
				return t.take(&p)
			case p.Block == t.block:
				// Our ACK was lost and the server repeated the block.
				resend = true
			default:
				// Out of order or stale: ignore, keep waiting.
				resend = false
			}
		case OpERROR:
			return &RemoteError{Code: p.Code, Message: p.Message}
		case OpOACK:
			// A repeated OACK: our ACK 0 was lost.
			if t.block == 0 {
				resend = true
				continue
			}
			return fmt.Errorf("%w: OACK during the transfer", ErrProtocol)
		default:
			return fmt.Errorf("%w: %s during the transfer", ErrProtocol, p.Op)
		}
	}
}

// wait reads the next packet without sending, sharing exchange's
// retransmission budget through a resend on time-out.
func (t *Transfer) wait() (Packet, error) {
	t.conn.SetReadDeadline(time.Now().Add(t.c.timeout()))
	for {
		n, from, err := t.conn.ReadFromUDP(t.buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() && t.ctx.Err() == nil {
				return t.exchange(false)
			}
			return Packet{}, t.netErr(err)
		}
		if !from.IP.Equal(t.server.IP) || from.Port != t.server.Port {
			e := Packet{Op: OpERROR, Code: ErrUnknownTID, Message: "unknown transfer id"}
			t.conn.WriteToUDP(e.Append(nil), from)
			continue
		}
		p, err := Parse(t.buf[:n])
		if err != nil {
			continue
		}
		return p, nil
	}
}

// Read reads file data. It returns io.EOF after the final block.
func (t *Transfer) Read(b []byte) (int, error) {
	for len(t.pending) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		if t.last {
			t.finish()
			return 0, io.EOF
		}
		if err := t.next(); err != nil {
			t.abort(err)
			return 0, err
		}
	}
	n := copy(b, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// Close ends the transfer. Before the final block it sends an ERROR packet
// so that the server stops sending (a header-only read).
func (t *Transfer) Close() error {
	if !t.done && !t.last && t.err == nil {
		t.sendError(ErrUndefined, "transfer cancelled by the client")
	}
	t.finish()
	return nil
}

func (t *Transfer) sendError(code ErrorCode, msg string) {
	e := Packet{Op: OpERROR, Code: code, Message: msg}
	t.conn.WriteToUDP(e.Append(nil), t.server)
}

func (t *Transfer) abort(err error) {
	if t.err == nil {
		t.err = err
	}
	var re *RemoteError
	if !errors.As(err, &re) && !errors.Is(err, ErrTooLarge) && t.ctx.Err() == nil && t.server != nil {
		// Tell the server, unless it was the one that gave up.
		t.sendError(ErrUndefined, "transfer aborted")
	}
	t.finish()
}

func (t *Transfer) finish() {
	t.once.Do(func() {
		t.done = true
		t.stop()
		t.conn.Close()
	})
}
