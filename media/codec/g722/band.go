package g722

// band is the adaptive state of one sub-band, shared by encoder and decoder
// (both run the same predictor on the same quantised differences, which is
// what keeps them in step). All values stay in the 16-bit range of the
// Recommendation; int32 only saves conversions.
type band struct {
	nb  int32 // log scale factor (NBL / NBH)
	det int32 // scale factor (DETL / DETH)
	s   int32 // signal estimate (SL / SH)
	sz  int32 // zero-section part of the estimate (SZL / SZH)

	r1, r2 int32    // reconstructed signal, one and two samples ago
	p1, p2 int32    // partially reconstructed signal, one and two samples ago
	a1, a2 int32    // pole predictor coefficients
	b      [6]int32 // zero predictor coefficients
	d      [6]int32 // quantised differences, newest first
}

func (b *band) reset(det0 int32) { *b = band{det: det0} }

// sat clips to the 16-bit range, as every adder of the Recommendation does.
func sat(x int32) int32 {
	if x > 32767 {
		return 32767
	}
	if x < -32768 {
		return -32768
	}
	return x
}

// scale turns the log scale factor into the linear one (SCALEL with shift 8,
// SCALEH with shift 10).
func scale(nb, shift int32) int32 {
	m := ilb[(nb>>6)&31]
	e := shift - nb>>11
	if e < 0 {
		m <<= -e
	} else {
		m >>= e
	}
	return m << 2
}

// adapt updates the lower-band scale factor after code class c (LOGSCL and
// SCALEL).
func (b *band) adaptLow(c int32) {
	nb := b.nb*127>>7 + wl[mag4[c]]
	b.nb = min(max(nb, 0), nbMaxLow)
	b.det = scale(b.nb, 8)
}

// adaptHigh is LOGSCH and SCALEH for the 2-bit higher-band code.
func (b *band) adaptHigh(ih int32) {
	nb := b.nb*127>>7 + wh[mag2[ih]]
	b.nb = min(max(nb, 0), nbMaxHigh)
	b.det = scale(b.nb, 10)
}

// predict feeds one quantised difference dq through the adaptive predictor
// (RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA/DELAYZ, FILTEP, FILTEZ and
// PREDIC) and leaves the next signal estimate in b.s.
func (b *band) predict(dq int32) {
	r := sat(b.s + dq)
	p := sat(b.sz + dq)

	// flip is 0 when p and its predecessor share a sign bit and -1 when not;
	// (v^flip)-flip is then v or -v without a branch.
	flip1 := (p ^ b.p1) >> 31
	flip2 := (p ^ b.p2) >> 31

	// Second pole: pulled towards the sign agreement of p with its past.
	w := sat(b.a1 << 2)
	w = min(-((w ^ flip1) - flip1), 32767)
	a2 := w>>7 + (128 ^ flip2) - flip2 + b.a2*32512>>15
	a2 = min(max(a2, -12288), 12288)

	// First pole, limited so that the pair stays stable.
	a1 := sat(b.a1*32640>>15 + (192 ^ flip1) - flip1)
	lim := sat(15360 - a2)
	a1 = min(max(a1, -lim), lim)

	b.r2, b.r1 = b.r1, r
	b.p2, b.p1 = b.p1, p
	b.a1, b.a2 = a1, a2
	sp := sat(a1*sat(r+r)>>15 + a2*sat(b.r2+b.r2)>>15)

	// Zeros: sign-sign update with leakage against the past differences,
	// then the differences move down one place (DELAYZ) and the zero section
	// runs on the new coefficients (FILTEZ).
	var step int32
	if dq != 0 {
		step = 128
	}
	var sz int32
	d := &b.d
	c := &b.b
	for i := 5; i > 0; i-- {
		f := (dq ^ d[i]) >> 31
		c[i] = sat(c[i]*32640>>15 + (step ^ f) - f)
		d[i] = d[i-1]
		sz += c[i] * sat(d[i]+d[i]) >> 15
	}
	f := (dq ^ d[0]) >> 31
	c[0] = sat(c[0]*32640>>15 + (step ^ f) - f)
	d[0] = dq
	sz += c[0] * sat(dq+dq) >> 15

	b.sz = sat(sz)
	b.s = sat(sp + b.sz)
}
