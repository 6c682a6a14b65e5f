package media

import (
	"math"
	"strings"
	"time"
)

// Quality is a voice-quality estimate from the ITU-T G.107 E-model.
type Quality struct {
	// R is the transmission rating factor, 0-100 (93.2 for a perfect
	// narrowband call).
	R float64
	// MOSLQ is the listening-quality MOS (without the delay impairment) and
	// MOSCQ the conversational MOS (with it), 1-4.5.
	MOSLQ float64
	MOSCQ float64
}

// Impairments are the inputs of the simplified E-model.
type Impairments struct {
	// Codec is the SDP encoding name; it selects the equipment impairment
	// Ie and the packet-loss robustness Bpl (ITU-T G.113 Appendix I).
	Codec string
	// Loss is the fraction of packets lost or discarded, 0-1.
	Loss float64
	// BurstR is the burst ratio (1 for random loss, >1 for bursty loss);
	// 0 means 1.
	BurstR float64
	// Delay is the one-way mouth-to-ear delay.
	Delay time.Duration
}

// codecImpairment gives Ie and Bpl. The values are G.113's for the
// narrowband codecs with packet loss concealment; G.722 is rated on the same
// narrowband scale as G.711 (a simplification: the wideband E-model of G.107.1
// would score it higher).
func codecImpairment(name string) (ie, bpl float64) {
	switch strings.ToUpper(name) {
	case "PCMU", "PCMA", "G722":
		return 0, 25.1
	case "G729", "G729A":
		return 11, 19
	case "G723":
		return 15, 16.1
	case "GSM":
		return 20, 10
	}
	return 0, 10
}

// EModel computes R and the MOS values: R = Ro - Is - Id - Ie,eff + A with
// G.107's default Ro - Is = 93.2 and A = 0.
func EModel(im Impairments) Quality {
	ie, bpl := codecImpairment(im.Codec)
	ppl := math.Min(math.Max(im.Loss, 0), 1) * 100
	burstR := im.BurstR
	if burstR < 1 {
		burstR = 1
	}
	ieEff := ie + (95-ie)*ppl/(ppl/burstR+bpl)

	d := float64(im.Delay) / float64(time.Millisecond)
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	const r0 = 93.2
	return Quality{
		R:     clampR(r0 - id - ieEff),
		MOSLQ: mosFromR(clampR(r0 - ieEff)),
		MOSCQ: mosFromR(clampR(r0 - id - ieEff)),
	}
}

func clampR(r float64) float64 { return math.Min(math.Max(r, 0), 100) }

// mosFromR is G.107's conversion of R to an estimated MOS.
func mosFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
}

// GapMin is Gmin of RFC 3611 §4.7.2, the threshold the phone classifies
// losses with: a loss closer than this many received packets to the
// previous one belongs to a burst.
const GapMin = 16

// burstGap classifies a stream of received/lost packets into bursts and gaps
// (RFC 3611 §4.7.2) and keeps the Markov transition counts the burst ratio
// needs. The zero value is ready.
type burstGap struct {
	run         int  // received packets since the last loss
	pending     bool // a loss after a long run: gap loss or the start of a burst
	inBurst     bool
	burstPkts   int
	burstLoss   int
	bursts      int
	gapPkts     int
	gapLoss     int
	lastLost    bool
	recvAfterOK int // transitions received -> received
	lostAfterOK int // received -> lost
	recvAfterLo int // lost -> received
	lostAfterLo int // lost -> lost
}

func (b *burstGap) add(lost bool) {
	if b.lastLost {
		if lost {
			b.lostAfterLo++
		} else {
			b.recvAfterLo++
		}
	} else {
		if lost {
			b.lostAfterOK++
		} else {
			b.recvAfterOK++
		}
	}
	b.lastLost = lost
	if !lost {
		b.run++
		if b.run >= GapMin {
			b.closeBurst()
		}
		return
	}
	switch {
	case b.inBurst || b.pending:
		// The loss is within Gmin of the previous one: burst.
		if !b.inBurst {
			b.inBurst = true
			b.bursts++
			b.burstPkts++ // the pending loss
			b.burstLoss++
			b.pending = false
		}
		b.burstPkts += b.run + 1
		b.burstLoss++
	default:
		b.gapPkts += b.run
		b.pending = true
	}
	b.run = 0
}

// closeBurst ends a burst or settles a pending loss as a gap loss once Gmin
// packets have arrived after it.
func (b *burstGap) closeBurst() {
	if b.pending {
		b.gapPkts++
		b.gapLoss++
		b.pending = false
	}
	if b.inBurst {
		b.inBurst = false
	}
	b.gapPkts += b.run
	b.run = 0
}

// metrics returns the densities (fractions) and mean durations in packets.
func (b *burstGap) metrics() (burstDensity, gapDensity, burstLen, gapLen float64) {
	gapPkts, gapLoss := b.gapPkts+b.run, b.gapLoss
	if b.pending {
		gapPkts++
		gapLoss++
	}
	if b.burstPkts > 0 {
		burstDensity = float64(b.burstLoss) / float64(b.burstPkts)
		burstLen = float64(b.burstPkts) / float64(b.bursts)
	}
	if gapPkts > 0 {
		gapDensity = float64(gapLoss) / float64(gapPkts)
		gapLen = float64(gapPkts) / float64(b.bursts+1)
	}
	return
}

// burstRatio is the E-model's BurstR from the two-state Markov model:
// 1/(p+q), p = P(lost | received), q = P(received | lost).
func (b *burstGap) burstRatio() float64 {
	okN := b.recvAfterOK + b.lostAfterOK
	loN := b.recvAfterLo + b.lostAfterLo
	if okN == 0 || loN == 0 || b.lostAfterOK == 0 {
		return 1
	}
	p := float64(b.lostAfterOK) / float64(okN)
	q := float64(b.recvAfterLo) / float64(loN)
	if p+q == 0 {
		return 1
	}
	return math.Max(1, 1/(p+q))
}
