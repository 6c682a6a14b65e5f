package cli

import (
	"net"
	"sync"
)

// Telnet commands and options (RFC 854, 857 ECHO, 858 SUPPRESS-GO-AHEAD,
// 1073 NAWS).
const (
	tnIAC  = 255
	tnDONT = 254
	tnDO   = 253
	tnWONT = 252
	tnWILL = 251
	tnSB   = 250
	tnSE   = 240

	optEcho = 1
	optSGA  = 3
	optNAWS = 31
)

// telnetOffer is what the phone sends first: it will echo and suppress
// go-ahead (character-at-a-time with server echo, as term needs), and asks
// the client for its window size.
var telnetOffer = []byte{tnIAC, tnWILL, optEcho, tnIAC, tnWILL, optSGA, tnIAC, tnDO, optSGA, tnIAC, tnDO, optNAWS}

// telnetDecoder strips Telnet commands from a byte stream, answers option
// requests and reports window sizes. It keeps state across calls, so a
// command split between two reads is still understood.
type telnetDecoder struct {
	state  int
	verb   byte
	sbOpt  byte
	sb     []byte
	lastCR bool
	// answered records which refusals were sent, so that a client repeating
	// a request does not start a loop (RFC 854: never answer a request for a
	// state the option is already in).
	answered map[[2]byte]bool
}

const (
	tsData = iota
	tsIAC
	tsOpt   // after WILL/WONT/DO/DONT
	tsSB    // inside a subnegotiation
	tsSBIAC // IAC inside a subnegotiation
)

// maxSB bounds a subnegotiation; a longer one is dropped.
const maxSB = 64

// decode returns the data bytes of in (CR LF, CR NUL and lone LF become
// CR, the Enter key; other NULs are dropped), the replies to send, and any window sizes reported
// (width, height pairs).
func (d *telnetDecoder) decode(in []byte) (data, replies []byte, sizes [][2]int) {
	for _, c := range in {
		switch d.state {
		case tsData:
			if c == tnIAC {
				d.state = tsIAC
				continue
			}
			if c == 0 || (d.lastCR && c == '\n') {
				// NUL is the NVT's no-operation; CR LF and CR NUL are one Enter.
				d.lastCR = false
				continue
			}
			d.lastCR = c == '\r'
			if c == '\n' {
				c = '\r'
			}
			data = append(data, c)
		case tsIAC:
			switch c {
			case tnIAC:
				data = append(data, tnIAC)
				d.lastCR = false
				d.state = tsData
			case tnWILL, tnWONT, tnDO, tnDONT:
				d.verb = c
				d.state = tsOpt
			case tnSB:
				d.sb = d.sb[:0]
				d.state = tsSB
				d.sbOpt = 0
			default: // NOP, GA, AYT, IP, ...: nothing to do
				d.state = tsData
			}
		case tsOpt:
			replies = append(replies, d.answer(d.verb, c)...)
			d.state = tsData
		case tsSB:
			if c == tnIAC {
				d.state = tsSBIAC
				continue
			}
			if len(d.sb) < maxSB {
				d.sb = append(d.sb, c)
			}
		case tsSBIAC:
			switch c {
			case tnSE:
				if len(d.sb) == 5 && d.sb[0] == optNAWS {
					w := int(d.sb[1])<<8 | int(d.sb[2])
					h := int(d.sb[3])<<8 | int(d.sb[4])
					sizes = append(sizes, [2]int{w, h})
				}
				d.state = tsData
			case tnIAC:
				if len(d.sb) < maxSB {
					d.sb = append(d.sb, tnIAC)
				}
				d.state = tsSB
			default:
				// A malformed subnegotiation: drop it and go back to data.
				d.state = tsData
			}
		}
	}
	return data, replies, sizes
}

// answer replies to one option request.
func (d *telnetDecoder) answer(verb, opt byte) []byte {
	switch verb {
	case tnDO:
		if opt == optEcho || opt == optSGA {
			return nil // we offered these
		}
		return d.once(tnWONT, opt)
	case tnWILL:
		if opt == optNAWS || opt == optSGA {
			return nil // we asked for these
		}
		return d.once(tnDONT, opt)
	}
	// WONT and DONT need no answer from a side that does not have the
	// option on; for ECHO/SGA the client loses nothing we rely on.
	return nil
}

func (d *telnetDecoder) once(verb, opt byte) []byte {
	if d.answered == nil {
		d.answered = map[[2]byte]bool{}
	}
	k := [2]byte{verb, opt}
	if d.answered[k] {
		return nil
	}
	d.answered[k] = true
	return []byte{tnIAC, verb, opt}
}

// telnetConn is a Telnet session as a plain byte stream for term.Terminal.
type telnetConn struct {
	conn     net.Conn
	dec      telnetDecoder
	pending  []byte
	buf      []byte
	onResize func(w, h int)
	wmu      sync.Mutex // serialises writes (replies from Read, output from Write)
}

func newTelnetConn(c net.Conn) *telnetConn {
	return &telnetConn{conn: c, buf: make([]byte, 512)}
}

func (t *telnetConn) negotiate() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := t.conn.Write(telnetOffer)
	return err
}

func (t *telnetConn) Read(p []byte) (int, error) {
	for len(t.pending) == 0 {
		n, err := t.conn.Read(t.buf)
		if n > 0 {
			data, replies, sizes := t.dec.decode(t.buf[:n])
			if len(replies) > 0 {
				t.wmu.Lock()
				_, werr := t.conn.Write(replies)
				t.wmu.Unlock()
				if werr != nil {
					return 0, werr
				}
			}
			for _, s := range sizes {
				if t.onResize != nil && s[0] > 0 && s[1] > 0 {
					t.onResize(s[0], s[1])
				}
			}
			t.pending = append(t.pending, data...)
		}
		if err != nil && len(t.pending) == 0 {
			return 0, err
		}
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// Write sends data, doubling IAC bytes.
func (t *telnetConn) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+8)
	for _, c := range p {
		if c == tnIAC {
			out = append(out, tnIAC)
		}
		out = append(out, c)
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if _, err := t.conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
