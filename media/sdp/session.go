package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits that keep a hostile body from costing much.
const (
	// MaxSize is the largest body Parse accepts.
	MaxSize = 64 << 10
	// maxMedia is the most m= sections Parse accepts.
	maxMedia = 32
	// maxLineText is how much of a bad line a ParseError quotes.
	maxLineText = 80
)

// Direction is a stream's media direction attribute (RFC 3264 §5.1), as seen
// from the side that wrote it.
type Direction uint8

// The four directions; SendRecv is the zero value and the SDP default.
const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

var directionNames = [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}

func (d Direction) String() string {
	if int(d) < len(directionNames) {
		return directionNames[d]
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// ParseDirection reads a direction attribute name.
func ParseDirection(s string) (Direction, bool) {
	for i, n := range directionNames {
		if s == n {
			return Direction(i), true
		}
	}
	return 0, false
}

// Sends reports whether the side that wrote d sends media.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether the side that wrote d receives media.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// Reverse is the direction as seen from the other side: sendonly becomes
// recvonly and back.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

// directionOf builds a direction from its two capabilities.
func directionOf(send, recv bool) Direction {
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}

// Origin is the o= line.
type Origin struct {
	Username  string // "-" when empty
	SessionID uint64
	Version   uint64
	Addr      netip.Addr
}

// Format is one RTP payload format of an m= line, with its rtpmap and fmtp.
type Format struct {
	PayloadType uint8
	// Name is the encoding name as written (PCMU, G722, telephone-event).
	// Static payload types without an rtpmap get their RFC 3551 name.
	Name      string
	ClockRate int
	// Channels is the encoding parameter of rtpmap; 0 when absent (mono).
	Channels int
	// Params is the fmtp value, e.g. "0-15" for telephone-event.
	Params string
}

// Is reports whether f is the encoding name/clock rate pair (names compare
// without case, as RFC 4855 says).
func (f Format) Is(name string, clockRate int) bool {
	return strings.EqualFold(f.Name, name) && f.ClockRate == clockRate
}

func (f Format) rtpmap() string {
	s := strconv.Itoa(int(f.PayloadType)) + " " + f.Name + "/" + strconv.Itoa(f.ClockRate)
	if f.Channels > 1 {
		s += "/" + strconv.Itoa(f.Channels)
	}
	return s
}

// Attribute is one a= line: "name:value" or a bare "name".
type Attribute struct {
	Name  string
	Value string
}

// Media is one m= section.
type Media struct {
	Type      string // audio, video, ...
	Port      int
	PortCount int    // the "/2" of "m=audio 4000/2"; 0 when absent
	Proto     string // RTP/AVP, RTP/SAVP, ...
	// Formats lists the payload types in m= line order. For non-RTP
	// transports only Fmt is set.
	Formats []Format
	// Fmt is the raw format list of the m= line.
	Fmt []string
	// Addr is the connection address that applies to the stream (its own c=
	// line, else the session's); the zero Addr when there is none.
	Addr netip.Addr
	// RTCP is the a=rtcp port and address (RFC 3605); zero when absent.
	RTCPPort int
	RTCPAddr netip.Addr
	RTCPMux  bool
	// Direction is the stream's direction (media-level, else session-level,
	// else sendrecv).
	Direction Direction
	// Ptime and MaxPtime in milliseconds; 0 when absent.
	Ptime    int
	MaxPtime int
	// Crypto are the SDES a=crypto lines (RFC 4568) the phone can use;
	// lines with suites or parameters it cannot use are left out (they stay
	// in Attributes).
	Crypto []Crypto
	// Attributes are all the section's a= lines in order.
	Attributes []Attribute
	// Bandwidth are the b= lines.
	Bandwidth []string

	hasDirection bool
}

// Format returns the format with payload type pt.
func (m *Media) Format(pt uint8) (Format, bool) {
	for _, f := range m.Formats {
		if f.PayloadType == pt {
			return f, true
		}
	}
	return Format{}, false
}

// Secure reports whether the transport is SRTP (RTP/SAVP, RTP/SAVPF).
func (m *Media) Secure() bool { return strings.Contains(strings.ToUpper(m.Proto), "SAVP") }

// isRTP reports whether the stream is RTP over plain UDP, the only transport
// the phone speaks (no DTLS, no TCP media).
func (m *Media) isRTP() bool {
	switch strings.ToUpper(m.Proto) {
	case "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF":
		return true
	}
	return false
}

// Session is a parsed or built description.
type Session struct {
	Origin Origin
	Name   string // s=
	// Addr is the session-level c= address; zero when absent.
	Addr      netip.Addr
	Direction Direction
	// Attributes are the session-level a= lines.
	Attributes []Attribute
	Media      []Media

	hasDirection bool
}

// Audio returns the first audio stream that the phone could use (RTP over
// UDP, port not 0), and its index.
func (s *Session) Audio() (*Media, int, error) {
	for i := range s.Media {
		m := &s.Media[i]
		if strings.EqualFold(m.Type, "audio") && m.Port != 0 && m.isRTP() {
			return m, i, nil
		}
	}
	return nil, -1, ErrNoAudio
}

// staticFormats are the RFC 3551 static audio payload types a peer may list
// without an rtpmap.
var staticFormats = map[uint8]Format{
	0:  {PayloadType: 0, Name: "PCMU", ClockRate: 8000},
	3:  {PayloadType: 3, Name: "GSM", ClockRate: 8000},
	4:  {PayloadType: 4, Name: "G723", ClockRate: 8000},
	8:  {PayloadType: 8, Name: "PCMA", ClockRate: 8000},
	9:  {PayloadType: 9, Name: "G722", ClockRate: 8000},
	13: {PayloadType: 13, Name: "CN", ClockRate: 8000},
	18: {PayloadType: 18, Name: "G729", ClockRate: 8000},
}

// Parse reads a description. It never panics; see the package doc for what
// is an error.
func Parse(b []byte) (*Session, error) {
	if len(b) > MaxSize {
		return nil, &ParseError{Err: fmt.Errorf("body of %d bytes exceeds %d", len(b), MaxSize)}
	}
	p := parser{s: &Session{}}
	lines := bytes.Split(b, []byte("\n"))
	sawVersion := false
	for i, raw := range lines {
		p.line = i + 1
		line := strings.TrimRight(string(raw), "\r")
		p.text = line
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, p.errorf("not a type=value line")
		}
		typ, val := line[0], line[2:]
		if !sawVersion {
			if typ != 'v' {
				return nil, p.errorf("description does not start with v=")
			}
			if strings.TrimSpace(val) != "0" {
				return nil, p.errorf("unsupported SDP version %q", val)
			}
			sawVersion = true
			continue
		}
		if err := p.field(typ, val); err != nil {
			return nil, err
		}
	}
	if !sawVersion {
		return nil, &ParseError{Err: errors.New("empty description")}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.s, nil
}

type parser struct {
	s    *Session
	m    *Media // current m= section, nil at session level
	line int
	text string
	// fmtp and rtpmap values of the current section, applied in finish
	// because a= lines may come in any order.
	rtpmaps []map[uint8]Format
	fmtps   []map[uint8]string
	lineOf  []int // line of each m=
}

func (p *parser) errorf(format string, args ...any) error {
	t := p.text
	if len(t) > maxLineText {
		t = t[:maxLineText] + "…"
	}
	return &ParseError{Line: p.line, Text: t, Err: fmt.Errorf(format, args...)}
}

func (p *parser) field(typ byte, val string) error {
	switch typ {
	case 'o':
		return p.origin(val)
	case 's':
		if p.m == nil {
			p.s.Name = val
		}
	case 'c':
		addr, err := parseConnection(val)
		if err != nil {
			return p.errorf("%v", err)
		}
		if p.m != nil {
			p.m.Addr = addr
		} else {
			p.s.Addr = addr
		}
	case 'b':
		if p.m != nil {
			p.m.Bandwidth = append(p.m.Bandwidth, val)
		}
	case 'm':
		return p.media(val)
	case 'a':
		return p.attribute(val)
	}
	// i, u, e, p, t, r, z, k and unknown letters carry nothing the phone
	// uses.
	return nil
}

func (p *parser) origin(val string) error {
	f := strings.Fields(val)
	if len(f) != 6 {
		return p.errorf("o= needs 6 fields, has %d", len(f))
	}
	id, err1 := strconv.ParseUint(f[1], 10, 64)
	ver, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return p.errorf("o= session id and version must be numbers")
	}
	o := Origin{Username: f[0], SessionID: id, Version: ver}
	if f[3] == "IN" && (f[4] == "IP4" || f[4] == "IP6") {
		// A host name here is legal and harmless; only an address is kept.
		o.Addr, _ = netip.ParseAddr(f[5])
	}
	p.s.Origin = o
	return nil
}

// parseConnection reads "IN IP4 192.0.2.1[/ttl[/n]]".
func parseConnection(val string) (netip.Addr, error) {
	f := strings.Fields(val)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return netip.Addr{}, errors.New("c= must be IN IP4|IP6 address")
	}
	a := f[2]
	if i := strings.IndexByte(a, '/'); i >= 0 {
		a = a[:i]
	}
	addr, err := netip.ParseAddr(a)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("c= address: %w", err)
	}
	if (f[1] == "IP4") != addr.Is4() {
		return netip.Addr{}, fmt.Errorf("c= address %s is not %s", addr, f[1])
	}
	return addr, nil
}

