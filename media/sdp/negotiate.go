package sdp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/media/codec"
)

// Defaults of the phone's own descriptions.
const (
	// DefaultUsername and DefaultSessionName fill o= and s= of the phone's
	// descriptions, in the form AudioCodes devices write them.
	DefaultUsername    = "AudiocodesUA"
	DefaultSessionName = "Phone-Call"
	// DefaultPtime is the packet time when neither the codec entry nor the
	// Local sets one (voip/codec/codec_info/{n}/ptime default).
	DefaultPtime = 20
	// DefaultDTMFPayloadType is the telephone-event payload type the phone
	// offers.
	DefaultDTMFPayloadType = 101
	// CNPayloadType is the static comfort-noise payload type (RFC 3389).
	CNPayloadType = 13
)

// Codec is one codec the phone can offer, in the form SDP needs.
type Codec struct {
	// Name is the SDP encoding name: PCMU, PCMA, G722, G729.
	Name string
	// PayloadType is the static payload type, or -1 for a dynamic one (the
	// offer then numbers it from 96 up).
	PayloadType int
	ClockRate   int
	Channels    int
	// Params is an fmtp value to offer ("" for none).
	Params string
	// Ptime is this entry's packet time in ms (codec_info/{n}/ptime); 0
	// means Local.Ptime.
	Ptime int
}

// FromCodec describes a codec of the registry for SDP, with the ptime of its
// codec_info entry.
func FromCodec(c codec.Codec, ptime int) Codec {
	return Codec{Name: c.Name(), PayloadType: c.PayloadType(), ClockRate: c.ClockRate(), Ptime: ptime}
}

func (c Codec) matches(f Format) bool {
	if !f.Is(c.Name, c.ClockRate) {
		return false
	}
	ch := max(c.Channels, 1)
	return max(f.Channels, 1) == ch
}

// Local is this phone's side of a negotiation. The zero value of every
// field except Addr, Port and Codecs works.
type Local struct {
	// Origin fills o=; an empty Username means DefaultUsername and an
	// invalid Addr means Addr. Bump Version for every changed offer.
	Origin Origin
	// SessionName fills s=; "" means DefaultSessionName.
	SessionName string
	// Addr is the address RTP is received on (c=).
	Addr netip.Addr
	// Port is the RTP port; RTCPPort the RTCP port, 0 meaning Port+1.
	Port     int
	RTCPPort int
	// Codecs is the priority list: codec_info entries that are enabled and
	// that the codec registry really has, index 0 first.
	Codecs []Codec
	// Ptime is the packet time of entries that do not set one; 0 means 20.
	Ptime int
	// DTMFPayloadType is the telephone-event payload type offered; 0 means
	// 101 and a negative value leaves RFC 4733 out.
	DTMFPayloadType int
	// ComfortNoise offers and accepts CN/8000 (RFC 3389).
	ComfortNoise bool
	// Direction is sendrecv, or sendonly/inactive to hold the far end.
	Direction Direction
	// Security is the SRTP policy (voip/media/srtp/mode).
	Security Security
	// Crypto are the phone's keys, one per suite it offers, in preference
	// order; required unless Security is SecurityNone (see DefaultCrypto).
	Crypto []Crypto
}

func (l *Local) check() error {
	if !l.Addr.IsValid() {
		return fmt.Errorf("%w: no address", ErrBadLocal)
	}
	if l.Port <= 0 || l.Port > 65535 {
		return fmt.Errorf("%w: bad RTP port %d", ErrBadLocal, l.Port)
	}
	if len(l.Codecs) == 0 {
		return fmt.Errorf("%w: no codec is enabled and available", ErrBadLocal)
	}
	if l.Security != SecurityNone && len(l.Crypto) == 0 {
		return fmt.Errorf("%w: %s needs crypto keys", ErrBadLocal, l.Security)
	}
	for _, c := range l.Crypto {
		if n := KeyLen(c.Suite); n == 0 || len(c.Key) != n {
			return fmt.Errorf("%w: crypto %d %s has a %d-byte key", ErrBadLocal, c.Tag, c.Suite, len(c.Key))
		}
	}
	return nil
}

func (l *Local) dtmfPT() int {
	switch {
	case l.DTMFPayloadType < 0:
		return -1
	case l.DTMFPayloadType == 0:
		return DefaultDTMFPayloadType
	}
	return l.DTMFPayloadType
}

func (l *Local) rtcpPort() int {
	if l.RTCPPort != 0 {
		return l.RTCPPort
	}
	return l.Port + 1
}

func (l *Local) ptimeOf(c Codec) int {
	switch {
	case c.Ptime > 0:
		return c.Ptime
	case l.Ptime > 0:
		return l.Ptime
	}
	return DefaultPtime
}

