package media

import (
	"time"
)

// The adaptive jitter buffer.
//
// Packets are stored by extended sequence number and played in sequence
// order, one 20 ms playout frame at a time from the engine's pacer. The
// playout delay follows the measured interarrival jitter: the buffer fills
// to a target (ptime + 3 × jitter, within [MinDelay, MaxDelay]) before
// playing, after an underrun and at the start of each talkspurt; it drops a
// packet when it has held more than target + 60 ms for a second. A missing
// packet with later ones behind it is lost: the decoder conceals it. Packets
// older than the playout point are late and discarded; those are the
// "discards" of RTCP-XR.

const (
	jbSlots = 64 // packets held at most (1.28 s of 20 ms packets)
	// jbSlotBytes is the payload room each slot gets up front: a 30 ms
	// G.711 or G.722 packet; larger packets grow their slot once.
	jbSlotBytes = 240
	// Default bounds of the playout delay.
	defaultMinDelay = 40 * time.Millisecond
	defaultMaxDelay = 300 * time.Millisecond
	// shrinkAfter is how long the buffer must hold too much before it drops
	// a packet.
	shrinkAfter = time.Second
	shrinkSlack = 60 * time.Millisecond
	// concealFrames is how many frames of an underrun the decoder conceals
	// before playing silence.
	concealFrames = 3
)

// packetKind tells what a stored packet carries.
type packetKind uint8

const (
	kindAudio packetKind = iota
	kindCN               // RFC 3389 comfort noise: payload[0] is the level
	kindEvent            // RFC 4733 telephone-event: plays as silence
)

type jbPacket struct {
	used    bool
	seq     uint64 // extended sequence number
	ts      uint32
	pt      uint8
	kind    packetKind
	marker  bool
	arrival time.Time
	payload []byte // owned; reused
}

// pushResult is what push did with a packet.
type pushResult uint8

const (
	pushStored pushResult = iota
	pushDuplicate
	pushLate
	pushReset // too far from the playout point: the buffer restarted
)

type jbState uint8

const (
	jbIdle      jbState = iota // buffering before the first packet plays
	jbPlaying                  // playing
	jbRefilling                // after an underrun or in silence: buffering again
)

// jitterBuffer is guarded by its session's receive mutex.
type jitterBuffer struct {
	slots    [jbSlots]jbPacket
	count    int
	state    jbState
	next     uint64 // next sequence number to play (valid when not idle)
	newest   uint64
	minDelay time.Duration
	maxDelay time.Duration

	waitSince  time.Time     // when buffering started
	overSince  time.Time     // when the buffer first held too much
	target     time.Duration // current playout delay target
	maxTarget  time.Duration
	pktDur     time.Duration // duration of the last audio packet
	lastKind   packetKind
	underrun   int           // frames produced since the buffer ran dry
	owed       time.Duration // time already filled by concealment during an underrun
	shrinkDrop uint64        // packets dropped to shrink the delay
	late       uint64
	bg         burstGap // the played/lost pattern, for RTCP-XR and the E-model
}

func (j *jitterBuffer) init(minDelay, maxDelay time.Duration) {
	j.minDelay, j.maxDelay = minDelay, maxDelay
	if j.minDelay <= 0 {
		j.minDelay = defaultMinDelay
	}
	if j.maxDelay <= 0 {
		j.maxDelay = defaultMaxDelay
	}
	if j.maxDelay < j.minDelay {
		j.maxDelay = j.minDelay
	}
	j.target = j.minDelay
	j.pktDur = 20 * time.Millisecond
	// One allocation for every slot's payload, rather than one per slot as
	// the call's first second of packets arrives.
	room := make([]byte, jbSlots*jbSlotBytes)
	for i := range j.slots {
		j.slots[i].payload = room[i*jbSlotBytes : i*jbSlotBytes : (i+1)*jbSlotBytes]
	}
}

// reset empties the buffer (new source, sequence restart).
func (j *jitterBuffer) reset() {
	for i := range j.slots {
		j.slots[i].used = false
	}
	j.count = 0
	j.state = jbIdle
	j.owed = 0
	j.underrun = 0
	j.overSince = time.Time{}
	j.waitSince = time.Time{}
}

func (j *jitterBuffer) slot(seq uint64) *jbPacket { return &j.slots[seq%jbSlots] }