func (p *parser) media(val string) error {
	if len(p.s.Media) >= maxMedia {
		return p.errorf("more than %d m= lines", maxMedia)
	}
	f := strings.Fields(val)
	if len(f) < 3 {
		return p.errorf("m= needs media, port and transport")
	}
	m := Media{Type: f[0], Proto: f[2], Fmt: f[3:]}
	port, count, ok := strings.Cut(f[1], "/")
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return p.errorf("bad port %q", f[1])
	}
	m.Port = n
	if ok {
		c, err := strconv.Atoi(count)
		if err != nil || c < 1 || c > 65535 {
			return p.errorf("bad port count %q", f[1])
		}
		m.PortCount = c
	}
	if m.isRTP() {
		seen := map[uint8]bool{}
		for _, s := range m.Fmt {
			pt, err := strconv.Atoi(s)
			if err != nil || pt < 0 || pt > 127 {
				return p.errorf("bad RTP payload type %q", s)
			}
			if seen[uint8(pt)] {
				continue
			}
			seen[uint8(pt)] = true
			m.Formats = append(m.Formats, Format{PayloadType: uint8(pt)})
		}
	}
	p.s.Media = append(p.s.Media, m)
	p.m = &p.s.Media[len(p.s.Media)-1]
	p.rtpmaps = append(p.rtpmaps, map[uint8]Format{})
	p.fmtps = append(p.fmtps, map[uint8]string{})
	p.lineOf = append(p.lineOf, p.line)
	return nil
}