// offerFormats numbers the local codecs the way the offer writes them:
// static payload types as they are, dynamic ones from 96 up, skipping the
// telephone-event type.
func (l *Local) offerFormats() []Format {
	next := 96
	dtmf := l.dtmfPT()
	var out []Format
	for _, c := range l.Codecs {
		pt := c.PayloadType
		if pt < 0 || pt > 127 {
			for next == dtmf {
				next++
			}
			pt = next
			next++
		}
		out = append(out, Format{PayloadType: uint8(pt), Name: c.Name, ClockRate: c.ClockRate, Channels: c.Channels, Params: c.Params})
	}
	return out
}

// SRTP is the keying of an encrypted stream.
type SRTP struct {
	Suite string
	// LocalKey protects what the phone sends; RemoteKey what it receives.
	// Each is the master key followed by the master salt.
	LocalKey  []byte
	RemoteKey []byte
}

// Result is a negotiated audio stream, the input of a media session.
type Result struct {
	// Codec is the codec the phone sends, with the payload type to write on
	// packets (the far end's number for it).
	Codec Format
	// Receive lists every agreed codec with the payload type the phone
	// receives it under (its own number), Codec's first.
	Receive []Format
	// Ptime is the packet time the phone sends with, in ms (the far end's
	// a=ptime when it states one).
	Ptime int
	// Remote is where RTP goes and RemoteRTCP where RTCP goes. Remote is
	// zero when the far end does not want media (port 0, hold with
	// c=0.0.0.0).
	Remote     netip.AddrPort
	RemoteRTCP netip.AddrPort
	// Direction is the phone's own: whether it sends and receives.
	Direction Direction
	// DTMFSend and DTMFRecv are the telephone-event payload types for
	// sending and receiving; -1 when RFC 4733 was not agreed.
	DTMFSend int
	DTMFRecv int
	// ComfortNoise: CN/8000 (payload type 13) was agreed.
	ComfortNoise bool
	// SRTP is nil for plain RTP.
	SRTP *SRTP
	// RemoteOrigin is the far end's o= line, to tell a changed offer from a
	// repeated one.
	RemoteOrigin Origin
}

// Offer builds the phone's offer.
func Offer(l Local) ([]byte, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	proto := "RTP/AVP"
	if l.Security == SecurityRequired {
		proto = "RTP/SAVP"
	}
	formats := l.offerFormats()
	ptime := l.ptimeOf(l.Codecs[0])
	var crypto []Crypto
	if l.Security != SecurityNone {
		crypto = l.Crypto
	}
	s := l.session(proto, formats, ptime, l.Direction, crypto, true)
	return s.Marshal(), nil
}

// session builds the phone's description of its stream. extras adds the
// telephone-event and CN formats of l (an offer lists what it supports).
func (l *Local) session(proto string, formats []Format, ptime int, dir Direction, crypto []Crypto, extras bool) *Session {
	if extras {
		if pt := l.dtmfPT(); pt >= 0 {
			formats = append(formats, Format{PayloadType: uint8(pt), Name: "telephone-event", ClockRate: 8000, Params: "0-15"})
		}
		if l.ComfortNoise {
			formats = append(formats, Format{PayloadType: CNPayloadType, Name: "CN", ClockRate: 8000})
		}
	}
	m := Media{Type: "audio", Port: l.Port, Proto: proto, Formats: formats, Addr: l.Addr}
	for _, f := range formats {
		m.Attributes = append(m.Attributes, Attribute{"rtpmap", f.rtpmap()})
		if f.Params != "" {
			m.Attributes = append(m.Attributes, Attribute{"fmtp", strconv.Itoa(int(f.PayloadType)) + " " + f.Params})
		}
	}
	m.Attributes = append(m.Attributes,
		Attribute{"ptime", strconv.Itoa(ptime)},
		Attribute{dir.String(), ""},
		Attribute{"rtcp", strconv.Itoa(l.rtcpPort())},
	)
	for _, c := range crypto {
		m.Attributes = append(m.Attributes, Attribute{"crypto", c.String()})
	}
	o := l.Origin
	if o.Username == "" {
		o.Username = DefaultUsername
	}
	if !o.Addr.IsValid() {
		o.Addr = l.Addr
	}
	name := l.SessionName
	if name == "" {
		name = DefaultSessionName
	}
	return &Session{Origin: o, Name: name, Addr: l.Addr, Media: []Media{m}}
}

