// Package vqreport writes and reads RFC 6035 voice-quality reports: the
// application/vq-rtcpxr body a phone sends in a SIP PUBLISH (event package
// vq-rtcpxr) to a quality collector when a call ends — what the 400HD
// manual calls the summarized RTCP-XR events sent to the QoE server in
// Genesis (generic) SIP (§3.4.16.4; the 420HD manual's "Monitoring Quality
// of Experience").
//
// A report is lines of "Name: value" (RFC 6035 §4.2): the kind of report
// first, then who and where (CallID, LocalID, RemoteID, OrigID, the groups,
// addresses with RTP port and SSRC, MACs), then LocalMetrics: and optionally
// RemoteMetrics:, each followed by metric lines of space-separated KEY=value
// pairs (Timestamps, SessionDesc, JitterBuffer, PacketLoss, BurstGapLoss,
// Delay, Signal, QualityEst), and last the DialogID. Marshal writes the lines
// in that order; Parse reads any order, ignores lines and keys it does not
// know (x- extensions, other vendors' additions) and rejects malformed
// values with ErrMalformed.
//
// Unknown values: a negative duration or integer and a zero MOS are left
// out of the report, as RFC 6035 lets a reporter omit what it cannot
// measure.
package vqreport

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

const (
	// ContentType is the body's media type.
	ContentType = "application/vq-rtcpxr"
	// EventPackage is the PUBLISH's Event header value.
	EventPackage = "vq-rtcpxr"
)

// Kinds of report (the first line).
const (
	SessionReport  = "VQSessionReport"
	IntervalReport = "VQIntervalReport"
	AlertReport    = "VQAlertReport"
)

// ErrMalformed is returned for a body that is not a voice-quality report or
// has a value that cannot be read.
var ErrMalformed = errors.New("vqreport: malformed report")

// Report is one voice-quality report.
type Report struct {
	// Kind is SessionReport (the default for ""), IntervalReport or
	// AlertReport.
	Kind string
	// CallTerm marks a session report sent because the call ended
	// ("VQSessionReport: CallTerm").
	CallTerm bool
	// Alert is an alert report's "MetricType Severity Direction".
	Alert string

	CallID string
	// LocalID, RemoteID and OrigID are SIP addresses (name-addr or
	// addr-spec): the reporter, the far end, and whoever placed the call.
	LocalID, RemoteID, OrigID string
	LocalGroup, RemoteGroup   string
	LocalAddr, RemoteAddr     Endpoint
	LocalMAC, RemoteMAC       string

	Local  Metrics
	Remote *Metrics // nil when the far end reported nothing
	// DialogID is the Call-ID with to-tag and from-tag parameters.
	DialogID string
}

// Endpoint is where a stream's RTP is, with its synchronization source.
type Endpoint struct {
	IP   netip.Addr
	Port int
	SSRC uint32
}

// PLC is a packet loss concealment kind (SessionDesc PLC=).
type PLC int

// PLC values of RFC 6035 (those of RFC 3611's receiver configuration).
const (
	PLCUnspecified PLC = 0
	PLCDisabled    PLC = 1
	PLCEnhanced    PLC = 2
	PLCStandard    PLC = 3
)

// JBMode is the jitter buffer's kind (JitterBuffer JBA=).
type JBMode int

// JBA values (RFC 3611 §4.7.7).
const (
	JBUnknown     JBMode = 0
	JBNonAdaptive JBMode = 2
	JBAdaptive    JBMode = 3
)

// Metrics are one direction's measurements of the session.
type Metrics struct {
	Start, Stop time.Time

	// SessionDesc; written when Codec is set.
	PayloadType     int    // PT
	Codec           string // PD
	SampleRate      int    // SR, Hz
	FrameDuration   time.Duration
	FramesPerPacket int // FPP
	PacketsPerSec   int // PPS
	FMTP            string
	PLC             PLC
	// SilenceSuppression is SSUP=on.
	SilenceSuppression bool

	JBMode JBMode // JBA
	// JBRate is the jitter buffer's adjustment rate, 0-15 (JBR).
	JBRate                     int
	JBNominal, JBMax, JBAbsMax time.Duration

	// LossRate is the network packet loss and DiscardRate what the jitter
	// buffer threw away, in percent (NLR, JDR).
	LossRate, DiscardRate float64
	// BurstDensity and GapDensity are percentages (BLD, GLD).
	BurstDensity, GapDensity   float64
	BurstDuration, GapDuration time.Duration
	Gmin                       int

	// RoundTrip, EndSystem and OneWay (SOWD) delays; Jitter is the
	// interarrival jitter (IAJ). Negative: unknown.
	RoundTrip, EndSystem, OneWay, Jitter time.Duration

	// R-factors (RLQ, RCQ) from 0 to 120, negative when unknown; MOS
	// values (MOSLQ, MOSCQ) from 1 to 5, 0 when unknown; Algorithm is
	// QoEEstAlg.
	RLQ, RCQ     int
	MOSLQ, MOSCQ float64
	Algorithm    string

	// Omit names metric lines Marshal leaves out whatever they hold (the
	// RX50 reports no JitterBuffer, BurstGapLoss, Signal or QualityEst).
	Omit Lines
}

