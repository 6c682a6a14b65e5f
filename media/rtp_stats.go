package media

import (
	"math"
	"time"
)

// RFC 3550 Appendix A.1: sequence number validity.
const (
	maxDropout    = 3000
	maxMisorder   = 100
	minSequential = 2
	seqMod        = 1 << 16
)

// seqTracker follows one source's sequence numbers: extended numbers,
// expected and received counts, and restarts after a jump.
type seqTracker struct {
	started  bool
	maxSeq   uint16
	cycles   uint64
	baseSeq  uint64
	badSeq   uint32 // seqMod+1 when none
	received uint64
	// interval counts for the fraction lost of the next report
	expectedPrior uint64
	receivedPrior uint64
}

func (s *seqTracker) init(seq uint16) {
	s.started = true
	s.baseSeq = uint64(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.expectedPrior = 0
	s.receivedPrior = 0
}

// seqVerdict is update's judgement of a packet.
type seqVerdict uint8

const (
	seqOK        seqVerdict = iota
	seqRestarted            // the source jumped and restarted: reset what depends on it
	seqBad                  // a jump not (yet) confirmed: drop
)

// update takes a packet's sequence number and returns its extended number.
func (s *seqTracker) update(seq uint16) (uint64, seqVerdict) {
	if !s.started {
		s.init(seq)
		s.received = 1
		return uint64(seq), seqOK
	}
	udelta := uint16(seq - s.maxSeq)
	switch {
	case udelta < maxDropout:
		// In order, with a permissible gap.
		if seq < s.maxSeq {
			s.cycles += seqMod
		}
		s.maxSeq = seq
		s.received++
		return s.cycles + uint64(seq), seqOK
	case int(udelta) <= seqMod-maxMisorder:
		// A very large jump. Two sequential packets after it mean the
		// source restarted (RFC 3550: a reset or a new sender).
		if uint32(seq) == s.badSeq {
			s.init(seq)
			s.received = 1
			return uint64(seq), seqRestarted
		}
		s.badSeq = uint32(seq+1) & (seqMod - 1)
		return 0, seqBad
	default:
		// Duplicate or reordered.
		s.received++
		if seq > s.maxSeq && s.cycles >= seqMod {
			return s.cycles - seqMod + uint64(seq), seqOK
		}
		return s.cycles + uint64(seq), seqOK
	}
}

func (s *seqTracker) extendedMax() uint64 { return s.cycles + uint64(s.maxSeq) }

func (s *seqTracker) expected() uint64 {
	if !s.started {
		return 0
	}
	return s.extendedMax() - s.baseSeq + 1
}

// lost is the cumulative number of packets lost (negative with duplicates).
func (s *seqTracker) lost() int64 { return int64(s.expected()) - int64(s.received) }

// fractionLost returns the fraction lost since the previous call, as the
// 8-bit fixed point of an RTCP report block, and starts a new interval.
func (s *seqTracker) fractionLost() uint8 {
	exp := s.expected()
	expInt := exp - s.expectedPrior
	s.expectedPrior = exp
	recInt := s.received - s.receivedPrior
	s.receivedPrior = s.received
	if expInt == 0 || recInt >= expInt {
		return 0
	}
	return uint8(((expInt - recInt) << 8) / expInt)
}

// jitterEstimator is RFC 3550 A.8: the interarrival jitter in timestamp
// units.
type jitterEstimator struct {
	have    bool
	transit int64
	jitter  float64
}

func (j *jitterEstimator) update(arrival time.Duration, ts uint32, clockRate int) {
	arr := int64(arrival) * int64(clockRate) / int64(time.Second)
	transit := arr - int64(ts)
	if !j.have {
		j.have = true
		j.transit = transit
		return
	}
	d := transit - j.transit
	j.transit = transit
	// A timestamp wrap or a new talkspurt after a long silence can give a
	// huge difference; RFC 3550 takes it as is, but one outlier of minutes
	// would drown the estimate for a long time, so cap it at a second.
	if d < 0 {
		d = -d
	}
	d = min(d, int64(clockRate))
	j.jitter += (float64(d) - j.jitter) / 16
}

func (j *jitterEstimator) units() uint32 { return uint32(math.Round(j.jitter)) }

func (j *jitterEstimator) duration(clockRate int) time.Duration {
	if clockRate <= 0 {
		return 0
	}
	return time.Duration(j.jitter * float64(time.Second) / float64(clockRate))
}