// Answer reads a remote offer and returns the phone's answer and the
// negotiated stream. The answer has one m= line for each of the offer's, in
// order; streams other than the first usable audio one are refused with
// port 0. Of the codecs common to both sides the phone takes the one highest
// in its own priority list and answers with that codec alone (plus
// telephone-event and CN when agreed), keeping the offer's payload types.
func Answer(l Local, offer []byte) ([]byte, Result, error) {
	if err := l.check(); err != nil {
		return nil, Result{}, err
	}
	s, err := Parse(offer)
	if err != nil {
		return nil, Result{}, err
	}
	m, idx, err := s.Audio()
	if err != nil {
		return nil, Result{}, err
	}

	// The codec: the phone's priority decides.
	var chosen Format
	var local Codec
	found := false
	for _, c := range l.Codecs {
		for _, f := range m.Formats {
			if c.matches(f) {
				chosen, local, found = f, c, true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return nil, Result{}, fmt.Errorf("%w: the offer has %s, the phone has %s", ErrNoCommonCodec, formatNames(m.Formats), codecNames(l.Codecs))
	}

	sec, crypto, err := answerSecurity(l, m)
	if err != nil {
		return nil, Result{}, err
	}

	r := Result{Codec: chosen, Receive: []Format{chosen}, DTMFSend: -1, DTMFRecv: -1, RemoteOrigin: s.Origin}
	formats := []Format{chosen}
	if l.dtmfPT() >= 0 {
		if te, ok := findFormat(m.Formats, "telephone-event", 8000); ok {
			r.DTMFSend, r.DTMFRecv = int(te.PayloadType), int(te.PayloadType)
			formats = append(formats, te)
		}
	}
	if l.ComfortNoise {
		if cn, ok := findFormat(m.Formats, "CN", 8000); ok {
			r.ComfortNoise = true
			formats = append(formats, cn)
		}
	}
	r.Ptime = sendPtime(m, l.ptimeOf(local))
	remoteStream(&r, m)
	r.Direction = directionOf(
		l.Direction.Sends() && m.Direction.Receives() && r.Remote.IsValid(),
		l.Direction.Receives() && m.Direction.Sends())
	answerDir := directionOf(l.Direction.Sends() && m.Direction.Receives(), l.Direction.Receives() && m.Direction.Sends())
	if sec != nil {
		r.SRTP = sec
	}

	ans := l.session(m.Proto, formats, l.ptimeOf(local), answerDir, crypto, false)
	// Keep the offer's stream layout: refuse the others with port 0.
	media := make([]Media, len(s.Media))
	for i := range s.Media {
		if i == idx {
			media[i] = ans.Media[0]
			continue
		}
		o := s.Media[i]
		media[i] = Media{Type: o.Type, Port: 0, Proto: o.Proto, Fmt: o.Fmt}
		if len(media[i].Fmt) == 0 {
			media[i].Fmt = []string{"0"}
		}
	}
	ans.Media = media
	return ans.Marshal(), r, nil
}

// answerSecurity picks the keying for an answer: the first usable crypto
// line of the offer whose suite the phone has a key for.
func answerSecurity(l Local, m *Media) (*SRTP, []Crypto, error) {
	var pick *Crypto
	var mine Crypto
	if l.Security != SecurityNone {
		for i := range m.Crypto {
			if k, ok := localKey(l.Crypto, m.Crypto[i].Suite); ok {
				pick, mine = &m.Crypto[i], k
				break
			}
		}
	}
	switch {
	case pick != nil:
		mine.Tag = pick.Tag
		return &SRTP{Suite: pick.Suite, LocalKey: mine.Key, RemoteKey: pick.Key}, []Crypto{mine}, nil
	case m.Secure() && l.Security == SecurityNone:
		return nil, nil, fmt.Errorf("%w: the offer requires SRTP (%s) and the phone's srtp mode is %s", ErrSecurity, m.Proto, l.Security)
	case m.Secure():
		return nil, nil, fmt.Errorf("%w: no offered crypto suite is usable (%s)", ErrSecurity, cryptoSuites(m))
	case l.Security == SecurityRequired:
		return nil, nil, fmt.Errorf("%w: the phone requires SRTP and the offer has no usable key", ErrSecurity)
	}
	return nil, nil, nil
}

func localKey(keys []Crypto, suite string) (Crypto, bool) {
	for _, k := range keys {
		if k.Suite == suite {
			return k, true
		}
	}
	return Crypto{}, false
}

// Negotiate reads the far end's answer to an offer the phone built from l
// with Offer and returns the negotiated stream. The answerer's first codec
// that the phone offered is the one the phone sends.
func Negotiate(l Local, answer []byte) (Result, error) {
	if err := l.check(); err != nil {
		return Result{}, err
	}
	s, err := Parse(answer)
	if err != nil {
		return Result{}, err
	}
	m, _, err := s.Audio()
	if err != nil {
		return Result{}, err
	}
	offered := l.offerFormats()
	r := Result{DTMFSend: -1, DTMFRecv: -1, RemoteOrigin: s.Origin}
	var local Codec
	for _, f := range m.Formats {
		for i, c := range l.Codecs {
			if !c.matches(f) {
				continue
			}
			if len(r.Receive) == 0 {
				r.Codec, local = f, c
			}
			r.Receive = append(r.Receive, offered[i])
			break
		}
	}
	if len(r.Receive) == 0 {
		return Result{}, fmt.Errorf("%w: the answer has %s, the phone offered %s", ErrNoCommonCodec, formatNames(m.Formats), codecNames(l.Codecs))
	}
	if pt := l.dtmfPT(); pt >= 0 {
		if te, ok := findFormat(m.Formats, "telephone-event", 8000); ok {
			r.DTMFSend, r.DTMFRecv = int(te.PayloadType), pt
		}
	}
	if l.ComfortNoise {
		if _, ok := findFormat(m.Formats, "CN", 8000); ok {
			r.ComfortNoise = true
		}
	}

	// Keys: the answer names one of the offered tags.
	switch {
	case len(m.Crypto) > 0 && l.Security != SecurityNone:
		c := m.Crypto[0]
		var mine *Crypto
		for i := range l.Crypto {
			if l.Crypto[i].Tag == c.Tag && l.Crypto[i].Suite == c.Suite {
				mine = &l.Crypto[i]
			}
		}
		if mine == nil {
			return Result{}, fmt.Errorf("%w: the answer's crypto %d %s was not offered", ErrSecurity, c.Tag, c.Suite)
		}
		r.SRTP = &SRTP{Suite: c.Suite, LocalKey: mine.Key, RemoteKey: c.Key}
	case m.Secure():
		return Result{}, fmt.Errorf("%w: the answer is %s without a usable key", ErrSecurity, m.Proto)
	case l.Security == SecurityRequired:
		return Result{}, fmt.Errorf("%w: the phone requires SRTP and the answer has no key", ErrSecurity)
	}

	r.Ptime = sendPtime(m, l.ptimeOf(local))
	remoteStream(&r, m)
	r.Direction = directionOf(
		l.Direction.Sends() && m.Direction.Receives() && r.Remote.IsValid(),
		l.Direction.Receives() && m.Direction.Sends())
	return r, nil
}

// sendPtime is the packet time to send with: the far end's a=ptime, else the
// phone's, bounded by a=maxptime and rounded to the 10 ms steps the pacer
// runs at.
func sendPtime(m *Media, own int) int {
	p := own
	if m.Ptime > 0 {
		p = m.Ptime
	}
	if m.MaxPtime > 0 && p > m.MaxPtime {
		p = m.MaxPtime
	}
	p = (p + 5) / 10 * 10
	return min(max(p, 10), 120)
}

// remoteStream fills the RTP and RTCP destinations. A stream whose address is
// unspecified (0.0.0.0: the RFC 2543 hold) or whose port is 0 gets none.
func remoteStream(r *Result, m *Media) {
	if m.Port == 0 || !m.Addr.IsValid() || m.Addr.IsUnspecified() {
		return
	}
	r.Remote = netip.AddrPortFrom(m.Addr, uint16(m.Port))
	rtcpAddr, rtcpPort := m.Addr, m.Port+1
	if m.RTCPMux {
		rtcpPort = m.Port
	}
	if m.RTCPPort != 0 {
		rtcpPort = m.RTCPPort
		if m.RTCPAddr.IsValid() {
			rtcpAddr = m.RTCPAddr
		}
	}
	if rtcpPort <= 65535 {
		r.RemoteRTCP = netip.AddrPortFrom(rtcpAddr, uint16(rtcpPort))
	}
}

func findFormat(fs []Format, name string, rate int) (Format, bool) {
	for _, f := range fs {
		if f.Is(name, rate) {
			return f, true
		}
	}
	return Format{}, false
}

func formatNames(fs []Format) string {
	var n []string
	for _, f := range fs {
		if f.Name == "" {
			n = append(n, strconv.Itoa(int(f.PayloadType)))
			continue
		}
		n = append(n, f.Name+"/"+strconv.Itoa(f.ClockRate))
	}
	if len(n) == 0 {
		return "no formats"
	}
	return strings.Join(n, " ")
}

func codecNames(cs []Codec) string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name+"/"+strconv.Itoa(c.ClockRate))
	}
	return strings.Join(n, " ")
}

func cryptoSuites(m *Media) string {
	var n []string
	for _, a := range m.Attributes {
		if a.Name == "crypto" {
			if f := strings.Fields(a.Value); len(f) > 1 {
				n = append(n, f[1])
			}
		}
	}
	if len(n) == 0 {
		return "no crypto lines"
	}
	return strings.Join(n, " ")
}
