package tone

import (
	"fmt"
	"math"
	"time"
)

// DTMF frequencies (ITU-T Q.23): rows are the low group, columns the high.
var (
	dtmfRows = [4]float64{697, 770, 852, 941}
	dtmfCols = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys = [4][4]byte{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// DTMF returns the tone of one key (0-9, *, #, A-D) for d at levels
// (dBm0) of the low and high group, followed by gap of silence, played
// once. Q.24 asks for at least 40 ms of tone and 40 ms of pause.
func DTMF(key byte, d, gap time.Duration, low, high float64) (Tone, error) {
	for r := range 4 {
		for c := range 4 {
			if dtmfKeys[r][c] != key {
				continue
			}
			t := Tone{Name: "DTMF " + string(key), Steps: []Step{{
				Freq:  [2]float64{dtmfRows[r], dtmfCols[c]},
				Level: [2]float64{low, high},
				Dur:   d,
			}}}
			if gap > 0 {
				t.Steps = append(t.Steps, off(int(gap/time.Millisecond)))
			}
			return t, nil
		}
	}
	return Tone{}, fmt.Errorf("tone: %q is not a DTMF key", key)
}

// DTMFDetector finds DTMF digits in a stream of PCM. Feed it with Write;
// Digits returns what it heard. The zero value is not usable: make one with
// NewDTMFDetector.
//
// Each block of about 25.6 ms (205 samples at 8 kHz), advanced by half a
// block, is checked for exactly one row and one column frequency, each
// above MinLevel, at most 8 dB apart (twist), each 8 dB or more above the
// other frequencies of its group, and together carrying most of the block's
// energy (which rejects speech and noise). A digit counts once it is seen in
// two blocks in a row, and again only after a block without it.
type DTMFDetector struct {
	rate     int
	block    int
	buf      []int16
	fill     int
	prev     byte // digit decided in the previous block, 0 = none
	latched  byte // digit already reported and still sounding
	digits   []byte
	win      *windowed
	MinLevel float64 // dBm0 per frequency; -30 unless changed
}

// NewDTMFDetector returns a detector for PCM at rate (8000 or 16000).
func NewDTMFDetector(rate int) (*DTMFDetector, error) {
	if rate != 8000 && rate != 16000 {
		return nil, ErrRate
	}
	b := 205 * rate / 8000
	return &DTMFDetector{rate: rate, block: b, buf: make([]int16, b), win: newWindowed(b), MinLevel: -30}, nil
}

// Write feeds samples.
func (d *DTMFDetector) Write(pcm []int16) {
	hop := d.block / 2
	for len(pcm) > 0 {
		n := copy(d.buf[d.fill:], pcm)
		d.fill += n
		pcm = pcm[n:]
		if d.fill < d.block {
			return
		}
		d.win.load(d.buf)
		d.decide(classify(d.win, d.buf, d.rate, d.MinLevel))
		copy(d.buf, d.buf[hop:])
		d.fill -= hop
	}
}

func (d *DTMFDetector) decide(k byte) {
	if k != 0 && k == d.prev && k != d.latched {
		d.digits = append(d.digits, k)
		d.latched = k
	}
	if k != d.latched {
		d.latched = 0 // released: the same key may count again
	}
	d.prev = k
}

// Digits returns the digits heard so far.
func (d *DTMFDetector) Digits() string { return string(d.digits) }

// DetectDTMF returns the digits in a recording.
func DetectDTMF(pcm []int16, rate int) (string, error) {
	d, err := NewDTMFDetector(rate)
	if err != nil {
		return "", err
	}
	d.Write(pcm)
	return d.Digits(), nil
}

// classify returns the key a block holds, or 0.
func classify(w *windowed, block []int16, rate int, minLevel float64) byte {
	var rows, cols [4]float64
	for i := range 4 {
		rows[i] = w.level(rate, dtmfRows[i])
		cols[i] = w.level(rate, dtmfCols[i])
	}
	r, rl := strongest(rows)
	c, cl := strongest(cols)
	if rl < minLevel || cl < minLevel || math.Abs(rl-cl) > 8 {
		return 0
	}
	for i := range 4 {
		if i != r && rows[i] > rl-8 || i != c && cols[i] > cl-8 {
			return 0
		}
	}
	// The two tones must carry most of the block's power: a sine at L dBm0
	// has mean power (amplitude²/2).
	var total float64
	for _, x := range block {
		total += float64(x) * float64(x)
	}
	total /= float64(len(block))
	ar, ac := Amplitude(rl), Amplitude(cl)
	if (ar*ar+ac*ac)/2 < 0.6*total {
		return 0
	}
	return dtmfKeys[r][c]
}

func strongest(l [4]float64) (int, float64) {
	best := 0
	for i := 1; i < 4; i++ {
		if l[i] > l[best] {
			best = i
		}
	}
	return best, l[best]
}
