package device

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

// callMedia is a call's audio as the call manager drives it: SDP in and out,
// DTMF, mute, and the negotiated result.
type callMedia interface {
	// Offer returns an SDP offer (hold: sendonly).
	Offer(hold bool) ([]byte, error)
	// Answer negotiates the far end's offer and returns the answer.
	Answer(offer []byte, hold bool) ([]byte, error)
	// Accept applies the far end's answer to the last offer.
	Accept(answer []byte) error
	// Codec is the negotiated codec's SDP name, "" before negotiation.
	Codec() string
	// RemoteHeld reports whether the far end's last SDP holds the call.
	RemoteHeld() bool
	// SendDTMF sends one RFC 4733 digit; an error means it was not
	// negotiated (the caller falls back to SIP INFO).
	SendDTMF(digit rune, d time.Duration) error
	SetMute(on bool)
	Close()
}

// AudioRate is the sample rate of the phone's own audio path (microphone,
// speaker): wideband, as an HD phone's; the media engine converts to and from
// each codec's rate.
const AudioRate = 16000

// AudioFunc gives a call its microphone and speaker: the PCM the phone sends
// and where what it receives goes, both at AudioRate. Either may be nil
// (silence; discard).
type AudioFunc func(call Call) (media.Source, media.Sink)

// phoneMedia is the media engine of one power cycle and what calls need to
// make sessions on it.
type phoneMedia struct {
	settings media.Settings
	codecs   []sdp.Codec
	registry *codec.Registry

	// make makes the engine, the first time a call or a page needs it (a
	// fleet's idle phones have none); nil when it was made at once.
	make func() (*media.Engine, error)

	mu     sync.Mutex // guards engine and closed
	engine *media.Engine
	closed bool
}

// get returns the cycle's engine, making it on first use.
func (pm *phoneMedia) get() (*media.Engine, error) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	switch {
	case pm.closed:
		return nil, errNoMedia
	case pm.engine == nil && pm.make != nil:
		e, err := pm.make()
		if err != nil {
			return nil, fmt.Errorf("device: media engine: %w", err)
		}
		pm.engine = e
	}
	return pm.engine, nil
}

// close closes the engine, if it was made, with the cycle.
func (pm *phoneMedia) close() {
	pm.mu.Lock()
	e := pm.engine
	pm.closed = true
	pm.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// sessionMedia is a call's media over an engine session.
type sessionMedia struct {
	sess   *media.Session
	local  sdp.Local
	result sdp.Result
	nego   bool
	// src and sink are the call's own microphone and speaker (the
	// conference bridge wraps them).
	src  media.Source
	sink media.Sink
}

// newMedia makes the media of call r on the cycle's engine.
func (p *Phone) newMedia(s *state, r *callRec) (callMedia, error) {
	pm := s.media
	if pm == nil {
		return nil, errNoMedia
	}
	if len(pm.codecs) == 0 {
		return nil, fmt.Errorf("device: no enabled codec that this build supports")
	}
	cfg := media.SessionConfig{Codecs: pm.registry.Codecs(), Name: r.view.ID, AudioRate: AudioRate,
		Muted: !pm.settings.Microphone || s.calls.muted}
	if p.cfg.Audio != nil {
		cfg.Source, cfg.Sink = p.cfg.Audio(r.view)
		if p.cfg.LocalTones && cfg.Sink != nil {
			// The phone's own sounds and a call share the speaker (see
			// callSpeaker): the call gives way to ringback, and the
			// call-waiting tone is mixed into it.
			cfg.Sink = &callSpeaker{sink: cfg.Sink, p: p, call: r.view.ID}
		}
	}
	if r.view.Discreet {
		// A discreet call is one way: the caller plays nothing, the called
		// phone sends nothing (manual §3.3.1.3).
		if r.view.Direction == Outgoing {
			cfg.Sink = nil
		} else {
			cfg.Muted = true
		}
	}
	engine, err := pm.get()
	if err != nil {
		return nil, err
	}
	sess, err := engine.NewSession(cfg)
	if err != nil {
		return nil, fmt.Errorf("device: media session: %w", err)
	}
	local := sdp.Local{
		Addr:     sess.LocalAddr().Addr(),
		Port:     int(sess.LocalAddr().Port()),
		RTCPPort: int(sess.LocalRTCP().Port()),
		Codecs:   pm.codecs,
		Security: pm.settings.Security,
	}
	if local.Security != sdp.SecurityNone {
		if local.Crypto, err = sdp.DefaultCrypto(); err != nil {
			sess.Close()
			return nil, fmt.Errorf("device: SRTP keys: %w", err)
		}
	}
	p.pumpMediaEvents(s, r.view.ID, sess)
	return &sessionMedia{sess: sess, local: local, src: cfg.Source, sink: cfg.Sink}, nil
}

// pumpMediaEvents reports the digits the far end sends in the media (RFC
// 4733 telephone-events) as phone events, as SIP INFO digits are, until the
// session closes.
func (p *Phone) pumpMediaEvents(s *state, id string, sess *media.Session) {
	p.async(s, func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sess.Events():
				if !ok {
					return
				}
				if ev.Kind == media.EventDTMF {
					p.post(ctx, func(s *state) {
						p.emit(Event{Kind: EventDTMF, Stage: s.Stage, Text: fmt.Sprintf("%s %c", id, ev.Digit)})
					})
				}
			}
		}
	})
}

func direction(hold bool) sdp.Direction {
	if hold {
		return sdp.SendOnly
	}
	return sdp.SendRecv
}

func (m *sessionMedia) Offer(hold bool) ([]byte, error) {
	m.local.Direction = direction(hold)
	m.local.Origin.Version++
	return sdp.Offer(m.local)
}

func (m *sessionMedia) Answer(offer []byte, hold bool) ([]byte, error) {
	m.local.Direction = direction(hold)
	m.local.Origin.Version++
	ans, res, err := sdp.Answer(m.local, offer)
	if err != nil {
		return nil, err
	}
	return ans, m.start(res)
}

func (m *sessionMedia) Accept(answer []byte) error {
	res, err := sdp.Negotiate(m.local, answer)
	if err != nil {
		return err
	}
	return m.start(res)
}

func (m *sessionMedia) start(res sdp.Result) error {
	m.result, m.nego = res, true
	return m.sess.Start(res)
}

func (m *sessionMedia) Codec() string {
	if !m.nego {
		return ""
	}
	return m.result.Codec.Name
}

// RemoteHeld: the negotiated direction is the phone's own, so a far end that
// holds leaves the phone receive-only or inactive.
func (m *sessionMedia) RemoteHeld() bool {
	return m.nego && (m.result.Direction == sdp.RecvOnly || m.result.Direction == sdp.Inactive)
}

func (m *sessionMedia) SendDTMF(d rune, dur time.Duration) error { return m.sess.SendDTMF(d, dur) }
func (m *sessionMedia) SetMute(on bool)                          { m.sess.SetMuted(on) }
func (m *sessionMedia) Close()                                   { m.sess.Close() }
