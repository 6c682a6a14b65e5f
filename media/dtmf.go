package media

import (
	"encoding/binary"
	"time"
)

// RFC 4733 telephone-event payload: event (8 bits), end bit, reserved bit,
// volume (6 bits, dBm0 without the sign), duration (16 bits, timestamp units).
const eventPayloadLen = 4

// Telephone events 0-15 are the DTMF digits 0-9, *, #, A-D (RFC 4733 §3.2);
// 16 is flash.
const eventDigits = "0123456789*#ABCD"

// digitEvent returns the event code of a DTMF digit.
func digitEvent(d rune) (uint8, bool) {
	if d >= 'a' && d <= 'd' {
		d -= 'a' - 'A'
	}
	for i, c := range eventDigits {
		if c == d {
			return uint8(i), true
		}
	}
	return 0, false
}

// eventDigit returns the digit of an event code, or 0 for non-DTMF events.
func eventDigit(ev uint8) rune {
	if int(ev) < len(eventDigits) {
		return rune(eventDigits[ev])
	}
	return 0
}

type telephoneEvent struct {
	event    uint8
	end      bool
	volume   uint8
	duration uint16
}

func parseTelephoneEvent(p []byte) (telephoneEvent, bool) {
	if len(p) < eventPayloadLen {
		return telephoneEvent{}, false
	}
	return telephoneEvent{
		event:    p[0],
		end:      p[1]&0x80 != 0,
		volume:   p[1] & 0x3f,
		duration: binary.BigEndian.Uint16(p[2:4]),
	}, true
}

func (e telephoneEvent) put(b []byte) {
	b[0] = e.event
	b[1] = e.volume & 0x3f
	if e.end {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], e.duration)
}

// DTMF levels: voip/audio/gain/dtmf_tone_signal_level runs 1-32 (default
// 16), louder as it rises. The phone maps it onto the RFC 4733 volume field
// (the tone power in -dBm0, 0-63) as volume = 32 - level, so 32 sends 0 dBm0,
// the default 16 sends -16 dBm0 and 1 sends -31 dBm0.
const (
	DefaultDTMFLevel = 16
	minDTMFLevel     = 1
	maxDTMFLevel     = 32
)

func dtmfVolume(level int) uint8 {
	if level == 0 {
		level = DefaultDTMFLevel
	}
	level = min(max(level, minDTMFLevel), maxDTMFLevel)
	return uint8(32 - level)
}

// DTMF timing.
const (
	// DefaultDTMFDuration is the tone length when SendDTMF is given 0.
	DefaultDTMFDuration = 100 * time.Millisecond
	minDTMFDuration     = 40 * time.Millisecond
	maxDTMFDuration     = 5 * time.Second
	// dtmfEndRepeats is how many times the end packet is sent (RFC 4733
	// §2.5.1.4 recommends three).
	dtmfEndRepeats = 3
	// dtmfGapFrames is the pause between queued digits, in packets.
	dtmfGapFrames = 3
	dtmfQueueLen  = 32
)

type dtmfRequest struct {
	event    uint8
	duration time.Duration
}

// dtmfSender is the pacer's state of the digit being sent.
type dtmfSender struct {
	active   bool
	req      dtmfRequest
	startTS  uint32
	elapsed  uint32 // timestamp units sent so far
	target   uint32
	endsSent int
	gap      int // packets to wait before the next digit
}

// dtmfReceiver tells new events from repeated packets of the same one.
type dtmfReceiver struct {
	have  bool
	ts    uint32
	ended bool
}
