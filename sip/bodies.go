package sip

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sipgosip "github.com/emiago/sipgo/sip"
)

// maxBody bounds the bodies this file parses: anything larger is not a
// message summary, a dialog-info document or a DTMF digit.
const maxBody = 64 << 10

// MessageCounts are the counts of one message class (RFC 3842 §5.2):
// new/old (new-urgent/old-urgent).
type MessageCounts struct {
	New, Old, NewUrgent, OldUrgent int
}

// MessageSummary is an application/simple-message-summary body (RFC 3842).
type MessageSummary struct {
	// Waiting is Messages-Waiting: the message-waiting lamp.
	Waiting bool
	// Account is Message-Account, the voicemail account's URI.
	Account string
	// Voice is the Voice-Message line; Classes holds every class read
	// (voice-message, fax-message, …) by lower-case name.
	Voice   MessageCounts
	Classes map[string]MessageCounts
}

// ParseMessageSummary reads an application/simple-message-summary body.
// Messages-Waiting is required; unknown lines are ignored (RFC 3842 §5.2
// allows extension headers after the summary).
func ParseMessageSummary(b []byte) (*MessageSummary, error) {
	if len(b) > maxBody {
		return nil, fmt.Errorf("%w: message summary of %d bytes", ErrParse, len(b))
	}
	ms := &MessageSummary{Classes: map[string]MessageCounts{}}
	seenWaiting := false
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		switch {
		case name == "messages-waiting":
			switch strings.ToLower(value) {
			case "yes":
				ms.Waiting = true
			case "no":
				ms.Waiting = false
			default:
				return nil, fmt.Errorf("%w: Messages-Waiting: %q", ErrParse, value)
			}
			seenWaiting = true
		case name == "message-account":
			ms.Account = value
		case strings.HasSuffix(name, "-message"):
			mc, err := parseCounts(value)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrParse, name, err)
			}
			ms.Classes[name] = mc
			if name == "voice-message" {
				ms.Voice = mc
			}
		}
	}
	if !seenWaiting {
		return nil, fmt.Errorf("%w: no Messages-Waiting line", ErrParse)
	}
	return ms, nil
}

// parseCounts reads "2/8 (0/2)" or "2/8".
func parseCounts(v string) (MessageCounts, error) {
	var mc MessageCounts
	main, urgent, hasUrgent := strings.Cut(v, "(")
	n, o, err := pair(strings.TrimSpace(main))
	if err != nil {
		return mc, err
	}
	mc.New, mc.Old = n, o
	if hasUrgent {
		u, ok := strings.CutSuffix(strings.TrimSpace(urgent), ")")
		if !ok {
			return mc, fmt.Errorf("unclosed urgent counts %q", v)
		}
		if mc.NewUrgent, mc.OldUrgent, err = pair(strings.TrimSpace(u)); err != nil {
			return mc, err
		}
	}
	return mc, nil
}

func pair(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("no '/' in %q", s)
	}
	x, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 31)
	y, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 31)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad counts %q", s)
	}
	return int(x), int(y), nil
}

// DialogInfo is an application/dialog-info+xml document (RFC 4235), what a
// BLF key shows.
type DialogInfo struct {
	Version int
	// State is "full" or "partial".
	State   string
	Entity  string
	Dialogs []DialogInfoDialog
}

// DialogInfoDialog is one <dialog> of a dialog-info document.
type DialogInfoDialog struct {
	ID, CallID, LocalTag, RemoteTag string
	// Direction is "initiator" or "recipient".
	Direction string
	// State is trying, proceeding, early, confirmed or terminated.
	State  string
	Event  string
	Code   int
	Local  string
	Remote string
}

// Status sums the dialogs up the way a BLF lamp shows them: "busy" if any
// dialog is confirmed, "ringing" if one is ringing towards the watched
// user, "idle" otherwise.
func (d *DialogInfo) Status() string {
	status := "idle"
	for _, dl := range d.Dialogs {
		switch dl.State {
		case "confirmed":
			return "busy"
		case "early", "proceeding", "trying":
			if dl.Direction == "recipient" {
				status = "ringing"
			} else if status == "idle" {
				status = "busy"
			}
		}
	}
	return status
}

type xmlDialogInfo struct {
	XMLName xml.Name    `xml:"dialog-info"`
	Version string      `xml:"version,attr"`
	State   string      `xml:"state,attr"`
	Entity  string      `xml:"entity,attr"`
	Dialogs []xmlDialog `xml:"dialog"`
}

type xmlDialog struct {
	ID        string `xml:"id,attr"`
	CallID    string `xml:"call-id,attr"`
	LocalTag  string `xml:"local-tag,attr"`
	RemoteTag string `xml:"remote-tag,attr"`
	Direction string `xml:"direction,attr"`
	State     struct {
		Value string `xml:",chardata"`
		Event string `xml:"event,attr"`
		Code  string `xml:"code,attr"`
	} `xml:"state"`
	Local  string `xml:"local>identity"`
	Remote string `xml:"remote>identity"`
}

