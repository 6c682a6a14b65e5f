//go:build linux

package dot1x

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mdlayher/packet"

	"github.com/hdphone/hdphone/internal/packetsock"
)

// Supplicant authenticates the port and answers the authenticator's later
// re-authentications. Its socket belongs to the network namespace of the
// thread that called Open.
type Supplicant struct {
	cfg  Config
	log  *slog.Logger
	conn *packet.Conn

	tls    *eapTLS   // the EAP-TLS conversation under way, if any
	frames chan *EAP // EAP packets read by the reader goroutine
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// Open opens the supplicant's socket on cfg.Interface (CAP_NET_RAW).
func Open(cfg Config) (*Supplicant, error) {
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("dot1x: interface %s: %w", cfg.Interface, err)
	}
	c, err := packet.Listen(ifc, packet.Datagram, EtherType, nil)
	if err != nil {
		return nil, fmt.Errorf("dot1x: packet socket on %s (needs CAP_NET_RAW): %w", ifc.Name, err)
	}
	if err := c.JoinGroup(PAEGroup); err != nil {
		c.Close()
		return nil, fmt.Errorf("dot1x: join %s: %w", PAEGroup, err)
	}
	// Only the phone's own exchange: with the PC port bridging, the port is
	// promiscuous and carries the computer's EAP too.
	if err := c.SetBPF(packetsock.ForThisHost()); err != nil {
		c.Close()
		return nil, fmt.Errorf("dot1x: filter: %w", err)
	}
	s := &Supplicant{cfg: cfg, log: cfg.Logger, conn: c, frames: make(chan *EAP, 8), done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.wg.Go(s.read)
	return s, nil
}

func (s *Supplicant) read() {
	defer close(s.frames)
	buf := make([]byte, 1600)
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Debug("dot1x: read", "err", err)
			}
			return
		}
		typ, e, err := ParseEAPOL(buf[:n])
		if err != nil {
			s.log.Info("dot1x: frame ignored", "err", err)
			continue
		}
		if typ != TypeEAPPacket || e.Code == CodeResponse {
			continue // our own kind: Starts, Logoffs, responses
		}
		select {
		case s.frames <- e:
		case <-s.done:
			return
		}
	}
}

func (s *Supplicant) send(frame []byte) error {
	_, err := s.conn.WriteTo(frame, &packet.Addr{HardwareAddr: PAEGroup})
	return err
}

// Authenticate sends EAPOL-Start and runs the exchange until EAP-Success
// (nil), EAP-Failure (ErrRejected) or silence after every try
// (ErrNoAuthenticator).
func (s *Supplicant) Authenticate(ctx context.Context) error {
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	tries := s.cfg.Tries
	if tries <= 0 {
		tries = 3
	}
	for try := 0; try < tries; try++ {
		if err := s.send(StartFrame()); err != nil {
			return fmt.Errorf("dot1x: send EAPOL-Start: %w", err)
		}
		t := time.NewTimer(timeout)
		err := s.exchange(ctx, t.C)
		t.Stop()
		if !errors.Is(err, ErrNoAuthenticator) {
			return err
		}
	}
	return ErrNoAuthenticator
}

// exchange answers requests until Success, Failure, ctx's end or, before
// any request came, silence until quiet fires. Once the authenticator has
// spoken, silence longer than verdictWait ends the exchange too.
func (s *Supplicant) exchange(ctx context.Context, quiet <-chan time.Time) error {
	var stalled <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-quiet:
			return ErrNoAuthenticator
		case <-stalled:
			return ErrNoVerdict
		case e, ok := <-s.frames:
			if !ok {
				return net.ErrClosed
			}
			switch e.Code {
			case CodeSuccess:
				return nil
			case CodeFailure:
				if s.tls != nil && s.tls.err != nil {
					// Our side ended it: the server's certificate, say.
					return fmt.Errorf("%w after our TLS failed: %w", ErrRejected, s.tls.err)
				}
				return ErrRejected
			}
			resp, ok, err := s.answer(*e)
			if err != nil {
				return err
			}
			if !ok {
				s.log.Info("dot1x: request not answered", "method", e.Method)
				continue
			}
			if err := s.send(EAPFrame(resp)); err != nil {
				return fmt.Errorf("dot1x: send: %w", err)
			}
			quiet = nil // the authenticator is there: wait for its verdict
			stalled = time.After(verdictWait)
		}
	}
}

// answer is the response to a request: Answer's for EAP-MD5; with EAP-TLS
// configured, the identity, the next step of the TLS conversation, or a
// NAK proposing TLS.
func (s *Supplicant) answer(req EAP) (EAP, bool, error) {
	if s.cfg.TLS == nil {
		resp, ok := Answer(req, s.cfg.Identity, s.cfg.Password)
		return resp, ok, nil
	}
	resp := EAP{Code: CodeResponse, ID: req.ID}
	switch req.Method {
	case MethodIdentity:
		resp.Method, resp.Data = MethodIdentity, []byte(s.cfg.Identity)
	case MethodTLS:
		if len(req.Data) > 0 && req.Data[0]&tlsFlagStart != 0 {
			if s.tls != nil {
				s.tls.close()
			}
			conf := s.cfg.TLS.Clone()
			conf.MaxVersion = tls.VersionTLS12 // RFC 5216's EAP-TLS
			s.tls = startTLS(conf, s.cfg.TLSFragment)
		}
		if s.tls == nil {
			return EAP{}, false, nil // a TLS packet outside a conversation
		}
		data, err := s.tls.request(req.Data)
		if err != nil {
			return EAP{}, false, err
		}
		resp.Method, resp.Data = MethodTLS, data
	default:
		resp.Method, resp.Data = MethodNAK, []byte{MethodTLS}
	}
	return resp, true, nil
}

// verdictWait bounds the authenticator's silence in the middle of an
// exchange (its own retransmission timers are a few seconds).
const verdictWait = 30 * time.Second

// Run answers the authenticator's re-authentications until ctx ends, then
// closes the supplicant; result gets each verdict. (It sends no Logoff: the
// cycle ends when the phone loses power or restarts, and the switch sees
// the link go down.)
func (s *Supplicant) Run(ctx context.Context, result func(error)) {
	defer s.Close()
	for {
		err := s.exchange(ctx, nil)
		if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return
		}
		if result != nil {
			result(err)
		}
	}
}

// Close closes the socket and waits for the reader.
func (s *Supplicant) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.conn.Close()
	})
	if s.tls != nil {
		s.tls.close()
	}
	s.wg.Wait()
	return nil
}