// push stores a packet. It copies payload.
func (j *jitterBuffer) push(seq uint64, ts uint32, pt uint8, kind packetKind, marker bool, payload []byte, now time.Time) pushResult {
	res := pushStored
	if j.state != jbIdle {
		switch {
		case seq < j.next:
			j.late++
			return pushLate
		case seq >= j.next+jbSlots:
			// Far ahead of the playout point: the stream jumped. Start over
			// rather than stall.
			j.reset()
			res = pushReset
		}
	} else if j.count > 0 && (seq+jbSlots <= j.newest || seq >= j.newest+jbSlots) {
		j.reset()
		res = pushReset
	}
	s := j.slot(seq)
	if s.used {
		if s.seq == seq {
			return pushDuplicate
		}
		// An old packet that was never played (idle buffer wrapped).
		j.count--
	}
	s.used, s.seq, s.ts, s.pt, s.kind, s.marker, s.arrival = true, seq, ts, pt, kind, marker, now
	s.payload = append(s.payload[:0], payload...)
	j.count++
	if j.count == 1 || seq > j.newest {
		j.newest = seq
	}
	if j.waitSince.IsZero() {
		j.waitSince = now
	}
	return res
}

// oldest returns the lowest sequence number held.
func (j *jitterBuffer) oldest() (uint64, bool) {
	if j.count == 0 {
		return 0, false
	}
	var lo uint64
	found := false
	start := uint64(0)
	if j.newest >= jbSlots-1 {
		start = j.newest - (jbSlots - 1)
	}
	for seq := start; seq <= j.newest; seq++ {
		if s := j.slot(seq); s.used && s.seq == seq {
			lo, found = seq, true
			break
		}
	}
	return lo, found
}

// buffered is the time the held packets from the playout point cover.
func (j *jitterBuffer) buffered() time.Duration {
	if j.count == 0 {
		return 0
	}
	from := j.next
	if j.state == jbIdle {
		from, _ = j.oldest()
	}
	if j.newest < from {
		return 0
	}
	return time.Duration(j.newest-from+1) * j.pktDur
}

// setJitter adapts the target delay to the interarrival jitter.
func (j *jitterBuffer) setJitter(jitter time.Duration) {
	t := j.pktDur + 3*jitter
	t = min(max(t, j.minDelay), j.maxDelay)
	j.target = t
	j.maxTarget = max(j.maxTarget, t)
}

// playoutStep is what the playout should do for the next piece of audio.
type playoutStep uint8

const (
	stepPacket   playoutStep = iota // decode/play *pkt
	stepConceal                     // a packet is lost: conceal one packet's time
	stepUnderrun                    // the buffer ran dry in speech: conceal, not a loss
	stepSilence                     // nothing to play (buffering, silence)
	stepCN                          // comfort noise at the last level
)

// nextStep decides the next piece of audio, frame is the playout frame
// duration. For stepPacket it returns the packet, valid until the next push.
func (j *jitterBuffer) nextStep(now time.Time, frame time.Duration) (playoutStep, *jbPacket) {
	for {
		if j.state != jbPlaying {
			ready := j.count > 0 && (j.buffered() >= j.target || now.Sub(j.waitSince) >= j.target)
			if !ready {
				if j.count == 0 {
					j.waitSince = time.Time{}
				}
				if j.state == jbRefilling && j.lastKind == kindAudio {
					// An underrun in speech: conceal a little, then silence.
					j.underrun++
					if j.underrun <= concealFrames {
						j.owed += frame
						return stepUnderrun, nil
					}
				}
				return j.emptyStep(), nil
			}
			if j.state == jbIdle {
				j.next, _ = j.oldest()
			}
			j.state = jbPlaying
			j.waitSince = time.Time{}
		}

		s := j.slot(j.next)
		if s.used && s.seq == j.next {
			if j.shouldShrink(now) {
				j.drop(s)
				j.shrinkDrop++
				continue
			}
			j.owed = 0
			j.underrun = 0
			j.bg.add(false)
			return stepPacket, s
		}
		if j.count > 0 && j.newest > j.next {
			// Lost: later packets are here. Time already filled during an
			// underrun is not filled twice.
			j.next++
			j.bg.add(true)
			if j.owed > 0 {
				j.owed -= j.pktDur
				continue
			}
			return stepConceal, nil
		}
		// Empty: silence (DTX) or an underrun; refill to the target.
		j.state = jbRefilling
		j.waitSince = time.Time{}
	}
}

func (j *jitterBuffer) emptyStep() playoutStep {
	if j.lastKind == kindCN {
		return stepCN
	}
	return stepSilence
}

// played marks the packet returned by nextStep as consumed.
func (j *jitterBuffer) played(s *jbPacket, dur time.Duration) {
	if s.kind == kindAudio && dur > 0 {
		j.pktDur = dur
	}
	j.lastKind = s.kind
	j.drop(s)
}

func (j *jitterBuffer) drop(s *jbPacket) {
	s.used = false
	j.count--
	j.next = s.seq + 1
}

// shouldShrink reports whether the buffer has held too much for long
// enough that the next packet should be dropped.
func (j *jitterBuffer) shouldShrink(now time.Time) bool {
	if j.buffered() <= j.target+shrinkSlack {
		j.overSince = time.Time{}
		return false
	}
	if j.overSince.IsZero() {
		j.overSince = now
		return false
	}
	if now.Sub(j.overSince) < shrinkAfter {
		return false
	}
	j.overSince = now
	return true
}
