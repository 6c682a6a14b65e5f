package audio

import "fmt"

// Mixer mixes a local conference: every party's frame goes in, and every
// party gets the sum of all the others (a mix-minus), so nobody hears
// themselves. For the phone's local three-way call the parties are the
// local microphone and the two remote streams: the speaker plays both
// remotes, each remote hears the microphone and the other remote.
//
// Sums saturate at 16 bits. A Mixer holds no audio between calls; it only
// keeps a scratch buffer, so it allocates nothing after the first frame.
type Mixer struct {
	acc []int32
}

// Mix reads in[i], party i's frame (nil = silent), and writes to out[i]
// the sum of every other party's frame. All non-nil frames and every out[i]
// must have the same length; in and out have one entry per party.
func (m *Mixer) Mix(out, in [][]int16) error {
	if len(in) != len(out) {
		return fmt.Errorf("%w: %d inputs, %d outputs", ErrFrame, len(in), len(out))
	}
	n := -1
	for i, f := range out {
		if n == -1 {
			n = len(f)
		}
		if len(f) != n || in[i] != nil && len(in[i]) != n {
			return fmt.Errorf("%w: party %d frame length differs", ErrFrame, i)
		}
	}
	if n <= 0 {
		return nil
	}
	if cap(m.acc) < n {
		m.acc = make([]int32, n)
	}
	acc := m.acc[:n]
	clear(acc)
	for _, f := range in {
		for j, s := range f {
			acc[j] += int32(s)
		}
	}
	for i, o := range out {
		own := in[i]
		for j := range o {
			v := acc[j]
			if own != nil {
				v -= int32(own[j])
			}
			o[j] = int16(max(-32768, min(32767, v)))
		}
	}
	return nil
}