func (p *parser) attribute(val string) error {
	name, value, _ := strings.Cut(val, ":")
	a := Attribute{Name: name, Value: value}
	if p.m == nil {
		p.s.Attributes = append(p.s.Attributes, a)
		if d, ok := ParseDirection(name); ok {
			p.s.Direction, p.s.hasDirection = d, true
		}
		return nil
	}
	m := p.m
	m.Attributes = append(m.Attributes, a)
	if !m.isRTP() {
		return nil
	}
	if d, ok := ParseDirection(name); ok {
		m.Direction, m.hasDirection = d, true
		return nil
	}
	switch name {
	case "rtpmap":
		f, err := parseRtpmap(value)
		if err != nil {
			return p.errorf("%v", err)
		}
		p.rtpmaps[len(p.rtpmaps)-1][f.PayloadType] = f
	case "fmtp":
		pt, params, ok := strings.Cut(value, " ")
		n, err := strconv.Atoi(pt)
		if !ok || err != nil || n < 0 || n > 127 {
			return p.errorf("bad fmtp")
		}
		p.fmtps[len(p.fmtps)-1][uint8(n)] = strings.TrimSpace(params)
	case "ptime", "maxptime":
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || n <= 0 || n > 1000 {
			return p.errorf("bad %s", name)
		}
		if name == "ptime" {
			m.Ptime = int(n + 0.5)
		} else {
			m.MaxPtime = int(n + 0.5)
		}
	case "rtcp":
		port, addr, err := parseRTCP(value)
		if err != nil {
			return p.errorf("%v", err)
		}
		m.RTCPPort, m.RTCPAddr = port, addr
	case "rtcp-mux":
		m.RTCPMux = true
	case "crypto":
		c, err := ParseCrypto(value)
		switch {
		case errors.Is(err, errUnusableCrypto):
			// A suite or parameter the phone does not support: the
			// offerer listed alternatives, so this is not an error.
		case err != nil:
			return p.errorf("%v", err)
		default:
			m.Crypto = append(m.Crypto, c)
		}
	}
	return nil
}