// newXMLDecoder reads a body's XML, in UTF-8 or in the ISO-8859-1 that
// servers such as BroadWorks declare.
func newXMLDecoder(b []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	dec.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "iso-8859-1", "latin1", "us-ascii":
			return latin1Reader{in}, nil
		}
		return nil, fmt.Errorf("charset %q", charset)
	}
	return dec
}

// latin1Reader turns ISO-8859-1 into UTF-8 (each byte is the code point).
type latin1Reader struct{ r io.Reader }

func (l latin1Reader) Read(p []byte) (int, error) {
	// Each byte may become two: read at most half of p.
	buf := make([]byte, max(1, len(p)/2))
	n, err := l.r.Read(buf)
	out := p[:0]
	for _, c := range buf[:n] {
		out = utf8.AppendRune(out, rune(c))
	}
	return len(out), err
}

// ParseDialogInfo reads an application/dialog-info+xml body.
func ParseDialogInfo(b []byte) (*DialogInfo, error) {
	if len(b) > maxBody {
		return nil, fmt.Errorf("%w: dialog-info of %d bytes", ErrParse, len(b))
	}
	var x xmlDialogInfo
	if err := newXMLDecoder(b).Decode(&x); err != nil {
		return nil, fmt.Errorf("%w: dialog-info: %w", ErrParse, err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(x.Version))
	if err != nil || v < 0 {
		return nil, fmt.Errorf("%w: dialog-info version %q", ErrParse, x.Version)
	}
	st := strings.ToLower(strings.TrimSpace(x.State))
	if st != "full" && st != "partial" {
		return nil, fmt.Errorf("%w: dialog-info state %q", ErrParse, x.State)
	}
	di := &DialogInfo{Version: v, State: st, Entity: strings.TrimSpace(x.Entity)}
	for _, d := range x.Dialogs {
		dd := DialogInfoDialog{
			ID: d.ID, CallID: d.CallID, LocalTag: d.LocalTag, RemoteTag: d.RemoteTag,
			Direction: strings.ToLower(d.Direction),
			State:     strings.ToLower(strings.TrimSpace(d.State.Value)),
			Event:     d.State.Event,
			Local:     strings.TrimSpace(d.Local), Remote: strings.TrimSpace(d.Remote),
		}
		switch dd.State {
		case "trying", "proceeding", "early", "confirmed", "terminated":
		default:
			return nil, fmt.Errorf("%w: dialog state %q", ErrParse, d.State.Value)
		}
		if d.State.Code != "" {
			dd.Code, _ = strconv.Atoi(d.State.Code)
		}
		di.Dialogs = append(di.Dialogs, dd)
	}
	return di, nil
}

// dtmfSignals maps digits to application/dtmf event codes (RFC 4733 order).
const dtmfSignals = "0123456789*#ABCD"

// DTMFRelayBody is an application/dtmf-relay INFO body: "Signal=5",
// "Duration=160" (milliseconds; zero means 100).
func DTMFRelayBody(digit rune, d time.Duration) (Body, error) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	if !strings.ContainsRune(dtmfSignals, digit) {
		return Body{}, fmt.Errorf("%w: %q is not a DTMF digit", ErrConfig, digit)
	}
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	return Body{Type: "application/dtmf-relay", Data: fmt.Appendf(nil, "Signal=%c\r\nDuration=%d\r\n", digit, d.Milliseconds())}, nil
}

// ParseDTMFBody reads a DTMF INFO body: application/dtmf-relay
// (Signal=/Duration=) or application/dtmf (the digit, or its event code).
func ParseDTMFBody(b Body) (rune, time.Duration, error) {
	if len(b.Data) > 1024 {
		return 0, 0, fmt.Errorf("%w: DTMF body of %d bytes", ErrParse, len(b.Data))
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(b.Type, ";")[0]))
	switch ct {
	case "application/dtmf-relay":
		var digit rune
		var dur time.Duration
		for _, line := range strings.Split(string(b.Data), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "signal":
				r, err := dtmfDigit(strings.TrimSpace(v))
				if err != nil {
					return 0, 0, err
				}
				digit = r
			case "duration":
				ms, err := strconv.ParseUint(strings.TrimSpace(v), 10, 31)
				if err != nil {
					return 0, 0, fmt.Errorf("%w: DTMF duration %q", ErrParse, v)
				}
				dur = time.Duration(ms) * time.Millisecond
			}
		}
		if digit == 0 {
			return 0, 0, fmt.Errorf("%w: no Signal in dtmf-relay", ErrParse)
		}
		return digit, dur, nil
	case "application/dtmf":
		r, err := dtmfDigit(strings.TrimSpace(string(b.Data)))
		return r, 0, err
	}
	return 0, 0, fmt.Errorf("%w: %q is not a DTMF body", ErrParse, b.Type)
}

