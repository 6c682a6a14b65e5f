package media

// convertRate converts 16-bit PCM between 8 and 16 kHz (the only rates the
// phone's codecs use) into dst and returns the samples written: 2:1 by
// averaging pairs, 1:2 by linear interpolation. It is a cheap stage for a
// session whose audio device runs at another rate than the codec; for equal
// rates it copies. prev carries the last input sample between calls.
func convertRate(dst, src []int16, from, to int, prev *int16) int {
	switch {
	case from == to || from == 0 || to == 0:
		return copy(dst, src)
	case from == 2*to:
		n := min(len(src)/2, len(dst))
		for i := range n {
			dst[i] = int16((int32(src[2*i]) + int32(src[2*i+1])) / 2)
		}
		if len(src) > 0 {
			*prev = src[len(src)-1]
		}
		return n
	case to == 2*from:
		n := min(len(src), len(dst)/2)
		p := int32(*prev)
		for i := range n {
			s := int32(src[i])
			dst[2*i] = int16((p + s) / 2)
			dst[2*i+1] = int16(s)
			p = s
		}
		if n > 0 {
			*prev = src[n-1]
		}
		return 2 * n
	}
	// Other ratios do not occur with the phone's codecs; pass through.
	return copy(dst, src)
}
