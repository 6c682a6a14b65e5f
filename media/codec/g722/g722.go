package g722

import "io"

// Rates of G.722 as RTP sees it.
const (
	SampleRate = 16000 // PCM samples per second
	ClockRate  = 8000  // RTP timestamp ticks per second (RFC 3551)
	Bitrate    = 64000 // mode 1, the only mode the phones send
)

// Encoder codes 16 kHz PCM into G.722. The zero value is ready to use; an
// Encoder is not safe for concurrent use.
type Encoder struct {
	started bool
	low     band
	high    band
	x       qmfHistory
}

// NewEncoder returns an encoder in its initial state.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.Reset()
	return e
}

// Reset returns the encoder to its initial state (a new stream).
func (e *Encoder) Reset() {
	e.low.reset(detLow0)
	e.high.reset(detHigh0)
	e.x = qmfHistory{}
	e.started = true
}

// Encode codes pcm, an even number of samples, into dst (one byte per pair)
// and returns the bytes written. It returns io.ErrShortBuffer when dst holds
// fewer than len(pcm)/2 bytes and ErrOddLength for an odd len(pcm).
func (e *Encoder) Encode(dst []byte, pcm []int16) (int, error) {
	if len(pcm)%2 != 0 {
		return 0, ErrOddLength
	}
	n := len(pcm) / 2
	if len(dst) < n {
		return 0, io.ErrShortBuffer
	}
	if !e.started {
		e.Reset()
	}
	dst = dst[:n]
	for i := range dst {
		// Transmit QMF: the sums of even and odd taps give the two bands.
		odd, even := e.x.push(int32(pcm[2*i]), int32(pcm[2*i+1]))
		il := e.low.encodeLow((even + odd) >> 14)
		ih := e.high.encodeHigh((even - odd) >> 14)
		dst[i] = byte(ih<<6 | il)
	}
	return n, nil
}

// encodeLow quantises one lower sub-band sample to 6 bits (SUBTL, QUANTL)
// and updates the band from the 4-bit code, as the decoder will.
func (b *band) encodeLow(xl int32) int32 {
	el := sat(xl - b.s)
	m := el
	if el < 0 {
		m = -(el + 1)
	}
	// The first decision level above m (QUANTL compares in order; the
	// levels grow, so a binary search finds the same interval).
	i, hi := 1, len(q6)
	for i < hi {
		mid := (i + hi) / 2
		if m < q6[mid]*b.det>>12 {
			hi = mid
		} else {
			i = mid + 1
		}
	}
	var il int32
	if el < 0 {
		il = codeNeg[i]
	} else {
		il = codePos[i]
	}
	c := il >> 2
	dq := b.det * qm4[c] >> 15
	b.adaptLow(c)
	b.predict(dq)
	return il
}

// encodeHigh quantises one higher sub-band sample to 2 bits (SUBTH, QUANTH).
func (b *band) encodeHigh(xh int32) int32 {
	eh := sat(xh - b.s)
	m := eh
	if eh < 0 {
		m = -(eh + 1)
	}
	large := m >= 564*b.det>>12
	var ih int32
	switch {
	case eh < 0 && large:
		ih = 0
	case eh < 0:
		ih = 1
	case large:
		ih = 2
	default:
		ih = 3
	}
	dq := b.det * qm2[ih] >> 15
	b.adaptHigh(ih)
	b.predict(dq)
	return ih
}

// Decoder turns G.722 bytes back into 16 kHz PCM. The zero value is ready to
// use; a Decoder is not safe for concurrent use.
type Decoder struct {
	started bool
	low     band
	high    band
	x       qmfHistory
}

// NewDecoder returns a decoder in its initial state.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.Reset()
	return d
}

// Reset returns the decoder to its initial state (a new stream).
func (d *Decoder) Reset() {
	d.low.reset(detLow0)
	d.high.reset(detHigh0)
	d.x = qmfHistory{}
	d.started = true
}

// Decode decodes payload into dst (two samples per byte) and returns the
// samples written, or io.ErrShortBuffer when dst is too small. Every byte
// value is a valid code, so any payload decodes.
func (d *Decoder) Decode(dst []int16, payload []byte) (int, error) {
	n := 2 * len(payload)
	if len(dst) < n {
		return 0, io.ErrShortBuffer
	}
	if !d.started {
		d.Reset()
	}
	for i, code := range payload {
		il := int32(code & 0x3f)
		ih := int32(code >> 6)

		// Lower band: reconstruct from all 6 bits, adapt from the top 4.
		lo := &d.low
		rl := min(max(lo.s+lo.det*qm6[il]>>15, -16384), 16383)
		c := il >> 2
		dql := lo.det * qm4[c] >> 15
		lo.adaptLow(c)
		lo.predict(dql)

		hi := &d.high
		dqh := hi.det * qm2[ih] >> 15
		rh := min(max(hi.s+dqh, -16384), 16383)
		hi.adaptHigh(ih)
		hi.predict(dqh)

		// Receive QMF.
		even, odd := d.x.push(rl+rh, rl-rh)
		dst[2*i] = int16(sat(odd >> 11))
		dst[2*i+1] = int16(sat(even >> 11))
	}
	return n, nil
}

// qmfHistory is the last 24 QMF inputs, kept twice over in a ring so the
// window is always one contiguous slice and nothing moves per sample pair.
type qmfHistory struct {
	buf [48]int32
	pos int // where the next pair goes, even, 0..22
}

// push adds a pair of inputs (the older first) and returns the filter's two
// partial sums over the window: taps h0, h2, … h22 against the inputs at
// even window positions, and h1, h3, … h23 against the odd ones.
func (q *qmfHistory) push(first, second int32) (evenTaps, oddTaps int32) {
	j := q.pos
	q.buf[j], q.buf[j+1] = first, second
	q.buf[j+24], q.buf[j+25] = first, second
	w := (*[24]int32)(q.buf[j+2 : j+26])
	q.pos = (j + 2) % 24
	for k := range 12 {
		evenTaps += w[2*k] * qmf[k]
		oddTaps += w[2*k+1] * qmf[11-k]
	}
	return evenTaps, oddTaps
}
