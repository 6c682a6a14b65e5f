package media

import (
	"net/netip"
	"time"
)

// Drops counts received packets the phone threw away, by reason. None of
// them stops the stream.
type Drops struct {
	Malformed      uint64 // not RTP (short, wrong version, bad padding)
	Oversize       uint64 // larger than the receive buffer
	BeforeStart    uint64 // arrived before the stream was negotiated
	UnknownPayload uint64 // a payload type that was not negotiated
	WrongSource    uint64 // from another address than the latched one
	WrongSSRC      uint64 // another SSRC than the stream's (on probation)
	SequenceJump   uint64 // an unconfirmed jump of the sequence number
	SRTPAuth       uint64 // SRTP/SRTCP authentication failed
	SRTPReplay     uint64 // SRTP replayed packet
	Duplicate      uint64 // a sequence number already held
	Late           uint64 // arrived after its playout time
	RTCPMalformed  uint64
}

// RemoteReport is what the far end said about the phone's stream in RTCP.
type RemoteReport struct {
	At           time.Time
	FractionLost float64 // in the last interval, 0-1
	Lost         int64   // cumulative
	Jitter       time.Duration
	// XR carries the far end's RTCP-XR VoIP metrics, when it sends them.
	XR *VoIPMetrics
}

// VoIPMetrics is the content of an RFC 3611 VoIP Metrics block, in plain
// units.
type VoIPMetrics struct {
	LossRate      float64 // fraction of packets lost in the network
	DiscardRate   float64 // fraction discarded by the jitter buffer
	BurstDensity  float64
	GapDensity    float64
	BurstDuration time.Duration
	GapDuration   time.Duration
	RoundTrip     time.Duration
	EndSystem     time.Duration
	R             float64 // 0-100; -1 when unavailable
	MOSLQ, MOSCQ  float64 // 1-5; 0 when unavailable
	JBNominal     time.Duration
	JBMaximum     time.Duration
	JBAbsMax      time.Duration
}

// Stats is a snapshot of a session.
type Stats struct {
	Codec      string
	LocalSSRC  uint32
	RemoteSSRC uint32
	SendTo     netip.AddrPort // where RTP goes (after latching)
	Latched    bool           // the far end sends from another address than it signalled, and the phone follows it

	PacketsSent     uint64
	OctetsSent      uint64 // payload octets, as in RTCP SR
	PacketsReceived uint64
	OctetsReceived  uint64
	// Lost is RFC 3550's cumulative count (expected - received).
	Lost int64
	// LossRate is Lost over the packets expected, 0-1.
	LossRate float64
	// Discarded counts packets the jitter buffer threw away (late ones and
	// those dropped to shrink the delay).
	Discarded uint64
	// Concealed counts packet times the decoder concealed; PLC says the
	// receive codec conceals losses at all.
	Concealed uint64
	PLC       bool
	// Jitter is RFC 3550's interarrival jitter.
	Jitter time.Duration
	// PlayoutDelay is the jitter buffer's current target.
	PlayoutDelay time.Duration
	// RTT is the round trip from RTCP (0 until known).
	RTT time.Duration
	// Quality is the E-model estimate of what the phone hears.
	Quality Quality
	Metrics VoIPMetrics
	// Remote is the far end's view of the phone's stream.
	Remote RemoteReport

	DTMFSent     uint64
	DTMFReceived uint64
	RTCPSent     uint64
	RTCPReceived uint64
	XRSent       uint64
	Drops        Drops
	// EventsDropped counts events lost because nobody read Events.
	EventsDropped uint64
}

// EventKind tells what an Event reports.
type EventKind uint8

const (
	// EventDTMF: a telephone-event began (Digit).
	EventDTMF EventKind = iota + 1
	// EventDTMFEnd: a telephone-event ended (Digit, Duration, Volume).
	EventDTMFEnd
	// EventLatched: the far end sends from Remote, not from the address in
	// its SDP; the phone now sends there (symmetric RTP).
	EventLatched
	// EventSSRC: the far end's stream changed its SSRC (a new source took
	// over, e.g. after a transfer).
	EventSSRC
	// EventQuality: the 5-second voice-quality metrics (XR mode not DISABLE).
	EventQuality
	// EventBye: the far end sent RTCP BYE.
	EventBye
	// EventPageStart: a page began arriving (Remote, SSRC).
	EventPageStart
	// EventPageEnd: no page RTP for end_income_paging_timeout.
	EventPageEnd
)

var eventNames = map[EventKind]string{
	EventDTMF: "dtmf", EventDTMFEnd: "dtmf-end", EventLatched: "latched", EventSSRC: "ssrc",
	EventQuality: "quality", EventBye: "bye", EventPageStart: "page-start", EventPageEnd: "page-end",
}

func (k EventKind) String() string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return "event"
}

// Event is something that happened on a stream.
type Event struct {
	Kind     EventKind
	At       time.Time
	Digit    rune
	Duration time.Duration
	Volume   int // telephone-event volume, -dBm0
	Remote   netip.AddrPort
	SSRC     uint32
	Quality  Quality
	Metrics  VoIPMetrics
}