// Lines is a set of metric lines.
type Lines uint8

// Metric lines a reporter may leave out.
const (
	JitterBufferLine Lines = 1 << iota
	BurstGapLossLine
	SignalLine
	QualityEstLine
)

// Unknown returns Metrics with every optional value marked unknown, for a
// reporter to fill in what it measured.
func Unknown() Metrics {
	return Metrics{RoundTrip: -1, EndSystem: -1, OneWay: -1, Jitter: -1, RLQ: -1, RCQ: -1,
		JBNominal: -1, JBMax: -1, JBAbsMax: -1, BurstDuration: -1, GapDuration: -1, JBRate: -1}
}

// lineNames are the metric lines Omit can name.
var lineNames = map[string]Lines{"JitterBuffer": JitterBufferLine, "BurstGapLoss": BurstGapLossLine,
	"Signal": SignalLine, "QualityEst": QualityEstLine}

// timeFormat is RFC 3339 in UTC to the second, as RFC 6035's examples.
const timeFormat = "2006-01-02T15:04:05Z"

// Marshal writes the report as an application/vq-rtcpxr body (CRLF lines).
func (r *Report) Marshal() []byte {
	var b strings.Builder
	line := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	kind := r.Kind
	if kind == "" {
		kind = SessionReport
	}
	switch {
	case kind == SessionReport && r.CallTerm:
		line(kind, "CallTerm")
	case kind == AlertReport:
		line(kind, r.Alert)
	default:
		b.WriteString(kind + "\r\n")
	}
	line("CallID", r.CallID)
	line("LocalID", r.LocalID)
	line("RemoteID", r.RemoteID)
	line("OrigID", r.OrigID)
	if r.LocalGroup != "" {
		line("LocalGroup", r.LocalGroup)
	}
	if r.RemoteGroup != "" {
		line("RemoteGroup", r.RemoteGroup)
	}
	line("LocalAddr", r.LocalAddr.String())
	if r.LocalMAC != "" {
		line("LocalMAC", r.LocalMAC)
	}
	line("RemoteAddr", r.RemoteAddr.String())
	if r.RemoteMAC != "" {
		line("RemoteMAC", r.RemoteMAC)
	}
	b.WriteString("LocalMetrics:\r\n")
	r.Local.write(line)
	if r.Remote != nil {
		b.WriteString("RemoteMetrics:\r\n")
		r.Remote.write(line)
	}
	if r.DialogID != "" {
		line("DialogID", r.DialogID)
	}
	return []byte(b.String())
}

// String is the endpoint as in LocalAddr: "IP=… PORT=… SSRC=0x…".
func (e Endpoint) String() string {
	ip := "0.0.0.0"
	if e.IP.IsValid() {
		ip = e.IP.String()
	}
	return fmt.Sprintf("IP=%s PORT=%d SSRC=0x%08X", ip, e.Port, e.SSRC)
}

// pairs collects a metric line's KEY=value pairs.
type pairs []string

func (p *pairs) add(k, v string) { *p = append(*p, k+"="+v) }

func (p *pairs) ms(k string, d time.Duration) {
	if d >= 0 {
		p.add(k, strconv.FormatInt(d.Milliseconds(), 10))
	}
}

func (p *pairs) pct(k string, f float64) { p.add(k, strconv.FormatFloat(f, 'f', 1, 64)) }

