package media

import "github.com/hdphone/hdphone/media/audio/resample"

// rateConverter converts a stream between 8 and 16 kHz (the only rates the
// phone's codecs use) with the half-band filters of media/audio/resample,
// for a session whose audio device runs at another rate than its codec. It
// keeps filter history, so one converter serves one stream direction.
type rateConverter struct {
	up   resample.Up
	down resample.Down
}

// convert writes src, converted from rate from to rate to, into dst and
// returns the samples written; other ratios (which the phone's codecs never
// need) and equal rates copy.
func (c *rateConverter) convert(dst, src []int16, from, to int) int {
	switch {
	case to == 2*from:
		if n, err := c.up.Process(dst, src); err == nil {
			return n
		}
	case from == 2*to:
		if n, err := c.down.Process(dst, src); err == nil {
			return n
		}
	}
	return copy(dst, src)
}