// parseRtpmap reads "96 opus/48000/2".
func parseRtpmap(v string) (Format, error) {
	pt, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.Atoi(pt)
	if !ok || err != nil || n < 0 || n > 127 {
		return Format{}, errors.New("bad rtpmap payload type")
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return Format{}, errors.New("rtpmap must be name/rate[/channels]")
	}
	rate, err := strconv.Atoi(parts[1])
	if err != nil || rate <= 0 || rate > 1000000 {
		return Format{}, errors.New("bad rtpmap clock rate")
	}
	f := Format{PayloadType: uint8(n), Name: parts[0], ClockRate: rate}
	if len(parts) == 3 {
		ch, err := strconv.Atoi(parts[2])
		if err != nil || ch < 1 || ch > 255 {
			return Format{}, errors.New("bad rtpmap channels")
		}
		f.Channels = ch
	}
	return f, nil
}

// parseRTCP reads "53020 [IN IP4 126.16.64.4]" (RFC 3605).
func parseRTCP(v string) (int, netip.Addr, error) {
	f := strings.Fields(v)
	if len(f) != 1 && len(f) != 4 {
		return 0, netip.Addr{}, errors.New("a=rtcp must be port [IN IP4|IP6 address]")
	}
	port, err := strconv.Atoi(f[0])
	if err != nil || port < 0 || port > 65535 {
		return 0, netip.Addr{}, errors.New("bad a=rtcp port")
	}
	if len(f) == 1 {
		return port, netip.Addr{}, nil
	}
	addr, err := parseConnection(strings.Join(f[1:], " "))
	if err != nil {
		return 0, netip.Addr{}, fmt.Errorf("a=rtcp: %w", err)
	}
	return port, addr, nil
}

func (p *parser) finish() error {
	s := p.s
	for i := range s.Media {
		m := &s.Media[i]
		if !m.Addr.IsValid() {
			m.Addr = s.Addr
		}
		if !m.hasDirection && s.hasDirection {
			m.Direction = s.Direction
		}
		if !m.isRTP() {
			continue
		}
		rtpmap, fmtp := p.rtpmaps[i], p.fmtps[i]
		for j := range m.Formats {
			f := &m.Formats[j]
			if r, ok := rtpmap[f.PayloadType]; ok {
				*f = r
			} else if st, ok := staticFormats[f.PayloadType]; ok {
				*f = st
			}
			f.Params = fmtp[f.PayloadType]
		}
		if m.Port != 0 && !m.Addr.IsValid() {
			p.line, p.text = p.lineOf[i], "m="+m.Type
			return p.errorf("stream has no connection address")
		}
	}
	return nil
}

// Marshal writes the description with CRLF line ends, in the field order RFC
// 4566 requires.
func (s *Session) Marshal() []byte {
	var b bytes.Buffer
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteString("\r\n")
	}
	o := s.Origin
	user := o.Username
	if user == "" {
		user = "-"
	}
	w("v=0")
	w("o=", user, " ", strconv.FormatUint(o.SessionID, 10), " ", strconv.FormatUint(o.Version, 10), " ", addrField(o.Addr))
	name := s.Name
	if name == "" {
		name = "-"
	}
	w("s=", name)
	if s.Addr.IsValid() {
		w("c=", addrField(s.Addr))
	}
	w("t=0 0")
	for _, a := range s.Attributes {
		w("a=", a.String())
	}
	for _, m := range s.Media {
		port := strconv.Itoa(m.Port)
		if m.PortCount > 0 {
			port += "/" + strconv.Itoa(m.PortCount)
		}
		fmts := m.Fmt
		if len(m.Formats) > 0 {
			fmts = make([]string, len(m.Formats))
			for i, f := range m.Formats {
				fmts[i] = strconv.Itoa(int(f.PayloadType))
			}
		}
		w("m=", m.Type, " ", port, " ", m.Proto, joinLeadingSpace(fmts))
		if m.Addr.IsValid() && m.Addr != s.Addr {
			w("c=", addrField(m.Addr))
		}
		for _, bw := range m.Bandwidth {
			w("b=", bw)
		}
		for _, a := range m.Attributes {
			w("a=", a.String())
		}
	}
	return b.Bytes()
}

func (a Attribute) String() string {
	if a.Value == "" {
		return a.Name
	}
	return a.Name + ":" + a.Value
}

func addrField(a netip.Addr) string {
	if !a.IsValid() {
		return "IN IP4 0.0.0.0"
	}
	if a.Is4() || a.Is4In6() {
		return "IN IP4 " + a.Unmap().String()
	}
	return "IN IP6 " + a.String()
}

func joinLeadingSpace(s []string) string {
	var b strings.Builder
	for _, x := range s {
		b.WriteByte(' ')
		b.WriteString(x)
	}
	return b.String()
}