func (m *Metrics) write(line func(name, value string)) {
	emit := func(name string, p pairs) {
		if len(p) > 0 && m.Omit&lineNames[name] == 0 {
			line(name, strings.Join(p, " "))
		}
	}
	var p pairs
	p.add("START", m.Start.UTC().Format(timeFormat))
	p.add("STOP", m.Stop.UTC().Format(timeFormat))
	emit("Timestamps", p)

	p = nil
	if m.Codec != "" {
		p.add("PT", strconv.Itoa(m.PayloadType))
		p.add("PD", m.Codec)
		if m.SampleRate > 0 {
			p.add("SR", strconv.Itoa(m.SampleRate))
		}
		if m.FrameDuration > 0 {
			p.ms("FD", m.FrameDuration)
		}
		if m.FramesPerPacket > 0 {
			p.add("FPP", strconv.Itoa(m.FramesPerPacket))
		}
		if m.PacketsPerSec > 0 {
			p.add("PPS", strconv.Itoa(m.PacketsPerSec))
		}
		if m.FMTP != "" {
			p.add("FMTP", strconv.Quote(m.FMTP))
		}
		p.add("PLC", strconv.Itoa(int(m.PLC)))
		if m.SilenceSuppression {
			p.add("SSUP", "on")
		} else {
			p.add("SSUP", "off")
		}
	}
	emit("SessionDesc", p)

	p = nil
	p.add("JBA", strconv.Itoa(int(m.JBMode)))
	if m.JBRate >= 0 {
		p.add("JBR", strconv.Itoa(m.JBRate))
	}
	p.ms("JBN", m.JBNominal)
	p.ms("JBM", m.JBMax)
	p.ms("JBX", m.JBAbsMax)
	emit("JitterBuffer", p)

	p = nil
	p.pct("NLR", m.LossRate)
	p.pct("JDR", m.DiscardRate)
	emit("PacketLoss", p)

	p = nil
	p.pct("BLD", m.BurstDensity)
	p.ms("BD", m.BurstDuration)
	p.pct("GLD", m.GapDensity)
	p.ms("GD", m.GapDuration)
	if m.Gmin > 0 {
		p.add("GMIN", strconv.Itoa(m.Gmin))
	}
	emit("BurstGapLoss", p)

	p = nil
	p.ms("RTD", m.RoundTrip)
	p.ms("ESD", m.EndSystem)
	p.ms("SOWD", m.OneWay)
	p.ms("IAJ", m.Jitter)
	emit("Delay", p)

	p = nil
	if m.RLQ >= 0 {
		p.add("RLQ", strconv.Itoa(m.RLQ))
	}
	if m.RCQ >= 0 {
		p.add("RCQ", strconv.Itoa(m.RCQ))
	}
	if m.MOSLQ > 0 {
		p.add("MOSLQ", strconv.FormatFloat(m.MOSLQ, 'f', 1, 64))
	}
	if m.MOSCQ > 0 {
		p.add("MOSCQ", strconv.FormatFloat(m.MOSCQ, 'f', 1, 64))
	}
	if len(p) > 0 && m.Algorithm != "" {
		p.add("QoEEstAlg", m.Algorithm)
	}
	emit("QualityEst", p)
}

