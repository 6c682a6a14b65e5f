package sip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
)

// The as-feature-event package (BroadWorks Device Feature Key
// Synchronization): a phone subscribes to its own address, the server
// notifies the state of do not disturb and call forwarding (ECMA-323 CSTA
// events), and the phone asks for changes with Set requests in the body of
// a SUBSCRIBE refresh. The server's state is the one that counts.
const (
	// FeatureEventPackage is the Event header value.
	FeatureEventPackage = "as-feature-event"
	// FeatureEventType is the body type of events and Set requests.
	FeatureEventType = "application/x-as-feature-event+xml"
	// featureNS is the ECMA-323 CSTA namespace of the documents.
	featureNS = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
)

// The forwarding types of the package.
const (
	ForwardImmediate = "forwardImmediate"
	ForwardBusy      = "forwardBusy"
	ForwardNoAnswer  = "forwardNoAns"
)

// Forwarding is one call-forwarding rule as the server reports it.
type Forwarding struct {
	Type      string // ForwardImmediate, ForwardBusy or ForwardNoAnswer
	On        bool
	To        string
	RingCount int // rings before a no-answer forward; 0 when not given
}

// FeatureEvent is what one NOTIFY of the package reports: any of do not
// disturb and the forwarding rules (a body may carry several events as
// multipart/mixed).
type FeatureEvent struct {
	// DND is nil when the body does not report do not disturb.
	DND        *bool
	Forwarding []Forwarding
}

// errFeature prefixes what is wrong with a feature event body; it is an
// ErrParse.
var errFeature = fmt.Errorf("%w: as-feature-event body", ErrParse)

type xmlFeatureDoc struct {
	XMLName        xml.Name
	DoNotDisturbOn string `xml:"doNotDisturbOn"`
	ForwardingType string `xml:"forwardingType"`
	ForwardStatus  string `xml:"forwardStatus"`
	ForwardTo      string `xml:"forwardTo"`
	RingCount      string `xml:"ringCount"`
}

// ParseFeatureEvent reads a NOTIFY body of the package: one event document
// (DoNotDisturbEvent, ForwardingEvent) or a multipart/mixed of them.
// Documents of other kinds are skipped; a body with none that it knows is
// an error.
func ParseFeatureEvent(b Body) (*FeatureEvent, error) {
	if len(b.Data) > maxBody {
		return nil, fmt.Errorf("%w: %d bytes", errFeature, len(b.Data))
	}
	fe := &FeatureEvent{}
	known := 0
	mt, params, err := mime.ParseMediaType(b.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: content type %q: %w", errFeature, b.Type, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(bytes.NewReader(b.Data), params["boundary"])
		for {
			part, err := r.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errFeature, err)
			}
			data, err := io.ReadAll(io.LimitReader(part, maxBody))
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errFeature, err)
			}
			n, err := fe.add(data)
			if err != nil {
				return nil, err
			}
			known += n
		}
	} else {
		if known, err = fe.add(b.Data); err != nil {
			return nil, err
		}
	}
	if known == 0 {
		return nil, fmt.Errorf("%w: no DoNotDisturbEvent or ForwardingEvent", errFeature)
	}
	return fe, nil
}

// add reads one document into fe; it returns 1 when it was an event the
// package defines, 0 for another document.
func (fe *FeatureEvent) add(data []byte) (int, error) {
	var doc xmlFeatureDoc
	if err := newXMLDecoder(data).Decode(&doc); err != nil {
		return 0, fmt.Errorf("%w: %w", errFeature, err)
	}
	switch doc.XMLName.Local {
	case "DoNotDisturbEvent":
		on, err := featureBool(doc.DoNotDisturbOn)
		if err != nil {
			return 0, err
		}
		fe.DND = &on
		return 1, nil
	case "ForwardingEvent":
		on, err := featureBool(doc.ForwardStatus)
		if err != nil {
			return 0, err
		}
		f := Forwarding{Type: strings.TrimSpace(doc.ForwardingType), On: on, To: strings.TrimSpace(doc.ForwardTo)}
		switch f.Type {
		case ForwardImmediate, ForwardBusy, ForwardNoAnswer:
		default:
			return 0, fmt.Errorf("%w: forwardingType %q", errFeature, f.Type)
		}
		if rc := strings.TrimSpace(doc.RingCount); rc != "" {
			n, err := strconv.Atoi(rc)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("%w: ringCount %q", errFeature, rc)
			}
			f.RingCount = n
		}
		fe.Forwarding = append(fe.Forwarding, f)
		return 1, nil
	}
	return 0, nil
}

func featureBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%w: boolean %q", errFeature, s)
}

// SetDoNotDisturbBody is the Set request turning do not disturb on or off
// for device (the line's user).
func SetDoNotDisturbBody(device string, on bool) Body {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<SetDoNotDisturb xmlns="` + featureNS + `">`)
	writeElement(&b, "device", device)
	writeElement(&b, "doNotDisturbOn", strconv.FormatBool(on))
	b.WriteString("</SetDoNotDisturb>\n")
	return Body{Type: FeatureEventType, Data: b.Bytes()}
}

// SetForwardingBody is the Set request for one forwarding rule of device.
func SetForwardingBody(device string, f Forwarding) Body {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<SetForwarding xmlns="` + featureNS + `">`)
	writeElement(&b, "device", device)
	writeElement(&b, "activateForward", strconv.FormatBool(f.On))
	writeElement(&b, "forwardingType", f.Type)
	if f.To != "" {
		writeElement(&b, "forwardDN", f.To)
	}
	if f.RingCount > 0 {
		writeElement(&b, "ringCount", strconv.Itoa(f.RingCount))
	}
	b.WriteString("</SetForwarding>\n")
	return Body{Type: FeatureEventType, Data: b.Bytes()}
}

func writeElement(b *bytes.Buffer, name, value string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}
