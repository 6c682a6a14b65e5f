package dot1x

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// EAP-TLS (RFC 5216): the TLS handshake travels in EAP-TLS packets, a flags
// byte (length included, more fragments, start) before the TLS records. The
// authenticator starts; each side's flight may be cut into fragments, each
// acknowledged by an empty packet from the other side.
const (
	tlsFlagLength = 0x80
	tlsFlagMore   = 0x40
	tlsFlagStart  = 0x20

	// tlsFragment is the most TLS data one packet carries by default (well
	// inside an Ethernet frame, as supplicants do).
	tlsFragment = 1000
	// maxTLSMessage bounds a reassembled flight from the server.
	maxTLSMessage = 64 << 10
)

// eapTLS is one EAP-TLS conversation: a crypto/tls client handshaking over
// a pipe that the EAP exchange feeds and drains.
type eapTLS struct {
	pipe *tlsPipe
	frag int        // the most TLS data per packet
	done chan error // the handshake's result, once

	inbound  bytes.Buffer // the server's flight being reassembled
	outbound []byte       // our flight still to send
	ready    bool         // the handshake waits for the server's next flight
	finished bool         // the handshake is over; err is its result
	err      error        // why our side failed, told with the server's verdict
}

// startTLS begins the client side of the handshake with conf, sending at
// most frag bytes of TLS per packet (0: tlsFragment).
func startTLS(conf *tls.Config, frag int) *eapTLS {
	if frag <= 0 {
		frag = tlsFragment
	}
	e := &eapTLS{pipe: newTLSPipe(), done: make(chan error, 1), frag: frag}
	c := tls.Client(e.pipe, conf)
	go func() { e.done <- c.Handshake() }()
	return e
}

// request handles one EAP-TLS request's payload (flags and data) and
// returns the payload of the response.
func (e *eapTLS) request(p []byte) ([]byte, error) {
	if len(p) < 1 {
		return nil, fmt.Errorf("%w: EAP-TLS without flags", ErrFrame)
	}
	flags, data := p[0], p[1:]
	if flags&tlsFlagLength != 0 {
		if len(data) < 4 {
			return nil, fmt.Errorf("%w: EAP-TLS length field", ErrFrame)
		}
		data = data[4:]
	}
	switch {
	case flags&tlsFlagStart != 0:
		// Our first flight (ClientHello): the handshake has begun.
		return e.flight(nil)
	case len(data) == 0 && len(e.outbound) > 0:
		// The server acknowledged a fragment of ours: the next one.
		return e.nextFragment(), nil
	}
	if e.inbound.Len()+len(data) > maxTLSMessage {
		return nil, fmt.Errorf("%w: EAP-TLS message over %d bytes", ErrFrame, maxTLSMessage)
	}
	e.inbound.Write(data)
	if flags&tlsFlagMore != 0 {
		return []byte{0}, nil // acknowledge; more is coming
	}
	msg := bytes.Clone(e.inbound.Bytes())
	e.inbound.Reset()
	return e.flight(msg)
}

// flight gives the handshake the server's flight (nil to start) and
// returns the first fragment of our answer, or an empty acknowledgement
// when the handshake has nothing more to say.
func (e *eapTLS) flight(msg []byte) ([]byte, error) {
	if msg != nil {
		// Input goes in only while the handshake waits for it (a server
		// that skipped the start still gets an answer, not a deadlock).
		if err := e.untilWaiting(); err != nil {
			return nil, err
		}
		if !e.finished {
			e.pipe.feed(msg)
			e.ready = false
		}
	}
	if err := e.untilWaiting(); err != nil {
		return nil, err
	}
	// When our side failed (the server's certificate, its alert), what TLS
	// wrote is its alert: sent like any flight, it has the server end the
	// conversation with EAP-Failure.
	e.outbound = e.pipe.drain()
	if len(e.outbound) == 0 {
		return []byte{0}, nil
	}
	total := len(e.outbound)
	frag := e.nextFragment()
	if frag[0]&tlsFlagMore != 0 {
		// The first of several carries the whole length.
		frag = append([]byte{frag[0] | tlsFlagLength, byte(total >> 24), byte(total >> 16), byte(total >> 8), byte(total)}, frag[1:]...)
	}
	return frag, nil
}

// untilWaiting waits until the handshake needs input or has ended.
func (e *eapTLS) untilWaiting() error {
	if e.ready || e.finished {
		return nil
	}
	select {
	case <-e.pipe.waiting:
		e.ready = true
	case err := <-e.done:
		e.finished, e.err = true, err
	case <-time.After(10 * time.Second):
		return errors.New("dot1x: TLS handshake stalled")
	}
	return nil
}

func (e *eapTLS) nextFragment() []byte {
	n := min(len(e.outbound), e.frag)
	flags := byte(0)
	if n < len(e.outbound) {
		flags = tlsFlagMore
	}
	frag := append([]byte{flags}, e.outbound[:n]...)
	e.outbound = e.outbound[n:]
	return frag
}

// close ends the conversation: a handshake still waiting for input gets
// EOF and returns.
func (e *eapTLS) close() { e.pipe.close() }

// tlsPipe is the net.Conn the TLS client runs over: Write collects its
// flight, Read waits for the server's, telling the EAP side through
// waiting that it needs one.
type tlsPipe struct {
	mu      sync.Mutex
	out     []byte
	in      []byte
	input   chan []byte
	waiting chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func newTLSPipe() *tlsPipe {
	return &tlsPipe{input: make(chan []byte), waiting: make(chan struct{}), closed: make(chan struct{})}
}

func (p *tlsPipe) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		select {
		case p.waiting <- struct{}{}:
		case <-p.closed:
			return 0, io.EOF
		}
		select {
		case data := <-p.input:
			p.in = data
		case <-p.closed:
			return 0, io.EOF
		}
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

func (p *tlsPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.out = append(p.out, b...)
	p.mu.Unlock()
	return len(b), nil
}

func (p *tlsPipe) feed(msg []byte) {
	select {
	case p.input <- msg:
	case <-p.closed:
	}
}

func (p *tlsPipe) drain() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.out
	p.out = nil
	return out
}

func (p *tlsPipe) close() { p.once.Do(func() { close(p.closed) }) }

func (p *tlsPipe) Close() error                     { p.close(); return nil }
func (p *tlsPipe) LocalAddr() net.Addr              { return eapAddr{} }
func (p *tlsPipe) RemoteAddr() net.Addr             { return eapAddr{} }
func (p *tlsPipe) SetDeadline(time.Time) error      { return nil }
func (p *tlsPipe) SetReadDeadline(time.Time) error  { return nil }
func (p *tlsPipe) SetWriteDeadline(time.Time) error { return nil }

type eapAddr struct{}

func (eapAddr) Network() string { return "eap" }
func (eapAddr) String() string  { return "eap" }