// Parse reads a report. Lines and metric keys it does not know are skipped;
// a body that does not start with a report kind, a metric line before
// LocalMetrics:, and values that are not numbers, addresses or times where
// RFC 6035 says they are give ErrMalformed.
func Parse(body []byte) (*Report, error) {
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	r := &Report{}
	first := true
	var cur *Metrics
	for n, raw := range lines {
		ln := strings.TrimSpace(raw)
		if ln == "" {
			continue
		}
		name, value, hasColon := strings.Cut(ln, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if first {
			first = false
			switch name {
			case SessionReport, IntervalReport, AlertReport:
			default:
				return nil, fmt.Errorf("%w: starts with %q, not a report kind", ErrMalformed, clip(ln))
			}
			r.Kind = name
			switch {
			case name == SessionReport && strings.EqualFold(value, "CallTerm"):
				r.CallTerm = true
			case name == AlertReport:
				r.Alert = value
			}
			continue
		}
		if !hasColon {
			return nil, fmt.Errorf("%w: line %d %q has no colon", ErrMalformed, n+1, clip(ln))
		}
		var err error
		switch name {
		case "CallID":
			r.CallID = value
		case "LocalID":
			r.LocalID = value
		case "RemoteID":
			r.RemoteID = value
		case "OrigID":
			r.OrigID = value
		case "LocalGroup":
			r.LocalGroup = value
		case "RemoteGroup":
			r.RemoteGroup = value
		case "LocalAddr":
			r.LocalAddr, err = parseEndpoint(value)
		case "RemoteAddr":
			r.RemoteAddr, err = parseEndpoint(value)
		case "LocalMAC":
			r.LocalMAC = value
		case "RemoteMAC":
			r.RemoteMAC = value
		case "DialogID":
			r.DialogID = value
		case "LocalMetrics":
			r.Local = Unknown()
			cur = &r.Local
		case "RemoteMetrics":
			m := Unknown()
			r.Remote = &m
			cur = r.Remote
		case "Timestamps", "SessionDesc", "JitterBuffer", "PacketLoss", "BurstGapLoss", "Delay", "Signal", "QualityEst":
			if cur == nil {
				return nil, fmt.Errorf("%w: line %d: %s before LocalMetrics", ErrMalformed, n+1, name)
			}
			err = cur.read(value)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d (%s): %w", ErrMalformed, n+1, name, err)
		}
	}
	if first {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	return r, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func parseEndpoint(v string) (Endpoint, error) {
	var e Endpoint
	for _, f := range strings.Fields(v) {
		k, val, _ := strings.Cut(f, "=")
		var err error
		switch strings.ToUpper(k) {
		case "IP":
			e.IP, err = netip.ParseAddr(val)
		case "PORT":
			e.Port, err = strconv.Atoi(val)
			if err == nil && (e.Port < 0 || e.Port > 65535) {
				err = fmt.Errorf("port %d out of range", e.Port)
			}
		case "SSRC":
			e.SSRC, err = parseSSRC(val)
		}
		if err != nil {
			return e, err
		}
	}
	return e, nil
}

// parseSSRC reads RFC 6035's 0x-prefixed hex SSRC, and the decimal one
// liblinphone writes (SSRC=1787078582); digits that are not decimal are
// taken as hex without the prefix.
func parseSSRC(v string) (uint32, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(v), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 32)
		return uint32(n), err
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return uint32(n), nil
	}
	n, err := strconv.ParseUint(v, 16, 32)
	return uint32(n), err
}

// read takes one metric line's KEY=value pairs into m.
func (m *Metrics) read(v string) error {
	for _, f := range fields(v) {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		var err error
		num := func() float64 {
			var x float64
			if err == nil {
				x, err = strconv.ParseFloat(val, 64)
			}
			return x
		}
		ms := func() time.Duration { return time.Duration(num() * float64(time.Millisecond)) }
		integer := func() int {
			var x int
			if err == nil {
				x, err = strconv.Atoi(val)
			}
			return x
		}
		switch k {
		case "START":
			m.Start, err = time.Parse(time.RFC3339, val)
		case "STOP":
			m.Stop, err = time.Parse(time.RFC3339, val)
		case "PT":
			m.PayloadType = integer()
		case "PD":
			m.Codec = val
		case "SR":
			m.SampleRate = integer()
		case "FD":
			m.FrameDuration = ms()
		case "FPP":
			m.FramesPerPacket = integer()
		case "PPS":
			m.PacketsPerSec = integer()
		case "FMTP":
			if u, e := strconv.Unquote(val); e == nil {
				val = u
			}
			m.FMTP = val
		case "PLC":
			m.PLC = PLC(integer())
		case "SSUP":
			m.SilenceSuppression = strings.EqualFold(val, "on")
		case "JBA":
			m.JBMode = JBMode(integer())
		case "JBR":
			m.JBRate = integer()
		case "JBN":
			m.JBNominal = ms()
		case "JBM":
			m.JBMax = ms()
		case "JBX":
			m.JBAbsMax = ms()
		case "NLR":
			m.LossRate = num()
		case "JDR":
			m.DiscardRate = num()
		case "BLD":
			m.BurstDensity = num()
		case "BD":
			m.BurstDuration = ms()
		case "GLD":
			m.GapDensity = num()
		case "GD":
			m.GapDuration = ms()
		case "GMIN":
			m.Gmin = integer()
		case "RTD":
			m.RoundTrip = ms()
		case "ESD":
			m.EndSystem = ms()
		case "SOWD":
			m.OneWay = ms()
		case "IAJ":
			m.Jitter = ms()
		case "RLQ":
			m.RLQ = integer()
		case "RCQ":
			m.RCQ = integer()
		case "MOSLQ":
			m.MOSLQ = num()
		case "MOSCQ":
			m.MOSCQ = num()
		case "QoEEstAlg":
			m.Algorithm = val
		}
		if err != nil {
			return fmt.Errorf("%s=%q: %w", k, clip(val), err)
		}
	}
	return nil
}

// fields splits a metric line at spaces, keeping a quoted value (FMTP="a b",
// with backslash escapes) whole.
func fields(v string) []string {
	var out []string
	var cur strings.Builder
	quoted, escaped := false, false
	for _, c := range v {
		switch {
		case escaped:
			escaped = false
			cur.WriteRune(c)
		case quoted && c == '\\':
			escaped = true
			cur.WriteRune(c)
		case c == '"':
			quoted = !quoted
			cur.WriteRune(c)
		case (c == ' ' || c == '\t') && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