func dtmfDigit(s string) (rune, error) {
	if len(s) == 1 {
		r := rune(s[0])
		if r >= 'a' && r <= 'd' {
			r -= 'a' - 'A'
		}
		if strings.ContainsRune(dtmfSignals, r) {
			return r, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 10 && n < len(dtmfSignals) {
		return rune(dtmfSignals[n]), nil
	}
	return 0, fmt.Errorf("%w: DTMF signal %q", ErrParse, s)
}

// ParseSipfrag reads the status line of a message/sipfrag body (RFC 3420),
// as REFER progress NOTIFYs carry: "SIP/2.0 180 Ringing".
func ParseSipfrag(b []byte) (code int, reason string, err error) {
	if len(b) > maxBody {
		return 0, "", fmt.Errorf("%w: sipfrag of %d bytes", ErrParse, len(b))
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(f) < 2 || !strings.EqualFold(f[0], "SIP/2.0") {
		return 0, "", fmt.Errorf("%w: sipfrag %q", ErrParse, line)
	}
	code, err = strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return 0, "", fmt.Errorf("%w: sipfrag status %q", ErrParse, f[1])
	}
	if len(f) == 3 {
		reason = strings.TrimSpace(f[2])
	}
	return code, reason, nil
}

// Replaces names a dialog to replace (RFC 3891).
type Replaces struct {
	CallID, ToTag, FromTag string
	EarlyOnly              bool
}

// String formats a Replaces header value.
func (r Replaces) String() string {
	s := r.CallID + ";to-tag=" + r.ToTag + ";from-tag=" + r.FromTag
	if r.EarlyOnly {
		s += ";early-only"
	}
	return s
}

// ParseReplaces reads a Replaces header value:
// "call-id;to-tag=x;from-tag=y[;early-only]". Both tags are required.
func ParseReplaces(s string) (Replaces, error) {
	var r Replaces
	parts := strings.Split(strings.TrimSpace(s), ";")
	r.CallID = strings.TrimSpace(parts[0])
	if r.CallID == "" || strings.ContainsAny(r.CallID, " \t<>\"") {
		return r, fmt.Errorf("%w: Replaces call-id %q", ErrParse, parts[0])
	}
	hasTo, hasFrom := false, false
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "to-tag":
			r.ToTag, hasTo = strings.TrimSpace(v), true
		case "from-tag":
			r.FromTag, hasFrom = strings.TrimSpace(v), true
		case "early-only":
			r.EarlyOnly = true
		}
	}
	if !hasTo || !hasFrom || r.ToTag == "" || r.FromTag == "" {
		return r, fmt.Errorf("%w: Replaces needs to-tag and from-tag: %q", ErrParse, s)
	}
	return r, nil
}

// ReferTo is a parsed Refer-To header value.
type ReferTo struct {
	// URI is the target without its headers.
	URI string
	// Replaces is the Replaces header the URI carries (attended transfer).
	Replaces *Replaces
	// Headers are the URI's other headers, unescaped.
	Headers map[string]string
}

// ParseReferTo reads a Refer-To value: `<sip:b@host?Replaces=…>` with an
// optional display name and parameters, or a bare URI.
func ParseReferTo(v string) (ReferTo, error) {
	var rt ReferTo
	v = strings.TrimSpace(v)
	if len(v) > 4096 {
		return rt, fmt.Errorf("%w: Refer-To too long", ErrParse)
	}
	uri := v
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return rt, fmt.Errorf("%w: Refer-To %q has no '>'", ErrParse, v)
		}
		uri = v[i+1 : i+j]
	} else if f := strings.Fields(v); len(f) > 0 {
		uri = f[0]
	}
	base, hdrs, _ := strings.Cut(uri, "?")
	var u sipgosip.Uri
	if err := sipgosip.ParseUri(base, &u); err != nil {
		return rt, fmt.Errorf("%w: Refer-To URI %q: %w", ErrParse, base, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "sip", "sips":
		if u.Host == "" {
			return rt, fmt.Errorf("%w: Refer-To URI %q has no host", ErrParse, base)
		}
	case "tel":
	default:
		return rt, fmt.Errorf("%w: Refer-To scheme %q", ErrParse, u.Scheme)
	}
	rt.URI = base
	if hdrs == "" {
		return rt, nil
	}
	rt.Headers = map[string]string{}
	for _, kv := range strings.Split(hdrs, "&") {
		k, val, _ := strings.Cut(kv, "=")
		key, err1 := url.PathUnescape(k)
		value, err2 := url.PathUnescape(val)
		if err1 != nil || err2 != nil {
			return rt, fmt.Errorf("%w: Refer-To header %q", ErrParse, kv)
		}
		if strings.EqualFold(key, "Replaces") {
			r, err := ParseReplaces(value)
			if err != nil {
				return rt, err
			}
			rt.Replaces = &r
			continue
		}
		rt.Headers[key] = value
	}
	return rt, nil
}
